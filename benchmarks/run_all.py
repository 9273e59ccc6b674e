# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run every module benchmark against one local emulator, print Markdown tables and write benchmarks/RESULTS.md.

Usage (from the repository root, with the Python of .venv or any Python with ansible-core and the SDK):

    PYTHONPATH=build python benchmarks/run_all.py [--runs 5] [--quick] [--output benchmarks/RESULTS.md]

- sg_rule: 10, 50 and 150 rules from empty, no-op, one description changed (sg_rule_bench.py);
- sg_membership: 150 seeded instances joined to a group, the no-op re-run, and a move (sg_membership_bench.py);
- sg_info (rules and members) and sg_audit over 50, 100 and 200 groups of 100 rules, with the growth of calls
  and time per doubling (sg_info_bench.py, on the worlds of sg_audit_bench.py);
- the no-op of every module beside ping, with payload import counts (noop_bench.py);
- every table above at 0 ms and at 50 ms added per ECS call (``--latency``);
- sg_info and sg_audit over 1000 groups of 20 rules in one region at 50 ms per call (goal: under 15 s);
- the fleet audit: playbooks/fleet_audit.yml on 4 targets (2 accounts x 2 regions) x 200 groups, forks 1 and forks 4,
  at 0 ms and at 50 ms per call (fleet_bench.py).

Every case runs ``--runs`` times; a figure is the median with min and max. ``--quick`` is a smoke run (one run,
fewer sizes) that only prints unless ``--output`` is given, so it never replaces the full results.
emulator_bench.py (the emulator's own throughput) is not run here.
"""

import argparse
import datetime
import importlib.metadata
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time

from bench_common import REPO_ROOT, Bench, EcsReader, EmulatorProcess, ansible_version, spread
# The runner composes each benchmark's own measurement; their shared code is in bench_common.
import fleet_bench
from noop_bench import measure_noops, noop_table
from sg_info_bench import fleet_table, measure_fleet, measure_scale, scale_table
from sg_membership_bench import measure_membership, membership_table
from sg_rule_bench import measure_sizes

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))

DEFAULT_OUTPUT = os.path.join(BENCH_DIR, 'RESULTS.md')
# The no-op ratios measured before issue 14's changes (commit 3f012b1), kept beside the fresh ones.
BASELINE = os.path.join(BENCH_DIR, 'baseline_noop.md')
FULL = {'rule_sizes': (10, 50, 150), 'group_sizes': (50, 100, 200), 'fleet_groups': 1000,
        'fleet_audit_groups': fleet_bench.GROUPS}
QUICK = {'rule_sizes': (10,), 'group_sizes': (50, 100), 'fleet_groups': 100, 'fleet_audit_groups': 20}
INSTANCES = 150
RULES_PER_GROUP = 100
# Every table is measured at each of these: 0 ms (the emulator as is) and 50 ms added to every ECS call (the
# emulator's latency fault), since on the real cloud each call costs tens of milliseconds.
LATENCIES = (0, 50)
FLEET_RULES = 20
FLEET_LATENCY = 50
FLEET_GOAL_SECONDS = 15
# Section titles: the 1000 groups are one region of one account, not a fleet.
LARGE_TITLE = 'sg_info and sg_audit over %d groups of one region at %d ms per call'
FLEET_AUDIT_TITLE = 'Fleet audit: fleet_audit.yml on %d targets (2 accounts x 2 regions) x %d groups, forks 1 and 4'
# 'large' is sg_info and sg_audit over 1000 groups of one region; 'fleet_audit' is playbooks/fleet_audit.yml over
# several accounts and regions. fleet_audit runs last: it leaves the emulator reset to the demo seed.
SECTIONS = ('noop', 'sg_rule', 'sg_membership', 'scale', 'large', 'fleet_audit')
FORKS = fleet_bench.FORKS

HOW_MEASURED = '''\
- One emulator process (`python -m emulator`, SQLite state in a temporary directory) serves every benchmark; the
  modules run unchanged through `ansible-playbook -i localhost, -c local`, signing and sending as for the real cloud.
- Every run is one play: an `ansible.builtin.ping` task, then the measured task. A small callback plugin
  (written by `sg_rule_bench.py`) records each task's wall time from its start to its result, so controller
  start-up is not counted. The ping task is the floor (fork, module transfer, interpreter start);
  "ratio to ping" is the median over runs of task time / ping time of the same run, so both see the same load.
- Times: median (min-max) over the runs of a case, in seconds.
- API calls: the emulator's call log for the run, counted by action (reads are Describe*/List*, writes all
  others). They are exact: every run of a case must make the same calls, or the script fails. The script
  also fails if a task reports `changed` when it should not (no-op, read-only modules) or the other way round.
- sg_rule: each "from empty" run fills a new empty VPC group; "no-op" re-runs the same task on the group the
  last run filled; "one description" changes one rule's description (a different text every run).
- sg_membership: every run resets the emulator, seeds 150 Running VPC instances (in the demo VPC's default
  group) and one empty group, then runs: join (state present), the same again (no-op), and move
  (state exact: the target group only, leaving the default group).
- sg_info (`include_rules`, `include_members`) and sg_audit (`member_scan: auto`, `max_workers: 4`,
  a Markdown report) over the demo VPC: N benchmark groups of 100 ingress rules each, one instance in each,
  plus the demo VPC's default group. "growth" is a figure divided by the same figure at half the groups
  (x2.00 is linear).
- Latency: every table is measured at 0 ms and with 50 ms added to every ECS call of the measured runs (the
  emulator's latency fault; world building is not delayed). On the real cloud each call costs tens of
  milliseconds, so there the call counts, not the CPU, decide.
- No-op: one play per run holds a ping task and the no-op task of every module (`noop_bench.py`); "payload imports"
  is the number of modules the kept AnsiballZ payload imports when run again under `python -X importtime` (exact);
  "payload CPU s" the median CPU time of 5 more runs of it (load hardly changes CPU time, it does change wall time).
- 1000 groups in one region (not the fleet): sg_info and sg_audit, each with its default options (sg_info: rules, no
  members), over 1000 groups of 20 rules, one instance each, at 50 ms per call with the default `max_workers`.
''' + fleet_bench.HOW_MEASURED


def cpu_model():
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as handle:
            for line in handle:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def memory_gib():
    try:
        with open('/proc/meminfo', encoding='utf-8') as handle:
            for line in handle:
                if line.startswith('MemTotal:'):
                    return '%.1f GiB' % (int(line.split()[1]) / 1024.0 / 1024.0)
    except OSError:
        pass
    return 'unknown'


def package_version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return 'not installed'


def source_revision():
    """The commit measured, and whether the work tree differed from it (read-only git commands)."""
    try:
        commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=REPO_ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(['git', 'status', '--porcelain', '--untracked-files=no'], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return 'unknown (not a git checkout)'
    return commit + (' with uncommitted changes' if dirty else '')


def machine_lines():
    return [
        '- CPU: %d x %s' % (os.cpu_count() or 0, cpu_model()),
        '- Memory: %s' % memory_gib(),
        '- OS: %s' % platform.platform(terse=True),
        '- Python %s (%s); %s; aliyun-python-sdk-core %s; aliyun-python-sdk-ecs %s' % (
            platform.python_version(), platform.python_implementation(), ansible_version(),
            package_version('aliyun-python-sdk-core'), package_version('aliyun-python-sdk-ecs')),
        '- Source: commit %s' % source_revision(),
    ]


class LoadLog:
    """The 1-minute load average at named moments: the machine may be shared, and the figures should say so."""

    def __init__(self):
        self.samples = []

    def sample(self, moment):
        self.samples.append((moment, os.getloadavg()[0]))

    def line(self):
        return ('- Load average (1 min) at: %s. A load above the CPU count means other work shared the machine: '
                'times are then noisy (the ratios to ping less so); API call counts do not depend on load.'
                % '; '.join('%s %.2f' % sample for sample in self.samples))


def rule_table(rows, latency_ms=0):
    lines = ['| case | latency per call | rules | API calls (reads/writes) | by action | median wall s (min-max) | ratio to ping |',
             '| --- | ---: | ---: | ---: | --- | ---: | ---: |',
             '| ping (floor) | %d ms | - | 0 (0/0) | - | %s | 1.00 |' % (latency_ms, spread([ping for row in rows for ping in row[2].ping_times]))]
    for label, size, case in rows:
        lines.append('| %s | %d ms | %d | %d (%d/%d) | %s | %s | %.2f |' % (
            label, latency_ms, size, case.calls, case.reads, case.writes, case.by_action_text, spread(case.task_times), case.ratio))
    return lines


def at_latencies(bench, latencies, measure):
    """``[(latency, measure())]`` with ``bench.latency_ms`` set to each latency in turn."""
    results = []
    for latency in latencies:
        bench.latency_ms = latency
        try:
            results.append((latency, measure()))
        finally:
            bench.latency_ms = 0
    return results


def tables(results, table):
    """The lines of ``table(result, latency)`` for every latency, the header once: one table, a latency column."""
    lines = []
    for latency, result in results:
        body = table(result, latency)
        lines.extend(body if not lines else body[2:])
    return lines


def earlier_sections(path, measured_titles):
    """The tables of ``path`` (an earlier RESULTS.md) that this run did not measure, marked as such: a run of some
    ``--sections`` updates those and keeps the others."""
    if not os.path.exists(path):
        return []
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    written = next((line for line in text.splitlines() if line.startswith('Written by')), 'Written by an earlier run.')
    kept = []
    for chunk in text.split('\n## ')[1:]:
        title, _newline, body = chunk.partition('\n')
        title = title.replace(' (earlier run)', '')
        if title in ('Machine', 'How it was measured') or title in measured_titles:
            continue
        body = body.strip('\n').split('\n')
        if body and body[0].startswith('Not measured by this run'):
            body = body[2:]
        kept += ['', '## %s (earlier run)' % title, '',
                 'Not measured by this run; from the earlier run that wrote this file (%s)' % written.rstrip('.'), ''] + body
    return kept


def baseline_lines():
    if not os.path.exists(BASELINE):
        return []
    with open(BASELINE, encoding='utf-8') as handle:
        return ['', handle.read().rstrip('\n')]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--runs', type=int, default=None, help='runs of every case (default 3; 1 with --quick)')
    parser.add_argument('--quick', action='store_true',
                        help='smoke run: rules 10 only, groups 50 and 100; prints only, unless --output is given')
    parser.add_argument('--output', default=None, help='where to write the results (default %s)' % DEFAULT_OUTPUT)
    parser.add_argument('--sections', default=','.join(SECTIONS),
                        help='which benchmarks to run, comma separated (default: all of %s)' % ','.join(SECTIONS))
    parser.add_argument('--latency', default=','.join(str(value) for value in LATENCIES),
                        help='milliseconds added to every ECS call, one table row set each (default 0,50)')
    args = parser.parse_args(argv)
    args.latencies = [int(value) for value in args.latency.split(',')]
    args.sections = [value.strip() for value in args.sections.split(',') if value.strip()]
    if set(args.sections) - set(SECTIONS):
        parser.error('--sections: unknown %s; known: %s' % (', '.join(sorted(set(args.sections) - set(SECTIONS))), ', '.join(SECTIONS)))
    if args.runs is None:
        args.runs = 1 if args.quick else 3
    if args.runs < 1:
        parser.error('--runs must be >= 1')
    if args.output is None and not args.quick:
        args.output = DEFAULT_OUTPUT
    return args


def main(argv=None):
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    load = LoadLog()
    load.sample('start')
    started_at = datetime.datetime.now(datetime.timezone.utc)
    started = time.perf_counter()
    sections = []

    with tempfile.TemporaryDirectory(prefix='bench-all-') as workdir:
        emulator = EmulatorProcess(os.path.join(workdir, 'ecs.sqlite3'), seed='demo',
                                   log_path=os.path.join(workdir, 'emulator.log')).start()
        try:
            bench = Bench(emulator, workdir)
            ecs = EcsReader(emulator.host_port)
            if 'noop' in args.sections:
                payloads, noops = measure_noops(bench, args.runs, args.latencies)
                load.sample('after no-ops')
                sections.append(('No-op of every module, beside ping', noop_table(payloads, noops) + baseline_lines()))

            if 'sg_rule' in args.sections:
                rule_rows = at_latencies(bench, args.latencies, lambda: measure_sizes(bench, sizes['rule_sizes'], args.runs))
                load.sample('after sg_rule')
                sections.append(('sg_rule', tables(rule_rows, rule_table)))

            if 'sg_membership' in args.sections:
                membership_rows = at_latencies(bench, args.latencies, lambda: measure_membership(bench, args.runs, INSTANCES))
                load.sample('after sg_membership')
                sections.append(('sg_membership', tables(membership_rows, lambda rows, latency: membership_table(rows, INSTANCES, latency))))

            if 'scale' in args.sections:
                scale = at_latencies(bench, args.latencies, lambda: measure_scale(
                    bench, ecs, sizes['group_sizes'], RULES_PER_GROUP, args.runs, ('sg_info', 'sg_audit')))
                load.sample('after sg_info and sg_audit')
                for module in ('sg_info', 'sg_audit'):
                    sections.append((module, tables(scale, lambda result, latency, module=module: scale_table(
                        module, result[module], RULES_PER_GROUP, latency))))

            if 'large' in args.sections:
                fleet = measure_fleet(bench, ecs, sizes['fleet_groups'], FLEET_RULES, args.runs, FLEET_LATENCY)
                load.sample('after the 1000 groups')
                sections.append((LARGE_TITLE % (sizes['fleet_groups'], FLEET_LATENCY),
                                 fleet_table(fleet, FLEET_RULES, FLEET_LATENCY, FLEET_GOAL_SECONDS)))

            if 'fleet_audit' in args.sections:
                rows = fleet_bench.measure_fleet_audit(emulator, workdir, sizes['fleet_audit_groups'], args.latencies, FORKS,
                                                       args.runs)
                load.sample('after the fleet audit')
                sections.append((FLEET_AUDIT_TITLE % (len(fleet_bench.TARGETS), sizes['fleet_audit_groups']),
                                 fleet_bench.fleet_audit_table(rows, sizes['fleet_audit_groups'])))
        finally:
            emulator.stop()
    elapsed = time.perf_counter() - started

    command = 'PYTHONPATH=build python benchmarks/run_all.py ' + ' '.join(shlex.quote(arg) for arg in (argv if argv is not None else sys.argv[1:]))
    lines = ['# Benchmarks', '',
             'Written by `%s` on %s; the whole run took %.0f s; %d run(s) per case.' % (
                 command.strip(), started_at.strftime('%Y-%m-%d %H:%M UTC'), elapsed, args.runs), '',
             '## Machine', ''] + machine_lines() + [load.line(), '', '## How it was measured', '', HOW_MEASURED]
    for title, table in sections:
        lines += ['', '## ' + title, ''] + table
    if args.output and set(args.sections) != set(SECTIONS):
        lines += earlier_sections(args.output, [title for title, _table in sections])
    text = '\n'.join(lines) + '\n'
    print(text)
    if args.output:
        temporary = args.output + '.tmp'
        with open(temporary, 'w', encoding='utf-8') as handle:
            handle.write(text)
        os.replace(temporary, args.output)
        print('written to %s' % args.output)
    return 0


if __name__ == '__main__':
    sys.exit(main())
