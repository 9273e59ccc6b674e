# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloudwall.alicloud.sg_tags against the emulator: add, purge, remove by key or key=value, batching,
check and diff mode, validation before any call, name lookups."""

import pytest

from ansible_collections.cloudwall.alicloud.tests.lib.demo_seed import CLASSIC_GROUP, DEMO_VPC, VPC_GROUP


def tags_task(**args):
    return {'name': 'sg_tags', 'cloudwall.alicloud.sg_tags': args}


def actions(calls):
    return sorted(call['action'] for call in calls)


def resource_ids(call):
    return sorted(value for key, value in call['params'].items() if key.startswith('ResourceId.'))


def test_add_tags_by_name_then_second_run_changes_nothing(run_tasks, admin, ecs):
    mark = admin.mark()
    task = tags_task(security_group='default-vpc', vpc_id=DEMO_VPC, tags={'env': 'demo', 'owner': 'platform'})
    run = run_tasks([task, task])
    assert run.rc == 0, run
    calls = admin.calls(since=mark)
    first, second = run.results
    assert first['changed'] is True and second['changed'] is False
    assert first['added'] == {VPC_GROUP: {'env': 'demo', 'owner': 'platform'}}
    assert first['removed'] == {}
    assert first['tags'] == {VPC_GROUP: {'env': 'demo', 'owner': 'platform'}}
    assert second['added'] == {} and second['tags'] == first['tags']
    assert first['security_group_ids'] == [VPC_GROUP]
    assert ecs.tags(VPC_GROUP) == {'env': 'demo', 'owner': 'platform'}
    assert actions(admin.mutating_calls(since=mark)) == ['TagResources']
    # Exact calls: the lookup answers the tags too; the change is not read back; the no-op is the lookup alone.
    assert [call['action'] for call in calls] == ['DescribeSecurityGroups', 'TagResources', 'DescribeSecurityGroups']


def test_groups_needing_the_same_change_share_one_call(run_tasks, admin, ecs):
    mark = admin.mark()
    run = run_tasks([tags_task(security_group=[VPC_GROUP, 'default-classic'], tags={'env': 'demo'})])
    assert run.rc == 0, run
    mutating = admin.mutating_calls(since=mark)
    assert actions(mutating) == ['TagResources']
    assert resource_ids(mutating[0]) == sorted([VPC_GROUP, CLASSIC_GROUP])
    assert ecs.tags(VPC_GROUP) == ecs.tags(CLASSIC_GROUP) == {'env': 'demo'}
    assert run.last['security_group_ids'] == [VPC_GROUP, CLASSIC_GROUP]


def test_purge_keeps_only_listed_tags(run_tasks, admin, ecs):
    setup = run_tasks([tags_task(security_group=VPC_GROUP, tags={'env': 'demo', 'owner': 'a', 'old': 'x'})])
    assert setup.rc == 0, setup
    mark = admin.mark()
    run = run_tasks([tags_task(security_group=VPC_GROUP, tags={'env': 'prod'}, purge_tags=True)])
    assert run.rc == 0, run
    assert run.last['added'] == {VPC_GROUP: {'env': 'prod'}}
    assert run.last['removed'] == {VPC_GROUP: ['old', 'owner']}
    assert ecs.tags(VPC_GROUP) == {'env': 'prod'}
    assert actions(admin.mutating_calls(since=mark)) == ['TagResources', 'UntagResources']


def test_without_purge_other_tags_stay(run_tasks, ecs):
    run = run_tasks([tags_task(security_group=VPC_GROUP, tags={'a': '1', 'b': '2'}),
                     tags_task(security_group=VPC_GROUP, tags={'a': '9'})])
    assert run.rc == 0, run
    assert run.last['added'] == {VPC_GROUP: {'a': '9'}} and run.last['removed'] == {}
    assert ecs.tags(VPC_GROUP) == {'a': '9', 'b': '2'}


def test_absent_removes_keys_and_only_matching_values(run_tasks, admin, ecs):
    setup = run_tasks([tags_task(security_group=VPC_GROUP, tags={'owner': 'a', 'env': 'demo', 'keep': '1'})])
    assert setup.rc == 0, setup
    mark = admin.mark()
    run = run_tasks([tags_task(security_group=VPC_GROUP, tags={'owner': None, 'env': 'other'}, state='absent')])
    assert run.rc == 0, run
    assert run.last['removed'] == {VPC_GROUP: ['owner']}
    assert ecs.tags(VPC_GROUP) == {'env': 'demo', 'keep': '1'}
    assert actions(admin.mutating_calls(since=mark)) == ['UntagResources']
    again = run_tasks([tags_task(security_group=VPC_GROUP, tags={'owner': None, 'env': 'other'}, state='absent')])
    assert again.rc == 0 and again.last['changed'] is False, again


def test_check_mode_predicts_and_writes_nothing(run_tasks, admin, ecs):
    setup = run_tasks([tags_task(security_group=VPC_GROUP, tags={'env': 'demo', 'old': 'x'})])
    assert setup.rc == 0, setup
    change = tags_task(security_group=[VPC_GROUP, CLASSIC_GROUP], tags={'env': 'prod'}, purge_tags=True)
    mark = admin.mark()
    predicted = run_tasks([change], check=True, diff=True)
    assert predicted.rc == 0, predicted
    assert admin.mutating_calls(since=mark) == []
    assert ecs.tags(VPC_GROUP) == {'env': 'demo', 'old': 'x'}
    assert predicted.last['diff']['before'] == {VPC_GROUP: {'env': 'demo', 'old': 'x'}, CLASSIC_GROUP: {}}
    assert predicted.last['diff']['after'] == {VPC_GROUP: {'env': 'prod'}, CLASSIC_GROUP: {'env': 'prod'}}
    real = run_tasks([change], diff=True)
    assert real.rc == 0, real
    for key in ('changed', 'tags', 'added', 'removed', 'diff'):
        assert predicted.last[key] == real.last[key], key


@pytest.mark.parametrize('tags, fragment', [
    pytest.param({'aliyun-owner': 'x'}, "reserved prefix 'aliyun'", id='reserved-key'),
    pytest.param({'doc': 'see http://wiki'}, "contains 'http://'", id='url-value'),
    pytest.param({'k': 'v' * 129}, '129 characters', id='long-value'),
    pytest.param(dict(('k%02d' % i, 'v') for i in range(21)), 'at most 20', id='too-many'),
])
def test_invalid_tags_fail_before_any_call(run_tasks, admin, tags, fragment):
    mark = admin.mark()
    run = run_tasks([tags_task(security_group=VPC_GROUP, tags=tags)])
    assert run.rc != 0
    assert fragment in run.last['msg'], run.last['msg']
    assert admin.calls(since=mark) == []


def test_more_than_20_tags_after_merge_fails_before_any_write(run_tasks, admin, ecs):
    first = dict(('a%02d' % i, 'v') for i in range(15))
    setup = run_tasks([tags_task(security_group=VPC_GROUP, tags=first)])
    assert setup.rc == 0, setup
    mark = admin.mark()
    run = run_tasks([tags_task(security_group=VPC_GROUP, tags=dict(('b%02d' % i, 'v') for i in range(6)))])
    assert run.rc != 0
    assert 'would carry 21 tags' in run.last['msg']
    assert admin.mutating_calls(since=mark) == []
    assert ecs.tags(VPC_GROUP) == first


def test_unknown_or_ambiguous_group_fails_listing_candidates(run_tasks, admin):
    other = admin.seed(vpcs=[{'CidrBlock': '10.0.0.0/8', 'VpcName': 'other'}])['vpcs'][0]
    admin.seed(security_groups=[{'SecurityGroupName': 'twin', 'VpcId': DEMO_VPC},
                                {'SecurityGroupName': 'twin', 'VpcId': other}])
    mark = admin.mark()
    run = run_tasks([tags_task(security_group=['twin'], tags={'env': 'x'})])
    assert run.rc != 0
    assert 'matches 2 groups' in run.last['msg'] and len(run.last['candidates']) == 2
    missing = run_tasks([tags_task(security_group=['nope'], tags={'env': 'x'})])
    assert missing.rc != 0 and "no security group with id or name 'nope'" in missing.last['msg']
    assert admin.mutating_calls(since=mark) == []
