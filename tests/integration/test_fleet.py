# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/fleet_audit.yml over 2 accounts x 2 regions against one emulator: through ansible-playbook with forks,
and through ansible-runner (whose job events are what AWX and Automation Controller consume).

When the emulator has accounts (``accounts`` in its seed), each account owns its groups and a target sees only its
own account's groups in its region. An emulator without accounts gets each "account" as its own key pair and its
own VPC per region, and a target audits only that VPC (fleet_vpc_id).
"""

import json
import os
import sys

import pytest

# The admin client raises the AdminError of the collection namespace (conftest imports tests/lib through it).
from ansible_collections.cloudwall.alicloud.tests.lib.emulator_process import AdminError, fixed_id

PLAYBOOK = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'playbooks',
                        'fleet_audit.yml')
KEYS = {'a': ('LTAI5tFleetAccountA00001', 'FleetSecretA-7b1c2d3e4f5a'),
        'b': ('LTAI5tFleetAccountB00001', 'FleetSecretB-0a9b8c7d6e5f')}
ACCOUNT_IDS = {'a': '5550000000000001', 'b': '5550000000000002'}
# target -> (account, region, the target's one group, planted problem: port open to the Internet or None)
FLEET = {
    'a-hangzhou': ('a', 'cn-hangzhou', 'a-hz-admin', '22/22'),
    'b-hangzhou': ('b', 'cn-hangzhou', 'b-hz-db', '3306/3306'),
    'a-shanghai': ('a', 'cn-shanghai', 'a-sh-web', None),
    'b-shanghai': ('b', 'cn-shanghai', 'b-sh-cache', '6379/6379'),
}


def vpc_of(target):
    return fixed_id('vpc', target.replace('-', ''))


def seed_accounts(admin):
    """The two accounts with their key pairs; True when the emulator has accounts, else the keys are added alone."""
    try:
        admin.seed(accounts=[{'AccountId': ACCOUNT_IDS[account], 'AccountName': 'fleet-' + account,
                              'AccessKeys': [{'AccessKeyId': key_id, 'AccessKeySecret': secret}]}
                             for account, (key_id, secret) in KEYS.items()])
        return True
    except AdminError as error:
        if 'accounts' not in str(error.body):
            raise
    for key_id, secret in KEYS.values():
        admin.add_credentials(key_id, secret)
    return False


def reader_of(ecs, account, region):
    """An ECS reader signing as ``account`` in ``region``."""
    return type(ecs)(ecs.host_port, access_key=KEYS[account][0], secret_key=KEYS[account][1], region=region)


@pytest.fixture
def accounts(admin):
    return seed_accounts(admin)


@pytest.fixture
def fleet(admin, ecs, accounts, tmp_path):
    """Seeds the four targets and writes their inventory; returns its path."""
    for target, (account, region, group, port) in FLEET.items():
        spec = {'SecurityGroupId': fixed_id('sg', target.replace('-', '')), 'SecurityGroupName': group, 'VpcId': vpc_of(target)}
        if accounts:
            spec['OwnerId'] = ACCOUNT_IDS[account]
        admin.seed(vpcs=[{'VpcId': vpc_of(target), 'RegionId': region, 'CidrBlock': '10.0.0.0/8'}], security_groups=[spec])
        reader_of(ecs, account, region).call('AuthorizeSecurityGroup', SecurityGroupId=spec['SecurityGroupId'], IpProtocol='tcp',
                                             PortRange=port or '443/443', SourceCidrIp='0.0.0.0/0')
    hosts = {}
    for target, (account, region, _group, _port) in FLEET.items():
        hosts[target] = {'fleet_account': account, 'fleet_region': region,
                         'fleet_access_key': KEYS[account][0], 'fleet_secret_key': KEYS[account][1]}
        if not accounts:
            hosts[target]['fleet_vpc_id'] = vpc_of(target)
    inventory = tmp_path / 'fleet.yml'
    inventory.write_text(json.dumps({'fleet': {'hosts': hosts, 'vars': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
        'fleet_endpoint': admin.endpoint}}}))
    return str(inventory)


def check_fleet_report(report_dir, fail_on):
    """The merged JSON and Markdown reports hold every target's own findings and nothing of the others."""
    with open(os.path.join(report_dir, 'fleet-report.json'), encoding='utf-8') as handle:
        report = json.load(handle)
    with open(os.path.join(report_dir, 'fleet-report.md'), encoding='utf-8') as handle:
        markdown = handle.read()
    by_target = {entry['target']: entry for entry in report['targets']}
    assert set(by_target) == set(FLEET)
    for target, (account, region, group, port) in FLEET.items():
        entry = by_target[target]
        assert entry['status'] == 'audited' and entry['account'] == account and entry['region'] == region
        assert entry['summary']['groups_audited'] == 1
        assert {f['security_group_name'] for f in entry['findings'] if f['security_group_name']} == {group}
        high = [f for f in entry['findings'] if f['check'] == 'internet_sensitive_ports']
        assert len(high) == (1 if port else 0) and entry['summary']['by_severity']['high'] == len(high)
        summary = entry['summary']
        row = '| %s | %s | %s | audited | 1 | %d | %d | %d | %d |' % (
            target, account, region, summary['by_severity']['high'], summary['by_severity']['medium'],
            summary['by_severity']['low'], summary['findings'])
        assert row in markdown
        assert '### %s' % target in markdown and '"%s"' % group in markdown  # its map names its group
    # Each target's map is cut from its own report at the map's heading: nothing else of that report comes along.
    maps = markdown.split('## Reachability map by target', 1)[1]
    assert maps.count('```mermaid') >= len(FLEET) and '## Findings by group' not in markdown
    blocking = sum(1 for e in report['targets'] for f in e['findings'] if fail_on == 'high' and f['severity'] == 'high')
    assert report['blocking_findings'] == blocking
    assert report['gate'] == ('failed' if blocking else 'passed')
    return report


def targets_in_call_order(admin, since, accounts):
    """The target of every API call since ``since`` (from its key pair and region), oldest first; checks that each
    DescribeSecurityGroups call was scoped to its target's VPC when there are no accounts to scope it."""
    account_of_key = {key_id: account for account, (key_id, _secret) in KEYS.items()}
    order = []
    for call in admin.calls(since=since):
        target = '%s-%s' % (account_of_key[call['params']['AccessKeyId']], call['region'].split('-')[1])
        if call['action'] == 'DescribeSecurityGroups':
            assert call['params'].get('VpcId') == (None if accounts else vpc_of(target))
        order.append(target)
    return order


def test_fleet_audit_in_parallel_one_report_and_the_gate(runner, admin, accounts, fleet, tmp_path):
    report_dir = str(tmp_path / 'report')
    # A little latency on every call makes the four targets' runs overlap when forks let them.
    admin.faults([{'kind': 'latency', 'rate': 1.0, 'latency_ms': 150}])
    mark = admin.mark()
    run = runner.run_playbook(PLAYBOOK, inventory=fleet, forks=4,
                              extra_vars={'fleet_report_dir': report_dir, 'fleet_fail_on': 'high'})
    admin.clear_faults()
    assert run.rc != 0, run  # three targets have a port open to the Internet: the gate fails the run
    assert 'Fleet gate fail_on=high: 3 finding(s)' in run.stdout
    check_fleet_report(report_dir, 'high')

    order = targets_in_call_order(admin, mark, accounts)
    assert set(order) == set(FLEET)  # each target called with its own key pair in its own region
    assert not admin.mutating_calls(since=mark)
    switches = sum(1 for before, after in zip(order, order[1:]) if before != after)
    assert switches > len(FLEET) - 1, 'the targets ran one after another: %s' % order

    for name in os.listdir(report_dir) + ['targets/' + n for n in os.listdir(os.path.join(report_dir, 'targets'))]:
        path = os.path.join(report_dir, name)
        if os.path.isfile(path):
            content = open(path, encoding='utf-8').read()
            assert not [s for _k, s in KEYS.values() if s in content], name
    assert not [s for _k, s in KEYS.values() if s in run.stdout + run.stderr]


def test_fleet_gate_passes_and_an_unreachable_target_is_reported(runner, admin, fleet, tmp_path):
    report_dir = str(tmp_path / 'report')
    run = runner.run_playbook(PLAYBOOK, inventory=fleet, forks=2, extra_vars={'fleet_report_dir': report_dir})
    assert run.rc == 0, run
    check_fleet_report(report_dir, 'none')

    # A target whose secret is refused is reported as not audited, and fails the gate; the others still run.
    with open(fleet, encoding='utf-8') as handle:
        inventory = json.load(handle)
    inventory['fleet']['hosts']['b-shanghai']['fleet_secret_key'] = 'FleetWrongSecret-000111'
    with open(fleet, 'w', encoding='utf-8') as handle:
        json.dump(inventory, handle)
    run = runner.run_playbook(PLAYBOOK, inventory=fleet, forks=4, extra_vars={'fleet_report_dir': report_dir}, verbosity=3)
    assert run.rc != 0
    secrets = [secret for _key, secret in KEYS.values()] + ['FleetWrongSecret-000111']
    assert not [secret for secret in secrets if secret in run.stdout + run.stderr]
    with open(os.path.join(report_dir, 'fleet-report.json'), encoding='utf-8') as handle:
        report = json.load(handle)
    status = {entry['target']: (entry['status'], entry['error']) for entry in report['targets']}
    assert status['b-shanghai'][0] == 'error' and 'SignatureDoesNotMatch' in status['b-shanghai'][1]
    assert KEYS['b'][0] in status['b-shanghai'][1] and 'FleetWrongSecret-000111' not in json.dumps(report)
    assert all(status[t][0] == 'audited' for t in FLEET if t != 'b-shanghai')
    assert 'targets not audited: b-shanghai' in run.stdout


@pytest.mark.parametrize('extra_vars, words', [
    pytest.param({'fleet_fail_on': 'critical'}, ['fleet_fail_on must be none, low, medium or high', '"critical"'], id='bad-fail-on'),
])
def test_fleet_bad_settings_fail_before_any_call(runner, admin, fleet, tmp_path, extra_vars, words):
    mark = admin.mark()
    run = runner.run_playbook(PLAYBOOK, inventory=fleet, extra_vars=dict(extra_vars, fleet_report_dir=str(tmp_path)))
    assert run.rc != 0
    for word in words:
        assert word in run.stdout
    assert admin.calls(since=mark) == []


# ansible-runner runs ansible-playbook under a pty (pexpect), as AWX does; forkpty warns inside a threaded pytest.
@pytest.mark.filterwarnings('ignore:This process .* is multi-threaded:DeprecationWarning')
def test_fleet_through_ansible_runner_job_events(runner, admin, fleet, tmp_path, monkeypatch):
    ansible_runner = pytest.importorskip('ansible_runner')
    report_dir = str(tmp_path / 'report')
    private_data_dir = tmp_path / 'runner'
    private_data_dir.mkdir()
    # ansible-runner starts ansible-playbook from PATH: the one of this virtualenv.
    monkeypatch.setenv('PATH', os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))
    for name in [n for n in os.environ if n.startswith(('ALICLOUD_', 'ALIBABA_CLOUD_'))]:
        monkeypatch.delenv(name)
    result = ansible_runner.run(
        private_data_dir=str(private_data_dir), project_dir=os.path.dirname(PLAYBOOK), playbook=os.path.basename(PLAYBOOK),
        inventory=fleet, forks=4, quiet=True, extravars={'fleet_report_dir': report_dir},
        envvars={'ANSIBLE_COLLECTIONS_PATH': runner.collections, 'ANSIBLE_NOCOLOR': '1'})
    assert result.status == 'successful' and result.rc == 0, result.stdout.read()
    events = list(result.events)

    audits = {event['event_data']['host']: event['event_data']['res'] for event in events
              if event['event'] == 'runner_on_ok' and event['event_data'].get('task') == "Audit the target's security groups"}
    assert set(audits) == set(FLEET)
    report = check_fleet_report(report_dir, 'none')
    for entry in report['targets']:
        res = audits[entry['target']]
        assert res['summary'] == entry['summary'] and res['findings'] == entry['findings']
        assert res['changed'] is False
    stats = [event for event in events if event['event'] == 'playbook_on_stats'][-1]['event_data']
    assert not stats['failures'] and not stats['rescued'] and set(FLEET) <= set(stats['ok'])

    artifacts = ''.join(open(os.path.join(root, name), encoding='utf-8', errors='replace').read()
                        for root, _dirs, files in os.walk(str(private_data_dir / 'artifacts')) for name in files)
    assert artifacts and not [s for _k, s in KEYS.values() if s in artifacts]


def readme_playbook(first_line):
    """The ```yaml block of playbooks/README.md that starts with ``first_line``, as written there."""
    with open(os.path.join(os.path.dirname(PLAYBOOK), 'README.md'), encoding='utf-8') as handle:
        blocks = handle.read().split('```yaml\n')[1:]
    found = [block.split('```', 1)[0] for block in blocks if block.startswith(first_line)]
    assert len(found) == 1, 'README has %d blocks starting with %r' % (len(found), first_line)
    return found[0]


def test_readme_role_over_many_targets_with_per_target_variables(runner, admin, ecs, fleet, tmp_path):
    playbook = tmp_path / 'fleet_tier_access.yml'
    playbook.write_text(readme_playbook('# fleet_tier_access.yml'))
    with open(fleet, encoding='utf-8') as handle:
        inventory = json.load(handle)
    ports = {}
    for target, host in inventory['fleet']['hosts'].items():
        ports[target] = 6379 if target.startswith('a-') else 6380
        host['redis_port'] = ports[target]
        host['fleet_vpc_id'] = vpc_of(target)
    with open(fleet, 'w', encoding='utf-8') as handle:
        json.dump(inventory, handle)

    run = runner.run_playbook(str(playbook), inventory=fleet, forks=4)
    assert run.rc == 0, run
    for target, (account, region, _group, _port) in FLEET.items():
        reader = reader_of(ecs, account, region)
        web = reader.group_by_name('web', vpc_id=vpc_of(target))
        redis = reader.group_by_name('redis', vpc_id=vpc_of(target))
        assert web and redis, target
        rules = [(r['IpProtocol'], r['PortRange'], r['SourceGroupId']) for r in reader.rules(redis['SecurityGroupId'], 'ingress')]
        assert rules == [('TCP', '%d/%d' % (ports[target], ports[target]), web['SecurityGroupId'])], target

    mark = admin.mark()
    again = runner.run_playbook(str(playbook), inventory=fleet, forks=4)
    assert again.rc == 0, again
    assert admin.mutating_calls(since=mark) == []
