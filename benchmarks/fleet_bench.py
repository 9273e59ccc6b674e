# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/fleet_audit.yml on 4 targets (2 accounts x 2 regions) of N groups each, sequential (forks 1) and
parallel (forks 4), at 0 ms and at 50 ms added to every ECS call.

Usage (from the repository root, after ``make collection``):

    PYTHONPATH=build python benchmarks/fleet_bench.py [--groups 200] [--latency 0,50] [--forks 1,4] [--runs 3]

Starts its own emulator (tests/lib/emulator_process.py); ``run_all.py`` runs the same measurement on its emulator
(section ``fleet_audit``). The emulator holds two accounts, each with its own key pair; each target is one account
in one region and audits its own VPC of ``--groups`` groups (two ingress rules each, every tenth one opening SSH to
the world, one instance per group). The VPC is named (``fleet_vpc_id``) because the emulator's instances belong to
no account: without it every target would also page through the other account's instances of its region, which a
real account never sees. A latency fault delays every ECS call of the measured runs by the given milliseconds (the
fleet is built without it), as a distant API would.

Wall time is the whole ``ansible-playbook`` run: controller start-up, the four audits, the fleet report and the gate.
API calls come from the emulator's call log: they must be the same in every run and at every fork count (the audit
is read-only, and the script fails on any mutating call), and each target must have signed its calls with its own
account's key pair in its own region. Prints a Markdown table and the machine and load it ran on.
"""

import argparse
import collections
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

from bench_common import REPO_ROOT, EmulatorProcess, collections_path, spread
from ansible_collections.cloudwall.alicloud.tests.lib.emulator_process import fixed_id

PLAYBOOK = os.path.join(REPO_ROOT, 'playbooks', 'fleet_audit.yml')
ACCOUNTS = {'a': ('5550000000000011', 'LTAI5tFleetBenchKeyA0001', 'FleetBenchSecretA-1f2e3d4c'),
            'b': ('5550000000000012', 'LTAI5tFleetBenchKeyB0001', 'FleetBenchSecretB-5b6a7988')}
TARGETS = {'a-hangzhou': ('a', 'cn-hangzhou'), 'b-hangzhou': ('b', 'cn-hangzhou'),
           'a-shanghai': ('a', 'cn-shanghai'), 'b-shanghai': ('b', 'cn-shanghai')}
GROUPS = 200
LATENCIES = (0, 50)
FORKS = (1, 4)
# Groups seeded per admin call: keeps each seed request small.
SEED_BATCH = 100


def vpc_of(target):
    return fixed_id('vpc', target.replace('-', ''))


def group_rules(index):
    return [{'IpProtocol': 'tcp', 'PortRange': '443/443', 'SourceCidrIp': '10.1.%d.0/24' % (index % 256)},
            {'IpProtocol': 'tcp', 'PortRange': '22/22',
             'SourceCidrIp': '0.0.0.0/0' if index % 10 == 0 else '10.2.%d.0/24' % (index % 256)}]


def build_fleet(admin, groups):
    """Both accounts with their key pairs, and every target's VPC with ``groups`` groups of its account, their rules and
    one instance per group. Resets the emulator to the demo seed first."""
    admin.reset(seed='demo')
    admin.quotas(groups_per_region=2 * groups + 100)
    admin.seed(accounts=[{'AccountId': account_id, 'AccountName': 'fleet-bench-' + name,
                          'AccessKeys': [{'AccessKeyId': key_id, 'AccessKeySecret': secret}]}
                         for name, (account_id, key_id, secret) in ACCOUNTS.items()])
    for target, (account, region) in TARGETS.items():
        admin.seed(vpcs=[{'VpcId': vpc_of(target), 'RegionId': region, 'CidrBlock': '10.0.0.0/8'}])
        created = []
        for start in range(0, groups, SEED_BATCH):
            created += admin.seed(security_groups=[
                {'SecurityGroupName': '%s-%03d' % (target, index), 'Description': 'fleet benchmark group',
                 'VpcId': vpc_of(target), 'OwnerId': ACCOUNTS[account][0], 'Tags': {'bench': 'fleet'},
                 'Permissions': group_rules(index)}
                for index in range(start, min(start + SEED_BATCH, groups))])['security_groups']
        admin.seed(instances=[{'InstanceName': '%s-%03d' % (target, index), 'VpcId': vpc_of(target), 'Status': 'Running',
                               'SecurityGroupIds': [group_id]} for index, group_id in enumerate(created)])


def write_inventory(path, endpoint):
    hosts = dict((target, {'fleet_account': account, 'fleet_region': region, 'fleet_vpc_id': vpc_of(target),
                           'fleet_access_key': ACCOUNTS[account][1], 'fleet_secret_key': ACCOUNTS[account][2]})
                 for target, (account, region) in TARGETS.items())
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump({'fleet': {'hosts': hosts, 'vars': {'ansible_connection': 'local', 'fleet_endpoint': endpoint,
                                                      'ansible_python_interpreter': sys.executable}}}, handle)


def run_fleet(workdir, collections, inventory, forks):
    """One fleet_audit.yml run; (wall seconds, parsed fleet-report.json)."""
    report_dir = os.path.join(workdir, 'report-forks-%d' % forks)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR='1')
    for name in [n for n in env if n.startswith(('ALICLOUD_', 'ALIBABA_CLOUD_'))]:
        del env[name]
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inventory, PLAYBOOK,
               '--forks', str(forks), '-e', json.dumps({'fleet_report_dir': report_dir})]
    started = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError('fleet_audit.yml failed:\n%s\n%s' % (proc.stdout[-3000:], proc.stderr[-3000:]))
    with open(os.path.join(report_dir, 'fleet-report.json'), encoding='utf-8') as handle:
        return wall, json.load(handle)


def check_calls(log, groups):
    """``Counter`` of actions of one run's call log, after checking it: read-only, and each target's calls signed with
    its own account's key pair in its own region (every target called)."""
    assert not [call for call in log if call['mutating']], 'the audit made a mutating call'
    account_of_key = dict((key_id, name) for name, (_account_id, key_id, _secret) in ACCOUNTS.items())
    callers = set((account_of_key[call['params']['AccessKeyId']], call['region']) for call in log)
    assert callers == set(TARGETS.values()), 'calls came from %s, not from each target' % sorted(callers)
    assert len(log) >= len(TARGETS) * groups, 'fewer calls than groups: %d' % len(log)
    return collections.Counter(call['action'] for call in log)


def measure_fleet_audit(emulator, workdir, groups=GROUPS, latencies=LATENCIES, forks_list=FORKS, runs=1):
    """``[{latency, forks, walls, calls, by_action, findings, high}]``: one row per latency and fork count, over the
    fleet that ``build_fleet`` makes on ``emulator`` (which is left reset to the demo seed)."""
    admin = emulator.admin
    build_fleet(admin, groups)
    inventory = os.path.join(workdir, 'fleet-bench-inventory.json')
    write_inventory(inventory, emulator.endpoint)
    collections_dir = collections_path(workdir)
    rows, expected = [], None
    try:
        for latency in latencies:
            if latency:
                admin.faults([{'kind': 'latency', 'rate': 1.0, 'latency_ms': latency}])
            else:
                admin.clear_faults()
            for forks in forks_list:
                walls = []
                for _run in range(runs):
                    mark = admin.mark()
                    wall, report = run_fleet(workdir, collections_dir, inventory, forks)
                    by_action = check_calls(admin.calls(since=mark), groups)
                    if expected is None:
                        expected = by_action
                    assert by_action == expected, 'the calls differ between runs: %s, then %s' % (dict(expected), dict(by_action))
                    assert [t['status'] for t in report['targets']] == ['audited'] * len(TARGETS), report['targets']
                    assert [t['summary']['groups_audited'] for t in report['targets']] == [groups] * len(TARGETS)
                    walls.append(wall)
                rows.append({'latency': latency, 'forks': forks, 'walls': walls, 'calls': sum(by_action.values()),
                             'by_action': by_action,
                             'findings': sum(t['summary']['findings'] for t in report['targets']),
                             'high': sum(t['summary']['by_severity']['high'] for t in report['targets'])})
    finally:
        admin.reset(seed='demo')
    return rows


def fleet_audit_table(rows, groups):
    """The Markdown table of ``measure_fleet_audit``'s rows; the speed-up is over forks 1 at the same latency."""
    lines = ['| case | latency per call | targets x groups | forks | API calls | calls per target | by action | findings (high) | '
             'median wall s (min-max) | speed-up over forks 1 |',
             '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |']
    sequential = dict((row['latency'], statistics.median(row['walls'])) for row in rows if row['forks'] == 1)
    for row in rows:
        median = statistics.median(row['walls'])
        base = sequential.get(row['latency'])
        lines.append('| %s | %d ms | %d x %d | %d | %d | %d | %s | %d (%d) | %s | %s |' % (
            'sequential' if row['forks'] == 1 else 'parallel', row['latency'], len(TARGETS), groups, row['forks'],
            row['calls'], row['calls'] // len(TARGETS),
            ', '.join('%s %d' % item for item in sorted(row['by_action'].items())),
            row['findings'], row['high'], spread(row['walls']), 'x%.2f' % (base / median) if base else '-'))
    return lines


HOW_MEASURED = '''\
- Fleet audit (`fleet_bench.py`): `playbooks/fleet_audit.yml` through `ansible-playbook --forks N` on 4 targets (2
  accounts of the emulator, each with its own key pair, x 2 regions), each auditing its own VPC of 200 groups (20
  with `--quick`; 2 ingress rules each, every tenth opening SSH to the world, one instance each) with `sg_audit`'s
  defaults, then the one fleet report and the gate. Wall time is the whole `ansible-playbook` run (start-up and
  report included), so at 0 ms it is CPU-bound and shows how many cores the machine had free; "calls per target" is
  the total over 4; the speed-up is forks 1's median over this row's, at the same latency.'''


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--groups', type=int, default=GROUPS, help='groups per target (default %d)' % GROUPS)
    parser.add_argument('--latency', default=','.join(str(v) for v in LATENCIES),
                        help='milliseconds added to every ECS call, comma separated (default 0,50)')
    parser.add_argument('--forks', default=','.join(str(v) for v in FORKS), help='fork counts, comma separated (default 1,4)')
    parser.add_argument('--runs', type=int, default=3, help='runs of every row (default 3)')
    args = parser.parse_args(argv)
    latencies = [int(value) for value in args.latency.split(',')]
    forks_list = [int(value) for value in args.forks.split(',')]

    started_at = datetime.datetime.now(datetime.timezone.utc)
    load = [('start', os.getloadavg()[0])]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix='fleet-bench-') as workdir:
        emulator = EmulatorProcess(os.path.join(workdir, 'ecs.sqlite3'), seed='demo',
                                   log_path=os.path.join(workdir, 'emulator.log')).start()
        try:
            rows = measure_fleet_audit(emulator, workdir, args.groups, latencies, forks_list, args.runs)
        finally:
            emulator.stop()
    load.append(('end', os.getloadavg()[0]))

    print('fleet_audit.yml: %d targets (2 accounts x 2 regions) x %d groups, %d run(s) per row; %s, took %.0f s' % (
        len(TARGETS), args.groups, args.runs, started_at.strftime('%Y-%m-%d %H:%M UTC'), time.perf_counter() - started))
    print()
    print('\n'.join(fleet_audit_table(rows, args.groups)))
    print()
    print('Machine: %s %s, %d CPUs, Python %s; load average (1 min) at %s' % (
        platform.system(), platform.machine(), os.cpu_count() or 0, platform.python_version(),
        ', '.join('%s %.2f' % sample for sample in load)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
