# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Throughput of the ECS emulator through the real SDK, single client and several threads.

Starts `python -m emulator` on a temporary state file, builds a group holding 200 rules (two authorize calls of
100), then times DescribeSecurityGroupAttribute on that group and AuthorizeSecurityGroup (every call adds a new
rule; when a group reaches its 200-rule quota the next rules go to a fresh group, created before timing starts).
Prints a Markdown table and the machine it ran on.

    PYTHONPATH=build python benchmarks/emulator_bench.py [--iterations 300] [--threads 4]
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import platform
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from aliyunsdkecs.request.v20140526.AuthorizeSecurityGroupRequest import AuthorizeSecurityGroupRequest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupAttributeRequest import (
    DescribeSecurityGroupAttributeRequest,
)

from bench_common import AdminClient, EcsApi, EmulatorProcess, World, tcp_rule

RULES_PER_GROUP = 200
PERMISSIONS_PER_CALL = 100


class Measurement:
    def __init__(self, action, clients, latencies_s, wall_s):
        self.action = action
        self.clients = clients
        self.latencies_ms = sorted(latency * 1000.0 for latency in latencies_s)
        self.wall_s = wall_s

    def percentile(self, fraction):
        """Nearest-rank percentile."""
        rank = max(1, math.ceil(fraction * len(self.latencies_ms)))
        return self.latencies_ms[rank - 1]

    def row(self):
        requests = len(self.latencies_ms)
        return "| %s | %d | %d | %.2f | %.0f | %.1f | %.1f |" % (
            self.action, self.clients, requests, self.wall_s, requests / self.wall_s,
            statistics.median(self.latencies_ms), self.percentile(0.95))


def run(clients, iterations, call_for_index):
    """Calls call_for_index(client, n) for n in 0..iterations-1, spread over the clients; per-call latencies."""
    counter = itertools.count()
    counter_lock = threading.Lock()
    latencies = []
    latencies_lock = threading.Lock()

    def worker(client):
        own = []
        while True:
            with counter_lock:
                index = next(counter)
            if index >= iterations:
                break
            started = time.perf_counter()
            call_for_index(client, index)
            own.append(time.perf_counter() - started)
        with latencies_lock:
            latencies.extend(own)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        for future in [pool.submit(worker, client) for client in clients]:
            future.result()
    return latencies, time.perf_counter() - started


def group_with_full_rules(world):
    group_id = world.create_group("bench-describe")
    for batch in range(RULES_PER_GROUP // PERMISSIONS_PER_CALL):
        first_port = 1 + batch * PERMISSIONS_PER_CALL
        world.authorize(group_id, *[tcp_rule(port) for port in range(first_port, first_port + PERMISSIONS_PER_CALL)])
    assert len(world.rules(group_id)) == RULES_PER_GROUP
    return group_id


def bench_describe(endpoint, group_id, client_count, iterations):
    clients = [EcsApi(endpoint) for _index in range(client_count)]

    def describe(client, _index):
        response = client.call(DescribeSecurityGroupAttributeRequest, SecurityGroupId=group_id)
        assert len(response["Permissions"]["Permission"]) == RULES_PER_GROUP

    return Measurement("DescribeSecurityGroupAttribute (200 rules)", client_count,
                       *run(clients, iterations, describe))


def bench_authorize(endpoint, world, client_count, iterations):
    # Every rule is new: rule n goes to group n // 200 on port 1 + n % 200.
    groups = [world.create_group("bench-auth-%d-%d" % (client_count, n))
              for n in range((iterations + RULES_PER_GROUP - 1) // RULES_PER_GROUP)]
    clients = [EcsApi(endpoint) for _index in range(client_count)]

    def authorize(client, index):
        client.call(AuthorizeSecurityGroupRequest, SecurityGroupId=groups[index // RULES_PER_GROUP],
                    Permissions=[tcp_rule(1 + index % RULES_PER_GROUP)])

    measurement = Measurement("AuthorizeSecurityGroup (1 new rule)", client_count,
                              *run(clients, iterations, authorize))
    added = sum(len(world.rules(group_id)) for group_id in groups)
    assert added == iterations, "expected %d rules, found %d" % (iterations, added)
    return measurement


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=300, help="requests per measurement (default 300)")
    parser.add_argument("--threads", type=int, default=4, help="clients in the threaded runs (default 4)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="emulator-bench-") as state_dir:
        process = EmulatorProcess(os.path.join(state_dir, "ecs.sqlite3")).start()
        try:
            admin = AdminClient(process.endpoint)
            groups_needed = 2 * ((args.iterations + RULES_PER_GROUP - 1) // RULES_PER_GROUP) + 10
            admin.quotas(groups_per_region=max(100, groups_needed))
            world = World(EcsApi(process.endpoint), admin)
            describe_group = group_with_full_rules(world)
            measurements = []
            for client_count in (1, args.threads):
                measurements.append(bench_describe(process.endpoint, describe_group, client_count, args.iterations))
            for client_count in (1, args.threads):
                measurements.append(bench_authorize(process.endpoint, world, client_count, args.iterations))
        finally:
            process.stop()

    print("| action | clients | requests | seconds | req/s | p50 ms | p95 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for measurement in measurements:
        print(measurement.row())
    print()
    print("Machine: %d CPUs, Python %s (%s), %s" % (
        os.cpu_count() or 0, platform.python_version(), platform.python_implementation(), platform.platform()))


if __name__ == "__main__":
    main()
