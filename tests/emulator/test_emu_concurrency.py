# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Several clients at once against one emulator: no lost write, no duplicate (DESIGN.md section 5)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from aliyunsdkecs.request.v20140526.CreateSecurityGroupRequest import CreateSecurityGroupRequest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupsRequest import DescribeSecurityGroupsRequest

from ansible_collections.cloudwall.alicloud.tests.lib.emulator_harness import DEMO_VPC, EcsApi, World, tcp_rule

THREADS = 8


def run_together(task, count=THREADS):
    """Run task(index) in `count` threads released at the same moment; return results in index order."""
    barrier = threading.Barrier(count)

    def released(index):
        barrier.wait(timeout=10)
        return task(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(released, range(count)))


def test_eight_threads_authorize_different_rules_into_one_group(emulator, world):
    clients = [World(EcsApi(emulator.endpoint), world.admin) for _index in range(THREADS)]

    def authorize(index):
        for offset in range(5):
            clients[index].authorize(World.SG_WEB, tcp_rule(10000 + index * 10 + offset))

    run_together(authorize)
    ports = [r["PortRange"] for r in world.rules(World.SG_WEB)]
    expected = ["%d/%d" % (p, p) for p in (10000 + i * 10 + o for i in range(THREADS) for o in range(5))]
    assert sorted(ports) == sorted(expected)
    rule_ids = [r["SecurityGroupRuleId"] for r in world.rules(World.SG_WEB)]
    assert len(rule_ids) == len(set(rule_ids)) == THREADS * 5


def test_eight_threads_authorize_the_same_rule_once(emulator, world):
    clients = [World(EcsApi(emulator.endpoint), world.admin) for _index in range(THREADS)]
    run_together(lambda index: clients[index].authorize(World.SG_WEB, tcp_rule(22)))
    assert len(world.rules(World.SG_WEB)) == 1


def test_concurrent_creates_with_one_client_token_make_one_group(emulator, ecs):
    clients = [EcsApi(emulator.endpoint) for _index in range(THREADS)]

    def create(index):
        return clients[index].call(CreateSecurityGroupRequest, SecurityGroupName="racing", VpcId=DEMO_VPC,
                                   ClientToken="race-token-1")["SecurityGroupId"]

    assert len(set(run_together(create))) == 1
    assert ecs.call(DescribeSecurityGroupsRequest, SecurityGroupName="racing")["TotalCount"] == 1


def test_quota_holds_under_concurrency(emulator, world, admin):
    admin.quotas(rules_per_group=5)
    clients = [World(EcsApi(emulator.endpoint), world.admin) for _index in range(THREADS)]

    def authorize(index):
        try:
            clients[index].authorize(World.SG_WEB, tcp_rule(20000 + index))
            return "ok"
        except Exception as error:  # noqa: BLE001 - the code is what is compared
            return getattr(error, "get_error_code", lambda: repr(error))()

    outcomes = run_together(authorize)
    assert outcomes.count("ok") == 5
    assert outcomes.count("AuthorizationLimitExceed") == THREADS - 5
    assert len(world.rules(World.SG_WEB)) == 5
