# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security groups: create, describe (filters, both paging styles), modify, delete, regions (ECS_API.md section 3)."""

from __future__ import annotations

import json
import re

import pytest
from aliyunsdkecs.request.v20140526.CreateSecurityGroupRequest import CreateSecurityGroupRequest
from aliyunsdkecs.request.v20140526.DeleteSecurityGroupRequest import DeleteSecurityGroupRequest
from aliyunsdkecs.request.v20140526.DescribeRegionsRequest import DescribeRegionsRequest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupReferencesRequest import DescribeSecurityGroupReferencesRequest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupAttributeRequest import DescribeSecurityGroupAttributeRequest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupsRequest import DescribeSecurityGroupsRequest
from aliyunsdkecs.request.v20140526.JoinSecurityGroupRequest import JoinSecurityGroupRequest
from aliyunsdkecs.request.v20140526.LeaveSecurityGroupRequest import LeaveSecurityGroupRequest
from aliyunsdkecs.request.v20140526.ModifySecurityGroupAttributeRequest import ModifySecurityGroupAttributeRequest
from aliyunsdkecs.request.v20140526.ModifySecurityGroupPolicyRequest import ModifySecurityGroupPolicyRequest

from ansible_collections.cloudwall.alicloud.tests.lib.emulator_harness import DEMO_SG_CLASSIC, DEMO_SG_VPC, DEMO_VPC, DEMO_WEB1, World, tcp_rule

GROUP_ID = re.compile(r"^sg-[a-z0-9]{20}$")
REQUEST_ID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
CREATION_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
GROUP_KEYS = {
    "SecurityGroupId", "SecurityGroupName", "Description", "SecurityGroupType", "VpcId", "CreationTime",
    "ResourceGroupId", "ServiceManaged", "EcsCount", "RuleCount", "GroupToGroupRuleCount", "Tags",
}
ATTRIBUTE_KEYS = {"RequestId", "SecurityGroupId", "SecurityGroupName", "Description", "VpcId", "InnerAccessPolicy",
                  "NextToken", "Permissions"}
KNOWN_REGIONS = {"cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-hongkong", "ap-southeast-1",
                 "us-west-1", "eu-central-1"}


def describe_one(ecs, group_id):
    found = ecs.call(DescribeSecurityGroupsRequest, SecurityGroupIds=json.dumps([group_id]))
    groups = found["SecurityGroups"]["SecurityGroup"]
    assert len(groups) == 1, groups
    return groups[0]


def all_groups_by_pages(ecs, page_size, **filters):
    """Every group through PageNumber/PageSize, checking TotalCount and page sizes on the way."""
    seen, page_number, total = [], 1, None
    while True:
        page = ecs.call(DescribeSecurityGroupsRequest, PageNumber=page_number, PageSize=page_size, **filters)
        groups = page["SecurityGroups"]["SecurityGroup"]
        total = page["TotalCount"] if total is None else total
        assert page["TotalCount"] == total and page["PageNumber"] == page_number and page["PageSize"] == page_size
        assert len(groups) == min(page_size, total - len(seen))
        seen += [g["SecurityGroupId"] for g in groups]
        if len(seen) >= total:
            return seen, total, page_number
        page_number += 1


def all_groups_by_token(ecs, max_results, **filters):
    seen, token, pages = [], None, 0
    while True:
        params = dict(filters, MaxResults=max_results)
        if token:
            params["NextToken"] = token
        page = ecs.call(DescribeSecurityGroupsRequest, **params)
        pages += 1
        groups = page["SecurityGroups"]["SecurityGroup"]
        assert len(groups) <= max_results
        seen += [g["SecurityGroupId"] for g in groups]
        token = page["NextToken"]
        if not token:
            return seen, pages
        assert len(groups) == max_results, "only the last page may be short"


class TestCreate:
    def test_vpc_group(self, ecs, world):
        response = ecs.call(CreateSecurityGroupRequest, SecurityGroupName="web-tier", Description="Web servers",
                            VpcId=DEMO_VPC)
        assert set(response) == {"RequestId", "SecurityGroupId"}
        assert GROUP_ID.match(response["SecurityGroupId"])
        assert REQUEST_ID.match(response["RequestId"])
        group = describe_one(ecs, response["SecurityGroupId"])
        assert set(group) >= GROUP_KEYS
        assert (group["SecurityGroupName"], group["Description"], group["VpcId"], group["SecurityGroupType"]) == (
            "web-tier", "Web servers", DEMO_VPC, "normal")
        assert CREATION_TIME.match(group["CreationTime"])
        assert group["Tags"] == {"Tag": []}
        assert (group["EcsCount"], group["RuleCount"], group["GroupToGroupRuleCount"]) == (0, 0, 0)

    def test_classic_group_has_empty_vpc_id(self, ecs):
        group_id = ecs.call(CreateSecurityGroupRequest, SecurityGroupName="classic-one")["SecurityGroupId"]
        assert describe_one(ecs, group_id)["VpcId"] == ""

    def test_normal_group_inner_access_accept(self, ecs, world):
        group_id = world.create_group("normal-one")
        assert ecs.call(DescribeSecurityGroupAttributeRequest, SecurityGroupId=group_id)["InnerAccessPolicy"] == "Accept"

    def test_enterprise_group_inner_access_drop(self, ecs, world):
        group_id = world.create_group("ent-one", SecurityGroupType="enterprise")
        assert describe_one(ecs, group_id)["SecurityGroupType"] == "enterprise"
        assert ecs.call(DescribeSecurityGroupAttributeRequest, SecurityGroupId=group_id)["InnerAccessPolicy"] == "Drop"

    def test_tags_at_creation(self, ecs, world):
        group_id = world.create_group("tagged", Tags=[{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": ""}])
        tags = describe_one(ecs, group_id)["Tags"]["Tag"]
        assert sorted((t["TagKey"], t["TagValue"]) for t in tags) == [("env", "prod"), ("team", "")]

    def test_resource_group_id_is_kept(self, ecs, world):
        group_id = world.create_group("in-rg", ResourceGroupId="rg-acfmtestgroup0001")
        assert describe_one(ecs, group_id)["ResourceGroupId"] == "rg-acfmtestgroup0001"

    @pytest.mark.parametrize("name", ["ab", "Web-1.tier_a:b", "中文安全组", "x" * 128])
    def test_valid_names(self, ecs, name):
        group_id = ecs.call(CreateSecurityGroupRequest, SecurityGroupName=name)["SecurityGroupId"]
        assert describe_one(ecs, group_id)["SecurityGroupName"] == name

    def test_name_and_description_are_optional(self, ecs):
        group_id = ecs.call(CreateSecurityGroupRequest, VpcId=DEMO_VPC)["SecurityGroupId"]
        assert GROUP_ID.match(group_id)

    def test_same_client_token_same_group(self, ecs, admin):
        first = ecs.call(CreateSecurityGroupRequest, SecurityGroupName="once", VpcId=DEMO_VPC, ClientToken="tok-1")
        second = ecs.call(CreateSecurityGroupRequest, SecurityGroupName="once", VpcId=DEMO_VPC, ClientToken="tok-1")
        assert first["SecurityGroupId"] == second["SecurityGroupId"]
        named = ecs.call(DescribeSecurityGroupsRequest, SecurityGroupName="once")
        assert named["TotalCount"] == 1

    def test_other_client_token_other_group(self, ecs):
        first = ecs.call(CreateSecurityGroupRequest, SecurityGroupName="twice", ClientToken="tok-a")
        second = ecs.call(CreateSecurityGroupRequest, SecurityGroupName="twice", ClientToken="tok-b")
        assert first["SecurityGroupId"] != second["SecurityGroupId"]

    def test_group_quota_counts_per_region(self, ecs, admin):
        admin.quotas(groups_per_region=2)  # the demo seed already holds two groups in cn-hangzhou
        assert ecs.error(CreateSecurityGroupRequest, SecurityGroupName="third").get_error_code() == \
            "QuotaExceed.SecurityGroup"
        other_region = ecs.call(CreateSecurityGroupRequest, SecurityGroupName="elsewhere",
                                query={"RegionId": "cn-shanghai"})
        assert GROUP_ID.match(other_region["SecurityGroupId"])


class TestDescribeSecurityGroups:
    def test_demo_groups(self, ecs):
        response = ecs.call(DescribeSecurityGroupsRequest)
        assert {"RequestId", "TotalCount", "PageNumber", "PageSize", "SecurityGroups"} <= set(response)
        ids = {g["SecurityGroupId"] for g in response["SecurityGroups"]["SecurityGroup"]}
        assert ids == {DEMO_SG_VPC, DEMO_SG_CLASSIC}
        assert response["TotalCount"] == 2

    def test_default_page_size_is_ten(self, ecs, world):
        for n in range(12):
            world.create_group("bulk-%02d" % n)
        response = ecs.call(DescribeSecurityGroupsRequest)
        assert len(response["SecurityGroups"]["SecurityGroup"]) == 10
        assert response["TotalCount"] == 2 + 5 + 12

    def test_page_number_paging_to_the_end(self, ecs, world):
        created = {world.create_group("page-%02d" % n) for n in range(16)}
        seen, total, last_page = all_groups_by_pages(ecs, 10)
        assert total == 2 + 5 + 16 == len(seen) == len(set(seen))
        assert created <= set(seen)
        assert last_page == 3

    def test_page_beyond_the_end_is_empty(self, ecs):
        page = ecs.call(DescribeSecurityGroupsRequest, PageNumber=5, PageSize=10)
        assert page["SecurityGroups"]["SecurityGroup"] == [] and page["TotalCount"] == 2

    def test_next_token_paging_to_the_end(self, ecs, world):
        for n in range(16):
            world.create_group("token-%02d" % n)
        seen, pages = all_groups_by_token(ecs, 5)
        assert len(seen) == len(set(seen)) == 2 + 5 + 16
        assert pages == 5

    def test_next_token_paging_exact_multiple(self, ecs, world):
        for n in range(3):
            world.create_group("exact-%02d" % n)  # 2 + 5 + 3 = 10 groups
        seen, pages = all_groups_by_token(ecs, 5)
        assert len(set(seen)) == 10
        assert pages in (2, 3)  # a final empty page with an empty token is allowed

    def test_max_results_above_100_refused(self, ecs):
        assert ecs.error(DescribeSecurityGroupsRequest, MaxResults=101).get_http_status() == 400

    def test_page_size_above_50_refused(self, ecs):
        assert ecs.error(DescribeSecurityGroupsRequest, PageNumber=1, PageSize=51).get_http_status() == 400

    def test_filter_by_id_json_array(self, ecs, world):
        ids = [World.SG_WEB, World.SG_DB, World.MISSING_SG]
        found = ecs.call(DescribeSecurityGroupsRequest, SecurityGroupIds=json.dumps(ids))
        assert {g["SecurityGroupId"] for g in found["SecurityGroups"]["SecurityGroup"]} == {World.SG_WEB, World.SG_DB}
        assert found["TotalCount"] == 2

    @pytest.mark.parametrize("filters, expected", [
        ({"VpcId": DEMO_VPC}, {DEMO_SG_VPC, World.SG_WEB, World.SG_DB, World.SG_ENTERPRISE}),
        ({"VpcId": World.OTHER_VPC}, {World.SG_OTHER_VPC}),
        ({"NetworkType": "classic"}, {DEMO_SG_CLASSIC, World.SG_CLASSIC2}),
        ({"NetworkType": "vpc"}, {DEMO_SG_VPC, World.SG_WEB, World.SG_DB, World.SG_ENTERPRISE, World.SG_OTHER_VPC}),
        ({"SecurityGroupType": "enterprise"}, {World.SG_ENTERPRISE}),
        ({"SecurityGroupName": "web"}, {World.SG_WEB}),
        ({"SecurityGroupName": "default-classic"}, {DEMO_SG_CLASSIC}),
        ({"VpcId": DEMO_VPC, "SecurityGroupType": "normal"}, {DEMO_SG_VPC, World.SG_WEB, World.SG_DB}),
    ], ids=["vpc", "other-vpc", "classic", "vpc-type", "enterprise", "name", "classic-name", "vpc-and-type"])
    def test_filters(self, ecs, world, filters, expected):
        found = ecs.call(DescribeSecurityGroupsRequest, MaxResults=100, **filters)
        assert {g["SecurityGroupId"] for g in found["SecurityGroups"]["SecurityGroup"]} == expected

    def test_filter_by_tags(self, ecs, world):
        world.create_group("t-prod-web", Tags=[{"Key": "env", "Value": "prod"}, {"Key": "tier", "Value": "web"}])
        prod_db = world.create_group("t-prod-db", Tags=[{"Key": "env", "Value": "prod"}, {"Key": "tier", "Value": "db"}])
        world.create_group("t-dev-db", Tags=[{"Key": "env", "Value": "dev"}, {"Key": "tier", "Value": "db"}])
        both = ecs.call(DescribeSecurityGroupsRequest, Tags=[{"Key": "env", "Value": "prod"}, {"Key": "tier", "Value": "db"}])
        assert [g["SecurityGroupId"] for g in both["SecurityGroups"]["SecurityGroup"]] == [prod_db]
        env_prod = ecs.call(DescribeSecurityGroupsRequest, Tags=[{"Key": "env", "Value": "prod"}])
        assert env_prod["TotalCount"] == 2

    def test_filter_by_resource_group(self, ecs, world):
        group_id = world.create_group("rg-member", ResourceGroupId="rg-acfmtestgroup0002")
        found = ecs.call(DescribeSecurityGroupsRequest, ResourceGroupId="rg-acfmtestgroup0002")
        assert [g["SecurityGroupId"] for g in found["SecurityGroups"]["SecurityGroup"]] == [group_id]

    def test_groups_are_per_region(self, ecs):
        ecs.call(CreateSecurityGroupRequest, SecurityGroupName="shanghai", query={"RegionId": "cn-shanghai"})
        hangzhou = ecs.call(DescribeSecurityGroupsRequest)
        shanghai = ecs.call(DescribeSecurityGroupsRequest, query={"RegionId": "cn-shanghai"})
        assert hangzhou["TotalCount"] == 2 and shanghai["TotalCount"] == 1

    def test_counts(self, ecs, world):
        world.authorize(World.SG_WEB, tcp_rule(22), tcp_rule(80),
                        {"IpProtocol": "tcp", "PortRange": "3306/3306", "SourceGroupId": World.SG_DB})
        world.authorize(World.SG_WEB, {"IpProtocol": "all", "PortRange": "-1/-1", "DestCidrIp": "0.0.0.0/0"},
                        egress=True)
        group = describe_one(ecs, World.SG_WEB)
        assert (group["RuleCount"], group["GroupToGroupRuleCount"]) == (4, 1)

    def test_ecs_count_follows_membership(self, ecs, world):
        assert describe_one(ecs, World.SG_DB)["EcsCount"] == 1  # the Starting instance
        ecs.call(JoinSecurityGroupRequest, SecurityGroupId=World.SG_DB, InstanceId=DEMO_WEB1)
        assert describe_one(ecs, World.SG_DB)["EcsCount"] == 2


class TestModifyAndDelete:
    def test_rename_and_describe(self, ecs, world):
        response = ecs.call(ModifySecurityGroupAttributeRequest, SecurityGroupId=World.SG_WEB,
                            SecurityGroupName="web-renamed", Description="New description")
        assert set(response) == {"RequestId"}
        attribute = ecs.call(DescribeSecurityGroupAttributeRequest, SecurityGroupId=World.SG_WEB)
        assert (attribute["SecurityGroupName"], attribute["Description"]) == ("web-renamed", "New description")

    def test_description_only_keeps_name(self, ecs, world):
        ecs.call(ModifySecurityGroupAttributeRequest, SecurityGroupId=World.SG_WEB, Description="Only this")
        group = describe_one(ecs, World.SG_WEB)
        assert (group["SecurityGroupName"], group["Description"]) == ("web", "Only this")

    @pytest.mark.parametrize("value, expected", [("Drop", "Drop"), ("drop", "Drop"), ("ACCEPT", "Accept"),
                                                 ("Accept", "Accept")])
    def test_inner_access_policy(self, ecs, world, value, expected):
        ecs.call(ModifySecurityGroupPolicyRequest, SecurityGroupId=World.SG_WEB, InnerAccessPolicy=value)
        attribute = ecs.call(DescribeSecurityGroupAttributeRequest, SecurityGroupId=World.SG_WEB)
        assert attribute["InnerAccessPolicy"] == expected

    def test_enterprise_policy_stays_drop(self, ecs, world):
        error = ecs.error(ModifySecurityGroupPolicyRequest, SecurityGroupId=World.SG_ENTERPRISE,
                          InnerAccessPolicy="Accept")
        assert error.get_http_status() in (400, 403)  # ECS_API.md names no code here
        attribute = ecs.call(DescribeSecurityGroupAttributeRequest, SecurityGroupId=World.SG_ENTERPRISE)
        assert attribute["InnerAccessPolicy"] == "Drop"

    def test_delete(self, ecs, world):
        assert set(ecs.call(DeleteSecurityGroupRequest, SecurityGroupId=World.SG_CLASSIC2)) == {"RequestId"}
        error = ecs.error(DescribeSecurityGroupAttributeRequest, SecurityGroupId=World.SG_CLASSIC2)
        assert error.get_error_code() == "InvalidSecurityGroupId.NotFound"

    def test_delete_group_with_rules(self, ecs, world):
        group_id = world.create_group("with-rules")
        world.authorize(group_id, tcp_rule(22), {"IpProtocol": "tcp", "PortRange": "80/80", "SourceGroupId": World.SG_WEB})
        ecs.call(DeleteSecurityGroupRequest, SecurityGroupId=group_id)
        assert ecs.call(DescribeSecurityGroupsRequest, SecurityGroupIds=json.dumps([group_id]))["TotalCount"] == 0
        # Its rule referencing SG_WEB went with it.
        references = ecs.call(DescribeSecurityGroupReferencesRequest, SecurityGroupIds=[World.SG_WEB])
        referencing = references["SecurityGroupReferences"]["SecurityGroupReference"]
        assert all(not r["ReferencingSecurityGroups"]["ReferencingSecurityGroup"] for r in referencing)

    def test_delete_after_last_member_leaves(self, ecs, world):
        group_id = world.create_group("transient")
        ecs.call(JoinSecurityGroupRequest, SecurityGroupId=group_id, InstanceId=DEMO_WEB1)
        assert ecs.error(DeleteSecurityGroupRequest, SecurityGroupId=group_id).get_error_code() == "DependencyViolation"
        ecs.call(LeaveSecurityGroupRequest, SecurityGroupId=group_id, InstanceId=DEMO_WEB1)
        ecs.call(DeleteSecurityGroupRequest, SecurityGroupId=group_id)

    def test_delete_after_reference_revoked(self, ecs, world):
        referrer = world.create_group("referrer")
        target = world.create_group("target")
        world.authorize(referrer, {"IpProtocol": "tcp", "PortRange": "80/80", "SourceGroupId": target})
        error = ecs.error(DeleteSecurityGroupRequest, SecurityGroupId=target)
        assert error.get_error_msg() == "The specified security group has been authorized in another one."
        ecs.call(DeleteSecurityGroupRequest, SecurityGroupId=referrer)
        ecs.call(DeleteSecurityGroupRequest, SecurityGroupId=target)


def test_describe_attribute_shape(ecs, world):
    response = ecs.call(DescribeSecurityGroupAttributeRequest, SecurityGroupId=DEMO_SG_VPC)
    assert set(response) >= ATTRIBUTE_KEYS
    assert (response["SecurityGroupName"], response["VpcId"]) == ("default-vpc", DEMO_VPC)
    assert response["Description"] == "Default group of the demo VPC"
    assert isinstance(response["Permissions"]["Permission"], list)


def test_describe_regions(ecs):
    response = ecs.call(DescribeRegionsRequest)
    regions = response["Regions"]["Region"]
    assert {r["RegionId"] for r in regions} == KNOWN_REGIONS
    for region in regions:
        assert set(region) >= {"RegionId", "RegionEndpoint", "LocalName", "Status"}
        assert region["RegionEndpoint"] and region["LocalName"] and region["Status"]
