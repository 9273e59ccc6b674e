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
"""

import argparse
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
description: Appends one JSON line per task result (task name, seconds since the task started) to TASK_WALL_TIME_FILE.
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
            handle.write(json.dumps({"task": result._task.get_name(), "seconds": seconds}) + "\\n")

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

    def run(self, tasks):
        """``({task name: seconds}, reads, writes)`` of one ansible-playbook run of ``ping`` followed by ``tasks``."""
        path = self.play([{'name': 'ping', 'ansible.builtin.ping': {}}] + tasks)
        times_file = os.path.join(self.workdir, 'times-%d.jsonl' % self.counter)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=self.collections, ANSIBLE_NOCOLOR='1',
                   ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
                   ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_RETRY_FILES_ENABLED='0',
                   ANSIBLE_CALLBACK_PLUGINS=self.callbacks, ANSIBLE_CALLBACKS_ENABLED=CALLBACK_NAME,
                   TASK_WALL_TIME_FILE=times_file)
        mark = self.admin.mark()
        proc = subprocess.run([self.ansible_playbook, '-i', 'localhost,', '-c', 'local', path], env=env,
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError('playbook failed (rc=%d):\n%s\n%s' % (proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))
        with open(times_file, encoding='utf-8') as handle:
            seconds = dict((entry['task'], entry['seconds']) for entry in map(json.loads, handle))
        calls = self.admin.calls(since=mark)
        writes = sum(1 for call in calls if call['mutating'])
        return seconds, len(calls) - writes, writes

    def new_group(self, name):
        created = self.admin.seed(security_groups=[{'SecurityGroupName': name, 'Description': 'benchmark group',
                                                    'VpcId': DEMO_VPC}])
        return created['security_groups'][0]


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


def measure(bench, runs, prepare):
    """``((reads, writes), sg_rule seconds, ping seconds)`` of a case run ``runs`` times; ``prepare(index)`` gives
    the sg_rule task of run ``index``."""
    task_times, ping_times, counts = [], [], set()
    for index in range(runs):
        seconds, reads, writes = bench.run(prepare(index))
        task_times.append(seconds['sg_rule'])
        ping_times.append(seconds['ping'])
        counts.add((reads, writes))
    if len(counts) != 1:
        raise RuntimeError('API calls differ between runs of one case: %s' % sorted(counts))
    return counts.pop(), task_times, ping_times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--runs', type=int, default=3, help='runs of every case (default 3)')
    parser.add_argument('--sizes', default='10,50,150', help='rule counts, comma separated (default 10,50,150)')
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(',')]
    if args.runs < 1 or any(not 1 <= size <= 200 for size in sizes):
        parser.error('--runs must be >= 1 and every size within 1-200 (the default rule quota)')

    rows = []
    ping_times = []
    with tempfile.TemporaryDirectory(prefix='sg-rule-bench-') as workdir:
        emulator = EmulatorProcess(os.path.join(workdir, 'ecs.sqlite3'), seed='demo',
                                   log_path=os.path.join(workdir, 'emulator.log')).start()
        try:
            bench = Bench(emulator, workdir)
            for size in sizes:
                cases = SizeCases(bench, size)
                for label, prepare in (('from empty', cases.from_empty), ('no-op', cases.no_op),
                                       ('one description', cases.one_description)):
                    counts, task_times, pings = measure(bench, args.runs, prepare)
                    ping_times.extend(pings)
                    ratio = statistics.median(task / ping for task, ping in zip(task_times, pings))
                    rows.append((label, size, counts, task_times, ratio))
        finally:
            emulator.stop()

    print('| case | rules | API calls (reads/writes) | median wall s (min-max) | ratio to ping |')
    print('| --- | ---: | ---: | ---: | ---: |')
    print('| ping (floor) | - | 0 (0/0) | %s | 1.00 |' % spread(ping_times))
    for label, size, (reads, writes), task_times, ratio in rows:
        print('| %s | %d | %d (%d/%d) | %s | %.2f |' % (label, size, reads + writes, reads, writes, spread(task_times), ratio))
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
