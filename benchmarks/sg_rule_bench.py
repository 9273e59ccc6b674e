# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of cloudwall.alicloud.sg_rule against a local emulator: API calls and wall time.

Usage (from the repository root, with a Python that has ansible-core and the Alibaba Cloud SDK):

    PYTHONPATH=build python benchmarks/sg_rule_bench.py [--runs 3] [--sizes 10,50,150]

It starts its own emulator (tests/lib/emulator_process.py, demo seed, a temporary state file) and, for each
rule count, runs three cases N times each:

- ``from empty``: the N rules into a new, empty VPC group;
- ``no-op``: the same task again on the group that already holds them;
- ``one description``: the same rules with the description of one rule changed (it alternates between runs,
  so every run changes exactly one rule).

How time is measured: ansible.posix.profile_tasks is not installed, and whole ansible-playbook runs proved too
noisy on a shared 2-core machine (controller start-up dominates and drifts with load). So the script writes a
small callback plugin (``task_wall_time``, in its temporary directory) that records, for every task, the wall time
from the task's start to its result, and every run is one play of an ``ansible.builtin.ping`` task followed by
the ``sg_rule`` task. The ping task is the floor: what running any module costs (fork, module transfer,
interpreter start). "median wall s" is the sg_rule task's time; "ratio to ping" is the median, over runs, of
sg_rule time / ping time in the same run, so both sides see the same machine load.

API calls come from the emulator's call log for the run (reads: Describe*/List*; writes: everything else);
they are the same on every run of a case, and the script fails if they are not.

``Bench``, ``Case`` and ``spread`` come from ``bench_common.py``, shared with the other benchmarks.
"""

import argparse
import os
import platform
import sys
import tempfile

from bench_common import Bench, Case, EmulatorProcess, ansible_version, bulk_rules, spread


def sg_rule_task(group_id, rules):
    return [{'name': 'sg_rule', 'cloudwall.alicloud.sg_rule': {'security_group': group_id, 'rules': rules}}]


class SizeCases:
    """The three cases of one rule count. They share a group: the one ``from_empty`` filled last."""

    def __init__(self, bench, size):
        self.bench = bench
        self.size = size
        self.rules = bulk_rules(size)
        self.group_id = None

    def from_empty(self, index):
        self.group_id = self.bench.new_group('bench-%d-%d' % (self.size, index))
        return sg_rule_task(self.group_id, self.rules)

    def no_op(self, index):  # pylint: disable=unused-argument
        return sg_rule_task(self.group_id, self.rules)

    def one_description(self, index):
        return sg_rule_task(self.group_id, bulk_rules(self.size, changed_index=self.size // 2, variant=index))


def measure(bench, runs, prepare, expect_changed=None):
    """The ``Case`` of a case run ``runs`` times; ``prepare(index)`` gives the sg_rule task of run ``index``."""
    case = Case('sg_rule', expect_changed)
    for index in range(runs):
        case.add(bench.run(prepare(index)))
    return case


def measure_sizes(bench, sizes, runs):
    """``[(label, rules, Case)]``: from empty, no-op and one description changed, for every rule count."""
    rows = []
    for size in sizes:
        cases = SizeCases(bench, size)
        for label, prepare, expect_changed in (('from empty', cases.from_empty, True), ('no-op', cases.no_op, False),
                                               ('one description', cases.one_description, True)):
            rows.append((label, size, measure(bench, runs, prepare, expect_changed)))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--runs', type=int, default=3, help='runs of every case (default 3)')
    parser.add_argument('--sizes', default='10,50,150', help='rule counts, comma separated (default 10,50,150)')
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(',')]
    if args.runs < 1 or any(not 1 <= size <= 200 for size in sizes):
        parser.error('--runs must be >= 1 and every size within 1-200 (the default rule quota)')

    with tempfile.TemporaryDirectory(prefix='sg-rule-bench-') as workdir:
        emulator = EmulatorProcess(os.path.join(workdir, 'ecs.sqlite3'), seed='demo',
                                   log_path=os.path.join(workdir, 'emulator.log')).start()
        try:
            rows = measure_sizes(Bench(emulator, workdir), sizes, args.runs)
        finally:
            emulator.stop()

    print('| case | rules | API calls (reads/writes) | median wall s (min-max) | ratio to ping |')
    print('| --- | ---: | ---: | ---: | ---: |')
    print('| ping (floor) | - | 0 (0/0) | %s | 1.00 |' % spread([ping for row in rows for ping in row[2].ping_times]))
    for label, size, case in rows:
        print('| %s | %d | %d (%d/%d) | %s | %.2f |' % (
            label, size, case.calls, case.reads, case.writes, spread(case.task_times), case.ratio))
    print()
    print('Machine: %d CPUs, %s, Python %s, %s; %d runs per case; times are per task.' % (
        os.cpu_count() or 0, platform.platform(terse=True), platform.python_version(), ansible_version(), args.runs))
    return 0


if __name__ == '__main__':
    sys.exit(main())
