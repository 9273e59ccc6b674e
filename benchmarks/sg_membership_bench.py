# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of cloudwall.alicloud.sg_membership: 150 instances placed in a group; API calls and wall time.

Usage (from the repository root, with a Python that has ansible-core and the Alibaba Cloud SDK):

    PYTHONPATH=build python benchmarks/sg_membership_bench.py [--runs 3] [--instances 150]

It starts its own emulator (demo seed, a temporary state file). Every run resets the emulator and seeds the
instances (VPC, Running, each in the demo VPC's default group) and one empty target group, then runs, each in its
own ansible-playbook run:

- ``join (present)``: every instance joins the target group (state present);
- ``no-op (present)``: the same task again;
- ``move (exact)``: every instance's groups become exactly the target group, leaving the default group.

Times are per task, with an ``ansible.builtin.ping`` task in the same play as the floor (the runner, callback and
call counting of sg_rule_bench.py). API calls come from the emulator's call log and must be the same on every run.
"""

import argparse
import os
import sys
import tempfile

from bench_common import DEMO_VPC, DEMO_VSWITCH, VPC_GROUP, Bench, Case, EmulatorProcess, ansible_version, spread

TASK = 'sg_membership'
CASES = (('join (present)', 'present', True), ('no-op (present)', 'present', False), ('move (exact)', 'exact', True))


def membership_world(admin, instance_count):
    """Demo seed plus ``instance_count`` running VPC instances in the default group and an empty target group;
    returns ``(instance ids, target group id)``."""
    admin.reset(seed='demo')
    target = admin.seed(security_groups=[{'SecurityGroupName': 'bench-target', 'Description': 'benchmark target',
                                          'VpcId': DEMO_VPC}])['security_groups'][0]
    # Private addresses 172.16.2.1 onwards: outside the demo instances' 172.16.1.0/24 and unique up to 254 * 14.
    instances = admin.seed(instances=[
        {'InstanceName': 'bench-%03d' % index, 'VpcId': DEMO_VPC, 'VSwitchId': DEMO_VSWITCH, 'Status': 'Running',
         'SecurityGroupIds': [VPC_GROUP], 'PrivateIpAddress': '172.16.%d.%d' % (2 + index // 254, 1 + index % 254)}
        for index in range(instance_count)])['instances']
    return instances, target


def membership_task(instance_ids, group_id, state):
    return [{'name': TASK, 'cloudwall.alicloud.sg_membership': {'instance_ids': instance_ids,
                                                                'security_groups': [group_id], 'state': state}}]


def measure_membership(bench, runs, instance_count):
    """``[(label, Case)]`` of the three cases, each run ``runs`` times on a fresh world per run."""
    cases = [(label, state, Case(TASK, expect_changed)) for label, state, expect_changed in CASES]
    for _run in range(runs):
        instance_ids, target = membership_world(bench.admin, instance_count)
        for _label, state, case in cases:
            case.add(bench.run(membership_task(instance_ids, target, state)))
        after = bench.admin.state()
        placed = [instance for instance in after['instances'] if instance['InstanceId'] in set(instance_ids)]
        if len(placed) != instance_count or any(instance['SecurityGroupIds'] != [target] for instance in placed):
            raise RuntimeError('after the move, not every instance is in exactly the target group')
    return [(label, case) for label, _state, case in cases]


def membership_table(rows, instance_count, latency_ms=None):
    """Markdown lines of the ``measure_membership`` rows; with ``latency_ms``, a column says what was added per call."""
    latency_head, latency_rule, latency_cell = ('latency per call | ', '---: | ', '%d ms | ' % latency_ms) if latency_ms is not None else ('', '', '')
    lines = ['| case | %sinstances | API calls (reads/writes) | by action | median wall s (min-max) | ratio to ping |' % latency_head,
             '| --- | %s---: | ---: | --- | ---: | ---: |' % latency_rule]
    for label, case in rows:
        lines.append('| %s | %s%d | %d (%d/%d) | %s | %s | %.2f |' % (
            label, latency_cell, instance_count, case.calls, case.reads, case.writes,
            case.by_action_text, spread(case.task_times), case.ratio))
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--runs', type=int, default=3, help='runs of every case (default 3)')
    parser.add_argument('--instances', type=int, default=150, help='instances placed (default 150)')
    args = parser.parse_args(argv)
    if args.runs < 1 or not 1 <= args.instances <= 254 * 14:
        parser.error('--runs must be >= 1 and --instances within 1-%d' % (254 * 14))

    with tempfile.TemporaryDirectory(prefix='sg-membership-bench-') as workdir:
        emulator = EmulatorProcess(os.path.join(workdir, 'ecs.sqlite3'), seed='demo',
                                   log_path=os.path.join(workdir, 'emulator.log')).start()
        try:
            rows = measure_membership(Bench(emulator, workdir), args.runs, args.instances)
        finally:
            emulator.stop()

    print('\n'.join(membership_table(rows, args.instances)))
    print()
    print('%d runs per case; times are per task; %d CPUs, %s.' % (args.runs, os.cpu_count() or 0, ansible_version()))
    return 0


if __name__ == '__main__':
    sys.exit(main())
