# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scale of cloudwall.alicloud.sg_audit: wall time and ECS requests for 50, 100 and 200 groups of 100 rules.

Starts its own emulator (tests/lib/emulator_process.py) on a temporary state file. For each size it resets the
emulator, raises the group quota, creates the groups (one VPC group per tier with 100 ingress rules, one
instance in each), then runs the real module through ansible-playbook and reads the emulator's call log.
Wall time is the whole ansible-playbook run (interpreter start-up included) and the module's own reading time
is not separated from it. Prints a Markdown table and the machine it ran on.

    PYTHONPATH=build python benchmarks/sg_audit_bench.py [--sizes 50 100 200] [--rules 100] [--workers 4] [--scan auto group]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

from bench_common import (
    DEMO_ACCESS_KEY, DEMO_REGION, DEMO_SECRET_KEY, EcsReader, EmulatorProcess, audit_options, build_world, collections_path,
)


def run_audit(endpoint, workdir, collections_path, member_scan, workers):
    """Run sg_audit over the demo VPC in one play; returns (wall seconds, module result)."""
    report = os.path.join(workdir, "audit.md")
    result_file = os.path.join(workdir, "result.json")
    credentials = {"endpoint": endpoint, "access_key": DEMO_ACCESS_KEY, "secret_key": DEMO_SECRET_KEY,
                   "region": DEMO_REGION}
    play = [{
        "hosts": "localhost", "gather_facts": False,
        "tasks": [
            {"name": "audit", "register": "audit",
             "cloudwall.alicloud.sg_audit": dict(credentials, **audit_options(member_scan, workers, report))},
            {"name": "save", "ansible.builtin.copy": {"content": "{{ audit | to_json }}", "dest": result_file}},
        ],
    }]
    playbook = os.path.join(workdir, "audit-bench.yml")
    with open(playbook, "w", encoding="utf-8") as handle:
        json.dump(play, handle)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
               playbook]
    started = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError("audit failed:\n%s\n%s" % (proc.stdout[-3000:], proc.stderr[-3000:]))
    with open(result_file, encoding="utf-8") as handle:
        result = json.load(handle)
    with open(report, encoding="utf-8") as handle:
        result["report_bytes"] = len(handle.read().encode("utf-8"))
    return wall, result


def startup_seconds(workdir, collections_path):
    """Wall time of a play that does nothing, to tell ansible-playbook's own start-up from the audit."""
    playbook = os.path.join(workdir, "empty.yml")
    with open(playbook, "w", encoding="utf-8") as handle:
        json.dump([{"hosts": "localhost", "gather_facts": False,
                    "tasks": [{"ansible.builtin.ping": {}}]}], handle)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
               playbook]
    started = time.perf_counter()
    subprocess.run(command, env=env, capture_output=True, check=True)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--rules", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--scan", nargs="+", default=["auto", "group"], choices=["auto", "region", "group"])
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        emulator = EmulatorProcess(os.path.join(workdir, "ecs.sqlite3"), seed="demo").start()
        try:
            ecs = EcsReader(emulator.host_port)
            collections = collections_path(workdir)
            baseline = startup_seconds(workdir, collections)
            for size in args.sizes:
                for scan in args.scan:
                    build_world(emulator.admin, ecs, size, args.rules)
                    mark = emulator.admin.mark()
                    wall, result = run_audit(emulator.endpoint, workdir, collections, scan, args.workers)
                    calls = emulator.admin.calls(since=mark)
                    by_action = collections.Counter(call["action"] for call in calls)
                    assert not [call for call in calls if call["mutating"]], "the audit made a mutating call"
                    rows.append((size + 1, size * args.rules, scan, len(calls), by_action, wall,
                                 result["summary"]["findings"], result["report_bytes"]))
        finally:
            emulator.stop()

    print("sg_audit over one VPC: groups (the bench groups plus the demo's default group), %d rules per group, "
          "one instance per group, max_workers=%d" % (args.rules, args.workers))
    print()
    print("| groups | rules | member_scan | API calls | by action | wall s | findings | report KiB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for groups, rules, scan, total, by_action, wall, findings, size in rows:
        actions = ", ".join("%s %d" % (action.replace("Describe", "D."), count) for action, count in sorted(by_action.items()))
        print("| %d | %d | %s | %d | %s | %.1f | %d | %.0f |" % (
            groups, rules, scan, total, actions, wall, findings, size / 1024.0))
    print()
    print("D. = Describe. Wall time is the whole ansible-playbook run; a play with one ping task takes %.1f s "
          "on the same machine." % baseline)
    print("Machine: %s, %s, %d CPUs, Python %s" % (
        platform.system(), platform.machine(), os.cpu_count() or 0, platform.python_version()))


if __name__ == "__main__":
    main()
