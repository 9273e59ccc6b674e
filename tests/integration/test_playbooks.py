# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/web_redis.yml and playbooks/cleanup.yml end to end against the emulator's demo seed, with the
credentials and endpoint in the environment, as a user runs them."""

import os
import re
import subprocess
import sys

from ansible_collections.cloudwall.alicloud.tests.lib.emulator_process import DEMO_ACCESS_KEY, DEMO_REGION, DEMO_SECRET_KEY

PLAYBOOKS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'playbooks')
WEB_REDIS = os.path.join(PLAYBOOKS, 'web_redis.yml')
CLEANUP = os.path.join(PLAYBOOKS, 'cleanup.yml')
DEMO_VPC = 'vpc-demo0000000000000001'
DEFAULT_GROUP = 'sg-demovpcdefault000001'
WEB_INSTANCES = ['i-demoweb0000000000001', 'i-demoweb0000000000002']
REDIS_INSTANCE = 'i-demoredis00000000001'


def cloud_env(emulator):
    return {'ALICLOUD_ACCESS_KEY': DEMO_ACCESS_KEY, 'ALICLOUD_SECRET_KEY': DEMO_SECRET_KEY,
            'ALICLOUD_REGION': DEMO_REGION, 'ALICLOUD_ECS_ENDPOINT': emulator.endpoint}


def run(runner, emulator, playbook, extra_vars=None, env=None, **options):
    # The audit report goes to the test's own directory, not the checkout's build/.
    extra_vars = dict({'web_redis_audit_report': audit_report(runner)}, **(extra_vars or {}))
    result = runner.run_playbook(playbook, env=cloud_env(emulator) if env is None else env, extra_vars=extra_vars,
                                 **options)
    assert result.rc == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return result


def audit_report(runner):
    """Where the audit writes, in a directory made beforehand with the mode the playbook gives it."""
    directory = os.path.join(runner.workdir, 'audit')
    os.makedirs(directory, exist_ok=True)
    os.chmod(directory, 0o755)
    return os.path.join(directory, 'web_redis_audit.md')


def changed_tasks(result):
    return [entry['task'] for entry in result.results if entry['result'].get('changed')]


def rule_line(rule):
    peer = rule['SourceGroupName'] or rule['SourceCidrIp'] or rule['Ipv6SourceCidrIp']
    return '%s %s %s %s %s %d %s' % (rule['Direction'], rule['Policy'].lower(), rule['IpProtocol'].lower(),
                                     rule['PortRange'], peer, int(rule['Priority']), rule['Description'])


def test_web_redis_builds_the_guide_scenario_and_a_second_run_changes_nothing(runner, emulator, admin, ecs):
    # First `--check --diff` on the fresh seed, as pipelines do: no group exists yet, so check mode plans the rules
    # and moves against the groups the play would create (the roles skip nothing), writes nothing, not even the
    # audit report, and changes the tasks the real run changes.
    before = admin.state()
    mark = admin.mark()
    check = run(runner, emulator, WEB_REDIS, check=True, diff=True)
    assert admin.mutating_calls(since=mark) == []
    assert admin.state() == before
    assert not os.path.exists(audit_report(runner))

    first = run(runner, emulator, WEB_REDIS, diff=True)
    assert changed_tasks(check) == changed_tasks(first)
    assert 'Place the instances in their tier groups' in changed_tasks(check)

    web, redis = ecs.group_by_name('demo-web', DEMO_VPC), ecs.group_by_name('demo-redis', DEMO_VPC)
    assert web['Description'] == 'Web tier, reachable from the Internet on HTTP and HTTPS'
    assert redis['Description'] == 'Redis tier, reachable only from the web tier'
    assert ecs.tags(web['SecurityGroupId']) == {'environment': 'demo', 'managed-by': 'cloudwall', 'tier': 'web'}
    assert ecs.tags(redis['SecurityGroupId']) == {'environment': 'demo', 'managed-by': 'cloudwall', 'tier': 'redis'}
    assert sorted(rule_line(rule) for rule in ecs.rules(web['SecurityGroupId'])) == [
        'ingress accept tcp 443/443 0.0.0.0/0 1 Public web traffic',
        'ingress accept tcp 80/80 0.0.0.0/0 1 Public web traffic']
    assert sorted(rule_line(rule) for rule in ecs.rules(redis['SecurityGroupId'])) == [
        'ingress accept tcp 6379/6379 demo-web 1 Web tier reaches Redis',
        'ingress drop tcp 6379/6379 0.0.0.0/0 100 Nobody but the web tier reaches Redis']
    for instance in WEB_INSTANCES:
        assert ecs.instance_groups(instance) == [web['SecurityGroupId']]
    assert ecs.instance_groups(REDIS_INSTANCE) == [redis['SecurityGroupId']]
    # Each instance changed groups in one atomic call: never without a group, never half moved.
    modify_calls = admin.calls(action='ModifyInstanceAttribute')
    assert sorted(call['params']['InstanceId'] for call in modify_calls) == sorted(WEB_INSTANCES + [REDIS_INSTANCE])
    assert admin.calls(action='LeaveSecurityGroup') == []
    # The audit at the end found nothing against the guide and drew web -> redis on 6379.
    summary = [entry['result'] for entry in first.results if entry['task'] == 'Audit the tier groups and write the report']
    assert [(result['summary']['groups_audited'], result['summary']['findings']) for result in summary] == [(2, 0)]
    with open(audit_report(runner), encoding='utf-8') as handle:
        report = handle.read()
    assert '-->|"tcp 6379"| %s' % redis['SecurityGroupId'].replace('-', '_') in report

    # The second run as a user types it: `ansible-playbook -i localhost, playbooks/web_redis.yml` in a directory of
    # their own, without -c local or an interpreter setting (the play sets both), and no report path.
    mark = admin.mark()
    caller = os.path.join(runner.workdir, 'caller')
    os.makedirs(caller)
    second = runner.run_playbook(WEB_REDIS, env=cloud_env(emulator), cwd=caller, as_user=True)
    assert second.rc == 0, second.stdout[-4000:] + second.stderr[-2000:]
    assert changed_tasks(second) == []
    assert admin.mutating_calls(since=mark) == []
    # No interpreter discovery (it would have picked a system Python), and the report next to the caller.
    assert [entry['task'] for entry in second.results if 'discovered_interpreter_python' in entry['result'].get('ansible_facts', {})] == []
    assert sorted(os.listdir(caller)) == ['web_redis_audit.md']
    assert not [name for name in os.listdir(os.path.dirname(WEB_REDIS)) if name.endswith('_audit.md')]

    check = run(runner, emulator, WEB_REDIS, check=True, diff=True)
    assert changed_tasks(check) == []
    assert admin.mutating_calls(since=mark) == []


def test_audit_playbook_writes_its_report_next_to_the_caller_and_none_in_check_mode(runner, emulator):
    caller = os.path.join(runner.workdir, 'caller')
    os.makedirs(caller)
    audit = os.path.join(PLAYBOOKS, 'audit.yml')
    check = runner.run_playbook(audit, env=cloud_env(emulator), cwd=caller, as_user=True, check=True)
    assert check.rc == 0, check.stdout[-4000:] + check.stderr[-2000:]
    assert os.listdir(caller) == []
    real = runner.run_playbook(audit, env=cloud_env(emulator), cwd=caller, as_user=True)
    assert real.rc == 0, real.stdout[-4000:] + real.stderr[-2000:]
    assert os.listdir(caller) == ['sg-audit-report.md']
    assert [entry['result']['report_path'] for entry in real.results if entry['task'] == 'Audit the security groups'] == [
        os.path.join(caller, 'sg-audit-report.md')]


def test_web_redis_variables_place_other_tiers_and_keep_listed_groups(runner, emulator, admin, ecs):
    # Region and endpoint as playbook variables (module_defaults) instead of the environment.
    env = {name: value for name, value in cloud_env(emulator).items() if name in ('ALICLOUD_ACCESS_KEY', 'ALICLOUD_SECRET_KEY')}
    run(runner, emulator, WEB_REDIS, env=env, extra_vars={'web_redis_environment': 'staging',
                                                          'web_redis_keep_groups': [DEFAULT_GROUP],
                                                          'web_redis_redis_port': '6380',
                                                          'web_redis_region': DEMO_REGION,
                                                          'web_redis_endpoint': emulator.endpoint})
    web, redis = ecs.group_by_name('staging-web', DEMO_VPC), ecs.group_by_name('staging-redis', DEMO_VPC)
    assert ecs.tags(redis['SecurityGroupId'])['environment'] == 'staging'
    assert 'ingress drop tcp 6380/6380 0.0.0.0/0 100 Nobody but the web tier reaches Redis' in [
        rule_line(rule) for rule in ecs.rules(redis['SecurityGroupId'])]
    assert sorted(ecs.instance_groups(WEB_INSTANCES[0])) == sorted([web['SecurityGroupId'], DEFAULT_GROUP])


def test_cleanup_deletes_the_unused_tagged_group_and_keeps_those_in_use(runner, emulator, admin, ecs):
    run(runner, emulator, WEB_REDIS)
    old, = admin.seed(security_groups=[{'SecurityGroupName': 'demo-old', 'VpcId': DEMO_VPC, 'Description': 'Retired',
                                        'Tags': {'managed-by': 'cloudwall'}}])['security_groups']
    untagged, = admin.seed(security_groups=[{'SecurityGroupName': 'unmanaged', 'VpcId': DEMO_VPC}])['security_groups']

    mark = admin.mark()
    check = run(runner, emulator, CLEANUP, check=True)
    assert admin.mutating_calls(since=mark) == []
    listing = [entry['result']['msg'] for entry in check.results if 'List the groups' in entry['task']][0]
    assert listing['delete'] == ['%s demo-old' % old]

    run(runner, emulator, CLEANUP)
    deletes = admin.mutating_calls(since=mark)
    assert [(call['action'], call['params']['SecurityGroupId']) for call in deletes] == [('DeleteSecurityGroup', old)]
    names = {group['SecurityGroupName'] for group in ecs.groups(VpcId=DEMO_VPC)}
    assert {'demo-web', 'demo-redis', 'unmanaged', 'default-vpc'} <= names
    assert 'demo-old' not in names
    assert untagged in {group['SecurityGroupId'] for group in ecs.groups(VpcId=DEMO_VPC)}


def test_make_demo_runs_the_scenario_twice_and_shows_groups_rules_and_members():
    """hacking/demo.py (what `make demo` runs) with its own emulator; it fails itself if the second run changes."""
    demo = os.path.join(os.path.dirname(PLAYBOOKS), 'hacking', 'demo.py')
    env = {name: value for name, value in os.environ.items() if not name.startswith(('ALICLOUD_', 'ALIBABA_CLOUD_'))}
    # As `make demo` does: the tree holding ansible_collections on the import path, for the shared test code.
    env['PYTHONPATH'] = os.path.abspath(__file__).split(os.sep + 'ansible_collections' + os.sep)[0]
    proc = subprocess.run([sys.executable, demo], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    # Table rows without their column label ("rules", "members", ...), which only the first rule of a group has.
    rows = [re.sub(r'^(description|tags|rules|members)\s+', '', line.strip()) for line in proc.stdout.splitlines()]
    assert 'ingress accept tcp 6379/6379 from demo-web (intranet) priority 1 "Web tier reaches Redis"' in rows
    assert 'ingress drop tcp 6379/6379 from 0.0.0.0/0 (intranet) priority 100 "Nobody but the web tier reaches Redis"' in rows
    assert 'ingress accept tcp 80/80 from 0.0.0.0/0 (intranet) priority 1 "Public web traffic"' in rows
    assert 'web-1 (i-demoweb0000000000001), web-2 (i-demoweb0000000000002)' in rows
    assert 'redis-1 (i-demoredis00000000001)' in rows
    assert re.search(r'^first run changed \d+ task\(s\); second run changed 0;', proc.stdout, re.M)
