# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection against groups and answers of today's ECS that the emulator seeds or injects (issue 12, section 3):
system-made default groups whose rules have priority 110, groups a cloud service manages (ServiceManaged), and
JoinSecurityGroup's 409 InvalidOperation.Conflict.

Sources: the rules ECS puts in a group it makes itself carry priority 110 (real captures; ECS_API.md section 6);
writes to a service-managed group are 403 InvalidOperation.ResourceManagedByCloudProduct and JoinSecurityGroup may
answer 409 InvalidOperation.Conflict (API reference error tables; ECS_API.md section 6).
"""

import re

DEMO_VPC = 'vpc-demo0000000000000001'
VPC_GROUP = 'sg-demovpcdefault000001'
WEB_1 = 'i-demoweb0000000000001'


def module_task(module, **args):
    return {'name': module, 'cloudwall.alicloud.' + module: args}


def tolerant(task):
    """The task may fail and the play goes on, so several refusals run in one playbook."""
    return dict(task, ignore_errors=True)


def seed_group(admin, name, **fields):
    spec = dict({'SecurityGroupName': name, 'VpcId': DEMO_VPC, 'Description': 'Group %s' % name, 'Tags': {'tier': 'ops'}},
                **fields)
    return admin.seed(security_groups=[spec])['security_groups'][0]


def system_rule(protocol, ports, **fields):
    """One rule as ECS writes it into a default group it makes: from anywhere, priority 110."""
    return dict({'Direction': 'ingress', 'IpProtocol': protocol, 'PortRange': ports, 'SourceCidrIp': '0.0.0.0/0',
                 'Priority': 110}, **fields)


def rule_ids_by_port(ecs, group_id):
    return {(rule['IpProtocol'], rule['PortRange'], rule['Policy']): rule['SecurityGroupRuleId']
            for rule in ecs.rules(group_id)}


# --- system-made default groups: priority 110 -----------------------------------------------------------------

def test_sg_audit_reads_priority_110_of_a_system_default_group(run_tasks, admin, ecs):
    """A default group as ECS makes it (SSH, RDP and ICMP from anywhere at priority 110), and the same with a drop of
    SSH at priority 100 added. Read as 110, the drop comes first: SSH is shut and its accept shadowed, RDP stays open.
    Read as 1 (the API's default for a rule without Priority), the accept would come first and SSH would be reported
    open, the drop never shadowing anything."""
    plain = seed_group(admin, 'system-default', SystemDefault=True)
    hardened = seed_group(admin, 'system-default-hardened', Permissions=[
        system_rule('tcp', '22/22'), system_rule('tcp', '3389/3389'), system_rule('icmp', '-1/-1'),
        {'Direction': 'ingress', 'IpProtocol': 'tcp', 'PortRange': '22/22', 'SourceCidrIp': '0.0.0.0/0', 'Policy': 'drop',
         'Priority': 100}])
    # The emulator answers 110, as ECS does (an independent SDK read).
    assert sorted(int(rule['Priority']) for rule in ecs.rules(plain)) == [110, 110, 110]
    plain_ids, hardened_ids = rule_ids_by_port(ecs, plain), rule_ids_by_port(ecs, hardened)
    mark = admin.mark()
    run = run_tasks([module_task('sg_info', security_group_ids=[plain, hardened], include_rules=True),
                     module_task('sg_audit', security_group_ids=[plain, hardened], disabled_checks=['group_without_members'])])
    assert run.rc == 0, run
    info, audit = run.results
    priorities = {(group['security_group_name'], rule['ip_protocol'], rule['port_range'], rule['policy']): rule['priority']
                  for group in info['security_groups'] for rule in group['rules']}
    assert priorities == {
        ('system-default', 'tcp', '22/22', 'accept'): 110, ('system-default', 'tcp', '3389/3389', 'accept'): 110,
        ('system-default', 'icmp', '-1/-1', 'accept'): 110,
        ('system-default-hardened', 'tcp', '22/22', 'accept'): 110, ('system-default-hardened', 'tcp', '3389/3389', 'accept'): 110,
        ('system-default-hardened', 'icmp', '-1/-1', 'accept'): 110, ('system-default-hardened', 'tcp', '22/22', 'drop'): 100}
    findings = {(finding['check'], finding['security_group_id'], finding['rule_id']): finding['message'] for finding in audit['findings']}
    assert set(findings) == {
        ('internet_sensitive_ports', plain, plain_ids[('TCP', '22/22', 'Accept')]),
        ('internet_sensitive_ports', plain, plain_ids[('TCP', '3389/3389', 'Accept')]),
        ('internet_sensitive_ports', hardened, hardened_ids[('TCP', '3389/3389', 'Accept')]),
        ('shadowed_accept', hardened, hardened_ids[('TCP', '22/22', 'Accept')]),
    }
    # Every rule finding names the rule with the priority it has: 110, never 1.
    for message in findings.values():
        assert 'priority 110' in message and not re.search(r'priority 1\b', message), message
    shadowed = findings[('shadowed_accept', hardened, hardened_ids[('TCP', '22/22', 'Accept')])]
    assert '%s (priority 100)' % hardened_ids[('TCP', '22/22', 'Drop')] in shadowed, shadowed
    assert audit['summary']['service_managed_groups'] == []
    assert admin.mutating_calls(since=mark) == []


# --- service-managed groups ------------------------------------------------------------------------------------

def test_sg_rule_on_a_service_managed_group_fails_before_any_write(run_tasks, admin, ecs):
    """By id and by name, in check mode and not: the task fails naming the group, and nothing is written to it."""
    managed = seed_group(admin, 'ack-managed', ServiceManaged=True, Permissions=[
        {'IpProtocol': 'tcp', 'PortRange': '10250/10250', 'SourceCidrIp': '172.16.0.0/12'}])
    before = ecs.rules(managed)
    rules = [{'protocol': 'tcp', 'ports': 443, 'cidr': '0.0.0.0/0'}]
    tasks = [tolerant(module_task('sg_rule', security_group=managed, rules=rules)),
             tolerant(module_task('sg_rule', security_group='ack-managed', vpc_id=DEMO_VPC, rules=rules)),
             tolerant(module_task('sg_rule', security_group=managed, rules=[], purge_rules=True)),
             dict(tolerant(module_task('sg_rule', security_group=managed, rules=rules)), check_mode=True)]
    mark = admin.mark()
    run = run_tasks(tasks)
    assert [result['_status'] for result in run.results] == ['failed'] * len(tasks), run
    for result in run.results:
        assert managed in result['msg'] and 'managed by a cloud service' in result['msg'], result['msg']
        assert result.get('changed') is not True
    calls = admin.calls(since=mark)
    assert [call for call in calls if call['mutating']] == []
    assert all(call['action'].startswith('Describe') for call in calls), [call['action'] for call in calls]
    assert ecs.rules(managed) == before


# --- JoinSecurityGroup's 409 InvalidOperation.Conflict ----------------------------------------------------------

def test_sg_membership_retries_a_join_conflict_and_converges(run_tasks, admin, ecs):
    """The emulator answers the first two JoinSecurityGroup calls 409 InvalidOperation.Conflict (an injected fault,
    emulator/README.md); the module retries with its default settings, joins once, and a rerun changes nothing."""
    group = seed_group(admin, 'web-tier')
    admin.faults([{'kind': 'conflict', 'rate': 1.0, 'actions': ['JoinSecurityGroup'], 'times': 2}])
    task = module_task('sg_membership', instance_ids=[WEB_1], security_group_ids=[group])
    mark = admin.mark()
    run = run_tasks([task])
    assert run.rc == 0, run
    assert run.last['changed'] is True and run.last['targets'][0]['after'] == [VPC_GROUP, group]
    joins = [call for call in admin.calls(since=mark) if call['action'] == 'JoinSecurityGroup']
    assert [(call['http_status'], call['code']) for call in joins] == [
        (409, 'InvalidOperation.Conflict'), (409, 'InvalidOperation.Conflict'), (200, '')]
    assert all((call['params']['InstanceId'], call['params']['SecurityGroupId']) == (WEB_1, group) for call in joins)
    # One ClientToken across the retries of one call, when the module sends one.
    assert len(set(call['params'].get('ClientToken') for call in joins)) == 1
    instance = ecs.call('DescribeInstances', InstanceIds=[WEB_1])['Instances']['Instance'][0]
    assert instance['SecurityGroupIds']['SecurityGroupId'] == [VPC_GROUP, group]
    # Converged: the same task again reads and writes nothing.
    mark = admin.mark()
    again = run_tasks([task])
    assert again.rc == 0 and again.last['changed'] is False, again
    assert admin.mutating_calls(since=mark) == []
