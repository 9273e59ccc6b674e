# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloudwall.alicloud.sg_membership against the emulator: join, leave, exact swaps, ENIs, refusals before any
write, batched reads for 150 instances, check mode, and a failure half way."""

import json

DEMO_VPC = 'vpc-demo0000000000000001'
VPC_GROUP = 'sg-demovpcdefault000001'
CLASSIC_GROUP = 'sg-democlassic000000001'
WEB_1 = 'i-demoweb0000000000001'
WEB_2 = 'i-demoweb0000000000002'
REDIS_1 = 'i-demoredis00000000001'
CLASSIC_1 = 'i-democlassic000000001'
FREE_ENI = 'eni-demofree000000000001'


def membership_task(**args):
    return {'name': 'sg_membership', 'cloudwall.alicloud.sg_membership': args}


def tolerant(task):
    """The task may fail and the play goes on, so several refusals run in one playbook."""
    return dict(task, ignore_errors=True)


def new_groups(admin, *names, **fields):
    specs = [dict({'SecurityGroupName': name, 'VpcId': DEMO_VPC}, **fields) for name in names]
    return admin.seed(security_groups=specs)['security_groups']


def actions(calls):
    return [call['action'] for call in calls]


def eni_groups(ecs, eni_id):
    page = ecs.call('DescribeNetworkInterfaces', NetworkInterfaceId=[eni_id])
    return page['NetworkInterfaceSets']['NetworkInterfaceSet'][0]['SecurityGroupIds']['SecurityGroupId']


def test_join_by_name_then_rerun_changes_nothing(run_tasks, admin, ecs):
    web_tier, = new_groups(admin, 'web-tier')
    mark = admin.mark()
    task = membership_task(instance_ids=[WEB_1, WEB_2], security_groups=['web-tier'], vpc_id=DEMO_VPC)
    run = run_tasks([task, task])
    assert run.rc == 0, run
    first, second = run.results
    assert first['changed'] is True and second['changed'] is False
    assert first['security_group_ids'] == [web_tier]
    assert first['targets'] == [
        {'id': WEB_1, 'type': 'instance', 'before': [VPC_GROUP], 'after': [VPC_GROUP, web_tier], 'changed': True,
         'joined': [web_tier], 'left': []},
        {'id': WEB_2, 'type': 'instance', 'before': [VPC_GROUP], 'after': [VPC_GROUP, web_tier], 'changed': True,
         'joined': [web_tier], 'left': []},
    ]
    assert [target['changed'] for target in second['targets']] == [False, False]
    assert second['targets'][0]['after'] == [VPC_GROUP, web_tier]
    # Both tasks together made exactly the two joins of the first one.
    joins = admin.mutating_calls(since=mark)
    assert actions(joins) == ['JoinSecurityGroup', 'JoinSecurityGroup']
    assert [(c['params']['InstanceId'], c['params']['SecurityGroupId']) for c in joins] == [(WEB_1, web_tier), (WEB_2, web_tier)]
    assert ecs.instance_groups(WEB_1) == ecs.instance_groups(WEB_2) == [VPC_GROUP, web_tier]
    assert ecs.instance_groups(REDIS_1) == [VPC_GROUP]


def test_leave_and_refusal_to_leave_the_last_group(run_tasks, admin, ecs):
    web_tier, = new_groups(admin, 'web-tier')
    mark = admin.mark()
    run = run_tasks([
        membership_task(instance_ids=[WEB_1], security_groups=[web_tier]),
        membership_task(instance_ids=[WEB_1], security_groups=[VPC_GROUP], state='absent'),
        membership_task(instance_ids=[WEB_1], security_groups=[VPC_GROUP], state='absent'),
        membership_task(instance_ids=[WEB_1, WEB_2], security_groups=[web_tier, VPC_GROUP], state='absent'),
    ])
    assert run.rc != 0
    joined, left, again, refused = run.results
    assert joined['changed'] and left['changed'] and not again['changed']
    assert left['targets'][0]['left'] == [VPC_GROUP] and left['targets'][0]['after'] == [web_tier]
    assert refused['_status'] == 'failed'
    assert refused['problems'] == [
        'security_groups: instance %s would be left without a security group (leaving %s); every instance needs at least one'
        % (WEB_1, web_tier),
        'security_groups: instance %s would be left without a security group (leaving %s); every instance needs at least one'
        % (WEB_2, VPC_GROUP),
    ]
    assert 'nothing was changed: 2 problems' in refused['msg']
    # The refused task wrote nothing: only the join and the leave before it.
    assert actions(admin.mutating_calls(since=mark)) == ['JoinSecurityGroup', 'LeaveSecurityGroup']
    assert ecs.instance_groups(WEB_1) == [web_tier]
    assert ecs.instance_groups(WEB_2) == [VPC_GROUP]


def test_group_limit_is_checked_before_any_call_and_follows_max_groups(run_tasks, admin, ecs):
    extra = new_groups(admin, 'g1', 'g2', 'g3', 'g4', 'g5')
    mark = admin.mark()
    refused = run_tasks([membership_task(instance_ids=[WEB_1, WEB_2], security_groups=extra)])
    assert refused.rc != 0
    assert len(refused.last['problems']) == 2
    assert refused.last['problems'][0] == 'instance %s would be in 6 security groups (%s); max_groups is 5' % (
        WEB_1, ', '.join([VPC_GROUP] + extra))
    assert admin.mutating_calls(since=mark) == []
    assert ecs.instance_groups(WEB_1) == [VPC_GROUP]

    # An account with a raised quota says so with max_groups.
    admin.quotas(groups_per_instance=10)
    raised = run_tasks([membership_task(instance_ids=[WEB_1], security_groups=extra, max_groups=10)])
    assert raised.rc == 0, raised
    assert ecs.instance_groups(WEB_1) == [VPC_GROUP] + extra


def test_network_and_type_mismatches_are_all_refused_before_any_write(run_tasks, admin, ecs):
    other_vpc = admin.seed(vpcs=[{'CidrBlock': '10.0.0.0/8', 'VpcName': 'other'}])['vpcs'][0]
    other_group = admin.seed(security_groups=[{'SecurityGroupName': 'elsewhere', 'VpcId': other_vpc}])['security_groups'][0]
    enterprise, = new_groups(admin, 'strict', SecurityGroupType='enterprise')
    mark = admin.mark()
    run = run_tasks([
        tolerant(membership_task(instance_ids=[WEB_1, WEB_2, REDIS_1], security_groups=[other_group])),
        tolerant(membership_task(instance_ids=[CLASSIC_1, WEB_1], security_groups=[VPC_GROUP])),
        tolerant(membership_task(instance_ids=[WEB_1], security_groups=[CLASSIC_GROUP])),
        tolerant(membership_task(instance_ids=[WEB_1], security_groups=[enterprise])),
        tolerant(membership_task(instance_ids=['i-doesnotexist000000001', WEB_1], security_groups=['strict'],
                                 vpc_id=DEMO_VPC)),
        tolerant(membership_task(instance_ids=[WEB_1], security_groups=['elsewhere'], vpc_id=DEMO_VPC)),
    ])
    other, classic, vpc_to_classic, mixed, missing, wrong_vpc = run.results
    assert all(result['_status'] == 'failed' for result in run.results), run
    assert other['problems'] == ['security_groups: instance %s is in %s and cannot join group %s of another VPC (%s)'
                                 % (instance, DEMO_VPC, other_group, other_vpc) for instance in (WEB_1, WEB_2, REDIS_1)]
    # WEB_1 is already in the group: a no-op, not a problem.
    assert classic['problems'] == ['security_groups: instance %s is in the classic network and cannot join VPC group %s (of %s)'
                                   % (CLASSIC_1, VPC_GROUP, DEMO_VPC)]
    assert vpc_to_classic['problems'] == ['security_groups: instance %s is in %s and cannot join classic group %s'
                                          % (WEB_1, DEMO_VPC, CLASSIC_GROUP)]
    assert mixed['problems'] == ['security_groups: instance %s would mix normal groups (%s) and enterprise groups (%s); normal and enterprise '
                                 'groups cannot share an instance or network interface' % (WEB_1, VPC_GROUP, enterprise)]
    assert missing['problems'][0] == 'instance_ids: instance i-doesnotexist000000001 was not found'
    assert len(missing['problems']) == 2  # WEB_1 would also mix types
    assert "no security group with id or name 'elsewhere' in %s" % DEMO_VPC in wrong_vpc['msg']
    assert admin.mutating_calls(since=mark) == []
    assert ecs.instance_groups(WEB_1) == [VPC_GROUP] and ecs.instance_groups(CLASSIC_1) == [CLASSIC_GROUP]


def test_classic_instances_join_classic_groups(run_tasks, admin, ecs):
    legacy = admin.seed(security_groups=[{'SecurityGroupName': 'legacy-web', 'VpcId': ''}])['security_groups'][0]
    run = run_tasks([membership_task(instance_ids=[CLASSIC_1], security_groups=[legacy])])
    assert run.rc == 0, run
    assert ecs.instance_groups(CLASSIC_1) == [CLASSIC_GROUP, legacy]


def test_exact_swaps_the_only_group_in_one_call(run_tasks, admin, ecs):
    redis_tier, = new_groups(admin, 'redis-tier')
    mark = admin.mark()
    task = membership_task(instance_ids=[REDIS_1], security_groups=['redis-tier'], vpc_id=DEMO_VPC, state='exact')
    run = run_tasks([task, task])
    assert run.rc == 0, run
    swapped, again = run.results
    assert swapped['targets'] == [{'id': REDIS_1, 'type': 'instance', 'before': [VPC_GROUP], 'after': [redis_tier],
                                   'changed': True, 'joined': [redis_tier], 'left': [VPC_GROUP]}]
    assert again['changed'] is False
    # One atomic ModifyInstanceAttribute replaced the set: no Leave that could leave the instance groupless.
    writes = admin.mutating_calls(since=mark)
    assert actions(writes) == ['ModifyInstanceAttribute']
    assert writes[0]['params']['InstanceId'] == REDIS_1
    assert dict((k, v) for k, v in writes[0]['params'].items() if k.startswith('SecurityGroupIds.')) == {'SecurityGroupIds.1': redis_tier}
    assert ecs.instance_groups(REDIS_1) == [redis_tier]


def test_network_interface_targets(run_tasks, admin, ecs):
    web_tier, = new_groups(admin, 'web-tier')
    mark = admin.mark()
    run = run_tasks([
        membership_task(network_interface_ids=[FREE_ENI], security_groups=[web_tier]),
        membership_task(network_interface_ids=[FREE_ENI], security_groups=[web_tier], state='exact'),
        membership_task(network_interface_ids=[FREE_ENI], security_groups=[web_tier], state='absent'),
    ])
    assert run.rc != 0
    joined, exact, refused = run.results
    assert joined['targets'][0]['type'] == 'network_interface'
    assert joined['targets'][0]['after'] == [VPC_GROUP, web_tier]
    assert exact['targets'][0]['after'] == [web_tier] and exact['targets'][0]['left'] == [VPC_GROUP]
    assert refused['problems'] == ['security_groups: network interface %s would be left without a security group (leaving %s); '
                                   'every network interface needs at least one' % (FREE_ENI, web_tier)]
    writes = admin.mutating_calls(since=mark)
    assert actions(writes) == ['JoinSecurityGroup', 'ModifyNetworkInterfaceAttribute']
    assert writes[0]['params']['NetworkInterfaceId'] == FREE_ENI and 'InstanceId' not in writes[0]['params']
    assert writes[1]['params']['SecurityGroupId.1'] == web_tier
    assert eni_groups(ecs, FREE_ENI) == [web_tier]
    reads = admin.calls(since=mark, action='DescribeNetworkInterfaces')
    assert all(call['params']['NetworkInterfaceId.1'] == FREE_ENI for call in reads)


def test_150_instances_in_one_task_with_batched_reads(run_tasks, admin, ecs):
    fleet = ['i-fleet%015d' % number for number in range(150)]
    admin.seed(instances=[{'InstanceId': instance_id, 'VpcId': DEMO_VPC, 'SecurityGroupIds': [VPC_GROUP]}
                          for instance_id in fleet])
    fleet_group, = new_groups(admin, 'fleet')
    mark = admin.mark()
    run = run_tasks([membership_task(instance_ids=fleet, security_groups=[fleet_group])])
    assert run.rc == 0, run
    assert len(run.last['targets']) == 150 and all(target['changed'] for target in run.last['targets'])
    calls = admin.calls(since=mark)
    counts = {}
    for call in calls:
        counts[call['action']] = counts.get(call['action'], 0) + 1
    # 150 ids at 100 per DescribeInstances; the new group and the current one in one DescribeSecurityGroups.
    assert counts == {'DescribeInstances': 2, 'DescribeSecurityGroups': 1, 'JoinSecurityGroup': 150}
    assert all(call['code'] == '' for call in calls)
    instance_reads = [call for call in calls if call['action'] == 'DescribeInstances']
    assert sorted(len(json.loads(call['params']['InstanceIds'])) for call in instance_reads) == [50, 100]
    assert ecs.instance_groups(fleet[0]) == ecs.instance_groups(fleet[-1]) == [VPC_GROUP, fleet_group]


def test_check_mode_predicts_the_real_run_and_writes_nothing(run_tasks, admin, ecs):
    redis_tier, = new_groups(admin, 'redis-tier')
    change = membership_task(instance_ids=[WEB_1, REDIS_1], security_groups=[redis_tier, VPC_GROUP], state='exact')
    mark = admin.mark()
    predicted = run_tasks([change], check=True, diff=True)
    assert predicted.rc == 0, predicted
    assert admin.mutating_calls(since=mark) == []
    assert ecs.instance_groups(REDIS_1) == [VPC_GROUP]
    assert predicted.last['changed'] is True
    # Groups as people know them: name (id).
    redis_label, default_label = 'redis-tier (%s)' % redis_tier, 'default-vpc (%s)' % VPC_GROUP
    assert predicted.last['diff'] == {
        'before': {WEB_1: [default_label], REDIS_1: [default_label]},
        'after': {WEB_1: [redis_label, default_label], REDIS_1: [redis_label, default_label]},
    }
    real = run_tasks([change], diff=True)
    assert real.rc == 0, real
    for key in ('changed', 'targets', 'diff', 'security_group_ids'):
        assert predicted.last[key] == real.last[key], key
    assert ecs.instance_groups(REDIS_1) == [redis_tier, VPC_GROUP]


def test_a_failure_half_way_reports_what_was_and_was_not_done(run_tasks, admin, ecs):
    web_tier, cache_tier = new_groups(admin, 'web-tier', 'cache-tier')
    setup = run_tasks([membership_task(instance_ids=[WEB_2], security_groups=[cache_tier])])
    assert setup.rc == 0, setup
    # The account quota (2) is below max_groups (5): the checks pass and the API refuses WEB_2, the second target.
    admin.quotas(groups_per_instance=2)
    mark = admin.mark()
    run = run_tasks([membership_task(instance_ids=[WEB_1, WEB_2, REDIS_1], security_groups=[web_tier])])
    assert run.rc != 0
    result = run.last
    assert result['changed'] is True
    assert result['done'] == [WEB_1] and result['failed_target'] == WEB_2 and result['not_attempted'] == [REDIS_1]
    assert result['error']['code'] == 'InstanceSecurityGroupLimitExceeded'
    assert result['msg'].startswith('JoinSecurityGroup failed: InstanceSecurityGroupLimitExceeded')
    assert 'at instance %s (change 2 of 3)' % WEB_2 in result['msg']
    assert [(t['id'], t['after'], t['changed']) for t in result['targets']] == [
        (WEB_1, [VPC_GROUP, web_tier], True),
        (WEB_2, [VPC_GROUP, cache_tier], False),
        (REDIS_1, [VPC_GROUP], False),
    ]
    writes = admin.mutating_calls(since=mark)
    assert [(c['params']['InstanceId'], c['code']) for c in writes] == [(WEB_1, ''), (WEB_2, 'InstanceSecurityGroupLimitExceeded')]
    assert ecs.instance_groups(REDIS_1) == [VPC_GROUP]


def test_a_target_gaining_several_groups_is_changed_whole_or_not_at_all(run_tasks, admin, ecs):
    extra = new_groups(admin, 'g1', 'g2', 'g3')
    # The account's real limit (3) is below max_groups (5): the checks pass and ECS refuses the fourth group.
    admin.quotas(groups_per_instance=3)
    mark = admin.mark()
    run = run_tasks([membership_task(instance_ids=[WEB_1], security_groups=extra, max_groups=5)])
    assert run.rc != 0
    result = run.last
    assert result['changed'] is False and result['failed_target'] == WEB_1
    assert 'was left unchanged' in result['msg'] and 'fully or not at all' in result['msg']
    assert [(t['id'], t['after'], t['changed']) for t in result['targets']] == [(WEB_1, [VPC_GROUP], False)]
    writes = admin.mutating_calls(since=mark)
    assert [(c['action'], c['code']) for c in writes] == [('ModifyInstanceAttribute', 'InstanceSecurityGroupLimitExceeded')]
    # Not half-joined: the instance holds exactly what it held before.
    assert ecs.instance_groups(WEB_1) == [VPC_GROUP]

    # Within the limit the same task is one call, and every group is joined.
    admin.quotas(groups_per_instance=5)
    mark = admin.mark()
    run = run_tasks([membership_task(instance_ids=[WEB_1], security_groups=extra)])
    assert run.rc == 0, run
    assert actions(admin.mutating_calls(since=mark)) == ['ModifyInstanceAttribute']
    assert ecs.instance_groups(WEB_1) == [VPC_GROUP] + extra
