# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the benchmarks share: the emulator and its readers, timed ansible-playbook runs, tables, worlds.

``Bench`` (one timed ansible-playbook run, with its calls), ``PlayRun``, ``Case`` (the runs of one case),
``spread`` and ``ansible_version`` are what every module benchmark measures with; ``bulk_rules`` is the rule list of
the sg_rule and no-op benchmarks; ``build_world`` and ``audit_options`` are the sg_audit / sg_info worlds.

The shared test code (tests/lib) is imported through the collection namespace from the build tree, so run the
benchmarks with it on the import path, as ``make bench`` does: ``PYTHONPATH=build python benchmarks/<name>.py``
(after ``make collection``).
"""

import collections
import json
import os
import statistics
import subprocess
import sys

from ansible_collections.cloudwall.alicloud.tests.lib.emulator_harness import AdminClient, EcsApi, World, tcp_rule  # noqa: F401  pylint: disable=unused-import
from ansible_collections.cloudwall.alicloud.tests.lib.collection_path import collections_path
from ansible_collections.cloudwall.alicloud.tests.lib.demo_seed import DEMO_VPC, DEMO_VSWITCH, VPC_GROUP  # noqa: F401  pylint: disable=unused-import
from ansible_collections.cloudwall.alicloud.tests.lib.ecs_reader import EcsReader  # noqa: F401  pylint: disable=unused-import
from ansible_collections.cloudwall.alicloud.tests.lib.emulator_process import (  # noqa: F401  pylint: disable=unused-import
    DEMO_ACCESS_KEY, DEMO_REGION, DEMO_SECRET_KEY, EmulatorProcess,
)

# The checkout (results are written here), not the build tree the shared code comes from.
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ACTION_GROUP = 'group/cloudwall.alicloud.alicloud'
PERMISSIONS_PER_CALL = 100


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


def spread(times):
    return '%.2f (%.2f-%.2f)' % (statistics.median(times), min(times), max(times))


def ansible_version():
    try:
        from ansible.release import __version__
        return 'ansible-core %s' % __version__
    except ImportError:
        return 'ansible-core (not importable)'


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


def build_world(admin, ecs, groups, rules_per_group):
    """``groups`` VPC groups with ``rules_per_group`` ingress rules each and one instance in each group."""
    admin.reset(seed="demo")
    admin.quotas(groups_per_region=groups + 100, rules_per_group=max(200, rules_per_group))
    created = admin.seed(security_groups=[
        {"SecurityGroupName": "bench-%03d" % index, "Description": "benchmark tier %d" % index, "VpcId": DEMO_VPC,
         "Tags": {"bench": "true"}} for index in range(groups)])["security_groups"]
    for index, group_id in enumerate(created):
        # Port 1000+n from 172.16.n.0/24; every tenth group also opens SSH to the world (a finding).
        rules = [{"IpProtocol": "tcp", "PortRange": "%d/%d" % (1000 + n, 1000 + n),
                  "SourceCidrIp": "172.16.%d.0/24" % (n % 256)} for n in range(rules_per_group)]
        if index % 10 == 0:
            rules[-1] = {"IpProtocol": "tcp", "PortRange": "22/22", "SourceCidrIp": "0.0.0.0/0"}
        for start in range(0, len(rules), PERMISSIONS_PER_CALL):
            ecs.call("AuthorizeSecurityGroup", SecurityGroupId=group_id, Permissions=rules[start:start + PERMISSIONS_PER_CALL])
    admin.seed(instances=[{"InstanceName": "bench-%03d" % index, "VpcId": DEMO_VPC, "VSwitchId": DEMO_VSWITCH,
                           "Status": "Running", "SecurityGroupIds": [group_id]} for index, group_id in enumerate(created)])
    return created


def audit_options(member_scan, workers, report_path):
    """sg_audit's options (credentials aside) for the benchmark: the demo VPC, with a Markdown report."""
    return {"vpc_id": DEMO_VPC, "member_scan": member_scan, "max_workers": workers, "report_path": report_path}
