# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scale of cloudwall.alicloud.sg_info (rules and members included): API calls and wall time over 50, 100, 200 groups.

Usage (from the repository root, with a Python that has ansible-core and the Alibaba Cloud SDK):

    PYTHONPATH=build python benchmarks/sg_info_bench.py [--runs 3] [--sizes 50,100,200] [--rules 100] [--with-audit]

It starts its own emulator. For each size it builds the world of sg_audit_bench.py (``build_world`` in bench_common.py) (that many VPC groups with
``--rules`` ingress rules each and one instance in each, plus the demo VPC's default group), then runs sg_info
over the demo VPC with ``include_rules`` and ``include_members`` (and, with ``--with-audit``, sg_audit with its
defaults and a Markdown report) ``--runs`` times each. Both are read-only, so one world serves every run of a
size, and the script fails if any run makes a mutating call or a different set of calls.

Times are per task with an ``ansible.builtin.ping`` task in the same play as the floor (``Bench`` of
bench_common.py). "growth" is the ratio of a figure to the same figure at half the size.
"""

import argparse
import os
import sys
import tempfile

from bench_common import DEMO_VPC, Bench, Case, EcsReader, EmulatorProcess, ansible_version, audit_options, build_world, spread

AUDIT_WORKERS = 4


def info_task(workdir):  # pylint: disable=unused-argument
    return [{'name': 'sg_info', 'cloudwall.alicloud.sg_info': {'vpc_id': DEMO_VPC, 'include_rules': True,
                                                               'include_members': True}}]


def audit_task(workdir):
    # member_scan auto: what a user gets by default (one region-wide member read when many groups are audited).
    return [{'name': 'sg_audit', 'cloudwall.alicloud.sg_audit': audit_options(
        'auto', AUDIT_WORKERS, os.path.join(workdir, 'audit-report.md'))}]


MODULE_TASKS = {'sg_info': info_task, 'sg_audit': audit_task}


def fleet_info_task(workdir):  # pylint: disable=unused-argument
    # sg_info as a user gets it by default: rules included, members not.
    return [{'name': 'sg_info', 'cloudwall.alicloud.sg_info': {'vpc_id': DEMO_VPC}}]


def fleet_audit_task(workdir):
    # sg_audit as a user gets it by default (member_scan auto, default max_workers), with a Markdown report.
    return [{'name': 'sg_audit', 'cloudwall.alicloud.sg_audit': {
        'vpc_id': DEMO_VPC, 'report_path': os.path.join(workdir, 'fleet-report.md')}}]


# The fleet runs each module with its default options.
FLEET_TASKS = {'sg_info': fleet_info_task, 'sg_audit': fleet_audit_task}


def measure_scale(bench, ecs, sizes, rules, runs, modules=('sg_info',)):
    """``{module: [(benchmark groups, Case)]}``."""
    results = dict((module, []) for module in modules)
    for size in sizes:
        build_world(bench.admin, ecs, size, rules)
        for module in modules:
            case = Case(module, expect_changed=False)
            for _run in range(runs):
                case.add(bench.run(MODULE_TASKS[module](bench.workdir)))
            if case.writes:
                raise RuntimeError('%s made mutating calls: %s' % (module, case.by_action))
            results[module].append((size, case))
    return results


def measure_fleet(bench, ecs, groups, rules, runs, latency_ms, modules=('sg_info', 'sg_audit')):
    """``{module: (benchmark groups, Case)}`` over one world of ``groups`` x ``rules`` with ``latency_ms`` added to
    every ECS call of the measured runs (not of the world's building); each module with its default options
    (sg_info: rules, no members; sg_audit: member_scan auto) and a report for sg_audit."""
    build_world(bench.admin, ecs, groups, rules)
    bench.latency_ms = latency_ms
    try:
        results = dict((module, []) for module in modules)
        for module in modules:
            case = Case(module, expect_changed=False)
            for _run in range(runs):
                case.add(bench.run(FLEET_TASKS[module](bench.workdir)))
            if case.writes:
                raise RuntimeError('%s made mutating calls: %s' % (module, case.by_action))
            results[module] = (groups, case)
    finally:
        bench.latency_ms = 0
    return results


def fleet_table(results, rules, latency_ms, goal_seconds):
    """Markdown lines of ``measure_fleet``: calls per group show that calls grow linearly with groups."""
    lines = ['| module | groups (+ default) | rules | latency per call | API calls | calls per group | by action | '
             'median wall s (min-max) | goal | ratio to ping |',
             '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: |']
    for module, (groups, case) in results.items():
        lines.append('| %s | %d + 1 | %d | %d ms | %d | %.2f | %s | %s | < %d s: %s | %.2f |' % (
            module, groups, groups * rules, latency_ms, case.calls, case.calls / float(groups + 1), case.by_action_text,
            spread(case.task_times), goal_seconds, 'met' if case.median < goal_seconds else 'NOT met', case.ratio))
    return lines


def growth(rows, figure):
    """``[None or factor]`` per row: ``figure(case)`` over the same figure at half as many benchmark groups."""
    by_size = dict((size, figure(case)) for size, case in rows)
    return [by_size[size] / by_size[size // 2] if size % 2 == 0 and size // 2 in by_size else None
            for size, _case in rows]


def format_growth(factor):
    return '-' if factor is None else 'x%.2f' % factor


def scale_table(module, rows, rules, latency_ms=None):
    """Markdown lines of one module's scale rows; with ``latency_ms``, a column says what was added per call."""
    latency_head, latency_rule, latency_cell = ('latency per call | ', '---: | ', '%d ms | ' % latency_ms) if latency_ms is not None else ('', '', '')
    lines = ['| module | %sgroups (+ default) | rules | API calls | by action | growth of calls | median wall s (min-max) | '
             'growth of time | ratio to ping |' % latency_head,
             '| --- | %s---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |' % latency_rule]
    call_growth = growth(rows, lambda case: case.calls)
    time_growth = growth(rows, lambda case: case.median)
    for (size, case), calls_factor, time_factor in zip(rows, call_growth, time_growth):
        lines.append('| %s | %s%d + 1 | %d | %d | %s | %s | %s | %s | %.2f |' % (
            module, latency_cell, size, size * rules, case.calls,
            case.by_action_text, format_growth(calls_factor),
            spread(case.task_times), format_growth(time_factor), case.ratio))
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--runs', type=int, default=3, help='runs per size (default 3)')
    parser.add_argument('--sizes', default='50,100,200', help='benchmark groups, comma separated (default 50,100,200)')
    parser.add_argument('--rules', type=int, default=100, help='ingress rules per group (default 100)')
    parser.add_argument('--with-audit', action='store_true', help='measure sg_audit on the same worlds too')
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(',')]
    if args.runs < 1 or any(size < 1 for size in sizes) or not 1 <= args.rules <= 200:
        parser.error('--runs and every size must be >= 1, --rules within 1-200')
    modules = ('sg_info', 'sg_audit') if args.with_audit else ('sg_info',)

    with tempfile.TemporaryDirectory(prefix='sg-info-bench-') as workdir:
        emulator = EmulatorProcess(os.path.join(workdir, 'ecs.sqlite3'), seed='demo',
                                   log_path=os.path.join(workdir, 'emulator.log')).start()
        try:
            results = measure_scale(Bench(emulator, workdir), EcsReader(emulator.host_port), sizes, args.rules,
                                    args.runs, modules)
        finally:
            emulator.stop()

    for module in modules:
        print('\n'.join(scale_table(module, results[module], args.rules)))
        print()
    print('groups: the benchmark groups plus the demo VPC default group; one instance per benchmark group. '
          '%d runs per size; times are per task; %d CPUs, %s.' % (args.runs, os.cpu_count() or 0, ansible_version()))
    return 0


if __name__ == '__main__':
    sys.exit(main())
