# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloudwall.alicloud.sg_reachability through ansible-playbook against the emulator: answers and the rules that
decide them (checked against the rules the API lists), the expect gate passing and failing with the right message
(also when only part of a CIDR or of the Internet gets through), the matrix and its agreement with sg_audit's map,
network interfaces by name, exact request counts, check mode, bad input before any call, and the EXAMPLES on the
demo seed."""

import json
import os

import pytest

from ansible_collections.cloudwall.alicloud.tests.lib.emulator_process import DEMO_ACCESS_KEY, DEMO_REGION, DEMO_SECRET_KEY
from ansible_collections.cloudwall.alicloud.tests.lib.demo_seed import (
    CLASSIC_GROUP, CLASSIC_INSTANCE, DEMO_VPC, DEMO_VSWITCH, FREE_ENI, REDIS_1, VPC_GROUP, WEB_1, WEB_2)
from ansible_collections.cloudwall.alicloud.tests.lib.module_docs import module_examples

WEB_REDIS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'playbooks',
                         'web_redis.yml')


def reach_task(**args):
    return {'name': 'sg_reachability', 'cloudwall.alicloud.sg_reachability': args}


class Tiers:
    """The guide's web/Redis tiers built through the ECS API, as playbooks/web_redis.yml leaves them."""

    def __init__(self, ecs):
        self.ecs = ecs
        self.web = ecs.call('CreateSecurityGroup', SecurityGroupName='t-web', VpcId=DEMO_VPC,
                            Description='web tier')['SecurityGroupId']
        self.redis = ecs.call('CreateSecurityGroup', SecurityGroupName='t-redis', VpcId=DEMO_VPC,
                              Description='redis tier')['SecurityGroupId']
        ecs.call('ModifySecurityGroupPolicy', SecurityGroupId=self.redis, InnerAccessPolicy='Drop')
        ecs.call('AuthorizeSecurityGroup', SecurityGroupId=self.web, Permissions=[
            {'IpProtocol': 'tcp', 'PortRange': '%d/%d' % (port, port), 'SourceCidrIp': '0.0.0.0/0'} for port in (80, 443)])
        ecs.call('AuthorizeSecurityGroup', SecurityGroupId=self.redis, Permissions=[
            {'IpProtocol': 'tcp', 'PortRange': '6379/6379', 'SourceGroupId': self.web, 'Priority': 1,
             'Description': 'Web tier reaches Redis'},
            {'IpProtocol': 'tcp', 'PortRange': '6379/6379', 'SourceCidrIp': '0.0.0.0/0', 'Priority': 100,
             'Policy': 'drop', 'Description': 'Nobody but the web tier reaches Redis'}])
        for instance, group in ((WEB_1, self.web), (WEB_2, self.web), (REDIS_1, self.redis)):
            ecs.call('ModifyInstanceAttribute', InstanceId=instance, SecurityGroupIds=[group])

    def rule_id(self, group_id, **match):
        found = [rule['SecurityGroupRuleId'] for rule in self.ecs.rules(group_id)
                 if all(rule[key] == value for key, value in match.items())]
        assert len(found) == 1, found
        return found[0]


@pytest.fixture
def tiers(admin, ecs):
    return Tiers(ecs)


def run_ok(run_tasks, check=False, **args):
    run = run_tasks([reach_task(**args)], check=check)
    assert run.rc == 0, run
    assert run.last['changed'] is False
    return run.last


def test_web_reaches_redis_by_the_group_rule_and_nothing_else_does(run_tasks, admin, tiers):
    accept = tiers.rule_id(tiers.redis, SourceGroupId=tiers.web)
    drop = tiers.rule_id(tiers.redis, SourceCidrIp='0.0.0.0/0')
    mark = admin.mark()
    answer = run_ok(run_tasks, source=WEB_1, destination=REDIS_1, port=[6379, 6380])['reachability']
    assert [(row['port'], row['reachable']) for row in answer] == [(6379, True), (6380, False)]
    decided = answer[0]['decided_by']
    assert (decided['by'], decided['direction'], decided['security_group_id'], decided['security_group_name'],
            decided['rule_id'], decided['policy'], decided['priority'], decided['peer_id'], decided['description']) == (
        'rule', 'ingress', tiers.redis, 't-redis', accept, 'accept', 1, tiers.web, 'Web tier reaches Redis')
    assert answer[0]['egress']['default'] == 'egress_default_allow'
    assert answer[0]['source'] == {'kind': 'instance', 'id': WEB_1, 'name': 'web-1'}
    assert (answer[1]['decided_by']['by'], answer[1]['decided_by']['default']) == ('default', 'ingress_default_deny')
    # Requests: one DescribeInstances for both ids, one DescribeSecurityGroups and one rule read per group.
    actions = [call['action'] for call in admin.calls(since=mark)]
    assert sorted(actions) == sorted(['DescribeInstances', 'DescribeSecurityGroups'] + ['DescribeSecurityGroupAttribute'] * 2)
    assert admin.mutating_calls(since=mark) == []

    for source in ('internet', '172.16.0.0/12', VPC_GROUP, '203.0.113.7'):
        row = run_ok(run_tasks, source=source, destination=REDIS_1, port=6379)['reachability'][0]
        assert (row['reachable'], row['decided_by']['rule_id'], row['decided_by']['policy']) == (False, drop, 'drop'), source


def test_group_destination_answers_every_member_and_names_resolve(run_tasks, tiers):
    rows = run_ok(run_tasks, source='internet', destination='t-web', vpc_id=DEMO_VPC, port=[443, 22])['reachability']
    assert sorted((row['destination']['id'], row['port'], row['reachable']) for row in rows) == [
        (WEB_1, 22, False), (WEB_1, 443, True), (WEB_2, 22, False), (WEB_2, 443, True)]
    # An instance by name; members of one group reach each other unless its inner access policy drops.
    row = run_ok(run_tasks, source='web-1', destination='web-2', port=22)['reachability'][0]
    assert (row['reachable'], row['decided_by']['default']) == (True, 'inner_access_accept')
    # An unattached network interface of the default group.
    row = run_ok(run_tasks, source=FREE_ENI, destination=REDIS_1, port=6379)['reachability'][0]
    assert row['source']['kind'] == 'eni' and row['reachable'] is False


def test_classic_internet_rules_decide_internet_traffic(run_tasks, ecs):
    ecs.call('AuthorizeSecurityGroup', SecurityGroupId=CLASSIC_GROUP, Permissions=[
        {'IpProtocol': 'tcp', 'PortRange': '80/80', 'SourceCidrIp': '0.0.0.0/0', 'NicType': 'internet'},
        {'IpProtocol': 'tcp', 'PortRange': '22/22', 'SourceCidrIp': '0.0.0.0/0', 'NicType': 'intranet'}])
    rows = run_ok(run_tasks, source='internet', destination=CLASSIC_INSTANCE, port=[80, 22])['reachability']
    assert [(row['port'], row['reachable'], row['decided_by']['nic_type']) for row in rows] == [
        (80, True, 'internet'), (22, False, '')]


def test_expect_gate_passes_quietly_when_every_intent_holds(run_tasks, admin, tiers):
    mark = admin.mark()
    result = run_ok(run_tasks, check=True, vpc_id=DEMO_VPC, expect=[
        {'source': 't-web', 'destination': 't-redis', 'port': 6379, 'reachable': True},
        {'source': 'internet', 'destination': 't-redis', 'port': 6379, 'reachable': False},
        {'source': '172.16.0.0/12', 'destination': 't-redis', 'port': 6379, 'reachable': False},
        {'source': 'internet', 'destination': 't-web', 'port': 443, 'reachable': True},
        {'source': 'internet', 'destination': 't-redis', 'protocol': 'icmp', 'reachable': False},
    ])
    assert [intent['holds'] for intent in result['intents']] == [True] * 5
    assert admin.mutating_calls(since=mark) == []


def test_expect_gate_fails_listing_every_broken_intent_with_its_rule(run_tasks, admin, tiers):
    accept = tiers.rule_id(tiers.redis, SourceGroupId=tiers.web)
    drop = tiers.rule_id(tiers.redis, SourceCidrIp='0.0.0.0/0')
    run = run_tasks([reach_task(vpc_id=DEMO_VPC, expect=[
        {'source': 't-web', 'destination': 't-redis', 'port': 6379, 'reachable': False},
        {'source': 'internet', 'destination': 't-redis', 'port': 6379, 'reachable': True},
        {'source': 'internet', 'destination': 't-web', 'port': 80, 'reachable': True},
    ])])
    assert run.rc != 0
    result = run.last
    assert result['_status'] == 'failed' and result['changed'] is False
    message = result['msg']
    assert message.startswith('2 of 3 intents do not hold: expect[0] expects not reachable, but ')
    assert 'expect[0]' in message and 'expect[1]' in message and 'expect[2]' not in message
    # A group as a source is any member; as a destination, each member (redis-1 is the only one).
    assert 'any member of t-web (%s) -> redis-1 (%s) tcp 6379: reachable' % (tiers.web, REDIS_1) in message
    assert 'accept rule %s of t-redis (%s), priority 1' % (accept, tiers.redis) in message
    assert 'drop rule %s of t-redis (%s), priority 100' % (drop, tiers.redis) in message
    assert [intent['holds'] for intent in result['intents']] == [False, False, True]


def test_matrix_agrees_with_the_audit_map(run_tasks, tiers, tmp_path):
    report = str(tmp_path / 'audit.json')
    run = run_tasks([
        reach_task(matrix=['t-web', 't-redis', 'internet'], vpc_id=DEMO_VPC, port=[80, 443, 6379]),
        {'name': 'audit', 'cloudwall.alicloud.sg_audit': {'security_group_ids': [tiers.web, tiers.redis],
                                                          'report_path': report}},
    ])
    assert run.rc == 0, run
    matrix = run.results[0]['matrix']
    assert matrix['table'] == [
        ['from \\ to', 'any member of t-web (%s)' % tiers.web, 'any member of t-redis (%s)' % tiers.redis],
        ['any member of t-web (%s)' % tiers.web, 'tcp 80, 443, 6379', 'tcp 6379'],
        ['any member of t-redis (%s)' % tiers.redis, 'tcp 80, 443', '-'],
        ['internet', 'tcp 80, 443', '-'],
    ]
    assert matrix['markdown'].startswith('| from \\\\ to |')
    with open(report, encoding='utf-8') as handle:
        document = json.load(handle)
    labels = dict((node['node_id'], node['label']) for node in document['reachability']['nodes'])
    edges = dict(((labels[edge['source']], labels[edge['target']]), edge['label'])
                 for edge in document['reachability']['edges'] if not edge['inner'])
    assert edges == {('0.0.0.0/0', 't-web'): 'tcp 80, 443', ('t-web', 't-redis'): 'tcp 6379'}
    # Every port of every edge is reachable in the matrix, from the same evaluation.
    cells = dict(((answer['source']['name'], answer['destination']['name'], answer['port']), answer['reachable'])
                 for answer in matrix['answers'])
    assert cells[('t-web', 't-redis', 6379)] and cells[('internet', 't-web', 80)] and cells[('internet', 't-web', 443)]
    assert not cells[('internet', 't-redis', 6379)]


@pytest.mark.parametrize('args, message', [
    ({'source': '10.0.0.300', 'destination': REDIS_1, 'port': 6379},
     "source is '10.0.0.300' and is not a valid address or CIDR block; allowed: an instance"),
    ({'source': WEB_1, 'destination': 'internet', 'port': 6379},
     "destination is 'internet', which has no security groups; allowed: an instance"),
    ({'source': WEB_1, 'destination': REDIS_1, 'port': 70000}, 'port has 70000; allowed: a port from 1 to 65535'),
    ({'source': WEB_1, 'destination': REDIS_1}, 'port is missing; tcp traffic needs one'),
    ({'source': WEB_1, 'destination': REDIS_1, 'protocol': 'icmp', 'port': 8}, 'port is 8 but icmp has no ports'),
    ({'source': '2408::/64', 'destination': REDIS_1, 'port': 22}, "source is '2408::/64', an IPv6 block, but the traffic is IPv4"),
    ({'expect': [{'source': 'internet', 'destination': REDIS_1, 'reachable': False}]}, 'expect[0].port is missing'),
    ({'source': WEB_1, 'destination': REDIS_1, 'port': 1, 'prefix_lists': {'pl-1': ['x']}}, "prefix_lists.pl-1 has 'x'"),
])
def test_bad_input_fails_before_any_call(run_tasks, admin, args, message):
    mark = admin.mark()
    run = run_tasks([reach_task(**args)])
    assert run.rc != 0
    assert message in run.last['msg'], run.last['msg']
    assert admin.calls(since=mark) == []


def test_unknown_names_name_their_option(run_tasks):
    run = run_tasks([reach_task(source='internet', destination='no-such-thing', port=22)])
    assert run.rc != 0
    assert run.last['msg'] == ("destination: no security group, instance or network interface has the name 'no-such-thing'; "
                               "allowed: an instance (i-...) or network interface (eni-...) id, a security group id (sg-...), "
                               "the name of a group, an instance or a network interface, a CIDR block or an address, or internet")


def test_a_network_interface_by_name(run_tasks, admin, tiers):
    def interface(name, group):
        return {'NetworkInterfaceName': name, 'Type': 'Secondary', 'Status': 'Available', 'VpcId': DEMO_VPC,
                'VSwitchId': DEMO_VSWITCH, 'SecurityGroupIds': [group]}

    eni = admin.seed(network_interfaces=[interface('cache-client', tiers.web), interface('twin', tiers.web),
                                         interface('twin', tiers.redis)])['network_interfaces']
    mark = admin.mark()
    row = run_ok(run_tasks, source='cache-client', destination=REDIS_1, vpc_id=DEMO_VPC, port=6379)['reachability'][0]
    assert row['source'] == {'kind': 'eni', 'id': eni[0], 'name': 'cache-client'}
    assert (row['reachable'], row['decided_by']['rule_id']) == (True, tiers.rule_id(tiers.redis, SourceGroupId=tiers.web))
    # The name is a group's, else an instance's, else an interface's: one lookup each, in the VPC given.
    lookups = [(call['action'], call['params'].get('VpcId')) for call in admin.calls(since=mark)
               if set(call['params']) & {'SecurityGroupName', 'InstanceName', 'NetworkInterfaceName'}]
    assert lookups == [('DescribeSecurityGroups', DEMO_VPC), ('DescribeInstances', DEMO_VPC),
                       ('DescribeNetworkInterfaces', DEMO_VPC)]
    run = run_tasks([reach_task(source='twin', destination=REDIS_1, port=6379)])
    assert run.rc != 0
    assert run.last['msg'] == ("source: 'twin' is the name of 2 network interfaces: twin (%s), twin (%s); give the id or set "
                               "vpc_id" % tuple(sorted(eni[1:])))
    assert run.last['candidates'] == ['twin (%s)' % eni_id for eni_id in sorted(eni[1:])]


def test_examples_run(run_tasks, admin):
    tasks = module_examples('sg_reachability')
    mark = admin.mark()
    run = run_tasks(tasks)
    assert run.rc == 0, run
    assert len(run.results) == len(tasks)
    assert admin.mutating_calls(since=mark) == []


def test_web_redis_playbook_states_the_guides_intent_and_the_gate_catches_shortcuts(runner, emulator, ecs, tmp_path):
    env = {'ALICLOUD_ACCESS_KEY': DEMO_ACCESS_KEY, 'ALICLOUD_SECRET_KEY': DEMO_SECRET_KEY, 'ALICLOUD_REGION': DEMO_REGION,
           'ALICLOUD_ECS_ENDPOINT': emulator.endpoint}
    extra_vars = {'web_redis_audit_report': str(tmp_path / 'audit.md')}
    run = runner.run_playbook(WEB_REDIS, env=env, extra_vars=extra_vars)
    assert run.rc == 0, run.stdout[-3000:]
    gate = [entry['result'] for entry in run.results if entry['task'].startswith("The guide's intent holds")]
    assert [intent['holds'] for intent in gate[0]['intents']] == [True] * 4
    assert [(intent['source'], intent['reachable']) for intent in gate[0]['intents']] == [
        ('demo-web', True), ('internet', False), ('172.16.0.0/12', False), ('demo-redis', False)]
    shown = [entry['result'] for entry in run.results if entry['task'] == 'Show the intent as evaluated'][0]
    lines = [item['msg'] for item in shown['results']]
    assert lines[0].startswith('intent: demo-web -> demo-redis tcp 6379 reachable: holds (accept rule sgr-')
    assert lines[0].endswith('priority 1, tcp 6379/6379 from demo-web "Web tier reaches Redis")')

    # Someone opens Redis to the whole intranet "for a moment": the next run stops at the gate and names the rule.
    redis = ecs.group_by_name('demo-redis', DEMO_VPC)['SecurityGroupId']
    ecs.call('AuthorizeSecurityGroup', SecurityGroupId=redis, Permissions=[
        {'IpProtocol': 'tcp', 'PortRange': '6379/6379', 'SourceCidrIp': '172.16.0.0/12', 'Priority': 1,
         'Description': 'temporary shortcut'}])
    shortcut = [rule['SecurityGroupRuleId'] for rule in ecs.rules(redis) if rule['Description'] == 'temporary shortcut'][0]
    run = runner.run_playbook(WEB_REDIS, env=env, extra_vars=extra_vars)
    assert run.rc != 0
    failed = [entry for entry in run.results if entry['status'] == 'failed']
    assert [entry['task'] for entry in failed] == [gate_task_name(run)]
    message = failed[0]['result']['msg']
    assert message.startswith('1 of 4 intents do not hold: expect[2] expects not reachable, but 172.16.0.0/12 -> redis-1')
    assert 'accept rule %s of demo-redis (%s), priority 1' % (shortcut, redis) in message
    assert '"temporary shortcut"' in message

    # Narrower openings instead: one intranet /24 and one Internet /24. Only part of 172.16.0.0/12 and of the Internet
    # gets in, which holds neither "reachable: false" nor "reachable: true": the gate names the blocks and their rules.
    ecs.call('RevokeSecurityGroup', SecurityGroupId=redis, SecurityGroupRuleId=[shortcut])
    ecs.call('AuthorizeSecurityGroup', SecurityGroupId=redis, Permissions=[
        {'IpProtocol': 'tcp', 'PortRange': '6379/6379', 'SourceCidrIp': cidr, 'Priority': 1, 'Description': description}
        for cidr, description in (('172.16.1.0/24', 'batch hosts'), ('203.0.113.0/24', 'office'))])
    rules = dict((rule['Description'], rule['SecurityGroupRuleId']) for rule in ecs.rules(redis))
    run = runner.run_playbook(WEB_REDIS, env=env, extra_vars=extra_vars)
    assert run.rc != 0
    failed = [entry for entry in run.results if entry['status'] == 'failed']
    assert [entry['task'] for entry in failed] == [gate_task_name(run)]
    message = failed[0]['result']['msg']
    redis_1 = 'redis-1 (%s) tcp 6379' % REDIS_1
    assert message.startswith('2 of 4 intents do not hold: expect[1] expects not reachable, but internet -> %s: partly '
                              'reachable; from 203.0.113.0/24: ingress: accept rule %s of demo-redis (%s), priority 1, tcp '
                              '6379/6379 from 203.0.113.0/24 "office"; not from 0.0.0.0/0 except 203.0.113.0/24: ingress: '
                              'drop rule %s' % (redis_1, rules['office'], redis, rules['Nobody but the web tier reaches Redis']))
    assert ('; expect[2] expects not reachable, but 172.16.0.0/12 -> %s: partly reachable; from 172.16.1.0/24: ingress: '
            'accept rule %s of demo-redis (%s), priority 1, tcp 6379/6379 from 172.16.1.0/24 "batch hosts"'
            % (redis_1, rules['batch hosts'], redis)) in message
    answers = [intent['answers'][0] for intent in failed[0]['result']['intents']]
    assert [(answer['reachable'], answer['partial'], answer['reachable_from']) for answer in answers] == [
        (True, False, []), (None, True, ['203.0.113.0/24']), (None, True, ['172.16.1.0/24']), (False, False, [])]


def gate_task_name(run):
    return [entry['task'] for entry in run.results if entry['task'].startswith("The guide's intent holds")][0]


def test_another_accounts_group_matches_by_id(run_tasks, ecs, tiers):
    other = 'sg-otheraccount000000001'
    ecs.call('AuthorizeSecurityGroup', SecurityGroupId=tiers.redis, Permissions=[
        {'IpProtocol': 'tcp', 'PortRange': '6379/6379', 'SourceGroupId': other, 'SourceGroupOwnerAccount': '1111222233334444',
         'Description': 'partner cache clients'}])
    rule_id = tiers.rule_id(tiers.redis, SourceGroupId=other)
    row = run_ok(run_tasks, source=other, destination=REDIS_1, port=6379)['reachability'][0]
    assert (row['reachable'], row['decided_by']['rule_id'], row['source']['kind']) == (True, rule_id, 'group')
    # Its egress rules cannot be read from this account: said, not guessed.
    assert row['egress']['default'] == 'not_evaluated'
