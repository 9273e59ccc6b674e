# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloudwall.alicloud.sg against the emulator: create, idempotence, check and diff mode, rename, tags,
guarded delete, name lookups, validation before any call, and convergence under throttling."""

import pytest

from ansible_collections.cloudwall.alicloud.tests.lib.demo_seed import DEMO_VPC, FREE_ENI, WEB_1
from ansible_collections.cloudwall.alicloud.tests.lib.demo_seed import VPC_GROUP as DEFAULT_GROUP

WEB_TIER = {'name': 'web-tier', 'description': 'Web servers of the demo', 'vpc_id': DEMO_VPC,
            'inner_access_policy': 'drop', 'tags': {'tier': 'web', 'owner': 'platform'}}


def sg_task(**args):
    return {'name': 'sg', 'cloudwall.alicloud.sg': args}


def create(run_tasks, **args):
    run = run_tasks([sg_task(**dict(WEB_TIER, **args))])
    assert run.rc == 0, run
    return run.last['security_group']


def actions(calls):
    return sorted(call['action'] for call in calls)


def inner_access_policy(ecs, group_id):
    return ecs.call('DescribeSecurityGroupAttribute', SecurityGroupId=group_id)['InnerAccessPolicy']


def assert_only_a_refused_delete(admin, mark):
    """The delete is tried first; the API refused it, so nothing changed and members were read to explain."""
    mutating = admin.mutating_calls(since=mark)
    assert [(call['action'], call['code']) for call in mutating] == [('DeleteSecurityGroup', 'DependencyViolation')]


def test_create_then_second_run_changes_nothing(run_tasks, admin, ecs):
    mark = admin.mark()
    run = run_tasks([sg_task(**WEB_TIER), sg_task(**WEB_TIER)])
    assert run.rc == 0, run
    calls = admin.calls(since=mark)
    first, second = run.results
    assert first['changed'] is True and second['changed'] is False
    group = first['security_group']
    assert group['security_group_id'].startswith('sg-')
    # The create is not read back, so only the creation time is new to the second run.
    assert group['creation_time'] is None and second['security_group']['creation_time']
    assert dict(second['security_group'], creation_time=None) == group
    assert {key: group[key] for key in ('security_group_name', 'description', 'vpc_id', 'inner_access_policy',
                                        'security_group_type', 'network_type', 'tags')} == {
        'security_group_name': 'web-tier', 'description': 'Web servers of the demo', 'vpc_id': DEMO_VPC,
        'inner_access_policy': 'drop', 'security_group_type': 'normal', 'network_type': 'vpc',
        'tags': {'tier': 'web', 'owner': 'platform'}}
    real = ecs.group_by_name('web-tier', DEMO_VPC)
    assert real['SecurityGroupId'] == group['security_group_id']
    assert ecs.tags(group['security_group_id']) == {'tier': 'web', 'owner': 'platform'}
    assert inner_access_policy(ecs, group['security_group_id']) == 'Drop'
    # Tags travel with the create; the second task wrote nothing.
    mutating = admin.mutating_calls(since=mark)
    assert actions(mutating) == ['CreateSecurityGroup', 'ModifySecurityGroupPolicy']
    assert mutating[0]['params'].get('ClientToken')
    # Exact calls: the create is one lookup and its writes; the no-op is the lookup and the policy read.
    assert actions(calls) == sorted(
        ['DescribeSecurityGroups', 'CreateSecurityGroup', 'ModifySecurityGroupPolicy']
        + ['DescribeSecurityGroups', 'DescribeSecurityGroupAttribute'])


def test_check_mode_create_predicts_and_writes_nothing(run_tasks, admin, ecs):
    mark = admin.mark()
    run = run_tasks([sg_task(**WEB_TIER)], check=True, diff=True)
    assert run.rc == 0, run
    result = run.last
    assert result['changed'] is True
    assert result['security_group']['security_group_id'] is None
    assert result['security_group']['tags'] == {'tier': 'web', 'owner': 'platform'}
    assert result['diff']['before'] == {}
    assert result['diff']['after']['security_group_name'] == 'web-tier'
    assert admin.mutating_calls(since=mark) == []
    assert ecs.group_by_name('web-tier', DEMO_VPC) is None


def test_check_mode_update_predicts_the_real_run_exactly(run_tasks, admin):
    group_id = create(run_tasks)['security_group_id']
    change = sg_task(security_group_id=group_id, name='web-frontend', description='Front end web servers',
                     inner_access_policy='accept', tags={'tier': 'web', 'cost': 'shared'}, purge_tags=True)
    mark = admin.mark()
    predicted = run_tasks([change], check=True, diff=True)
    assert predicted.rc == 0, predicted
    assert admin.mutating_calls(since=mark) == []
    real = run_tasks([change], diff=True)
    assert real.rc == 0, real
    assert predicted.last['changed'] is True and real.last['changed'] is True
    assert predicted.last['security_group'] == real.last['security_group']
    assert predicted.last['diff'] == real.last['diff']
    assert real.last['diff']['before']['security_group_name'] == 'web-tier'
    assert real.last['diff']['after']['security_group_name'] == 'web-frontend'
    assert real.last['diff']['after']['tags'] == {'tier': 'web', 'cost': 'shared'}


def test_rename_by_id_changes_only_the_name(run_tasks, admin, ecs):
    group_id = create(run_tasks)['security_group_id']
    mark = admin.mark()
    run = run_tasks([sg_task(security_group_id=group_id, name='web-renamed')])
    assert run.rc == 0, run
    assert run.last['changed'] is True
    assert run.last['security_group']['security_group_name'] == 'web-renamed'
    assert run.last['security_group']['description'] == 'Web servers of the demo'
    assert actions(admin.mutating_calls(since=mark)) == ['ModifySecurityGroupAttribute']
    # Not read back after the write: two reads and the write.
    assert actions(admin.calls(since=mark)) == ['DescribeSecurityGroupAttribute', 'DescribeSecurityGroups',
                                                'ModifySecurityGroupAttribute']
    assert ecs.group_by_name('web-renamed', DEMO_VPC)['SecurityGroupId'] == group_id
    assert ecs.group_by_name('web-tier', DEMO_VPC) is None


@pytest.mark.parametrize('purge, expected', [
    pytest.param(True, {'tier': 'web', 'cost': 'shared'}, id='purge'),
    pytest.param(False, {'tier': 'web', 'owner': 'platform', 'cost': 'shared'}, id='keep-others'),
])
def test_tags_update_with_and_without_purge(run_tasks, admin, ecs, purge, expected):
    group_id = create(run_tasks)['security_group_id']
    mark = admin.mark()
    run = run_tasks([sg_task(security_group_id=group_id, tags={'tier': 'web', 'cost': 'shared'}, purge_tags=purge)])
    assert run.rc == 0, run
    assert run.last['security_group']['tags'] == expected
    assert ecs.tags(group_id) == expected
    expected_actions = ['TagResources', 'UntagResources'] if purge else ['TagResources']
    assert actions(admin.mutating_calls(since=mark)) == expected_actions


def test_delete_is_refused_while_an_instance_is_a_member_then_allowed(run_tasks, admin, ecs):
    group_id = create(run_tasks)['security_group_id']
    ecs.call('ModifyInstanceAttribute', InstanceId=WEB_1, SecurityGroupIds=[DEFAULT_GROUP, group_id])
    mark = admin.mark()
    refused = run_tasks([sg_task(security_group_id=group_id, state='absent')])
    assert refused.rc != 0
    assert WEB_1 in refused.last['msg'] and group_id in refused.last['msg']
    assert refused.last['instances'] == [WEB_1]
    assert refused.last['changed'] is False
    assert_only_a_refused_delete(admin, mark)
    assert ecs.group_by_name('web-tier', DEMO_VPC) is not None

    ecs.call('ModifyInstanceAttribute', InstanceId=WEB_1, SecurityGroupIds=[DEFAULT_GROUP])
    run = run_tasks([sg_task(security_group_id=group_id, state='absent'),
                     sg_task(security_group_id=group_id, state='absent')], diff=True)
    assert run.rc == 0, run
    assert [result['changed'] for result in run.results] == [True, False]
    assert run.results[0]['diff']['before']['security_group_id'] == group_id
    assert run.results[0]['diff']['after'] == {}
    assert ecs.group_by_name('web-tier', DEMO_VPC) is None


def test_delete_is_refused_while_a_network_interface_is_a_member(run_tasks, admin):
    mark = admin.mark()
    run = run_tasks([sg_task(security_group_id=DEFAULT_GROUP, state='absent')])
    assert run.rc != 0
    assert FREE_ENI in run.last['network_interfaces']
    # Primary interfaces of member instances are not listed twice.
    assert all(not eni.startswith('eni-demoweb') for eni in run.last['network_interfaces'])
    assert set(run.last['instances']) == {WEB_1, 'i-demoweb0000000000002', 'i-demoredis00000000001'}
    assert_only_a_refused_delete(admin, mark)


def test_delete_is_refused_while_another_group_references_it(run_tasks, admin, ecs):
    target = create(run_tasks)['security_group_id']
    client = create(run_tasks, name='app-tier', tags={'tier': 'app'})['security_group_id']
    ecs.call('AuthorizeSecurityGroup', SecurityGroupId=client, Permissions=[
        {'IpProtocol': 'TCP', 'PortRange': '80/80', 'SourceGroupId': target, 'NicType': 'intranet'}])
    mark = admin.mark()
    run = run_tasks([sg_task(security_group_id=target, state='absent')], check=True)
    assert run.rc != 0
    assert run.last['referencing_security_groups'] == [client]
    assert client in run.last['msg']
    assert admin.mutating_calls(since=mark) == []


def test_ambiguous_name_fails_listing_candidates(run_tasks, admin):
    other = admin.seed(vpcs=[{'CidrBlock': '10.0.0.0/8', 'VpcName': 'other'}])['vpcs'][0]
    admin.seed(security_groups=[
        {'SecurityGroupName': 'shared', 'Description': 'in the demo VPC', 'VpcId': DEMO_VPC},
        {'SecurityGroupName': 'shared', 'Description': 'in the other VPC', 'VpcId': other},
    ])
    mark = admin.mark()
    run = run_tasks([sg_task(name='shared', description='changed everywhere?')])
    assert run.rc != 0
    assert 'matches 2 groups' in run.last['msg']
    assert DEMO_VPC in run.last['msg'] and other in run.last['msg']
    assert len(run.last['candidates']) == 2
    assert admin.mutating_calls(since=mark) == []
    scoped = run_tasks([sg_task(name='shared', vpc_id=other)])
    assert scoped.rc == 0, scoped
    assert scoped.last['changed'] is False
    assert scoped.last['security_group']['description'] == 'in the other VPC'


@pytest.mark.parametrize('args, fragment', [
    pytest.param({'name': '1-starts-with-a-digit'}, "starts with '1'", id="name-first-char"),
    pytest.param({'name': 'x'}, 'has 1 characters', id='name-too-short'),
    pytest.param({'name': 'has space'}, "contains ' '", id='name-bad-char'),
    pytest.param({'name': 'ok-name', 'description': 'https://wiki'}, 'starts with http', id='description-url'),
    pytest.param({'name': 'ok-name', 'tags': {'acs:team': 'x'}}, "reserved prefix 'acs:'", id='tag-key'),
    pytest.param({'name': 'ok-name', 'security_group_type': 'enterprise', 'inner_access_policy': 'accept'},
                 'enterprise', id='enterprise-accept'),
])
def test_invalid_arguments_fail_before_any_call(run_tasks, admin, args, fragment):
    mark = admin.mark()
    run = run_tasks([sg_task(vpc_id=DEMO_VPC, **args)])
    assert run.rc != 0
    assert fragment in run.last['msg'], run.last['msg']
    assert admin.calls(since=mark) == []


def test_unknown_id_fails_and_creates_nothing(run_tasks, admin):
    mark = admin.mark()
    run = run_tasks([sg_task(security_group_id='sg-doesnotexist0000000', name='web-tier')])
    assert run.rc != 0
    assert 'no security group with id sg-doesnotexist0000000' in run.last['msg']
    assert admin.mutating_calls(since=mark) == []


def test_converges_under_50_percent_throttling(run_tasks, admin, ecs):
    admin.faults([{'kind': 'throttling', 'rate': 0.5}], random_seed=7)
    retry = {'retries': 12, 'retry_max_delay': 0.2, 'retry_timeout': 60}
    run = run_tasks([sg_task(**dict(WEB_TIER, **retry)),
                     sg_task(**{**WEB_TIER, 'tags': {'tier': 'web'}, **retry})])
    assert run.rc == 0, run
    throttled = [call for call in admin.calls() if call['code'] == 'Throttling']
    assert throttled, 'the fault did not fire'
    admin.clear_faults()
    groups = [g for g in ecs.groups(VpcId=DEMO_VPC) if g['SecurityGroupName'] == 'web-tier']
    assert len(groups) == 1, 'a retried create made a second group'
    assert ecs.tags(groups[0]['SecurityGroupId']) == {'tier': 'web'}
    again = run_tasks([sg_task(**{**WEB_TIER, 'tags': {'tier': 'web'}})])
    assert again.rc == 0 and again.last['changed'] is False, again
