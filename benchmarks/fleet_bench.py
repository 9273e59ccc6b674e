# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/fleet_audit.yml on 4 targets (2 key pairs x 2 regions) of N groups each, at a fixed latency per call,
sequential (forks 1) and parallel (forks 4).

Starts its own emulator (tests/lib/emulator_process.py). Each target is one key pair in one region auditing its own
VPC of ``--groups`` groups (two ingress rules each, every tenth one opening SSH to the world, one instance per
group). A latency fault delays every ECS call by ``--latency-ms``, as a distant API would. Wall time is the whole
ansible-playbook run (start-up, the four audits, the fleet report); API calls come from the emulator's call log.
Prints a Markdown table and the machine it ran on.

    PYTHONPATH=build python benchmarks/fleet_bench.py [--groups 200] [--latency-ms 50] [--forks 1 4] [--runs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

from bench_common import REPO_ROOT, EcsReader, EmulatorProcess, collections_path
from ansible_collections.cloudwall.alicloud.tests.lib.emulator_process import fixed_id

PLAYBOOK = os.path.join(REPO_ROOT, "playbooks", "fleet_audit.yml")
KEYS = {"a": ("LTAI5tFleetBenchKeyA0001", "FleetBenchSecretA-1f2e3d4c"),
        "b": ("LTAI5tFleetBenchKeyB0001", "FleetBenchSecretB-5b6a7988")}
TARGETS = {"a-hangzhou": ("a", "cn-hangzhou"), "b-hangzhou": ("b", "cn-hangzhou"),
           "a-shanghai": ("a", "cn-shanghai"), "b-shanghai": ("b", "cn-shanghai")}


def vpc_of(target):
    return fixed_id("vpc", target.replace("-", ""))


def build_fleet(emulator, groups):
    """Every target's VPC with ``groups`` groups, their rules and one instance per group."""
    admin = emulator.admin
    admin.reset(seed="demo")
    admin.quotas(groups_per_region=2 * groups + 100)
    for key_id, secret in KEYS.values():
        admin.add_credentials(key_id, secret)
    for target, (_account, region) in TARGETS.items():
        admin.seed(vpcs=[{"VpcId": vpc_of(target), "RegionId": region, "CidrBlock": "10.0.0.0/8"}])
        created = admin.seed(security_groups=[
            {"SecurityGroupName": "%s-%03d" % (target, index), "Description": "fleet benchmark group", "VpcId": vpc_of(target),
             "Tags": {"bench": "fleet"}} for index in range(groups)])["security_groups"]
        reader = EcsReader(emulator.host_port, region=region)
        for index, group_id in enumerate(created):
            rules = [{"IpProtocol": "tcp", "PortRange": "443/443", "SourceCidrIp": "10.1.%d.0/24" % (index % 256)},
                     {"IpProtocol": "tcp", "PortRange": "22/22",
                      "SourceCidrIp": "0.0.0.0/0" if index % 10 == 0 else "10.2.%d.0/24" % (index % 256)}]
            reader.call("AuthorizeSecurityGroup", SecurityGroupId=group_id, Permissions=rules)
        admin.seed(instances=[{"InstanceName": "%s-%03d" % (target, index), "VpcId": vpc_of(target), "Status": "Running",
                               "SecurityGroupIds": [group_id]} for index, group_id in enumerate(created)])


def write_inventory(path, endpoint):
    hosts = dict((target, {"fleet_account": account, "fleet_region": region, "fleet_vpc_id": vpc_of(target),
                           "fleet_access_key": KEYS[account][0], "fleet_secret_key": KEYS[account][1]})
                 for target, (account, region) in TARGETS.items())
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"fleet": {"hosts": hosts, "vars": {"ansible_connection": "local", "fleet_endpoint": endpoint,
                                                      "ansible_python_interpreter": sys.executable}}}, handle)


def run_fleet(workdir, collections, inventory, forks):
    """One fleet_audit.yml run; (wall seconds, parsed fleet-report.json)."""
    report_dir = os.path.join(workdir, "report-forks-%d" % forks)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1")
    for name in [n for n in env if n.startswith(("ALICLOUD_", "ALIBABA_CLOUD_"))]:
        del env[name]
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, PLAYBOOK,
               "--forks", str(forks), "-e", json.dumps({"fleet_report_dir": report_dir})]
    started = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError("fleet_audit.yml failed:\n%s\n%s" % (proc.stdout[-3000:], proc.stderr[-3000:]))
    with open(os.path.join(report_dir, "fleet-report.json"), encoding="utf-8") as handle:
        return wall, json.load(handle)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=200, help="groups per target")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--forks", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        emulator = EmulatorProcess(os.path.join(workdir, "ecs.sqlite3"), seed="demo").start()
        try:
            build_fleet(emulator, args.groups)
            inventory = os.path.join(workdir, "fleet.yml")
            write_inventory(inventory, emulator.endpoint)
            collections = collections_path(workdir)
            emulator.admin.faults([{"kind": "latency", "rate": 1.0, "latency_ms": args.latency_ms}])
            for forks in args.forks:
                walls, calls = [], set()
                for _run in range(args.runs):
                    mark = emulator.admin.mark()
                    wall, report = run_fleet(workdir, collections, inventory, forks)
                    log = emulator.admin.calls(since=mark)
                    assert not [call for call in log if call["mutating"]], "the audit made a mutating call"
                    assert [t["summary"]["groups_audited"] for t in report["targets"]] == [args.groups] * len(TARGETS)
                    walls.append(wall)
                    calls.add(len(log))
                findings = sum(t["summary"]["findings"] for t in report["targets"])
                high = sum(t["summary"]["by_severity"]["high"] for t in report["targets"])
                rows.append((forks, statistics.median(walls), min(walls), max(walls), sorted(calls), findings, high))
        finally:
            emulator.stop()

    print("fleet_audit.yml: %d targets (2 key pairs x 2 regions) x %d groups, %d ms per ECS call, %d run(s) per row"
          % (len(TARGETS), args.groups, args.latency_ms, args.runs))
    print()
    print("| forks | wall s (median) | min-max | API calls | findings (high) | speed-up |")
    print("| --- | --- | --- | --- | --- | --- |")
    first = rows[0][1]
    for forks, median, low, high_wall, calls, findings, high in rows:
        print("| %d | %.1f | %.1f-%.1f | %s | %d (%d) | %.2fx |" % (
            forks, median, low, high_wall, "/".join(str(c) for c in calls), findings, high, first / median))
    print()
    print("Wall time is the whole ansible-playbook run, report included. Machine: %s, %s, %d CPUs, Python %s" % (
        platform.system(), platform.machine(), os.cpu_count() or 0, platform.python_version()))


if __name__ == "__main__":
    main()
