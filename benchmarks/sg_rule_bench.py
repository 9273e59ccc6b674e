# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of cloudwall.alicloud.sg_rule against a local emulator: API calls and wall time.

Usage (from the repository root, with a Python that has ansible-core and the Alibaba Cloud SDK):

    python benchmarks/sg_rule_bench.py [--runs 3] [--sizes 10,50,150]

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

``Bench`` (one timed ansible-playbook run, with its calls), ``Case`` (the runs of one case) and ``spread`` are
also what ``sg_membership_bench.py``, ``sg_info_bench.py`` and ``run_all.py`` measure with.
"""

import argparse
import collections
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from tests.lib.collection_path import collections_path  # noqa: E402
from tests.lib.emulator_process import DEMO_ACCESS_KEY, DEMO_REGION, DEMO_SECRET_KEY, EmulatorProcess  # noqa: E402

DEMO_VPC = 'vpc-demo0000000000000001'
ACTION_GROUP = 'group/cloudwall.alicloud.alicloud'


def bulk_rules(count, changed_index=None, variant=0):
    """``count`` distinct tcp/443 rules; the rule at ``changed_index`` gets a description that varies with ``variant``."""
    rules = []
    for index in range(count):
        description = 'bulk rule %d' % index
        if index == changed_index:
            description += ' (edit %d)' % variant
        rules.append({'protocol': 'tcp', 'ports': 443, 'cidr': '10.%d.%d.0/24' % (index // 250, index % 250),
                      'description': description})
    return rules


CALLBACK_NAME = 'task_wall_time'
CALLBACK_SOURCE = '''
import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: task_wall_time
type: aggregate
short_description: wall time of every task
description: Appends one JSON line per task result (task name, seconds since the task started, changed) to TASK_WALL_TIME_FILE.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_wall_time"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.started = {}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.started[task._uuid] = time.perf_counter()

    def record(self, result):
        seconds = time.perf_counter() - self.started[result._task._uuid]
        with open(os.environ["TASK_WALL_TIME_FILE"], "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"task": result._task.get_name(), "seconds": seconds,
                                     "changed": bool(result._result.get("changed"))}) + "\\n")

    v2_runner_on_ok = v2_runner_on_failed = record
'''


def write_callback(workdir):
    """The timing callback, in a directory ANSIBLE_CALLBACK_PLUGINS can point at."""
    directory = os.path.join(workdir, 'callback_plugins')
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, CALLBACK_NAME + '.py'), 'w', encoding='utf-8') as handle:
        handle.write(CALLBACK_SOURCE)
    return directory


class Bench:
    def __init__(self, emulator, workdir):
        self.emulator = emulator
        self.admin = emulator.admin
        self.workdir = workdir
        self.collections = collections_path(workdir)
        self.callbacks = write_callback(workdir)
        self.ansible_playbook = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
        self.counter = 0
        # Added to every ECS call of the measured runs (the emulator's latency fault): on the real cloud each
        # call costs tens of milliseconds, so call counts, not CPU, decide. Set per table by the caller.
        self.latency_ms = 0

    def play(self, tasks):
        self.counter += 1
        path = os.path.join(self.workdir, 'play-%d.yml' % self.counter)
        auth = {'endpoint': self.emulator.endpoint, 'access_key': DEMO_ACCESS_KEY, 'secret_key': DEMO_SECRET_KEY,
                'region': DEMO_REGION}
        play = {'name': 'bench', 'hosts': 'localhost', 'gather_facts': False,
                'module_defaults': {ACTION_GROUP: auth}, 'tasks': tasks}
        with open(path, 'w', encoding='utf-8') as handle:
            json.dump([play], handle)
        return path

    def run(self, tasks, extra_env=None):
        """One ansible-playbook run of a ``ping`` task followed by ``tasks``: a ``PlayRun``."""
        path = self.play([{'name': 'ping', 'ansible.builtin.ping': {}}] + tasks)
        times_file = os.path.join(self.workdir, 'times-%d.jsonl' % self.counter)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=self.collections, ANSIBLE_NOCOLOR='1',
                   ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
                   ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_RETRY_FILES_ENABLED='0',
                   ANSIBLE_CALLBACK_PLUGINS=self.callbacks, ANSIBLE_CALLBACKS_ENABLED=CALLBACK_NAME,
                   TASK_WALL_TIME_FILE=times_file, **(extra_env or {}))
        mark = self.admin.mark()
        if self.latency_ms:
            # Set per run: an emulator reset (the membership and scale worlds) clears the fault set.
            self.admin.faults([{'kind': 'latency', 'rate': 1.0, 'latency_ms': self.latency_ms}])
        try:
            proc = subprocess.run([self.ansible_playbook, '-i', 'localhost,', '-c', 'local', path], env=env,
                                  capture_output=True, text=True, check=False)
        finally:
            if self.latency_ms:
                self.admin.clear_faults()
        if proc.returncode != 0:
            raise RuntimeError('playbook failed (rc=%d):\n%s\n%s' % (proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))
        with open(times_file, encoding='utf-8') as handle:
            entries = [json.loads(line) for line in handle]
        return PlayRun(entries, self.admin.calls(since=mark))

    def new_group(self, name):
        created = self.admin.seed(security_groups=[{'SecurityGroupName': name, 'Description': 'benchmark group',
                                                    'VpcId': DEMO_VPC}])
        return created['security_groups'][0]


class PlayRun:
    """What one ``Bench.run`` saw: per task its seconds and changed flag, and the ECS calls of the whole run."""

    def __init__(self, task_entries, calls):
        self.seconds = dict((entry['task'], entry['seconds']) for entry in task_entries)
        self.changed = dict((entry['task'], entry['changed']) for entry in task_entries)
        self.calls = calls

    @property
    def writes(self):
        return sum(1 for call in self.calls if call['mutating'])

    @property
    def reads(self):
        return len(self.calls) - self.writes

    @property
    def by_action(self):
        """``((action, count), ...)`` sorted by action: what the run asked of the API, exactly."""
        return tuple(sorted(collections.Counter(call['action'] for call in self.calls).items()))


class Case:
    """The runs of one case: the timed task's seconds, the ping floor of the same runs, and the API calls, which
    must be the same on every run (an exact count; a run that differs raises)."""

    def __init__(self, task='sg_rule', expect_changed=None):
        self.task = task
        self.expect_changed = expect_changed
        self.task_times = []
        self.ping_times = []
        self.by_action = None
        self.reads = self.writes = None

    def add(self, play_run):
        if self.expect_changed is not None and play_run.changed[self.task] != self.expect_changed:
            raise RuntimeError('%s reported changed=%s, expected %s' % (self.task, play_run.changed[self.task],
                                                                        self.expect_changed))
        if self.by_action is None:
            self.by_action, self.reads, self.writes = play_run.by_action, play_run.reads, play_run.writes
        elif play_run.by_action != self.by_action:
            raise RuntimeError('API calls differ between runs of one case: %s and %s' % (self.by_action, play_run.by_action))
        self.task_times.append(play_run.seconds[self.task])
        self.ping_times.append(play_run.seconds['ping'])
        return self

    @property
    def calls(self):
        return self.reads + self.writes

    @property
    def by_action_text(self):
        """``DescribeInstances 2, JoinSecurityGroup 150``."""
        return ', '.join('%s %d' % pair for pair in self.by_action)

    @property
    def median(self):
        return statistics.median(self.task_times)

    @property
    def ratio(self):
        """Median over runs of task time / ping time in the same run, so both sides see the same machine load."""
        return statistics.median(task / ping for task, ping in zip(self.task_times, self.ping_times))


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


def spread(times):
    return '%.2f (%.2f-%.2f)' % (statistics.median(times), min(times), max(times))


def ansible_version():
    try:
        from ansible.release import __version__
        return 'ansible-core %s' % __version__
    except ImportError:
        return 'ansible-core (not importable)'


if __name__ == '__main__':
    sys.exit(main())
