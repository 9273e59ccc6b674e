# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reliability against the emulator: every playbook and a scenario for every mutating module converges under
injected throttling and 5xx errors to exactly the state a fault-free run reaches; a run cut off by a kill -9 of
the API is finished by a re-run without duplicates; concurrent runs on different groups and on the same group
leave every declared rule and tag exactly once."""

import collections
import os
import re
import shutil
import threading
import time

import pytest
import yaml

from ansible_collections.cloudwall.alicloud.tests.lib.demo_seed import DEMO_VPC, FREE_ENI, REDIS_1, VPC_GROUP, WEB_1
from ansible_collections.cloudwall.alicloud.tests.lib.ecs_reader import EcsReader
from ansible_collections.cloudwall.alicloud.tests.lib.emulator_process import DEMO_ACCESS_KEY, DEMO_REGION, DEMO_SECRET_KEY, EmulatorProcess, fixed_id
from ansible_collections.cloudwall.alicloud.tests.lib.state_compare import differences, normalise

PLAYBOOKS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'playbooks')
ACTION_GROUP = 'group/cloudwall.alicloud.alicloud'

# Retries that ride out 40% failed calls quickly: the chance that all 16 attempts of one call fail is 0.4 ** 16
# (about 4e-7), and no wait is longer than 0.2 s.
RETRY = {'retries': 15, 'retry_max_delay': 0.2, 'retry_timeout': 60}

# The emulator tries faults in order and the first error that fires answers the call, so the 5xx fault only sees
# the 70% of calls that throttling let through: 0.1 / 0.7 of those makes 10% of all calls.
THROTTLING_RATE = 0.3
SERVER_ERROR_RATE = 0.1
FAULTS = [{'kind': 'throttling', 'rate': THROTTLING_RATE},
          {'kind': '5xx', 'rate': SERVER_ERROR_RATE / (1 - THROTTLING_RATE)}]
SERVER_ERROR_CODES = ('ServiceUnavailable', 'InternalError')


def module_task(module, **args):
    return {'name': module, 'cloudwall.alicloud.' + module: args}


def role_task(role, **role_vars):
    return {'name': role, 'ansible.builtin.import_role': {'name': 'cloudwall.alicloud.' + role}, 'vars': role_vars}


def seed_group(admin, name, tags=None):
    """An empty group of the demo VPC with a fixed id, so both runs of a scenario start from the same state."""
    spec = {'SecurityGroupId': fixed_id('sg', name.replace('-', '')), 'SecurityGroupName': name, 'VpcId': DEMO_VPC,
            'Description': 'Seeded group %s' % name, 'Tags': tags or {}}
    return admin.seed(security_groups=[spec])['security_groups'][0]


def assert_succeeded(run):
    assert run.rc == 0, run
    failed = [result for result in run.results if result['_status'] == 'failed']
    assert failed == [], failed


# --- playbooks with retry settings fit for injected faults ------------------------------------------------------

def playbook_copy(runner, name):
    """A copy of playbooks/<name> (with its tasks/) whose plays also set RETRY in module_defaults.

    The playbooks set only region and endpoint there and retries have no environment variable; the copy differs
    from the original in nothing else.
    """
    directory = os.path.join(runner.workdir, 'playbooks')
    if not os.path.isdir(directory):
        shutil.copytree(PLAYBOOKS, directory)
    path = os.path.join(directory, name)
    with open(path, encoding='utf-8') as handle:
        plays = yaml.safe_load(handle)
    for play in plays:
        play.setdefault('module_defaults', {}).setdefault(ACTION_GROUP, {}).update(RETRY)
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(plays, handle, sort_keys=False)
    return path


def report_dir(runner):
    directory = os.path.join(runner.workdir, 'reports')
    os.makedirs(directory, exist_ok=True)
    os.chmod(directory, 0o755)
    return directory


def run_playbook(runner, name, extra_vars):
    env = {'ALICLOUD_ACCESS_KEY': DEMO_ACCESS_KEY, 'ALICLOUD_SECRET_KEY': DEMO_SECRET_KEY,
           'ALICLOUD_REGION': DEMO_REGION, 'ALICLOUD_ECS_ENDPOINT': runner.emulator.endpoint}
    run = runner.run_playbook(playbook_copy(runner, name), env=env, extra_vars=extra_vars)
    assert run.rc == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return run


def audit_summary(run, task_name):
    """The audit's summary and its findings without group ids, to compare two runs."""
    results = [entry['result'] for entry in run.results if entry['task'].endswith(task_name)]
    assert len(results) == 1, [entry['task'] for entry in run.results]
    findings = sorted((finding['check'], finding['severity'], finding.get('security_group_name', '')) for finding in results[0]['findings'])
    return results[0]['summary'], findings


# --- the scenarios: prepare (without faults), then run; both are repeated for the faulted run -------------------

class Scenario:
    """Something to converge: `prepare(admin, ecs)` builds the starting state, `run(runner)` does the work and
    returns what besides the state must be equal between the runs (or None)."""

    def __init__(self, name, prepare, run):
        self.name = name
        self.prepare = prepare
        self.run = run


def prepare_nothing(admin, ecs):  # pylint: disable=unused-argument
    return None


def run_web_redis(runner):
    run = run_playbook(runner, 'web_redis.yml',
                       {'web_redis_audit_report': os.path.join(report_dir(runner), 'web_redis_audit.md')})
    return audit_summary(run, 'Audit the tier groups and write the report')


def prepare_cleanup(admin, ecs):
    """Groups cleanup.yml must delete (unused, tagged) and must keep (in use, referenced, untagged)."""
    seed_group(admin, 'retired-one', tags={'managed-by': 'cloudwall'})
    seed_group(admin, 'retired-two', tags={'managed-by': 'cloudwall', 'tier': 'old'})
    in_use = seed_group(admin, 'in-use', tags={'managed-by': 'cloudwall'})
    referenced = seed_group(admin, 'referenced', tags={'managed-by': 'cloudwall'})
    seed_group(admin, 'unmanaged')
    ecs.call('JoinSecurityGroup', SecurityGroupId=in_use, InstanceId=WEB_1)
    ecs.call('AuthorizeSecurityGroup', SecurityGroupId=VPC_GROUP,
             Permissions=[{'IpProtocol': 'tcp', 'PortRange': '22/22', 'SourceGroupId': referenced}])


def run_cleanup_then_audit(runner):
    run_playbook(runner, 'cleanup.yml', {'cleanup_vpc_id': DEMO_VPC})
    audit_vars = {'audit_report_path': os.path.join(report_dir(runner), 'audit.md'), 'audit_vpc_id': DEMO_VPC}
    audit = run_playbook(runner, 'audit.yml', audit_vars)
    return audit_summary(audit, 'Audit the security groups')


def prepare_groups_and_tags(admin, ecs):  # pylint: disable=unused-argument
    seed_group(admin, 'tagged', tags={'owner': 'ops', 'stale': 'yes', 'cost-center': 'cc-1'})
    seed_group(admin, 'also-tagged', tags={'owner': 'dev'})


def run_groups_and_tags(runner):
    app = {'name': 'app-tier', 'vpc_id': DEMO_VPC, 'description': 'Application servers'}
    run = runner.run_tasks([
        module_task('sg', **app, tags={'tier': 'app', 'owner': 'ops'}),
        module_task('sg', **{**app, 'description': 'Application servers, port 8080 only', 'inner_access_policy': 'drop',
                             'tags': {'tier': 'app', 'environment': 'prod'}, 'purge_tags': True}),
        module_task('sg_tags', security_group='tagged', vpc_id=DEMO_VPC, tags={'owner': 'ops', 'tier': 'data'},
                    purge_tags=True),
        module_task('sg_tags', security_group=['tagged', 'also-tagged', 'app-tier'], vpc_id=DEMO_VPC,
                    tags={'reviewed': '2026'}),
        module_task('sg_tags', security_group='also-tagged', vpc_id=DEMO_VPC, tags={'owner': 'dev'}, state='absent'),
    ], auth=RETRY)
    assert_succeeded(run)


RULE_COUNT = 150


def many_rules(description):
    return [{'protocol': 'tcp', 'ports': 3000 + number, 'cidr': '10.%d.0.0/16' % (number % 200),
             'description': description if number % 10 == 0 else 'service %d' % number} for number in range(RULE_COUNT)]


def prepare_rules(admin, ecs):
    """A group with rules to purge, one to keep (declared again) and an egress rule purge_rules leaves alone."""
    group = seed_group(admin, 'rules-tier')
    seed_group(admin, 'peer-tier')
    ecs.call('AuthorizeSecurityGroup', SecurityGroupId=group, Permissions=[
        {'IpProtocol': 'tcp', 'PortRange': '22/22', 'SourceCidrIp': '0.0.0.0/0', 'Description': 'to purge'},
        {'IpProtocol': 'udp', 'PortRange': '53/53', 'SourceCidrIp': '172.16.0.0/12', 'Description': 'to purge'},
        {'IpProtocol': 'tcp', 'PortRange': '3000/3000', 'SourceCidrIp': '10.0.0.0/16', 'Description': 'old text'}])
    ecs.call('AuthorizeSecurityGroupEgress', SecurityGroupId=group, Permissions=[
        {'IpProtocol': 'all', 'PortRange': '-1/-1', 'DestCidrIp': '0.0.0.0/0'}])


def run_rules(runner):
    peer_rule = {'protocol': 'tcp', 'ports': '8000-8010', 'group': 'peer-tier', 'priority': 5, 'description': 'peer'}
    target = {'security_group': 'rules-tier', 'vpc_id': DEMO_VPC, 'purge_rules': True}
    run = runner.run_tasks([
        module_task('sg_rule', **target, rules=many_rules('first text') + [peer_rule]),
        # The same rules with new descriptions on 15 of them: modified in place, nothing added or revoked.
        module_task('sg_rule', **target, rules=many_rules('second text') + [dict(peer_rule, description='peer tier')]),
        module_task('sg_rule', security_group='rules-tier', vpc_id=DEMO_VPC, state='absent',
                    rules=[{'protocol': 'tcp', 'ports': 3149, 'cidr': '10.149.0.0/16'}]),
    ], auth=RETRY)
    assert_succeeded(run)
    assert [len(result['modified']) for result in run.results[:2]] == [1, RULE_COUNT // 10 + 1]


def prepare_membership_and_roles(admin, ecs):  # pylint: disable=unused-argument
    seed_group(admin, 'web-tier')
    seed_group(admin, 'redis-tier')


def run_membership_and_roles(runner):
    # tier_access and public_service run under faults in the web_redis playbook scenario; port_deny runs here too.
    run = runner.run_tasks([
        module_task('sg_membership', instance_ids=[REDIS_1], security_groups=['redis-tier'], vpc_id=DEMO_VPC,
                    state='exact'),
        module_task('sg_membership', network_interface_ids=[FREE_ENI], security_groups=['web-tier', 'redis-tier'],
                    vpc_id=DEMO_VPC),
        role_task('port_deny', port_deny_group='redis-tier', port_deny_vpc_id=DEMO_VPC, port_deny_ports=['6379', '6380'],
                  port_deny_description='Nobody else'),
    ], auth=RETRY)
    assert_succeeded(run)


SCENARIOS = [
    Scenario('web_redis_playbook', prepare_nothing, run_web_redis),
    Scenario('cleanup_and_audit_playbooks', prepare_cleanup, run_cleanup_then_audit),
    Scenario('sg_and_sg_tags', prepare_groups_and_tags, run_groups_and_tags),
    Scenario('sg_rule_150_rules_purge_and_descriptions', prepare_rules, run_rules),
    Scenario('sg_membership_and_roles', prepare_membership_and_roles, run_membership_and_roles),
]


def test_normalised_dumps_hide_ids_and_times_but_show_duplicates_and_losses(admin, ecs):
    """The comparison itself: two equal states with other generated ids compare equal; an extra rule, a changed tag
    or a lost membership does not."""
    def build(with_extra_rule=False, tags=None, member=True):
        admin.reset(seed='demo')
        group = admin.seed(security_groups=[{'SecurityGroupName': 'compared', 'VpcId': DEMO_VPC, 'Tags': tags or {'a': '1'}}])
        group_id = group['security_groups'][0]
        rule = {'IpProtocol': 'tcp', 'PortRange': '80/80', 'SourceGroupId': VPC_GROUP}
        ecs.call('AuthorizeSecurityGroup', SecurityGroupId=group_id, Permissions=[rule])
        ecs.call('AuthorizeSecurityGroup', SecurityGroupId=VPC_GROUP, Permissions=[dict(rule, SourceGroupId=group_id)])
        if with_extra_rule:
            # ECS refuses an identical second rule, so the extra rule differs in priority only: it must still show.
            ecs.call('AuthorizeSecurityGroup', SecurityGroupId=group_id, Permissions=[dict(rule, Priority='2')])
        if member:
            ecs.call('JoinSecurityGroup', SecurityGroupId=group_id, InstanceId=WEB_1)
        return group_id, normalise(admin.state())

    first_id, first = build()
    second_id, second = build()
    assert first_id != second_id and first == second
    for other in (build(with_extra_rule=True)[1], build(tags={'a': '2'})[1], build(member=False)[1]):
        assert other != first and differences(first, other)


@pytest.mark.parametrize('scenario', SCENARIOS, ids=[scenario.name for scenario in SCENARIOS])
def test_faulted_run_converges_to_the_fault_free_state(runner, admin, ecs, scenario):
    scenario.prepare(admin, ecs)
    start = normalise(admin.state())
    fault_free_result = scenario.run(runner)
    fault_free = normalise(admin.state())
    assert fault_free != start, 'the scenario changed nothing, so it proves nothing'

    admin.reset(seed='demo')
    scenario.prepare(admin, ecs)
    # A fixed seed makes a failure reproducible; the faults fire on reads and writes alike.
    admin.faults(FAULTS, random_seed=sum(map(ord, scenario.name)))
    faulted_result = scenario.run(runner)
    calls = admin.calls()
    admin.clear_faults()

    codes = collections.Counter(call['code'] for call in calls)
    assert codes['Throttling'] > 0 and sum(codes[code] for code in SERVER_ERROR_CODES) > 0, codes
    assert any(call['mutating'] and call['code'] for call in calls), 'no write was faulted'
    assert faulted_result == fault_free_result
    faulted = normalise(admin.state())
    assert faulted == fault_free, '\n'.join(differences(fault_free, faulted))


# --- kill -9 of the API in the middle of a run ------------------------------------------------------------------

CRASH_RULE_COUNT = 190
CRASH_LATENCY_MS = 1500
PERMISSION_PROTOCOL = re.compile(r'^Permissions\.\d+\.IpProtocol$')


def crash_rules():
    return [{'protocol': 'tcp', 'ports': 20000 + number, 'cidr': '10.20.0.0/16'} for number in range(CRASH_RULE_COUNT)]


def rule_keys(permissions):
    return collections.Counter((rule['IpProtocol'], rule['PortRange'], rule['SourceCidrIp'], rule['Direction'])
                               for rule in permissions)


def permissions_in(call):
    return sum(1 for key in call['params'] if PERMISSION_PROTOCOL.match(key))


def wait_for_call(admin, action, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        calls = admin.calls(action=action)
        if calls:
            return calls[0]
        time.sleep(0.05)
    raise AssertionError('no %s within %.0f s' % (action, timeout))


def test_rerun_after_kill_9_of_the_api_finishes_the_rules_without_duplicates(runner, tmp_path):
    state_path = str(tmp_path / 'crash.sqlite3')
    first = EmulatorProcess(state_path, seed='demo').start()
    try:
        group = first.admin.seed(security_groups=[{'SecurityGroupName': 'crash-tier', 'VpcId': DEMO_VPC}])['security_groups'][0]
        # Each Authorize is slow, so the kill lands while the second batch is still in flight.
        first.admin.faults([{'kind': 'latency', 'latency_ms': CRASH_LATENCY_MS, 'actions': ['AuthorizeSecurityGroup']}])
        task = module_task('sg_rule', security_group=group, rules=crash_rules())
        # One runner per emulator: PlaybookRunner takes the endpoint from the emulator it is built with.
        crashed_runner = type(runner)(first, str(tmp_path / 'crashed'))
        outcome = {}
        # Few, short retries: the API stays down, and the run should give up quickly.
        worker = threading.Thread(target=lambda: outcome.update(run=crashed_runner.run_tasks(
            [task], auth={'retries': 2, 'retry_max_delay': 0.2, 'retry_timeout': 5})))
        worker.start()
        first_batch = wait_for_call(first.admin, 'AuthorizeSecurityGroup')
        first.kill()
        worker.join(timeout=120)
        assert not worker.is_alive(), 'the run did not end after the API died'
    finally:
        first.kill()
    crashed = outcome['run']
    assert crashed.rc != 0 and 'AuthorizeSecurityGroup' in crashed.last['msg'], crashed

    second = EmulatorProcess(state_path, seed='demo').start()
    try:
        reader = EcsReader(second.host_port)
        committed = permissions_in(first_batch)
        # The first batch survived the kill; the one in flight left nothing behind.
        assert 0 < committed < CRASH_RULE_COUNT
        assert len(reader.rules(group)) == committed
        mark = second.admin.mark()
        rerun_runner = type(runner)(second, str(tmp_path / 'rerun'))
        rerun = rerun_runner.run_tasks([task, task], auth=RETRY)
        assert_succeeded(rerun)
        assert [result['changed'] for result in rerun.results] == [True, False]
        authorizes = second.admin.mutating_calls(since=mark)
        assert {call['action'] for call in authorizes} == {'AuthorizeSecurityGroup'}
        assert sum(permissions_in(call) for call in authorizes) == CRASH_RULE_COUNT - committed
        declared = collections.Counter(('TCP', '%d/%d' % (port, port), '10.20.0.0/16', 'ingress')
                                       for port in range(20000, 20000 + CRASH_RULE_COUNT))
        assert rule_keys(reader.rules(group)) == declared
    finally:
        second.stop()


# --- concurrent runs ------------------------------------------------------------------------------------------

CONCURRENT_GROUPS = 8


def declaration(name, index):
    """A group with its own tags and rules, each run with a fresh PlaybookRunner."""
    return [
        module_task('sg', name=name, vpc_id=DEMO_VPC, description='Concurrent group %s' % name,
                    tags={'owner': 'team-%d' % index, 'index': str(index)}),
        module_task('sg_rule', security_group=name, vpc_id=DEMO_VPC, purge_rules=True, rules=[
            {'protocol': 'tcp', 'ports': [8000 + index, 9000 + index], 'cidr': '10.%d.0.0/16' % index,
             'description': 'service of %s' % name},
            {'protocol': 'udp', 'ports': '5000-5010', 'group': 'default-vpc', 'priority': 2},
            {'direction': 'egress', 'protocol': 'tcp', 'ports': 443, 'cidr': '0.0.0.0/0'}]),
    ]


def run_all_at_once(runner, workdir, declarations):
    """Run every (name, tasks) at the same time, each in its own thread with its own runner and directory:
    PlaybookRunner numbers its files with an unlocked counter, so threads must not share one."""
    runs = {}

    def run_one(key, tasks):
        own_runner = type(runner)(runner.emulator, os.path.join(workdir, key))
        runs[key] = own_runner.run_tasks(tasks, auth=RETRY)

    threads = [threading.Thread(target=run_one, args=item) for item in declarations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    for run in runs.values():
        assert_succeeded(run)
    return runs


def test_concurrent_runs_leave_every_rule_and_tag_exactly_once(runner, admin, ecs, tmp_path):
    names = ['parallel-%d' % index for index in range(CONCURRENT_GROUPS)]
    tasks = {name: declaration(name, index) for index, name in enumerate(names)}
    # The shared group exists beforehand: two runs creating one group by name could race to make two, as on ECS.
    seed_group(admin, 'shared')
    tasks['shared'] = declaration('shared', 99)
    run_all_at_once(runner, str(tmp_path / 'first'),
                    list(tasks.items()) + [('shared-twin', tasks['shared'])])

    for index, name in enumerate(names + ['shared']):
        groups = [group for group in ecs.groups(VpcId=DEMO_VPC) if group['SecurityGroupName'] == name]
        assert len(groups) == 1, groups
        group_id = groups[0]['SecurityGroupId']
        number = 99 if name == 'shared' else index
        assert ecs.tags(group_id) == {'owner': 'team-%d' % number, 'index': str(number)}
        found = collections.Counter((rule['Direction'], rule['IpProtocol'], rule['PortRange'],
                                     rule['SourceCidrIp'] or rule['SourceGroupId'] or rule['DestCidrIp'])
                                    for rule in ecs.rules(group_id))
        assert found == collections.Counter([
            ('ingress', 'TCP', '%d/%d' % (8000 + number, 8000 + number), '10.%d.0.0/16' % number),
            ('ingress', 'TCP', '%d/%d' % (9000 + number, 9000 + number), '10.%d.0.0/16' % number),
            ('ingress', 'UDP', '5000/5010', VPC_GROUP),
            ('egress', 'TCP', '443/443', '0.0.0.0/0')]), name

    # The next run of every declaration, one after the other in one playbook (one ansible-playbook start instead of
    # nine keeps the test fast): nothing left to change.
    mark = admin.mark()
    again = runner.run_tasks([task for key in tasks for task in tasks[key]], auth=RETRY)
    assert_succeeded(again)
    assert [result['changed'] for result in again.results] == [False] * (2 * len(tasks))
    assert admin.mutating_calls(since=mark) == []
