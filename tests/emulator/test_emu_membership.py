# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Instances, ENIs and group membership: join, leave, replace the whole set, describe (ECS_API.md section 3)."""

from __future__ import annotations

import json
import re

import pytest
from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import DescribeInstancesRequest
from aliyunsdkecs.request.v20140526.DescribeNetworkInterfacesRequest import DescribeNetworkInterfacesRequest
from aliyunsdkecs.request.v20140526.JoinSecurityGroupRequest import JoinSecurityGroupRequest
from aliyunsdkecs.request.v20140526.LeaveSecurityGroupRequest import LeaveSecurityGroupRequest
from aliyunsdkecs.request.v20140526.ModifyInstanceAttributeRequest import ModifyInstanceAttributeRequest
from aliyunsdkecs.request.v20140526.ModifyNetworkInterfaceAttributeRequest import (
    ModifyNetworkInterfaceAttributeRequest,
)

from ansible_collections.cloudwall.alicloud.tests.lib.emulator_harness import (
    DEMO_CLASSIC_INSTANCE,
    DEMO_ACCOUNT_ID,
    DEMO_ENI_FREE,
    DEMO_ENI_WEB1,
    DEMO_REDIS,
    DEMO_SG_CLASSIC,
    DEMO_SG_VPC,
    DEMO_VPC,
    DEMO_VSWITCH,
    DEMO_WEB1,
    DEMO_WEB2,
    World,
)

INSTANCE_KEYS = {"InstanceId", "InstanceName", "RegionId", "ZoneId", "Status", "InstanceNetworkType",
                 "SecurityGroupIds", "VpcAttributes", "InnerIpAddress", "PublicIpAddress", "NetworkInterfaces",
                 "Tags", "CreationTime"}
ENI_KEYS = {"NetworkInterfaceId", "Status", "Type", "InstanceId", "VpcId", "VSwitchId", "ZoneId",
            "SecurityGroupIds", "PrivateIpAddress", "MacAddress", "Tags"}
MINUTE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\dZ$")
DEMO_INSTANCES = {DEMO_WEB1, DEMO_WEB2, DEMO_REDIS, DEMO_CLASSIC_INSTANCE}


def eni(ecs, eni_id):
    found = ecs.call(DescribeNetworkInterfacesRequest, NetworkInterfaceIds=[eni_id])
    sets = found["NetworkInterfaceSets"]["NetworkInterfaceSet"]
    assert len(sets) == 1, sets
    return sets[0]


def eni_groups(ecs, eni_id):
    return eni(ecs, eni_id)["SecurityGroupIds"]["SecurityGroupId"]


class TestJoinLeave:
    def test_join_and_leave_instance(self, ecs, world):
        response = ecs.call(JoinSecurityGroupRequest, SecurityGroupId=World.SG_WEB, InstanceId=DEMO_WEB1)
        assert set(response) == {"RequestId"}
        assert sorted(world.instance_groups(DEMO_WEB1)) == sorted([DEMO_SG_VPC, World.SG_WEB])
        ecs.call(LeaveSecurityGroupRequest, SecurityGroupId=DEMO_SG_VPC, InstanceId=DEMO_WEB1)
        assert world.instance_groups(DEMO_WEB1) == [World.SG_WEB]

    def test_primary_eni_follows_instance(self, ecs, world):
        ecs.call(JoinSecurityGroupRequest, SecurityGroupId=World.SG_WEB, InstanceId=DEMO_WEB1)
        assert sorted(eni_groups(ecs, DEMO_ENI_WEB1)) == sorted([DEMO_SG_VPC, World.SG_WEB])

    def test_join_and_leave_eni(self, ecs, world):
        ecs.call(JoinSecurityGroupRequest, SecurityGroupId=World.SG_DB, NetworkInterfaceId=DEMO_ENI_FREE)
        assert sorted(eni_groups(ecs, DEMO_ENI_FREE)) == sorted([DEMO_SG_VPC, World.SG_DB])
        ecs.call(LeaveSecurityGroupRequest, SecurityGroupId=DEMO_SG_VPC, NetworkInterfaceId=DEMO_ENI_FREE)
        assert eni_groups(ecs, DEMO_ENI_FREE) == [World.SG_DB]

    def test_stopped_instance_may_join(self, ecs, world):
        ecs.call(JoinSecurityGroupRequest, SecurityGroupId=World.SG_DB, InstanceId=World.I_STOPPED)
        assert sorted(world.instance_groups(World.I_STOPPED)) == sorted([World.SG_WEB, World.SG_DB])

    def test_classic_instance_joins_classic_group(self, ecs, world):
        ecs.call(JoinSecurityGroupRequest, SecurityGroupId=World.SG_CLASSIC2, InstanceId=DEMO_CLASSIC_INSTANCE)
        assert sorted(world.instance_groups(DEMO_CLASSIC_INSTANCE)) == sorted([DEMO_SG_CLASSIC, World.SG_CLASSIC2])

    def test_five_groups_then_limit(self, ecs, world):
        extra = [world.create_group("member-%d" % n) for n in range(5)]
        for group_id in extra[:4]:
            ecs.call(JoinSecurityGroupRequest, SecurityGroupId=group_id, InstanceId=DEMO_WEB1)
        assert len(world.instance_groups(DEMO_WEB1)) == 5
        error = ecs.error(JoinSecurityGroupRequest, SecurityGroupId=extra[4], InstanceId=DEMO_WEB1)
        assert (error.get_http_status(), error.get_error_code()) == (400, "InstanceSecurityGroupLimitExceeded")
        assert len(world.instance_groups(DEMO_WEB1)) == 5

    def test_raised_group_limit(self, ecs, world, admin):
        admin.quotas(groups_per_instance=10)
        for n in range(9):
            ecs.call(JoinSecurityGroupRequest, SecurityGroupId=world.create_group("many-%d" % n), InstanceId=DEMO_WEB1)
        assert len(world.instance_groups(DEMO_WEB1)) == 10

    def test_normal_and_enterprise_do_not_mix(self, ecs, world):
        error = ecs.error(JoinSecurityGroupRequest, SecurityGroupId=World.SG_ENTERPRISE, InstanceId=DEMO_WEB1)
        assert error.get_http_status() in (400, 403)  # ECS_API.md names no code here
        assert world.instance_groups(DEMO_WEB1) == [DEMO_SG_VPC]

    def test_instance_and_eni_together_refused(self, ecs, world):
        error = ecs.error(JoinSecurityGroupRequest, SecurityGroupId=World.SG_WEB, InstanceId=DEMO_WEB1,
                          NetworkInterfaceId=DEMO_ENI_FREE)
        assert error.get_http_status() == 400
        assert world.instance_groups(DEMO_WEB1) == [DEMO_SG_VPC]

    def test_neither_instance_nor_eni_refused(self, ecs, world):
        assert ecs.error(JoinSecurityGroupRequest, SecurityGroupId=World.SG_WEB).get_http_status() == 400

    def test_leave_keeps_other_members(self, ecs, world):
        ecs.call(JoinSecurityGroupRequest, SecurityGroupId=World.SG_WEB, InstanceId=DEMO_WEB2)
        ecs.call(LeaveSecurityGroupRequest, SecurityGroupId=DEMO_SG_VPC, InstanceId=DEMO_WEB2)
        members = ecs.call(DescribeInstancesRequest, SecurityGroupId=DEMO_SG_VPC)["Instances"]["Instance"]
        assert {i["InstanceId"] for i in members} == {DEMO_WEB1, DEMO_REDIS}


class TestReplaceWholeSet:
    def test_modify_instance_attribute(self, ecs, world):
        response = ecs.call(ModifyInstanceAttributeRequest, InstanceId=DEMO_WEB1,
                            SecurityGroupIdss=[World.SG_WEB, World.SG_DB])
        assert set(response) == {"RequestId"}
        assert sorted(world.instance_groups(DEMO_WEB1)) == sorted([World.SG_WEB, World.SG_DB])

    def test_modify_instance_attribute_other_vpc_refused(self, ecs, world):
        error = ecs.error(ModifyInstanceAttributeRequest, InstanceId=DEMO_WEB1,
                          SecurityGroupIdss=[World.SG_WEB, World.SG_OTHER_VPC])
        assert error.get_http_status() in (400, 403)  # ECS_API.md names no code here
        assert world.instance_groups(DEMO_WEB1) == [DEMO_SG_VPC]

    def test_modify_instance_attribute_over_limit_refused(self, ecs, world):
        groups = [world.create_group("set-%d" % n) for n in range(6)]
        error = ecs.error(ModifyInstanceAttributeRequest, InstanceId=DEMO_WEB1, SecurityGroupIdss=groups)
        assert error.get_http_status() == 400
        assert world.instance_groups(DEMO_WEB1) == [DEMO_SG_VPC]

    def test_modify_instance_attribute_missing_group_refused(self, ecs, world):
        error = ecs.error(ModifyInstanceAttributeRequest, InstanceId=DEMO_WEB1,
                          SecurityGroupIdss=[World.SG_WEB, World.MISSING_SG])
        assert error.get_error_code() == "InvalidSecurityGroupId.NotFound"
        assert world.instance_groups(DEMO_WEB1) == [DEMO_SG_VPC]

    def test_modify_network_interface_attribute(self, ecs, world):
        response = ecs.call(ModifyNetworkInterfaceAttributeRequest, NetworkInterfaceId=DEMO_ENI_FREE,
                            SecurityGroupIds=[World.SG_DB])
        assert set(response) == {"RequestId"}
        assert eni_groups(ecs, DEMO_ENI_FREE) == [World.SG_DB]

    def test_modify_network_interface_other_vpc_refused(self, ecs, world):
        error = ecs.error(ModifyNetworkInterfaceAttributeRequest, NetworkInterfaceId=DEMO_ENI_FREE,
                          SecurityGroupIds=[World.SG_OTHER_VPC])
        assert error.get_http_status() in (400, 403)  # ECS_API.md names no code here
        assert eni_groups(ecs, DEMO_ENI_FREE) == [DEMO_SG_VPC]


class TestDescribeInstances:
    def test_shape(self, ecs):
        response = ecs.call(DescribeInstancesRequest, InstanceIds=json.dumps([DEMO_WEB1]))
        assert {"RequestId", "TotalCount", "Instances"} <= set(response)
        instance = response["Instances"]["Instance"][0]
        assert set(instance) >= INSTANCE_KEYS
        assert (instance["InstanceName"], instance["Status"], instance["InstanceNetworkType"]) == (
            "web-1", "Running", "vpc")
        assert instance["VpcAttributes"]["VpcId"] == DEMO_VPC
        assert instance["VpcAttributes"]["VSwitchId"] == DEMO_VSWITCH
        assert instance["VpcAttributes"]["PrivateIpAddress"]["IpAddress"] == ["172.16.1.11"]
        assert instance["SecurityGroupIds"]["SecurityGroupId"] == [DEMO_SG_VPC]
        assert DEMO_ENI_WEB1 in [n["NetworkInterfaceId"] for n in instance["NetworkInterfaces"]["NetworkInterface"]]
        assert MINUTE_TIME.match(instance["CreationTime"])

    def test_classic_instance(self, ecs):
        instance = ecs.call(DescribeInstancesRequest, InstanceIds=json.dumps([DEMO_CLASSIC_INSTANCE]))[
            "Instances"]["Instance"][0]
        assert (instance["InstanceNetworkType"], instance["SecurityGroupIds"]["SecurityGroupId"]) == (
            "classic", [DEMO_SG_CLASSIC])

    @pytest.mark.parametrize("filters, expected", [
        ({}, DEMO_INSTANCES),
        ({"VpcId": DEMO_VPC}, {DEMO_WEB1, DEMO_WEB2, DEMO_REDIS}),
        ({"InstanceNetworkType": "classic"}, {DEMO_CLASSIC_INSTANCE}),
        ({"SecurityGroupId": DEMO_SG_VPC}, {DEMO_WEB1, DEMO_WEB2, DEMO_REDIS}),
        ({"SecurityGroupId": DEMO_SG_CLASSIC}, {DEMO_CLASSIC_INSTANCE}),
        ({"InstanceIds": json.dumps([DEMO_WEB2, DEMO_REDIS, World.MISSING_INSTANCE])}, {DEMO_WEB2, DEMO_REDIS}),
        ({"Status": "Running"}, DEMO_INSTANCES),
        ({"Status": "Stopped"}, set()),
    ], ids=["all", "vpc", "classic", "group", "classic-group", "ids", "running", "stopped"])
    def test_filters(self, ecs, filters, expected):
        response = ecs.call(DescribeInstancesRequest, PageSize=100, **filters)
        assert {i["InstanceId"] for i in response["Instances"]["Instance"]} == expected
        assert response["TotalCount"] == len(expected)

    def test_page_number_paging(self, ecs, world):
        seen, page_number = [], 1
        while True:
            page = ecs.call(DescribeInstancesRequest, PageNumber=page_number, PageSize=2)
            assert page["TotalCount"] == 7
            instances = page["Instances"]["Instance"]
            seen += [i["InstanceId"] for i in instances]
            if len(seen) >= page["TotalCount"] or not instances:
                break
            page_number += 1
        assert len(seen) == len(set(seen)) == 7
        assert page_number == 4

    def test_next_token_paging(self, ecs, world):
        seen, token, pages = [], None, 0
        while True:
            params = {"MaxResults": 3}
            if token:
                params["NextToken"] = token
            page = ecs.call(DescribeInstancesRequest, **params)
            pages += 1
            seen += [i["InstanceId"] for i in page["Instances"]["Instance"]]
            token = page.get("NextToken")
            if not token:
                break
        assert len(seen) == len(set(seen)) == 7
        assert pages == 3


class TestDescribeNetworkInterfaces:
    def test_shape_and_primary(self, ecs):
        interface = eni(ecs, DEMO_ENI_WEB1)
        assert set(interface) >= ENI_KEYS
        assert (interface["InstanceId"], interface["Type"], interface["VpcId"]) == (DEMO_WEB1, "Primary", DEMO_VPC)
        assert interface["SecurityGroupIds"]["SecurityGroupId"] == [DEMO_SG_VPC]
        # OwnerId: the account of the ENI, the caller's (Tea model DescribeNetworkInterfacesResponseBody
        # NetworkInterfaceSets.NetworkInterfaceSet.OwnerId); sg_rule reads its own account id from it.
        assert interface["OwnerId"] == DEMO_ACCOUNT_ID

    def test_free_secondary(self, ecs):
        interface = eni(ecs, DEMO_ENI_FREE)
        assert (interface["Type"], interface["Status"], interface["InstanceId"]) == ("Secondary", "Available", "")

    @pytest.mark.parametrize("filters, expected_count", [
        ({"InstanceId": DEMO_WEB1}, 1),
        ({"SecurityGroupId": DEMO_SG_VPC}, 4),
        ({"Type": "Secondary"}, 1),
        ({"VpcId": DEMO_VPC}, 4),
    ], ids=["instance", "group", "type", "vpc"])
    def test_filters(self, ecs, filters, expected_count):
        response = ecs.call(DescribeNetworkInterfacesRequest, MaxResults=100, **filters)
        assert len(response["NetworkInterfaceSets"]["NetworkInterfaceSet"]) == expected_count
