# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module's no-op next to ansible.builtin.ping, in one play per run: ratio to ping and payload imports.

Usage (from the repository root, after ``make collection``, with the build tree on the import path):

    PYTHONPATH=build python benchmarks/noop_bench.py [--runs 5] [--latency 0,50]

It starts its own emulator, builds a small world (one group per module, sg_rule groups holding 10, 50 and 150
rules, three instances already in their group, tags already set) with one untimed play, then runs one play per
run: a ``ping`` task followed by the no-op task of every module. "ratio to ping" is the median over runs of task
time / ping time of the same run (the runner and callback of sg_rule_bench.py). Every task must report
``changed: false`` and every run must make the same API calls.

"payload imports" is exact and independent of load: one extra run keeps the AnsiballZ payloads
(ANSIBLE_KEEP_REMOTE_FILES), then each kept payload is run again under ``python -X importtime`` and the modules
it imports are counted (the ping payload's count is the floor). See docs/CONTRIBUTING.md. "payload CPU s" is the
median CPU time (user + system) of 5 more runs of each kept payload, and "CPU ratio to ping" that over the ping
payload's: CPU time hardly depends on the machine's load, wall time does.
"""

import argparse
import glob
import os
import resource
import statistics
import subprocess
import sys
import tempfile

from bench_common import DEMO_VPC, DEMO_VSWITCH, Bench, Case, EmulatorProcess, ansible_version, bulk_rules, spread

RULE_SIZES = (10, 50, 150)
TAGS = {'tier': 'web', 'owner': 'bench'}


def noop_world(bench, skip=()):
    """Seed the groups and instances; returns the task list whose every task is a no-op once applied, without the
    modules in ``skip`` (an older version of the collection, measured for comparison, may lack one)."""
    admin = bench.admin
    names = ['noop-sg', 'noop-members', 'noop-tags'] + ['noop-rules-%d' % size for size in RULE_SIZES]
    groups = dict(zip(names, admin.seed(security_groups=[
        {'SecurityGroupName': name, 'Description': 'no-op benchmark', 'VpcId': DEMO_VPC} for name in names])['security_groups']))
    instances = admin.seed(instances=[
        {'InstanceName': 'noop-%d' % index, 'VpcId': DEMO_VPC, 'VSwitchId': DEMO_VSWITCH, 'Status': 'Running',
         'SecurityGroupIds': [groups['noop-members']], 'PrivateIpAddress': '172.16.200.%d' % (index + 1)}
        for index in range(3)])['instances']
    tasks = [
        ('sg', {'name': 'noop-sg', 'description': 'no-op benchmark', 'vpc_id': DEMO_VPC, 'tags': TAGS}),
    ]
    for size in RULE_SIZES:
        tasks.append(('sg_rule %d' % size, {'security_group': groups['noop-rules-%d' % size], 'rules': bulk_rules(size)}))
    tasks += [
        ('sg_membership', {'instance_ids': instances, 'security_groups': [groups['noop-members']], 'state': 'present'}),
        ('sg_tags', {'security_group': groups['noop-tags'], 'tags': TAGS}),
        ('sg_info', {'security_group_ids': [groups['noop-rules-50']], 'include_rules': True}),
        ('sg_audit', {'security_group_ids': [groups['noop-rules-50']]}),
        ('sg_reachability', {'source': instances[0], 'destination': instances[1], 'port': 443}),
    ]
    return [{'name': label, 'cloudwall.alicloud.' + label.split(' ', maxsplit=1)[0]: options} for label, options in tasks
            if label.split(' ', maxsplit=1)[0] not in skip]


class Payload:
    """One kept AnsiballZ payload: the modules it imports and the CPU seconds (user + system) of running it again."""

    def __init__(self, path, cpu_runs):
        self.path = path
        self.imports = count_imports(path)
        self.cpu_times = [payload_cpu_seconds(path) for _run in range(cpu_runs)]

    @property
    def cpu(self):
        return statistics.median(self.cpu_times)


def kept_payloads(bench, tasks, cpu_runs=5):
    """``{task name: Payload}`` of every task's kept AnsiballZ payload, ``ping`` included.

    Tasks run one after another, so the kept temporary directories sorted by their time-stamped names are the
    tasks in play order."""
    keep = tempfile.mkdtemp(prefix='kept-', dir=bench.workdir)
    bench.run(tasks, extra_env={'ANSIBLE_KEEP_REMOTE_FILES': '1', 'ANSIBLE_REMOTE_TMP': keep})
    directories = sorted(glob.glob(os.path.join(keep, 'ansible-tmp-*')),
                         key=lambda path: float(os.path.basename(path).split('-')[2]))
    names = ['ping'] + [task['name'] for task in tasks]
    if len(directories) != len(names):
        raise RuntimeError('kept %d payloads for %d tasks' % (len(directories), len(names)))
    return dict((name, Payload(glob.glob(os.path.join(directory, 'AnsiballZ_*.py'))[0], cpu_runs))
                for name, directory in zip(names, directories))


def count_imports(payload):
    """Modules a kept payload imports when run again: one ``import time:`` line each (after the header line)."""
    proc = subprocess.run([sys.executable, '-X', 'importtime', payload], capture_output=True, text=True, check=False)
    lines = [line for line in proc.stderr.splitlines() if line.startswith('import time:')]
    return len(lines) - 1


def payload_cpu_seconds(payload):
    """CPU seconds (user + system) of one run of a kept payload. Unlike wall time, CPU time hardly depends on what
    else the machine runs, so it compares modules fairly on a shared machine (the API call's wait is not in it)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, payload], capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure_noops(bench, runs, latencies, skip=()):
    """``(imports, {latency: [(task name, Case)]})``: one world, then ``runs`` plays per latency."""
    tasks = noop_world(bench, skip)
    bench.run(tasks)  # untimed: fills the sg_rule groups, tags the groups; every later run is a no-op
    results = {}
    for latency in latencies:
        bench.latency_ms = latency
        cases = [(task['name'], Case(task['name'], expect_changed=False)) for task in tasks]
        try:
            for _run in range(runs):
                play_run = bench.run(tasks)
                for _name, case in cases:
                    case.add(play_run)
        finally:
            bench.latency_ms = 0
        results[latency] = cases
    return kept_payloads(bench, tasks), results


def noop_table(payloads, results):
    """Markdown lines: one row per module and latency; the payload columns do not depend on latency."""
    lines = ['| task | latency per call | payload imports | payload CPU s | CPU ratio to ping | median wall s (min-max) | ratio to ping |',
             '| --- | ---: | ---: | ---: | ---: | ---: | ---: |']
    ping = payloads['ping']
    for latency, cases in sorted(results.items()):
        pings = [time for _name, case in cases[:1] for time in case.ping_times]
        lines.append('| ping (floor) | %d ms | %d | %.3f | 1.00 | %s | 1.00 |' % (latency, ping.imports, ping.cpu, spread(pings)))
        for name, case in cases:
            payload = payloads[name]
            lines.append('| %s no-op | %d ms | %d | %.3f | %.2f | %s | %.2f |' % (
                name, latency, payload.imports, payload.cpu, payload.cpu / ping.cpu, spread(case.task_times), case.ratio))
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--runs', type=int, default=5, help='runs (plays) per latency (default 5)')
    parser.add_argument('--latency', default='0,50', help='milliseconds added to every ECS call, comma separated (default 0,50)')
    parser.add_argument('--skip', default='', help='modules to leave out, comma separated (e.g. one an older version lacks)')
    args = parser.parse_args(argv)
    latencies = [int(value) for value in args.latency.split(',')]
    if args.runs < 1 or any(value < 0 for value in latencies):
        parser.error('--runs must be >= 1 and every latency >= 0')

    with tempfile.TemporaryDirectory(prefix='noop-bench-') as workdir:
        emulator = EmulatorProcess(os.path.join(workdir, 'ecs.sqlite3'), seed='demo',
                                   log_path=os.path.join(workdir, 'emulator.log')).start()
        try:
            skip = [name.strip() for name in args.skip.split(',') if name.strip()]
            payloads, results = measure_noops(Bench(emulator, workdir), args.runs, latencies, skip)
        finally:
            emulator.stop()
    print('\n'.join(noop_table(payloads, results)))
    print()
    print('%d runs per latency; load average %.2f at the end; %d CPUs, %s.' % (
        args.runs, os.getloadavg()[0], os.cpu_count() or 0, ansible_version()))
    return 0


if __name__ == '__main__':
    sys.exit(main())
