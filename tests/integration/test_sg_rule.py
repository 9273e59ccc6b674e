# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloudwall.alicloud.sg_rule against the emulator: every protocol, port form and peer kind, the guide's
allow/deny pair, in-place description changes, purge, state absent, classic groups, check and diff mode,
validation before any call, failures in the middle of a plan, and exact API-call counts."""

import ast
import os

import pytest
import yaml

DEMO_VPC = 'vpc-demo0000000000000001'
DEFAULT_GROUP = 'sg-demovpcdefault000001'
CLASSIC_GROUP = 'sg-democlassic000000001'
PREFIX_LIST = 'pl-demo0000000000000001'
OTHER_ACCOUNT = '1111222233334444'
OTHER_ACCOUNT_GROUP = 'sg-otheraccount000000001'
MODULE_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           'plugins', 'modules', 'sg_rule.py')

READ = 'DescribeSecurityGroupAttribute'


def rule_task(**args):
    return {'name': 'sg_rule', 'cloudwall.alicloud.sg_rule': args}


def seed_groups(admin, *names, vpc_id=DEMO_VPC):
    """Empty groups in the demo VPC (or classic with vpc_id=''); returns their ids in order."""
    created = admin.seed(security_groups=[{'SecurityGroupName': name, 'Description': '%s tier' % name, 'VpcId': vpc_id}
                                          for name in names])
    return created['security_groups']


def actions(calls):
    return [call['action'] for call in calls]


def summary(permissions):
    """``{(direction, protocol, ports, peer, policy, priority, nic_type): description}`` of API permissions."""
    result = {}
    for rule in permissions:
        peer_side = 'Dest' if rule['Direction'] == 'egress' else 'Source'
        peer = (rule[peer_side + 'CidrIp'] or rule['Ipv6%sCidrIp' % peer_side] or rule[peer_side + 'GroupId']
                or rule[peer_side + 'PrefixListId'])
        key = (rule['Direction'], rule['IpProtocol'], rule['PortRange'], peer, rule['Policy'], int(rule['Priority']), rule['NicType'])
        result[key] = rule['Description']
    return result


def without_api_fields(result):
    return dict(result, security_group_rule_id='', create_time='')


# --- the guide's scenario ------------------------------------------------------------------------------------

def test_guide_rules_then_second_run_changes_nothing(run_tasks, admin, ecs):
    web, redis = seed_groups(admin, 'web', 'redis')
    tasks = [
        rule_task(security_group='web', vpc_id=DEMO_VPC, rules=[
            {'protocol': 'tcp', 'ports': [80, 443], 'cidr': '0.0.0.0/0', 'description': 'public web'}]),
        rule_task(security_group=redis, rules=[
            {'protocol': 'tcp', 'ports': 6379, 'cidr': '0.0.0.0/0', 'policy': 'drop', 'priority': 100},
            {'protocol': 'tcp', 'ports': 6379, 'group': 'web', 'priority': 1, 'description': 'web tier'}]),
    ]
    first = run_tasks(tasks)
    assert first.rc == 0, first
    assert [result['changed'] for result in first.results] == [True, True]
    assert summary(ecs.rules(web)) == {
        ('ingress', 'TCP', '80/80', '0.0.0.0/0', 'Accept', 1, 'intranet'): 'public web',
        ('ingress', 'TCP', '443/443', '0.0.0.0/0', 'Accept', 1, 'intranet'): 'public web'}
    # Drop at the lowest priority beside an accept at the highest, on the same port.
    assert summary(ecs.rules(redis)) == {
        ('ingress', 'TCP', '6379/6379', '0.0.0.0/0', 'Drop', 100, 'intranet'): '',
        ('ingress', 'TCP', '6379/6379', web, 'Accept', 1, 'intranet'): 'web tier'}
    redis_result = first.results[1]
    assert redis_result['security_group_id'] == redis
    # The result is the plan's: the same as check mode predicts; new rules have no id until they are read.
    assert len(redis_result['rules']) == 2 and [rule['security_group_rule_id'] for rule in redis_result['added']] == ['', '']
    assert sorted((rule['ip_protocol'], rule['port_range'], rule['policy'], rule['priority'])
                  for rule in redis_result['rules']) == [('tcp', '6379/6379', 'accept', 1), ('tcp', '6379/6379', 'drop', 100)]

    mark = admin.mark()
    second = run_tasks(tasks)
    assert second.rc == 0, second
    assert [result['changed'] for result in second.results] == [False, False]
    assert admin.mutating_calls(since=mark) == []
    # The second run reads what the first one predicted; only the API's own fields (id, time) are new.
    assert [without_api_fields(rule) for rule in second.results[1]['rules']] == redis_result['rules']
    assert all(rule['security_group_rule_id'].startswith('sgr-') for rule in second.results[1]['rules'])


def test_module_examples_run_against_the_emulator(run_tasks, admin, ecs):
    with open(MODULE_PATH, encoding='utf-8') as handle:
        source = handle.read()
    examples = yaml.safe_load(next(node.value.value for node in ast.parse(source).body
                                   if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', '') == 'EXAMPLES'))
    run = run_tasks(examples)
    assert run.rc == 0, run
    web = ecs.group_by_name('web', DEMO_VPC)['SecurityGroupId']
    redis = ecs.group_by_name('redis', DEMO_VPC)['SecurityGroupId']
    assert summary(ecs.rules(redis)) == {
        ('ingress', 'TCP', '6379/6379', '0.0.0.0/0', 'Drop', 100, 'intranet'): 'Nobody else reaches Redis',
        ('ingress', 'TCP', '6379/6379', web, 'Accept', 1, 'intranet'): 'Web tier reaches Redis',
        ('egress', 'UDP', '53/53', '100.100.2.136/32', 'Accept', 1, 'intranet'): ''}
    web_rules = summary(ecs.rules(web))
    assert ('ingress', 'TCP', '443/443', '0.0.0.0/0', 'Accept', 1, 'intranet') in web_rules
    assert ('ingress', 'TCP', '80/80', '0.0.0.0/0', 'Accept', 1, 'intranet') in web_rules
    assert ('ingress', 'TCP', '22/22', '0.0.0.0/0', 'Accept', 1, 'intranet') not in web_rules
    # The alibaba.alicloud-keyed example added the egress rule only; its ingress rule was already there.
    assert ('egress', 'UDP', '53/53', '100.100.2.136/32', 'Accept', 1, 'intranet') in summary(ecs.rules(redis))
    assert run.results[-1]['changed'] is False  # the amazon.aws-keyed rule is the same rule as the first example's
    assert ('egress', 'UDP', '53/53', PREFIX_LIST, 'Accept', 1, 'intranet') in web_rules
    assert ('egress', 'TCP', '8000/8100', '::/0', 'Accept', 1, 'intranet') in web_rules
    assert summary(ecs.rules(CLASSIC_GROUP)) == {('ingress', 'TCP', '22/22', '203.0.113.0/24', 'Accept', 1, 'internet'): ''}


# --- what a rule can say ---------------------------------------------------------------------------------------

def test_every_protocol(run_tasks, ecs):
    rules = [
        {'protocol': 'tcp', 'ports': 22, 'cidr': '10.0.0.0/8'},
        {'protocol': 'UDP', 'ports': 53, 'cidr': '10.0.0.0/8'},
        {'protocol': 'icmp', 'cidr': '10.0.0.0/8'},
        {'protocol': 'gre', 'cidr': '10.0.0.0/8'},
        {'protocol': 'all', 'cidr': '172.16.0.0/12', 'ports': '-1/-1'},
        {'protocol': 'icmpv6', 'cidr': '::/0'},
    ]
    run = run_tasks([rule_task(security_group=DEFAULT_GROUP, rules=rules)] * 2)
    assert run.rc == 0, run
    assert [result['changed'] for result in run.results] == [True, False]
    assert set(summary(ecs.rules(DEFAULT_GROUP))) == {
        ('ingress', 'TCP', '22/22', '10.0.0.0/8', 'Accept', 1, 'intranet'),
        ('ingress', 'UDP', '53/53', '10.0.0.0/8', 'Accept', 1, 'intranet'),
        ('ingress', 'ICMP', '-1/-1', '10.0.0.0/8', 'Accept', 1, 'intranet'),
        ('ingress', 'GRE', '-1/-1', '10.0.0.0/8', 'Accept', 1, 'intranet'),
        ('ingress', 'ALL', '-1/-1', '172.16.0.0/12', 'Accept', 1, 'intranet'),
        ('ingress', 'ICMPV6', '-1/-1', '::/0', 'Accept', 1, 'intranet'),
    }


def test_every_port_form(run_tasks, ecs):
    rules = [
        {'protocol': 'tcp', 'ports': 22, 'cidr': '10.0.0.0/8'},
        {'protocol': 'tcp', 'ports': '8080', 'cidr': '10.0.0.0/8'},
        {'protocol': 'tcp', 'ports': '1/200', 'cidr': '10.0.0.0/8'},
        {'protocol': 'udp', 'ports': '1000-2000', 'cidr': '10.0.0.0/8'},
        {'protocol': 'tcp', 'ports': [3000, '4000/4001', '5000-5001', 22], 'cidr': '10.0.0.0/8'},
    ]
    run = run_tasks([rule_task(security_group=DEFAULT_GROUP, rules=rules)] * 2)
    assert run.rc == 0, run
    assert [result['changed'] for result in run.results] == [True, False]
    assert sorted((rule['IpProtocol'], rule['PortRange']) for rule in ecs.rules(DEFAULT_GROUP)) == [
        ('TCP', '1/200'), ('TCP', '22/22'), ('TCP', '3000/3000'), ('TCP', '4000/4001'), ('TCP', '5000/5001'),
        ('TCP', '8080/8080'), ('UDP', '1000/2000')]
    assert len(run.results[0]['added']) == 7  # 22 twice is one rule


def test_ipv6_both_directions_and_non_canonical_forms_are_idempotent(run_tasks, ecs):
    rules = [
        {'protocol': 'tcp', 'ports': 443, 'cidr': ['2001:0db8:0000::/32', '10.0.0.0/8']},
        {'direction': 'egress', 'protocol': 'tcp', 'ports': 443, 'cidr': '::/0', 'source_cidr': '2001:db8:1::/48'},
    ]
    run = run_tasks([rule_task(security_group=DEFAULT_GROUP, rules=rules)] * 2)
    assert run.rc == 0, run
    assert [result['changed'] for result in run.results] == [True, False]
    by_direction = sorted((rule['Direction'], rule['Ipv6SourceCidrIp'], rule['SourceCidrIp'], rule['Ipv6DestCidrIp'])
                          for rule in ecs.rules(DEFAULT_GROUP))
    assert by_direction == [('egress', '2001:db8:1::/48', '', '::/0'), ('ingress', '', '10.0.0.0/8', ''),
                            ('ingress', '2001:db8::/32', '', '')]


def test_prefix_list_peer(run_tasks, ecs):
    rules = [{'protocol': 'tcp', 'ports': 22, 'prefix_list': PREFIX_LIST, 'description': 'office SSH'}]
    run = run_tasks([rule_task(security_group=DEFAULT_GROUP, rules=rules)] * 2)
    assert run.rc == 0, run
    assert [result['changed'] for result in run.results] == [True, False]
    [rule] = ecs.rules(DEFAULT_GROUP)
    assert rule['SourcePrefixListId'] == PREFIX_LIST and rule['Description'] == 'office SSH'
    assert run.results[1]['rules'][0]['source_prefix_list_id'] == PREFIX_LIST


def test_group_peers_by_id_by_name_and_of_another_account(run_tasks, admin, ecs):
    app, web = seed_groups(admin, 'app', 'web')
    rules = [
        {'protocol': 'tcp', 'ports': 8080, 'group': web},
        {'protocol': 'tcp', 'ports': 8081, 'group': 'web'},
        {'direction': 'egress', 'protocol': 'tcp', 'ports': 5432, 'group': 'default-vpc'},
        {'protocol': 'tcp', 'ports': 9000, 'group': OTHER_ACCOUNT_GROUP, 'group_owner_account': OTHER_ACCOUNT},
    ]
    mark = admin.mark()
    run = run_tasks([rule_task(security_group=app, rules=rules)] * 2)
    assert run.rc == 0, run
    assert [result['changed'] for result in run.results] == [True, False]
    assert sorted((rule['Direction'], rule['PortRange'], rule['SourceGroupId'] or rule['DestGroupId'],
                   rule['SourceGroupOwnerAccount']) for rule in ecs.rules(app)) == [
        ('egress', '5432/5432', DEFAULT_GROUP, ''),
        ('ingress', '8080/8080', web, ''),
        ('ingress', '8081/8081', web, ''),
        ('ingress', '9000/9000', OTHER_ACCOUNT_GROUP, OTHER_ACCOUNT)]
    # Both names and the id were resolved with one DescribeSecurityGroups call per run.
    assert actions(admin.calls(since=mark, action='DescribeSecurityGroups')) == ['DescribeSecurityGroups'] * 2


def test_description_change_keeps_the_rule_id_with_one_modify_call(run_tasks, admin, ecs):
    rule = {'protocol': 'tcp', 'ports': 443, 'cidr': '0.0.0.0/0', 'description': 'old text'}
    setup = run_tasks([rule_task(security_group=DEFAULT_GROUP, rules=[rule])])
    assert setup.rc == 0, setup
    [before] = ecs.rules(DEFAULT_GROUP)
    mark = admin.mark()
    run = run_tasks([rule_task(security_group=DEFAULT_GROUP, rules=[dict(rule, description='new text')])])
    assert run.rc == 0, run
    assert actions(admin.calls(since=mark)) == [READ, 'DescribeSecurityGroups', 'ModifySecurityGroupRule']
    [after] = ecs.rules(DEFAULT_GROUP)
    assert after['SecurityGroupRuleId'] == before['SecurityGroupRuleId']
    assert after['Description'] == 'new text'
    assert run.last['added'] == [] and run.last['removed'] == []
    assert [(item['security_group_rule_id'], item['description']) for item in run.last['modified']] == \
        [(before['SecurityGroupRuleId'], 'new text')]


def test_egress_description_change_uses_the_egress_modify(run_tasks, admin):
    rule = {'direction': 'egress', 'protocol': 'udp', 'ports': 53, 'cidr': '10.0.0.2', 'description': 'dns'}
    setup = run_tasks([rule_task(security_group=DEFAULT_GROUP, rules=[rule])])
    assert setup.rc == 0, setup
    mark = admin.mark()
    run = run_tasks([rule_task(security_group=DEFAULT_GROUP, rules=[dict(rule, description='resolver')])])
    assert run.rc == 0, run
    assert actions(admin.mutating_calls(since=mark)) == ['ModifySecurityGroupEgressRule']


# --- purge and absent --------------------------------------------------------------------------------------

def authorize(ecs, group_id, direction, *permissions):
    action = 'AuthorizeSecurityGroupEgress' if direction == 'egress' else 'AuthorizeSecurityGroup'
    ecs.call(action, SecurityGroupId=group_id, Permissions=list(permissions))


@pytest.mark.parametrize('purge_rules, purge_rules_egress, left', [
    pytest.param(True, False, {('ingress', '443/443'), ('egress', '25/25')}, id='ingress-only'),
    pytest.param(False, True, {('ingress', '443/443'), ('ingress', '22/22')}, id='egress-only'),
    pytest.param(True, True, {('ingress', '443/443')}, id='both'),
])
def test_purge_revokes_unlisted_rules_of_the_purged_direction(run_tasks, admin, ecs, purge_rules, purge_rules_egress, left):
    authorize(ecs, DEFAULT_GROUP, 'ingress', {'IpProtocol': 'tcp', 'PortRange': '22/22', 'SourceCidrIp': '0.0.0.0/0'})
    authorize(ecs, DEFAULT_GROUP, 'egress', {'IpProtocol': 'tcp', 'PortRange': '25/25', 'DestCidrIp': '0.0.0.0/0'})
    mark = admin.mark()
    task = rule_task(security_group=DEFAULT_GROUP, purge_rules=purge_rules, purge_rules_egress=purge_rules_egress,
                     rules=[{'protocol': 'tcp', 'ports': 443, 'cidr': '0.0.0.0/0'}])
    run = run_tasks([task, task])
    assert run.rc == 0, run
    assert [result['changed'] for result in run.results] == [True, False]
    assert {(rule['Direction'], rule['PortRange']) for rule in ecs.rules(DEFAULT_GROUP)} == left
    revokes = [call for call in admin.mutating_calls(since=mark) if call['action'].startswith('Revoke')]
    assert len(revokes) == purge_rules + purge_rules_egress
    # Revoked by rule id, and only after the new rule was added.
    assert all('SecurityGroupRuleId.1' in call['params'] for call in revokes)
    assert actions(admin.mutating_calls(since=mark))[0] == 'AuthorizeSecurityGroup'
    assert {(rule['direction'], rule['port_range']) for rule in run.results[0]['removed']} == \
        {('ingress', '22/22'), ('egress', '25/25')} - left


def test_purge_with_no_rules_empties_the_group(run_tasks, ecs):
    authorize(ecs, DEFAULT_GROUP, 'ingress', {'IpProtocol': 'tcp', 'PortRange': '22/22', 'SourceCidrIp': '0.0.0.0/0'})
    run = run_tasks([rule_task(security_group=DEFAULT_GROUP, rules=[], purge_rules=True, purge_rules_egress=True)])
    assert run.rc == 0, run
    assert run.last['changed'] is True and run.last['rules'] == []
    assert ecs.rules(DEFAULT_GROUP) == []


def test_absent_revokes_listed_rules_and_is_a_no_op_when_they_are_gone(run_tasks, admin, ecs):
    authorize(ecs, DEFAULT_GROUP, 'ingress', {'IpProtocol': 'tcp', 'PortRange': '22/22', 'SourceCidrIp': '0.0.0.0/0'},
              {'IpProtocol': 'tcp', 'PortRange': '443/443', 'SourceCidrIp': '0.0.0.0/0'})
    authorize(ecs, DEFAULT_GROUP, 'egress', {'IpProtocol': 'all', 'PortRange': '-1/-1', 'DestCidrIp': '0.0.0.0/0'})
    task = rule_task(security_group=DEFAULT_GROUP, state='absent', rules=[
        {'protocol': 'tcp', 'ports': 22, 'cidr': '0.0.0.0/0'},
        {'direction': 'egress', 'protocol': 'all', 'cidr': '0.0.0.0/0'}])
    mark = admin.mark()
    run = run_tasks([task, task])
    assert run.rc == 0, run
    assert [result['changed'] for result in run.results] == [True, False]
    assert [(rule['Direction'], rule['PortRange']) for rule in ecs.rules(DEFAULT_GROUP)] == [('ingress', '443/443')]
    assert sorted(actions(admin.mutating_calls(since=mark))) == ['RevokeSecurityGroup', 'RevokeSecurityGroupEgress']
    assert len(run.results[0]['removed']) == 2 and run.results[1]['removed'] == []


# --- classic network ---------------------------------------------------------------------------------------

def test_classic_group_internet_and_intranet_rules(run_tasks, admin, ecs):
    rules = [
        {'protocol': 'tcp', 'ports': 80, 'cidr': '0.0.0.0/0', 'nic_type': 'internet'},
        {'protocol': 'tcp', 'ports': 22, 'cidr': '10.0.0.0/8', 'nic_type': 'intranet'},
        {'protocol': 'tcp', 'ports': 443, 'cidr': '0.0.0.0/0'},  # classic default: internet
    ]
    mark = admin.mark()
    run = run_tasks([rule_task(security_group='default-classic', rules=rules)] * 2)
    assert run.rc == 0, run
    assert [result['changed'] for result in run.results] == [True, False]
    # A classic group answers one NicType per read, so each read is two calls.
    assert actions(admin.calls(since=mark)) == [
        'DescribeSecurityGroups', READ, READ, 'AuthorizeSecurityGroup',
        'DescribeSecurityGroups', READ, READ]
    internet = ecs.call(READ, SecurityGroupId=CLASSIC_GROUP, NicType='internet')['Permissions']['Permission']
    intranet = ecs.call(READ, SecurityGroupId=CLASSIC_GROUP, NicType='intranet')['Permissions']['Permission']
    assert sorted(rule['PortRange'] for rule in internet) == ['443/443', '80/80']
    assert [rule['PortRange'] for rule in intranet] == ['22/22']
    assert {rule['nic_type'] for rule in run.results[1]['rules']} == {'internet', 'intranet'}


def test_classic_group_references_a_classic_peer_by_name(run_tasks, admin, ecs):
    [peer] = seed_groups(admin, 'legacy-app', vpc_id='')
    task = rule_task(security_group=CLASSIC_GROUP, rules=[{'protocol': 'tcp', 'ports': 8080, 'group': 'legacy-app'}])
    run = run_tasks([task, task])
    assert run.rc == 0, run
    assert [result['changed'] for result in run.results] == [True, False]
    intranet = ecs.call(READ, SecurityGroupId=CLASSIC_GROUP, NicType='intranet')['Permissions']['Permission']
    assert [(rule['SourceGroupId'], rule['NicType']) for rule in intranet] == [(peer, 'intranet')]


def test_vpc_group_warns_that_internet_nic_type_becomes_intranet(run_tasks, ecs):
    run = run_tasks([rule_task(security_group=DEFAULT_GROUP,
                               rules=[{'protocol': 'tcp', 'ports': 80, 'cidr': '0.0.0.0/0', 'nic_type': 'internet'}])])
    assert run.rc == 0, run
    assert any('using intranet' in warning for warning in run.last['warnings'])
    assert [rule['NicType'] for rule in ecs.rules(DEFAULT_GROUP)] == ['intranet']


# --- check mode, diff mode -------------------------------------------------------------------------------------

def test_check_mode_writes_nothing_and_predicts_the_real_run(run_tasks, admin, ecs):
    authorize(ecs, DEFAULT_GROUP, 'ingress',
              {'IpProtocol': 'tcp', 'PortRange': '22/22', 'SourceCidrIp': '0.0.0.0/0'},
              {'IpProtocol': 'tcp', 'PortRange': '443/443', 'SourceCidrIp': '0.0.0.0/0', 'Description': 'old'})
    task = rule_task(security_group=DEFAULT_GROUP, purge_rules=True, rules=[
        {'protocol': 'tcp', 'ports': [80, 443], 'cidr': '0.0.0.0/0', 'description': 'web'},
        {'protocol': 'tcp', 'ports': 6379, 'cidr': '0.0.0.0/0', 'policy': 'drop', 'priority': 100}])
    mark = admin.mark()
    checked = run_tasks([task], check=True, diff=True)
    assert checked.rc == 0, checked
    assert admin.mutating_calls(since=mark) == []
    real = run_tasks([task], diff=True)
    assert real.rc == 0, real
    predicted, done = checked.last, real.last
    assert predicted['changed'] is done['changed'] is True
    assert predicted['diff'] == done['diff']
    # The result of a real run is the plan's result, so check mode predicts it exactly, key for key.
    assert predicted['added'] == done['added']
    assert predicted['removed'] == done['removed']
    assert predicted['modified'] == done['modified']
    assert predicted['rules'] == done['rules']
    assert 'ingress drop tcp 6379/6379 from 0.0.0.0/0 (intranet) priority 100' in done['diff']['after']
    assert 'ingress accept tcp 22/22 from 0.0.0.0/0 (intranet) priority 1\n' in done['diff']['before']
    assert '22/22' not in done['diff']['after']
    assert 'ingress accept tcp 443/443 from 0.0.0.0/0 (intranet) priority 1 "web"' in done['diff']['after']
    assert sorted(actions(admin.mutating_calls(since=mark))) == ['AuthorizeSecurityGroup', 'ModifySecurityGroupRule',
                                                                 'RevokeSecurityGroup']


def test_check_mode_diff_names_peer_groups(run_tasks, admin):
    app, web = seed_groups(admin, 'app', 'web')
    run = run_tasks([rule_task(security_group=app, rules=[{'protocol': 'tcp', 'ports': 6379, 'group': web}])],
                    check=True, diff=True)
    assert run.rc == 0, run
    assert run.last['diff'] == {'before': '', 'after': 'ingress accept tcp 6379/6379 from web (intranet) priority 1\n'}


# --- validation before any call --------------------------------------------------------------------------------

@pytest.mark.parametrize('bad_rule, fragments', [
    pytest.param({'protocol': 'tcp', 'ports': 70000, 'cidr': '0.0.0.0/0'}, ['rules[1]', 'ports="70000"', '65535'], id='port'),
    pytest.param({'protocol': 'tcp', 'ports': 22, 'cidr': '10.0.0.300/8'}, ['rules[1]', 'cidr="10.0.0.300/8"'], id='cidr'),
    pytest.param({'protocol': 'sctp', 'ports': 22, 'cidr': '10.0.0.0/8'}, ['rules[1]', 'protocol="sctp"', 'icmpv6'], id='protocol'),
    pytest.param({'protocol': 'tcp', 'ports': 22, 'cidr': '10.0.0.0/8', 'priority': 101}, ['rules[1]', 'priority=101', '1 (highest) to 100'],
                 id='priority'),
    pytest.param({'protocol': 'icmp', 'ports': 22, 'cidr': '10.0.0.0/8'}, ['rules[1]', 'ports="22"', 'icmp rules take no ports'],
                 id='ports-on-icmp'),
    pytest.param({'protocol': 'tcp', 'ports': 22}, ['rules[1]', 'cidr/group/prefix_list'], id='no-peer'),
    pytest.param({'protocol': 'tcp', 'ports': 22, 'cidr': '10.0.0.0/8', 'group': 'web'}, ['rules[1]', 'group="web"'], id='two-peers'),
])
def test_a_bad_rule_fails_with_no_call_at_all(run_tasks, admin, bad_rule, fragments):
    good = {'protocol': 'tcp', 'ports': 80, 'cidr': '0.0.0.0/0'}
    mark = admin.mark()
    run = run_tasks([rule_task(security_group='default-vpc', rules=[good, bad_rule])])
    assert run.rc != 0
    assert run.last['_status'] == 'failed'
    for fragment in fragments:
        assert fragment in run.last['msg'], run.last['msg']
    assert admin.calls(since=mark) == []


def test_unknown_peer_name_and_self_reference_fail_before_any_write(run_tasks, admin):
    mark = admin.mark()
    run = run_tasks([rule_task(security_group=DEFAULT_GROUP, rules=[
        {'protocol': 'tcp', 'ports': 80, 'cidr': '0.0.0.0/0'},
        {'protocol': 'tcp', 'ports': 81, 'group': 'no-such-group'},
        {'protocol': 'tcp', 'ports': 82, 'group': 'default-vpc'}])])
    assert run.last['_status'] == 'failed'
    assert 'rules[1]' in run.last['msg'] and 'no security group with id or name no-such-group in %s' % DEMO_VPC in run.last['msg']
    assert 'rules[2]' in run.last['msg'] and 'cannot reference itself' in run.last['msg']
    assert len(run.last['problems']) == 2
    assert admin.mutating_calls(since=mark) == []


def test_ambiguous_peer_name_lists_the_candidates(run_tasks, admin):
    first, second = seed_groups(admin, 'twin', 'twin')
    run = run_tasks([rule_task(security_group=DEFAULT_GROUP, rules=[{'protocol': 'tcp', 'ports': 80, 'group': 'twin'}])])
    assert run.last['_status'] == 'failed'
    assert first in run.last['msg'] and second in run.last['msg'] and 'give the id' in run.last['msg']


def test_enterprise_group_refuses_drop_rules_before_any_write(run_tasks, admin):
    [group] = admin.seed(security_groups=[{'SecurityGroupName': 'ent', 'VpcId': DEMO_VPC,
                                           'SecurityGroupType': 'enterprise'}])['security_groups']
    mark = admin.mark()
    run = run_tasks([rule_task(security_group=group, rules=[
        {'protocol': 'tcp', 'ports': 22, 'cidr': '0.0.0.0/0', 'policy': 'drop', 'priority': 100}])])
    assert run.last['_status'] == 'failed'
    assert 'enterprise' in run.last['msg'] and 'policy="drop"' in run.last['msg']
    assert admin.mutating_calls(since=mark) == []


def test_missing_group_fails_with_its_reference(run_tasks):
    run = run_tasks([rule_task(security_group='sg-doesnotexist0000000', rules=[])])
    assert run.last['_status'] == 'failed'
    assert 'sg-doesnotexist0000000' in run.last['msg']


# --- failures in the middle of a plan -------------------------------------------------------------------------

def test_failure_mid_plan_reports_what_was_applied(run_tasks, admin, ecs):
    admin.quotas(rules_per_group=120)
    rules = [{'protocol': 'tcp', 'ports': 443, 'cidr': '10.%d.0.0/16' % index} for index in range(150)]
    run = run_tasks([rule_task(security_group=DEFAULT_GROUP, rules=rules)])
    assert run.last['_status'] == 'failed'
    result = run.last
    assert result['changed'] is True
    assert len(result['applied']) == 100 and len(result['not_applied']) == 50
    assert result['applied'][0] == 'authorize ingress accept tcp 443/443 from 10.0.0.0/16 (intranet) priority 1'
    assert result['not_applied'][-1] == 'authorize ingress accept tcp 443/443 from 10.149.0.0/16 (intranet) priority 1'
    assert result['error']['code'] == 'AuthorizationLimitExceed'
    assert 'AuthorizeSecurityGroup failed: AuthorizationLimitExceed' in result['msg']
    assert '100 of 150 changes were applied' in result['msg']
    assert len(ecs.rules(DEFAULT_GROUP)) == 100


def test_throttling_is_retried_and_the_plan_completes(run_tasks, admin, ecs):
    admin.faults([{'kind': 'throttling', 'rate': 1.0, 'actions': ['AuthorizeSecurityGroup'], 'times': 2}])
    retry = {'retries': 4, 'retry_max_delay': 0.2, 'retry_timeout': 30}
    run = run_tasks([rule_task(security_group=DEFAULT_GROUP, rules=[{'protocol': 'tcp', 'ports': 80, 'cidr': '0.0.0.0/0'}])],
                    auth=retry)
    assert run.rc == 0, run
    assert len(ecs.rules(DEFAULT_GROUP)) == 1


# --- exact API-call counts ------------------------------------------------------------------------------------

def many_rules(count, description='bulk'):
    return [{'protocol': 'tcp', 'ports': 443, 'cidr': '10.%d.%d.0/24' % (index // 200, index % 200), 'description': description}
            for index in range(count)]


def test_exact_call_counts_for_150_rules(run_tasks, admin, ecs):
    [group] = seed_groups(admin, 'bulk')
    rules = many_rules(150)

    mark = admin.mark()
    run = run_tasks([rule_task(security_group=group, rules=rules)])
    assert run.rc == 0, run
    calls = admin.calls(since=mark)
    # By id, the group is read with one DescribeSecurityGroupAttribute (VpcId, rules), and, since the plan writes,
    # one DescribeSecurityGroups (only it tells a service-managed group, which refuses writes).
    # 2 reads + 2 Authorize calls, nothing more: the result is the plan's, not a third read.
    assert actions(calls) == [READ, 'DescribeSecurityGroups', 'AuthorizeSecurityGroup', 'AuthorizeSecurityGroup']
    assert [len([key for key in call['params'] if key.endswith('.IpProtocol')]) for call in calls[2:4]] == [100, 50]
    assert len(ecs.rules(group)) == 150
    assert len(run.last['added']) == 150 and len(run.last['rules']) == 150

    mark = admin.mark()
    again = run_tasks([rule_task(security_group=group, rules=rules)])
    assert again.rc == 0 and again.last['changed'] is False, again
    assert actions(admin.calls(since=mark)) == [READ]

    mark = admin.mark()
    rules[75] = dict(rules[75], description='changed')
    changed = run_tasks([rule_task(security_group=group, rules=rules)])
    assert changed.rc == 0, changed
    assert actions(admin.calls(since=mark)) == [READ, 'DescribeSecurityGroups', 'ModifySecurityGroupRule']


def test_group_by_name_costs_one_describe_more(run_tasks, admin):
    seed_groups(admin, 'bulk')
    mark = admin.mark()
    run = run_tasks([rule_task(security_group='bulk', vpc_id=DEMO_VPC, rules=many_rules(3))])
    assert run.rc == 0, run
    assert actions(admin.calls(since=mark)) == ['DescribeSecurityGroups', READ, 'AuthorizeSecurityGroup']


def test_more_than_200_rules_with_a_raised_quota(run_tasks, admin, ecs):
    admin.quotas(rules_per_group=300)
    [group] = seed_groups(admin, 'big')
    mark = admin.mark()
    run = run_tasks([rule_task(security_group=group, rule_quota=300, rules=many_rules(250))])
    assert run.rc == 0, run
    assert actions(admin.calls(since=mark)) == [READ, 'DescribeSecurityGroups'] + ['AuthorizeSecurityGroup'] * 3
    assert len(ecs.rules(group)) == 250


def test_plan_over_the_rule_quota_fails_before_any_write(run_tasks, admin):
    [group] = seed_groups(admin, 'big')
    mark = admin.mark()
    run = run_tasks([rule_task(security_group=group, rules=many_rules(201))])
    assert run.last['_status'] == 'failed'
    assert 'quota is 200 rules' in run.last['msg']
    assert admin.mutating_calls(since=mark) == []
