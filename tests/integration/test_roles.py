# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles tier_access, public_service, port_deny and sg_cleanup against the emulator: the state they leave,
read back through the ECS API; idempotent second runs; check mode without writes; argument validation before any
call."""

import pytest

DEMO_VPC = 'vpc-demo0000000000000001'
CLASSIC_GROUP = 'sg-democlassic000000001'
WEB_1 = 'i-demoweb0000000000001'


def role_task(role, **role_vars):
    return {'name': role, 'ansible.builtin.import_role': {'name': 'cloudwall.alicloud.' + role}, 'vars': role_vars}


def rule_line(rule):
    """One readable line per rule, as ECS returns it, so tests compare whole rule sets."""
    peer = (rule['SourceGroupId'] or rule['SourceCidrIp'] or rule['Ipv6SourceCidrIp'] if rule['Direction'] == 'ingress'
            else rule['DestGroupId'] or rule['DestCidrIp'] or rule['Ipv6DestCidrIp'])
    return '%s %s %s %s %s %s %d' % (rule['Direction'], rule['Policy'].lower(), rule['IpProtocol'].lower(),
                                     rule['PortRange'], peer, rule['NicType'], int(rule['Priority']))


def rule_lines(ecs, group_id, nic_type=None):
    params = {'SecurityGroupId': group_id, 'Direction': 'all'}
    if nic_type:
        params['NicType'] = nic_type
    return sorted(rule_line(rule) for rule in ecs.call('DescribeSecurityGroupAttribute', **params)['Permissions']['Permission'])


def new_group(admin, name, vpc_id=DEMO_VPC, **fields):
    spec = dict({'SecurityGroupName': name, 'VpcId': vpc_id, 'Description': 'test group %s' % name}, **fields)
    return admin.seed(security_groups=[spec])['security_groups'][0]


def authorize(ecs, group_id, **permission):
    ecs.call('AuthorizeSecurityGroup', SecurityGroupId=group_id, Permissions=[permission])


def task_name(result):
    """The task's own name, without the "namespace.collection.role : " prefix of role tasks."""
    return result['_task'].split(' : ', 1)[-1]


def changed_tasks(run):
    return [task_name(result) for result in run.results if result.get('changed')]


def assert_idempotent(run_tasks, admin, tasks):
    """A second run with the same arguments changes nothing and writes nothing."""
    mark = admin.mark()
    run = run_tasks(tasks)
    assert run.rc == 0, run
    assert changed_tasks(run) == []
    assert admin.mutating_calls(since=mark) == []


def failure(run):
    failed = [result for result in run.results if result['_status'] == 'failed']
    assert failed, run
    return failed[0]['msg']


# tier_access

TIERS = dict(tier_access_source='app', tier_access_target='db', tier_access_vpc_id=DEMO_VPC,
             tier_access_ports=['5432'], tier_access_description='App tier reaches the database',
             tier_access_source_description='Application servers', tier_access_source_tags={'tier': 'app'},
             tier_access_target_description='PostgreSQL servers', tier_access_target_tags={'tier': 'db'},
             tier_access_inner_access_policy='drop')


def test_tier_access_creates_both_groups_and_authorizes_the_target_by_group(run_tasks, admin, ecs):
    task = role_task('tier_access', **dict(TIERS, tier_access_egress=True))
    run = run_tasks([task])
    assert run.rc == 0, run
    app, db = ecs.group_by_name('app', DEMO_VPC), ecs.group_by_name('db', DEMO_VPC)
    assert (app['Description'], db['Description']) == ('Application servers', 'PostgreSQL servers')
    assert ecs.tags(app['SecurityGroupId']) == {'tier': 'app'}
    assert ecs.tags(db['SecurityGroupId']) == {'tier': 'db'}
    assert rule_lines(ecs, db['SecurityGroupId']) == [
        'ingress accept tcp 5432/5432 %s intranet 1' % app['SecurityGroupId']]
    assert rule_lines(ecs, app['SecurityGroupId']) == [
        'egress accept tcp 5432/5432 %s intranet 1' % db['SecurityGroupId']]
    assert ecs.call('DescribeSecurityGroupAttribute', SecurityGroupId=db['SecurityGroupId'])['InnerAccessPolicy'] == 'Drop'
    assert_idempotent(run_tasks, admin, [task])


def test_tier_access_on_existing_groups_by_id_keeps_rules_it_does_not_own_unless_asked(run_tasks, admin, ecs):
    app, db = new_group(admin, 'app'), new_group(admin, 'db')
    authorize(ecs, db, IpProtocol='tcp', PortRange='22/22', SourceCidrIp='172.16.9.0/24')
    mark = admin.mark()
    run = run_tasks([role_task('tier_access', tier_access_source=app, tier_access_target=db, tier_access_ports=[5432])])
    assert run.rc == 0, run
    assert rule_lines(ecs, db) == ['ingress accept tcp 22/22 172.16.9.0/24 intranet 1',
                                   'ingress accept tcp 5432/5432 %s intranet 1' % app]
    assert 'CreateSecurityGroup' not in [call['action'] for call in admin.mutating_calls(since=mark)]
    run = run_tasks([role_task('tier_access', tier_access_source=app, tier_access_target=db, tier_access_ports=[5432],
                               tier_access_purge_rules=True)])
    assert run.rc == 0, run
    assert rule_lines(ecs, db) == ['ingress accept tcp 5432/5432 %s intranet 1' % app]


def test_tier_access_finds_a_bad_group_reference_before_creating_the_other_group(run_tasks, admin, ecs):
    # Only a read tells that "twin" names two groups: the role must find it before it creates "fresh-db".
    new_group(admin, 'twin')
    new_group(admin, 'twin')
    mark = admin.mark()
    run = run_tasks([role_task('tier_access', tier_access_source='twin', tier_access_target='fresh-db',
                               tier_access_vpc_id=DEMO_VPC, tier_access_ports=['5432'])])
    assert run.rc != 0
    assert 'twin' in failure(run)
    assert admin.mutating_calls(since=mark) == []
    assert ecs.group_by_name('fresh-db', DEMO_VPC) is None


def test_tier_access_check_mode_writes_nothing(run_tasks, admin, ecs):
    app, db = new_group(admin, 'app'), new_group(admin, 'db')
    mark = admin.mark()
    run = run_tasks([role_task('tier_access', tier_access_source=app, tier_access_target=db, tier_access_ports=['5432'])],
                    check=True, diff=True)
    assert run.rc == 0, run
    assert changed_tasks(run) == ["Authorize the target group's ingress from the source group"]
    assert admin.mutating_calls(since=mark) == []
    assert rule_lines(ecs, db) == []


def test_tier_access_check_mode_plans_the_rules_of_groups_that_do_not_exist_yet(run_tasks, admin, ecs):
    mark = admin.mark()
    run = run_tasks([role_task('tier_access', **TIERS)], check=True, diff=True)
    assert run.rc == 0, run
    assert admin.mutating_calls(since=mark) == []
    assert ecs.group_by_name('app', DEMO_VPC) is None
    # No skip: the rule is planned against the groups the role's first task would create.
    assert changed_tasks(run) == ['Ensure the source and target tier groups exist, with their descriptions and tags',
                                  "Authorize the target group's ingress from the source group"]
    rule = [result for result in run.results if task_name(result) == "Authorize the target group's ingress from the source group"][0]
    assert rule['diff']['after'] == 'ingress accept tcp 5432/5432 from app (intranet) priority 1 "App tier reaches the database"\n'
    assert any("security group 'db' does not exist in %s; check mode assumes it is created earlier in the play" % DEMO_VPC in warning
               for warning in rule.get('warnings', []))


@pytest.mark.parametrize('role_vars, named', [
    ({'tier_access_source': 'app'}, 'tier_access_target'),
    (dict(TIERS, tier_access_protocol='http'), 'tier_access_protocol'),
    (dict(TIERS, tier_access_egress='sometimes'), 'tier_access_egress'),
    (dict(TIERS, tier_access_ports=[]), 'tier_access_ports'),
    (dict(TIERS, tier_access_target='app'), 'tier_access_source and tier_access_target are both app'),
])
def test_tier_access_rejects_bad_variables_before_any_call(run_tasks, admin, role_vars, named):
    mark = admin.mark()
    run = run_tasks([role_task('tier_access', **role_vars)])
    assert run.rc != 0
    assert named in failure(run)
    assert admin.calls(since=mark) == []


# public_service

def test_public_service_opens_ports_to_the_internet_on_a_vpc_group(run_tasks, admin, ecs):
    web = new_group(admin, 'web')
    task = role_task('public_service', public_service_group='web', public_service_vpc_id=DEMO_VPC,
                     public_service_ports=[80, 443], public_service_ipv6=True)
    run = run_tasks([task])
    assert run.rc == 0, run
    assert rule_lines(ecs, web) == ['ingress accept tcp 443/443 0.0.0.0/0 intranet 1',
                                    'ingress accept tcp 443/443 ::/0 intranet 1',
                                    'ingress accept tcp 80/80 0.0.0.0/0 intranet 1',
                                    'ingress accept tcp 80/80 ::/0 intranet 1']
    assert_idempotent(run_tasks, admin, [task])


def test_public_service_uses_the_public_nic_of_a_classic_group(run_tasks, admin, ecs):
    task = role_task('public_service', public_service_group=CLASSIC_GROUP, public_service_ports=['443'],
                     public_service_description='HTTPS')
    run = run_tasks([task])
    assert run.rc == 0, run
    assert 'ingress accept tcp 443/443 0.0.0.0/0 internet 1' in rule_lines(ecs, CLASSIC_GROUP, 'internet')
    assert 'ingress accept tcp 443/443 0.0.0.0/0 intranet 1' not in rule_lines(ecs, CLASSIC_GROUP, 'intranet')
    assert_idempotent(run_tasks, admin, [task])


def test_public_service_check_mode_writes_nothing_and_a_missing_group_fails_for_real(run_tasks, admin, ecs):
    web = new_group(admin, 'web')
    mark = admin.mark()
    run = run_tasks([role_task('public_service', public_service_group=web, public_service_ports=['80'])], check=True)
    assert run.rc == 0, run
    assert changed_tasks(run) == ['Accept the ports from the Internet']
    assert admin.mutating_calls(since=mark) == []
    run = run_tasks([role_task('public_service', public_service_group='nowhere', public_service_ports=['80'])])
    assert run.rc != 0
    assert 'public_service_group nowhere matches no group' in failure(run)
    assert admin.mutating_calls(since=mark) == []


@pytest.mark.parametrize('role_vars, named', [
    ({'public_service_group': 'web'}, 'public_service_ports'),
    ({'public_service_group': 'web', 'public_service_ports': ['22'], 'public_service_protocol': 'icmp'},
     'public_service_protocol'),
    ({'public_service_group': 'web', 'public_service_ports': ['80'], 'public_service_priority': 'high'},
     'public_service_priority'),
])
def test_public_service_rejects_bad_variables_before_any_call(run_tasks, admin, role_vars, named):
    mark = admin.mark()
    run = run_tasks([role_task('public_service', **role_vars)])
    assert run.rc != 0
    assert named in failure(run)
    assert admin.calls(since=mark) == []


# port_deny

def test_port_deny_drops_at_priority_100_below_an_existing_allow(run_tasks, admin, ecs):
    web, redis = new_group(admin, 'web'), new_group(admin, 'redis')
    authorize(ecs, redis, IpProtocol='tcp', PortRange='6379/6379', SourceGroupId=web, Priority='1')
    task = role_task('port_deny', port_deny_group='redis', port_deny_vpc_id=DEMO_VPC, port_deny_ports=['6379'])
    run = run_tasks([task])
    assert run.rc == 0, run
    assert rule_lines(ecs, redis) == ['ingress accept tcp 6379/6379 %s intranet 1' % web,
                                      'ingress drop tcp 6379/6379 0.0.0.0/0 intranet 100']
    assert_idempotent(run_tasks, admin, [task])


def test_port_deny_covers_both_nics_of_a_classic_group(run_tasks, admin, ecs):
    run = run_tasks([role_task('port_deny', port_deny_group=CLASSIC_GROUP, port_deny_ports=['3306'])])
    assert run.rc == 0, run
    assert 'ingress drop tcp 3306/3306 0.0.0.0/0 internet 100' in rule_lines(ecs, CLASSIC_GROUP, 'internet')
    assert 'ingress drop tcp 3306/3306 0.0.0.0/0 intranet 100' in rule_lines(ecs, CLASSIC_GROUP, 'intranet')


def test_port_deny_check_mode_writes_nothing(run_tasks, admin, ecs):
    redis = new_group(admin, 'redis')
    mark = admin.mark()
    run = run_tasks([role_task('port_deny', port_deny_group=redis, port_deny_ports=['6379'])], check=True)
    assert run.rc == 0, run
    assert changed_tasks(run) == ['Drop the ports at low priority']
    assert admin.mutating_calls(since=mark) == []
    assert rule_lines(ecs, redis) == []


@pytest.mark.parametrize('role_vars, named', [
    ({'port_deny_ports': ['6379']}, 'port_deny_group'),
    ({'port_deny_group': 'redis', 'port_deny_ports': ['6379'], 'port_deny_cidrs': '0.0.0.0/0', 'port_deny_priority': 0},
     'port_deny_priority'),
    ({'port_deny_group': 'redis', 'port_deny_ports': ['6379'], 'port_deny_protocol': 'all'}, 'port_deny_protocol'),
])
def test_port_deny_rejects_bad_variables_before_any_call(run_tasks, admin, role_vars, named):
    mark = admin.mark()
    run = run_tasks([role_task('port_deny', **role_vars)])
    assert run.rc != 0
    assert named in failure(run)
    assert admin.calls(since=mark) == []


# sg_cleanup

def cleanup_fixture(admin, ecs):
    """Groups tagged for cleanup: some unused, some in use (a member, a reference), one kept; one not selected."""
    stale = {'Tags': {'lifecycle': 'stale'}}
    groups = {name: new_group(admin, name, **stale) for name in
              ('unused', 'unused-too', 'with-member', 'referenced', 'kept')}
    groups['untagged'] = new_group(admin, 'untagged')
    referrer = new_group(admin, 'referrer')
    ecs.call('JoinSecurityGroup', InstanceId=WEB_1, SecurityGroupId=groups['with-member'])
    authorize(ecs, referrer, IpProtocol='tcp', PortRange='22/22', SourceGroupId=groups['referenced'])
    # A group whose rules reference another group uses it; its own references do not keep it.
    authorize(ecs, groups['unused-too'], IpProtocol='tcp', PortRange='22/22', SourceGroupId=referrer)
    return groups


def existing_names(ecs):
    return sorted(group['SecurityGroupName'] for group in ecs.groups(VpcId=DEMO_VPC))


def test_sg_cleanup_lists_in_check_mode_then_deletes_only_unused_groups(run_tasks, admin, ecs):
    groups = cleanup_fixture(admin, ecs)
    before = existing_names(ecs)
    task = role_task('sg_cleanup', sg_cleanup_tags={'lifecycle': 'stale'}, sg_cleanup_vpc_id=DEMO_VPC,
                     sg_cleanup_keep=['kept'])
    mark = admin.mark()
    run = run_tasks([task], check=True)
    assert run.rc == 0, run
    assert admin.mutating_calls(since=mark) == []
    assert existing_names(ecs) == before
    listing = [result['msg'] for result in run.results if task_name(result).startswith('List the groups')][0]
    assert sorted(listing['delete']) == sorted(['%s unused' % groups['unused'],
                                                '%s unused-too' % groups['unused-too']])
    assert sorted(listing['keep_in_use']) == sorted(['%s with-member' % groups['with-member'],
                                                     '%s referenced' % groups['referenced']])
    run = run_tasks([task])
    assert run.rc == 0, run
    assert existing_names(ecs) == sorted(set(before) - {'unused', 'unused-too'})
    assert sorted(call['params']['SecurityGroupId'] for call in admin.mutating_calls(since=mark)) == sorted(
        [groups['unused'], groups['unused-too']])
    assert_idempotent(run_tasks, admin, [task])


def test_sg_cleanup_selects_by_name_pattern(run_tasks, admin, ecs):
    new_group(admin, 'tmp-build-1'), new_group(admin, 'tmp-build-2')
    new_group(admin, 'prod-tmp-build')
    run = run_tasks([role_task('sg_cleanup', sg_cleanup_name_pattern='tmp-build-[0-9]+$', sg_cleanup_vpc_id=DEMO_VPC)])
    assert run.rc == 0, run
    remaining = existing_names(ecs)
    assert 'prod-tmp-build' in remaining
    assert not {'tmp-build-1', 'tmp-build-2'} & set(remaining)


def test_sg_cleanup_leaves_a_service_managed_group_alone_and_reports_it(run_tasks, admin, ecs):
    """A group a cloud service manages (ServiceManaged, seeded) matches the pattern and is unused, yet ECS refuses to
    delete it (403 InvalidOperation.ResourceManagedByCloudProduct): the role keeps it and lists it as kept."""
    unused = new_group(admin, 'tmp-build-1')
    managed = new_group(admin, 'tmp-build-2', ServiceManaged=True)
    task = role_task('sg_cleanup', sg_cleanup_name_pattern='tmp-build-[0-9]+$', sg_cleanup_vpc_id=DEMO_VPC)
    mark = admin.mark()
    run = run_tasks([task])
    assert run.rc == 0, run
    listing = [result['msg'] for result in run.results if task_name(result).startswith('List the groups')][0]
    assert listing['delete'] == ['%s tmp-build-1' % unused]
    assert listing['keep_in_use'] == ['%s tmp-build-2' % managed]
    remaining = existing_names(ecs)
    assert 'tmp-build-2' in remaining and 'tmp-build-1' not in remaining
    # The only write is the unused group's delete: nothing was sent to the managed one.
    assert [(call['action'], call['params']['SecurityGroupId']) for call in admin.mutating_calls(since=mark)] == [
        ('DeleteSecurityGroup', unused)]
    assert_idempotent(run_tasks, admin, [task])


@pytest.mark.parametrize('role_vars, named', [
    ({}, 'sg_cleanup_tags or sg_cleanup_name_pattern'),
    ({'sg_cleanup_tags': ['lifecycle']}, 'sg_cleanup_tags'),
    ({'sg_cleanup_name_pattern': 'tmp-', 'sg_cleanup_keep': {'a': 'b'}}, 'sg_cleanup_keep'),
])
def test_sg_cleanup_rejects_bad_variables_before_any_call(run_tasks, admin, role_vars, named):
    mark = admin.mark()
    run = run_tasks([role_task('sg_cleanup', **role_vars)])
    assert run.rc != 0
    assert named in failure(run)
    assert admin.calls(since=mark) == []


# tier_access: what only a read of the target tells is found by sg_rule in check mode, before the first write.

@pytest.mark.parametrize('target_fields, role_vars, expected', [
    pytest.param({'SecurityGroupType': 'enterprise'}, {'tier_access_vpc_id': DEMO_VPC},
                 ['enterprise security group', 'no group references'], id='enterprise-target'),
    pytest.param({'ServiceManaged': True}, {'tier_access_vpc_id': DEMO_VPC},
                 ['managed by a cloud service', 'nothing was changed'], id='service-managed-target'),
    # No tier_access_vpc_id: the new source would be created in the classic network, which the VPC target cannot name.
    pytest.param({}, {'tier_access_vpc_id': ''},
                 ['tier_access_source fresh-app would be created in the classic network', 'is in %s' % DEMO_VPC,
                  'tier_access_vpc_id is ""', 'allowed: two tiers of one network'], id='vpc-target-by-id-without-vpc-id'),
])
def test_tier_access_refuses_a_target_only_a_read_can_judge_before_any_write(run_tasks, admin, ecs, target_fields, role_vars,
                                                                             expected):
    target = new_group(admin, 'fresh-db', **target_fields)
    mark = admin.mark()
    run = run_tasks([role_task('tier_access', tier_access_source='fresh-app', tier_access_target=target,
                               tier_access_ports=['5432'], tier_access_egress=True, **role_vars)])
    assert run.rc != 0
    message = failure(run)
    for fragment in expected:
        assert fragment in message
    assert admin.mutating_calls(since=mark) == []
    assert not [group for group in ecs.groups() if group['SecurityGroupName'] == 'fresh-app']


def test_tier_access_finds_a_failing_egress_rule_before_writing_the_ingress_rule(run_tasks, admin, ecs):
    # The source already names 20 other groups: its egress rule to the target would be a 21st reference.
    app, db = new_group(admin, 'app'), new_group(admin, 'db')
    others = [new_group(admin, 'peer%02d' % index) for index in range(20)]
    for index, other in enumerate(others):
        ecs.call('AuthorizeSecurityGroupEgress', SecurityGroupId=app,
                 Permissions=[{'IpProtocol': 'tcp', 'PortRange': '%d/%d' % (1000 + index, 1000 + index), 'DestGroupId': other}])
    mark = admin.mark()
    run = run_tasks([role_task('tier_access', tier_access_source=app, tier_access_target=db, tier_access_ports=['5432'],
                               tier_access_egress=True)])
    assert run.rc != 0
    assert 'rules would make the group reference 21 security groups' in failure(run)
    assert admin.mutating_calls(since=mark) == []
    assert rule_lines(ecs, db) == []


def test_tier_access_checks_its_rules_once_per_direction_and_only_outside_check_mode(run_tasks, admin, ecs):
    app, db = new_group(admin, 'app'), new_group(admin, 'db')
    run = run_tasks([role_task('tier_access', tier_access_source=app, tier_access_target=db, tier_access_ports=['5432'])])
    assert run.rc == 0, run
    checks = [result for result in run.results if task_name(result) == 'Check both rules without changing anything']
    assert [len(result['results']) for result in checks] == [1]
    assert not checks[0]['changed']
    run = run_tasks([role_task('tier_access', tier_access_source=app, tier_access_target=db, tier_access_ports=['5432'])],
                    check=True)
    assert run.rc == 0, run
    checks = [result for result in run.results if task_name(result) == 'Check both rules without changing anything']
    assert [result['_status'] for result in checks] == ['skipped'], checks
