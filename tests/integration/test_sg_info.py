# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloudwall.alicloud.sg_info against the emulator: filters, paging to the end with an exact number of
requests, rules, members, references, concurrency and throttling."""

import pytest

from ansible_collections.cloudwall.alicloud.tests.lib.demo_seed import CLASSIC_GROUP, DEMO_INSTANCES, DEMO_VPC, VPC_GROUP


def info_task(**args):
    return {'name': 'sg_info', 'cloudwall.alicloud.sg_info': args}


def info(run_tasks, **args):
    run = run_tasks([info_task(**args)])
    assert run.rc == 0, run
    assert run.last['changed'] is False
    return run.last['security_groups']


def ids(groups):
    return sorted(group['security_group_id'] for group in groups)


def count(calls, action):
    return len([call for call in calls if call['action'] == action])


def seed_groups(admin, number, vpc_id=DEMO_VPC, prefix='bulk', tags=None):
    admin.quotas(groups_per_region=1000)
    created = admin.seed(security_groups=[
        {'SecurityGroupName': '%s-%03d' % (prefix, index), 'Description': 'seeded', 'VpcId': vpc_id,
         'Tags': tags or {}} for index in range(number)])
    return created['security_groups']


def test_vpc_filter_returns_the_group_with_its_rules(run_tasks, ecs):
    ecs.call('AuthorizeSecurityGroup', SecurityGroupId=VPC_GROUP, Permissions=[
        {'IpProtocol': 'TCP', 'PortRange': '22/22', 'SourceCidrIp': '10.0.0.0/8', 'Priority': 5, 'Policy': 'drop',
         'Description': 'no ssh from the intranet'}])
    groups = info(run_tasks, vpc_id=DEMO_VPC)
    assert ids(groups) == [VPC_GROUP]
    group = groups[0]
    assert group['security_group_name'] == 'default-vpc'
    assert group['inner_access_policy'] in ('accept', 'drop')
    assert 'members' not in group and 'referencing_security_groups' not in group
    ssh = [rule for rule in group['rules'] if rule['port_range'] == '22/22']
    assert len(ssh) == 1
    rule = ssh[0]
    assert rule['security_group_rule_id'].startswith('sgr-')
    assert (rule['direction'], rule['ip_protocol'], rule['policy'], rule['priority'], rule['nic_type']) == (
        'ingress', 'tcp', 'drop', 5, 'intranet')
    assert rule['source_cidr_ip'] == '10.0.0.0/8' and rule['description'] == 'no ssh from the intranet'
    assert len(group['rules']) == len(ecs.rules(VPC_GROUP))


@pytest.mark.parametrize('args, expected', [
    pytest.param({'network_type': 'classic'}, [CLASSIC_GROUP], id='classic'),
    pytest.param({'network_type': 'vpc'}, [VPC_GROUP], id='vpc'),
    pytest.param({'name': 'default-classic'}, [CLASSIC_GROUP], id='name'),
    pytest.param({'security_group_ids': [CLASSIC_GROUP, VPC_GROUP]}, [CLASSIC_GROUP, VPC_GROUP], id='ids'),
    pytest.param({'security_group_ids': ['sg-doesnotexist0000000']}, [], id='unknown-id'),
    pytest.param({'security_group_type': 'enterprise'}, [], id='type'),
    pytest.param({'name': 'default-vpc', 'network_type': 'classic'}, [], id='filters-combine'),
])
def test_filters(run_tasks, args, expected):
    assert ids(info(run_tasks, include_rules=False, **args)) == sorted(expected)


def test_tag_filter(run_tasks, admin):
    tagged = seed_groups(admin, 3, prefix='tagged', tags={'tier': 'web'})
    seed_groups(admin, 2, prefix='other', tags={'tier': 'db'})
    assert ids(info(run_tasks, tags={'tier': 'web'}, include_rules=False)) == sorted(tagged)


def test_paging_reads_every_group_with_an_exact_number_of_requests(run_tasks, admin):
    seeded = seed_groups(admin, 130)
    mark = admin.mark()
    groups = info(run_tasks, vpc_id=DEMO_VPC, include_rules=False)
    assert ids(groups) == sorted(seeded + [VPC_GROUP])
    calls = admin.calls(since=mark)
    # 131 groups at 100 per page: two pages and nothing else.
    assert [call['action'] for call in calls] == ['DescribeSecurityGroups'] * 2
    assert calls[0]['params'].get('MaxResults') == '100'


def test_rules_are_read_once_per_group(run_tasks, admin):
    seeded = seed_groups(admin, 12)
    mark = admin.mark()
    groups = info(run_tasks, vpc_id=DEMO_VPC)
    assert len(groups) == 13 and all(isinstance(group['rules'], list) for group in groups)
    calls = admin.calls(since=mark)
    assert count(calls, 'DescribeSecurityGroups') == 1
    assert count(calls, 'DescribeSecurityGroupAttribute') == 13
    assert sorted(call['params']['SecurityGroupId'] for call in calls
                  if call['action'] == 'DescribeSecurityGroupAttribute') == sorted(seeded + [VPC_GROUP])


def test_concurrent_reads_equal_sequential_reads(run_tasks, admin, ecs):
    seeded = seed_groups(admin, 12)
    for group_id in seeded[:6]:
        ecs.call('AuthorizeSecurityGroup', SecurityGroupId=group_id, Permissions=[
            {'IpProtocol': 'TCP', 'PortRange': '443/443', 'SourceCidrIp': '0.0.0.0/0'},
            {'IpProtocol': 'TCP', 'PortRange': '6379/6379', 'SourceGroupId': VPC_GROUP, 'NicType': 'intranet'}])
    run = run_tasks([info_task(vpc_id=DEMO_VPC, include_members=True, max_workers=1),
                     info_task(vpc_id=DEMO_VPC, include_members=True, max_workers=8)])
    assert run.rc == 0, run
    sequential, concurrent = run.results
    assert concurrent['security_groups'] == sequential['security_groups']
    assert sum(len(group['rules']) for group in concurrent['security_groups']) >= 12


def test_members_and_references(run_tasks, admin, ecs):
    target = seed_groups(admin, 1, prefix='redis')[0]
    ecs.call('AuthorizeSecurityGroup', SecurityGroupId=target, Permissions=[
        {'IpProtocol': 'TCP', 'PortRange': '6379/6379', 'SourceGroupId': VPC_GROUP, 'NicType': 'intranet'}])
    groups = info(run_tasks, security_group_ids=[VPC_GROUP, target, CLASSIC_GROUP], include_members=True,
                  include_references=True)
    by_id = {group['security_group_id']: group for group in groups}
    members = by_id[VPC_GROUP]['members']
    assert {instance['instance_id'] for instance in members['instances']} == DEMO_INSTANCES
    assert 'eni-demofree000000000001' in {eni['network_interface_id'] for eni in members['network_interfaces']}
    assert by_id[VPC_GROUP]['referencing_security_groups'] == [target]
    assert by_id[target]['referencing_security_groups'] == []
    assert by_id[target]['members'] == {'instances': [], 'network_interfaces': []}
    classic_members = by_id[CLASSIC_GROUP]['members']['instances']
    assert [instance['instance_id'] for instance in classic_members] == ['i-democlassic000000001']
    assert classic_members[0]['network_type'] == 'classic'


def test_classic_group_rules_of_both_nic_types(run_tasks, ecs):
    ecs.call('AuthorizeSecurityGroup', SecurityGroupId=CLASSIC_GROUP, Permissions=[
        {'IpProtocol': 'TCP', 'PortRange': '80/80', 'SourceCidrIp': '0.0.0.0/0', 'NicType': 'internet'},
        {'IpProtocol': 'TCP', 'PortRange': '8080/8080', 'SourceCidrIp': '10.1.0.0/16', 'NicType': 'intranet'}])
    group = info(run_tasks, security_group_ids=[CLASSIC_GROUP])[0]
    by_port = {rule['port_range']: rule['nic_type'] for rule in group['rules']}
    assert by_port.get('80/80') == 'internet' and by_port.get('8080/8080') == 'intranet'


def test_max_workers_out_of_range_fails_before_any_call(run_tasks, admin):
    mark = admin.mark()
    run = run_tasks([info_task(max_workers=0)])
    assert run.rc != 0 and 'max_workers' in run.last['msg']
    assert admin.calls(since=mark) == []


def test_converges_under_50_percent_throttling(run_tasks, admin):
    seeded = seed_groups(admin, 15)
    expected = info(run_tasks, vpc_id=DEMO_VPC, include_members=True)
    admin.faults([{'kind': 'throttling', 'rate': 0.5}], random_seed=11)
    mark = admin.mark()
    run = run_tasks([info_task(vpc_id=DEMO_VPC, include_members=True, retries=12, retry_max_delay=0.2)])
    admin.clear_faults()
    assert run.rc == 0, run
    assert any(call['code'] == 'Throttling' for call in admin.calls(since=mark))
    assert run.last['security_groups'] == expected
    assert len(expected) == len(seeded) + 1
