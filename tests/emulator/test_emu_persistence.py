# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""State survives a clean restart and a kill -9 (DESIGN.md section 5). Each test runs its own emulator process."""

from __future__ import annotations

import json
import signal

import pytest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupsRequest import DescribeSecurityGroupsRequest
from aliyunsdkecs.request.v20140526.JoinSecurityGroupRequest import JoinSecurityGroupRequest
from aliyunsdkecs.request.v20140526.TagResourcesRequest import TagResourcesRequest

from ansible_collections.cloudwall.alicloud.tests.lib.emulator_harness import (
    DEMO_ACCESS_KEY_ID,
    DEMO_ACCESS_KEY_SECRET,
    DEMO_REGION,
    DEMO_WEB1,
    AdminClient,
    EcsApi,
    EmulatorProcess,
    World,
    tcp_rule,
)


@pytest.fixture
def private_emulator(tmp_path):
    """A separate emulator on its own state file; restarted by the test itself."""
    processes = []

    def start():
        process = EmulatorProcess(str(tmp_path / "ecs.sqlite3")).start()
        processes.append(process)
        return process, World(EcsApi(process.endpoint), AdminClient(process.endpoint))

    yield start
    for process in processes:
        process.kill()


def build_some_state(world):
    group_id = world.create_group("persisted", Description="survives restarts")
    world.authorize(group_id, tcp_rule(22), tcp_rule(443, cidr="0.0.0.0/0", Description="https"))
    world.authorize(group_id, {"IpProtocol": "udp", "PortRange": "53/53", "DestCidrIp": "0.0.0.0/0"}, egress=True)
    world.ecs.call(TagResourcesRequest, ResourceType="securitygroup", ResourceIds=[group_id],
                   Tags=[{"Key": "env", "Value": "prod"}])
    world.ecs.call(JoinSecurityGroupRequest, SecurityGroupId=group_id, InstanceId=DEMO_WEB1)
    return group_id


def test_state_survives_sigterm_restart(private_emulator):
    process, world = private_emulator()
    group_id = build_some_state(world)
    before = world.admin.state()
    rules_before = world.rules(group_id)
    assert process.stop() == 0

    process, world = private_emulator()
    assert world.admin.state() == before
    assert world.rules(group_id) == rules_before
    assert group_id in world.instance_groups(DEMO_WEB1)


def test_demo_seed_is_not_reloaded_over_existing_state(private_emulator):
    process, world = private_emulator()
    build_some_state(world)
    process.stop()
    _process, world = private_emulator()
    groups = world.ecs.call(DescribeSecurityGroupsRequest, MaxResults=100)["SecurityGroups"]["SecurityGroup"]
    assert sorted(g["SecurityGroupName"] for g in groups) == ["default-classic", "default-vpc", "persisted"]


def test_acknowledged_write_survives_kill_9(private_emulator):
    process, world = private_emulator()
    group_id = world.create_group("crash-test")
    world.authorize(group_id, tcp_rule(6379, cidr="172.16.1.0/24", Description="redis"))
    process.kill()

    _process, world = private_emulator()
    rules = world.rules(group_id)
    assert [(r["PortRange"], r["SourceCidrIp"], r["Description"]) for r in rules] == [
        ("6379/6379", "172.16.1.0/24", "redis")]


def test_client_token_is_remembered_across_restart(private_emulator):
    process, world = private_emulator()
    first = world.create_group("idempotent", ClientToken="restart-token-1")
    process.kill()
    _process, world = private_emulator()
    assert world.create_group("idempotent", ClientToken="restart-token-1") == first
    found = world.ecs.call(DescribeSecurityGroupsRequest, SecurityGroupIds=json.dumps([first]))
    assert found["TotalCount"] == 1


def test_start_banner_and_sigint(private_emulator):
    process, world = private_emulator()
    banner = process.banner()
    assert banner == {"endpoint": process.endpoint, "access_key_id": DEMO_ACCESS_KEY_ID,
                      "access_key_secret": DEMO_ACCESS_KEY_SECRET, "region": DEMO_REGION}
    assert process.endpoint.startswith("http://127.0.0.1:")
    assert process.stop(signal.SIGINT) == 0
