# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A new user's first runs: a playbook written from the README and the habits of alibaba.alicloud and amazon.aws,
on a VPC where nothing exists yet.

`--check --diff` plans the whole stack (groups that earlier tasks would create, rules between them by name,
membership, tags, audit) with zero mutating calls, and its per-task `changed` and diff equal those of the real
run that follows. A second run changes nothing, and the first mistakes users make fail clearly.
"""

import json
import re

VPC = 'vpc-demo0000000000000001'
DEFAULT_GROUP = 'sg-demovpcdefault000001'
WEB_INSTANCES = ['i-demoweb0000000000001', 'i-demoweb0000000000002']
REDIS_INSTANCE = 'i-demoredis00000000001'
OWN_ACCOUNT = '1234567890123456'  # the emulator's account (emulator.EMULATOR_ACCOUNT_ID)

# The stack, written as users write it: alibaba.alicloud keys on one rule, amazon.aws keys on others, groups by name.
STACK = [
    {'name': 'Web tier group', 'cloudwall.alicloud.sg': {'name': 'web', 'vpc_id': VPC, 'description': 'Web tier'}},
    {'name': 'Redis tier group', 'cloudwall.alicloud.sg': {'name': 'redis', 'vpc_id': VPC, 'description': 'Redis tier'}},
    {'name': 'Web serves HTTP and HTTPS and reaches Redis (amazon.aws keys)',
     'cloudwall.alicloud.sg_rule': {
         'security_group': 'web', 'vpc_id': VPC,
         'rules': [{'proto': 'tcp', 'ports': [80, 443], 'cidr_ip': '0.0.0.0/0', 'rule_desc': 'public web'}],
         'rules_egress': [{'proto': 'tcp', 'from_port': 6379, 'to_port': 6379, 'group_name': 'redis'}]}},
    {'name': 'Redis takes 6379 from web only (alibaba.alicloud keys)',
     'cloudwall.alicloud.sg_rule': {
         'security_group': 'redis', 'vpc_id': VPC, 'purge_rules': True,
         'rules': [{'ip_protocol': 'tcp', 'port_range': '6379/6379', 'source_group_id': 'web', 'nic_type': 'intranet',
                    'policy': 'accept', 'priority': 1, 'description': 'web reaches redis'}]}},
    {'name': 'Web servers into web', 'cloudwall.alicloud.sg_membership': {
        'instance_ids': WEB_INSTANCES, 'security_groups': ['web'], 'vpc_id': VPC, 'state': 'exact'}},
    {'name': 'Redis server into redis', 'cloudwall.alicloud.sg_membership': {
        'instance_ids': [REDIS_INSTANCE], 'security_groups': ['redis'], 'vpc_id': VPC, 'state': 'exact'}},
    {'name': 'Tag both tiers', 'cloudwall.alicloud.sg_tags': {
        'security_group': ['web', 'redis'], 'vpc_id': VPC, 'tags': {'environment': 'demo', 'team': 'shop'}}},
    {'name': 'Audit gate', 'cloudwall.alicloud.sg_audit': {'vpc_id': VPC, 'tags': {'environment': 'demo'}, 'fail_on': 'high'}},
]

# The alibaba.alicloud and amazon.aws rule keys STACK leaves out, on the web group (its purge keeps STACK's rules).
ANCHOR_KEYS_TASK = {'name': 'Anchor keys', 'cloudwall.alicloud.sg_rule': {
    'security_group': 'web', 'vpc_id': VPC,
    'rules': [
        {'ip_protocol': 'tcp', 'port_range': '8080/8080', 'source_cidr_ip': '10.1.0.0/16'},
        {'proto': 'tcp', 'from_port': 8443, 'to_port': 8443, 'cidr_ipv6': '2001:db8::/32'},
        {'proto': -1, 'ip_prefix': 'pl-demo0000000000000001'},
    ],
    'rules_egress': [
        {'ip_protocol': 'udp', 'port_range': '53/53', 'dest_cidr_ip': '10.0.0.0/8'},
        {'proto': 'tcp', 'from_port': -1, 'to_port': -1, 'dest_group_id': 'redis'},
    ]}}

# Values only the API can assign: a check-mode prediction cannot know them.
ASSIGNED = ('security_group_id', 'creation_time')


def masked(value, names_by_id):
    """``value`` with group ids (real, or check mode's planned ones) replaced by ``<name>``, and API-assigned
    fields of a group replaced by a marker."""
    def walk(item):
        if isinstance(item, dict):
            return dict((key, '<assigned>' if key in ASSIGNED else walk(val)) for key, val in item.items())
        if isinstance(item, list):
            return [walk(val) for val in item]
        return item
    text = json.dumps(walk(value), sort_keys=True)
    for group_id, name in names_by_id.items():
        text = text.replace(group_id, '<%s>' % name)
    text = re.sub(r'planned:([A-Za-z][\w.:-]*)', r'<\1>', text)
    return json.loads(text)


def per_task(run, names_by_id):
    return [(entry['_task'], bool(entry.get('changed')), masked(entry.get('diff'), names_by_id)) for entry in run.results]


def test_check_mode_plans_a_whole_new_stack_exactly_then_the_real_run_matches_and_converges(run_tasks, admin, ecs):
    mark = admin.mark()
    check = run_tasks(STACK, check=True, diff=True)
    assert check.rc == 0, check
    assert admin.mutating_calls(since=mark) == []
    warnings = ' '.join(warning for entry in check.results for warning in entry.get('warnings', []))
    assert "security group 'redis' does not exist in %s; check mode assumes it is created earlier in the play" % VPC in warnings
    assert "security_group: security group 'web' does not exist" in warnings

    real = run_tasks(STACK, diff=True)
    assert real.rc == 0, real
    web, redis = ecs.group_by_name('web', VPC), ecs.group_by_name('redis', VPC)
    names = {web['SecurityGroupId']: 'web', redis['SecurityGroupId']: 'redis', DEFAULT_GROUP: 'default'}
    # Per task: the same changed and the same diff.
    assert per_task(check, names) == per_task(real, names)
    assert all(changed for _task, changed, _diff in per_task(real, names)[:7])
    # The check-mode membership diff names groups as written, with their ids.
    membership = [entry for entry in check.results if entry['_task'] == 'Redis server into redis'][0]
    assert membership['diff']['after'] == {REDIS_INSTANCE: ['redis (planned:redis)']}
    assert real.results[5]['diff']['after'] == {REDIS_INSTANCE: ['redis (%s)' % redis['SecurityGroupId']]}

    # What the anchors' keys meant there is what was authorized.
    lines = sorted('%s %s %s %s %s' % (rule['Direction'], rule['IpProtocol'].lower(), rule['PortRange'],
                                       rule['SourceGroupId'] or rule['DestGroupId'] or rule['SourceCidrIp'], rule['Description'])
                   for rule in ecs.rules(web['SecurityGroupId']) + ecs.rules(redis['SecurityGroupId']))
    assert lines == sorted([
        'egress tcp 6379/6379 %s ' % redis['SecurityGroupId'],
        'ingress tcp 443/443 0.0.0.0/0 public web',
        'ingress tcp 80/80 0.0.0.0/0 public web',
        'ingress tcp 6379/6379 %s web reaches redis' % web['SecurityGroupId'],
    ])
    assert ecs.instance_groups(REDIS_INSTANCE) == [redis['SecurityGroupId']]
    assert ecs.tags(web['SecurityGroupId']) == {'environment': 'demo', 'team': 'shop'}

    # Second run: nothing changes; then the mistakes of a first day fail clearly, before any call.
    owner_rule = {'proto': 'tcp', 'ports': [22], 'group_id': web['SecurityGroupId'], 'group_owner_id': OWN_ACCOUNT}
    extra = [
        # A same-account owner converges: added once, then no change (ECS answers "" for our own account).
        {'name': 'Own-account owner, first', 'cloudwall.alicloud.sg_rule': {'security_group': 'redis', 'vpc_id': VPC,
                                                                            'rules': [owner_rule]}},
        {'name': 'Own-account owner, again', 'cloudwall.alicloud.sg_rule': {
            'security_group': 'redis', 'vpc_id': VPC, 'purge_rules': True,
            'rules': [owner_rule, {'protocol': 'tcp', 'ports': 6379, 'group': 'web', 'description': 'web reaches redis'}]}},
        # The anchors' keys that the stack does not use, as users write them; then the same task again.
        ANCHOR_KEYS_TASK,
        dict(ANCHOR_KEYS_TASK, name='Anchor keys, again'),
        {'name': 'Audit gate on the web tier', 'ignore_errors': True, 'cloudwall.alicloud.sg_audit': {
            'vpc_id': VPC, 'name_prefix': 'web', 'fail_on': 'low'}},
        {'name': 'A group given by name that does not exist fails in a real run', 'ignore_errors': True,
         'cloudwall.alicloud.sg_rule': {'security_group': 'cache', 'vpc_id': VPC,
                                        'rules': [{'protocol': 'tcp', 'ports': 22, 'cidr': '10.0.0.0/8'}]}},
        {'name': 'Unknown rule key', 'ignore_errors': True, 'cloudwall.alicloud.sg_rule': {
            'security_group': 'redis', 'vpc_id': VPC, 'rules': [{'protocol': 'tcp', 'port': 22, 'cidr': '10.0.0.0/8'}]}},
        {'name': 'Audit selecting nothing', 'ignore_errors': True, 'cloudwall.alicloud.sg_audit': {
            'vpc_id': VPC, 'name_prefix': 'nothing-', 'fail_on': 'high'}},
        {'name': 'Audit selecting nothing, allowed', 'cloudwall.alicloud.sg_audit': {
            'vpc_id': VPC, 'name_prefix': 'nothing-', 'fail_on': 'high', 'allow_empty': True}},
        {'name': 'Info by prefix and API filters', 'cloudwall.alicloud.sg_info': {
            'name_prefix': 're', 'filters': {'VpcId': VPC, 'Tag': [{'Key': 'team', 'Value': 'shop'}]}, 'include_rules': False}},
        {'name': 'Create in an unknown VPC', 'ignore_errors': True, 'cloudwall.alicloud.sg': {
            'name': 'lost', 'vpc_id': 'vpc-doesnotexist0000001'}},
        {'name': 'Unreachable endpoint', 'ignore_errors': True, 'cloudwall.alicloud.sg_info': {
            'endpoint': 'http://127.0.0.1:9', 'retries': 0}},
        {'name': 'A group given by id that does not exist fails in check mode too', 'ignore_errors': True,
         'check_mode': True, 'cloudwall.alicloud.sg_rule': {
             'security_group': 'sg-doesnotexist00000001', 'rules': [{'protocol': 'tcp', 'ports': 22, 'cidr': '10.0.0.0/8'}]}},
    ]
    mark = admin.mark()
    second = run_tasks(STACK + extra, diff=True)
    results = dict((entry['_task'], entry) for entry in second.results)
    assert [entry['_task'] for entry in second.results[:len(STACK)] if entry.get('changed')] == []
    mutating = admin.mutating_calls(since=mark)
    assert [call['action'] for call in mutating] == ['AuthorizeSecurityGroup', 'AuthorizeSecurityGroup',
                                                     'AuthorizeSecurityGroupEgress', 'CreateSecurityGroup']
    # Our own account as the owner means this account: learnt with one read per task that names an owner (and in
    # no other task), then neither sent nor shown.
    owner_reads = [call for call in admin.calls(since=mark, action='DescribeNetworkInterfaces')
                   if call['params'].get('MaxResults') == '10' and 'InstanceId' not in call['params']]
    assert len(owner_reads) == 2
    assert 'Permissions.1.SourceGroupOwnerId' not in mutating[0]['params']
    assert results['Own-account owner, first']['changed'] is True
    assert OWN_ACCOUNT not in json.dumps(results['Own-account owner, first']['diff'])
    assert results['Own-account owner, again']['changed'] is False

    anchors, again = results['Anchor keys'], results['Anchor keys, again']
    assert anchors['changed'] is True and again['changed'] is False, (anchors, again)
    lines = sorted('%s %s %s %s' % (rule['Direction'], rule['IpProtocol'].lower(), rule['PortRange'],
                                    rule['SourceGroupId'] or rule['DestGroupId'] or rule['SourceCidrIp'] or rule['DestCidrIp']
                                    or rule['Ipv6SourceCidrIp'] or rule['SourcePrefixListId'])
                   for rule in ecs.rules(web['SecurityGroupId']))
    assert lines == sorted([
        'egress tcp 6379/6379 %s' % redis['SecurityGroupId'],
        'egress tcp 1/65535 %s' % redis['SecurityGroupId'],
        'egress udp 53/53 10.0.0.0/8',
        'ingress tcp 443/443 0.0.0.0/0',
        'ingress tcp 80/80 0.0.0.0/0',
        'ingress tcp 8080/8080 10.1.0.0/16',
        'ingress tcp 8443/8443 2001:db8::/32',
        'ingress all -1/-1 pl-demo0000000000000001',
    ])
    # A gate's message names groups as users wrote them: name and id.
    gate = results['Audit gate on the web tier']
    assert gate['_status'] == 'failed' and 'web (%s)' % web['SecurityGroupId'] in gate['msg'], gate
    missing = results['A group given by name that does not exist fails in a real run']
    assert missing['_status'] == 'failed' and missing['changed'] is False
    assert "security_group: no security group with id or name 'cache' in %s" % VPC in missing['msg']

    unknown = results['Unknown rule key']
    assert unknown['_status'] == 'failed' and 'port=22 is not a rule option' in unknown['msg'] and 'source_cidr_ip' in unknown['msg']
    assert 'missing required arguments' not in unknown['msg']
    empty = results['Audit selecting nothing']
    assert empty['_status'] == 'failed'
    assert 'no security group matches the selection (name_prefix="nothing-", vpc_id="%s")' % VPC in empty['msg']
    assert results['Audit selecting nothing, allowed']['_status'] == 'ok'
    assert [group['security_group_name'] for group in results['Info by prefix and API filters']['security_groups']] == ['redis']
    lost = results['Create in an unknown VPC']
    assert lost['_status'] == 'failed' and lost['changed'] is False and 'InvalidVpcId.NotFound' in lost['msg']
    unreachable = results['Unreachable endpoint']
    assert unreachable['_status'] == 'failed'
    assert 'could not reach the ECS endpoint http://127.0.0.1:9: connection refused' in unreachable['msg']
    assert 'HTTPConnection' not in unreachable['msg'] and '\n' not in unreachable['msg']
    by_id = results['A group given by id that does not exist fails in check mode too']
    assert by_id['_status'] == 'failed' and 'sg-doesnotexist00000001' in by_id['msg']


def test_a_peer_of_another_account_named_by_account_name_converges_on_the_numeric_answer(run_tasks, admin, ecs):
    """ECS answers the owner's numeric id whatever the request named (ECS_API.md section 6): no change, no revoke."""
    from ansible_collections.cloudwall.alicloud.tests.lib.emulator_harness import (
        PARTNER_ACCOUNT_ID, PARTNER_ACCOUNT_NAME, PARTNER_GROUP,
    )
    rule = {'protocol': 'tcp', 'ports': 6379, 'group': PARTNER_GROUP, 'group_owner_account': PARTNER_ACCOUNT_NAME,
            'description': 'partner account reaches redis'}
    task = {'name': 'Partner peer', 'cloudwall.alicloud.sg_rule': {
        'security_group': DEFAULT_GROUP, 'purge_rules': True, 'rules': [rule]}}
    first = run_tasks([task])
    described = [permission for permission in ecs.rules(DEFAULT_GROUP) if permission['SourceGroupId'] == PARTNER_GROUP]
    assert [permission['SourceGroupOwnerAccount'] for permission in described] == [PARTNER_ACCOUNT_ID]
    mark = admin.mark()
    second = run_tasks([task])
    assert first.results[0]['changed'] is True
    assert second.results[0]['changed'] is False
    assert admin.mutating_calls(since=mark) == []
