# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where ECS answers differently today than it did (issue 12 section 3): each test names its source."""

from __future__ import annotations

import inspect
import json
import re

import pytest
from aliyunsdkecs.request.v20140526.AuthorizeSecurityGroupRequest import AuthorizeSecurityGroupRequest
from aliyunsdkecs.request.v20140526.CreateSecurityGroupRequest import CreateSecurityGroupRequest
from aliyunsdkecs.request.v20140526.DeleteSecurityGroupRequest import DeleteSecurityGroupRequest
from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import DescribeInstancesRequest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupAttributeRequest import DescribeSecurityGroupAttributeRequest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupReferencesRequest import DescribeSecurityGroupReferencesRequest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupsRequest import DescribeSecurityGroupsRequest
from aliyunsdkecs.request.v20140526.JoinSecurityGroupRequest import JoinSecurityGroupRequest
from aliyunsdkecs.request.v20140526.LeaveSecurityGroupRequest import LeaveSecurityGroupRequest
from aliyunsdkecs.request.v20140526.ModifyInstanceAttributeRequest import ModifyInstanceAttributeRequest
from aliyunsdkecs.request.v20140526.ModifySecurityGroupAttributeRequest import ModifySecurityGroupAttributeRequest
from aliyunsdkecs.request.v20140526.RevokeSecurityGroupRequest import RevokeSecurityGroupRequest

from ansible_collections.cloudwall.alicloud.tests.lib.emulator_harness import (
    DEMO_ACCOUNT_ID, DEMO_ACCOUNT_NAME, DEMO_SG_VPC, DEMO_VPC, DEMO_WEB1, DEMO_WEB2, PARTNER_ACCESS_KEY_ID,
    PARTNER_ACCESS_KEY_SECRET, PARTNER_ACCOUNT_ID, PARTNER_ACCOUNT_NAME, PARTNER_GROUP, World, fixed_id, tcp_rule,
)

WEB = World.SG_WEB
SYSTEM_GROUP = fixed_id("sg", "systemdefault")
MANAGED_GROUP = fixed_id("sg", "managed")


def group_ids(ecs, **filters):
    return {group["SecurityGroupId"] for group in ecs.call(DescribeSecurityGroupsRequest, PageSize=50, **filters)[
        "SecurityGroups"]["SecurityGroup"]}


@pytest.fixture
def partner(ecs):
    """The SDK signing as the demo seed's second account."""
    return ecs.with_credentials(PARTNER_ACCESS_KEY_ID, PARTNER_ACCESS_KEY_SECRET)


class TestAccounts:
    """Groups belong to accounts; cross-account peers are answered with the owner's numeric id, "" for one's own.
    Sources: AuthorizeSecurityGroup API reference (SourceGroupOwnerAccount, SourceGroupOwnerId); Terraform alicloud
    provider, alicloud_security_group_rule reads SourceGroupOwnerAccount into source_group_owner_id (PR #10142) and its
    same-account acceptance test expects an empty plan ("" for the caller's own account)."""

    def test_each_account_sees_only_its_groups(self, ecs, partner, world):
        assert PARTNER_GROUP not in group_ids(ecs)
        assert group_ids(partner) == {PARTNER_GROUP}
        assert ecs.error(DescribeSecurityGroupAttributeRequest, SecurityGroupId=PARTNER_GROUP).get_error_code() == \
            "InvalidSecurityGroupId.NotFound"
        assert partner.error(DeleteSecurityGroupRequest, SecurityGroupId=WEB).get_error_code() == "InvalidSecurityGroup.NotFound"

    @pytest.mark.parametrize("owner_field, owner", [
        ("SourceGroupOwnerAccount", PARTNER_ACCOUNT_NAME), ("SourceGroupOwnerAccount", PARTNER_ACCOUNT_ID),
        ("SourceGroupOwnerId", PARTNER_ACCOUNT_ID),
    ])
    def test_cross_account_peer_is_answered_with_numeric_id(self, world, owner_field, owner):
        world.authorize(WEB, {"IpProtocol": "tcp", "PortRange": "443/443", "SourceGroupId": PARTNER_GROUP, owner_field: owner})
        (rule,) = world.rules(WEB)
        assert (rule["SourceGroupId"], rule["SourceGroupOwnerAccount"], rule["NicType"]) == (PARTNER_GROUP, PARTNER_ACCOUNT_ID, "intranet")

    def test_owner_by_name_and_by_id_are_one_rule(self, world):
        base = {"IpProtocol": "tcp", "PortRange": "443/443", "SourceGroupId": PARTNER_GROUP}
        world.authorize(WEB, dict(base, SourceGroupOwnerAccount=PARTNER_ACCOUNT_NAME))
        world.authorize(WEB, dict(base, SourceGroupOwnerId=PARTNER_ACCOUNT_ID))
        assert len(world.rules(WEB)) == 1

    @pytest.mark.parametrize("owner", [DEMO_ACCOUNT_NAME, DEMO_ACCOUNT_ID])
    def test_own_account_reads_as_empty(self, world, owner):
        world.authorize(WEB, {"IpProtocol": "tcp", "PortRange": "443/443", "SourceGroupId": World.SG_DB,
                              "SourceGroupOwnerAccount": owner})
        (rule,) = world.rules(WEB)
        assert (rule["SourceGroupOwnerAccount"], rule["SourceGroupName"]) == ("", "db")

    @pytest.mark.parametrize("group_id, owner", [
        (PARTNER_GROUP, "no-such-account"),  # the account does not exist
        (World.SG_DB, PARTNER_ACCOUNT_ID),  # the group exists, but not in that account
    ], ids=["unknown-account", "group-of-another-account"])
    def test_cross_account_group_must_exist_in_that_account(self, world, group_id, owner):
        error = world.ecs.error(AuthorizeSecurityGroupRequest, SecurityGroupId=WEB, Permissions=[
            {"IpProtocol": "tcp", "PortRange": "443/443", "SourceGroupId": group_id, "SourceGroupOwnerAccount": owner}])
        assert (error.get_http_status(), error.get_error_code()) == (404, "InvalidSourceGroupId.NotFound")
        assert world.rules(WEB) == []

    def test_references_carry_the_referencing_owner(self, world, partner):
        world.authorize(WEB, {"IpProtocol": "tcp", "PortRange": "443/443", "SourceGroupId": PARTNER_GROUP,
                              "SourceGroupOwnerAccount": PARTNER_ACCOUNT_NAME})
        answer = partner.call(DescribeSecurityGroupReferencesRequest, SecurityGroupIds=[PARTNER_GROUP])
        (reference,) = answer["SecurityGroupReferences"]["SecurityGroupReference"]
        assert reference["ReferencingSecurityGroups"]["ReferencingSecurityGroup"] == [
            {"SecurityGroupId": WEB, "AliUid": DEMO_ACCOUNT_ID}]
        # ECS refuses to delete a group another group's rule names, whichever account that group is in.
        assert partner.error(DeleteSecurityGroupRequest, SecurityGroupId=PARTNER_GROUP).get_error_code() == "DependencyViolation"

    def test_partner_creates_groups_of_its_own(self, ecs, partner, world):
        created = partner.call(CreateSecurityGroupRequest, SecurityGroupName="partner-db")["SecurityGroupId"]
        assert created in group_ids(partner) and created not in group_ids(ecs)


class TestTodaysCodes:
    """API reference error tables of AuthorizeSecurityGroup and JoinSecurityGroup (2024 onwards; ECS_API.md section 6)."""

    def test_drop_rule_in_enterprise_group(self, world):
        error = world.ecs.error(AuthorizeSecurityGroupRequest, SecurityGroupId=World.SG_ENTERPRISE,
                                Permissions=[tcp_rule(22, Policy="drop")])
        assert (error.get_http_status(), error.get_error_code()) == (400, "InvalidGroupParameter.OperationDenied")

    def test_normal_and_enterprise_groups_on_one_instance(self, world):
        error = world.ecs.error(JoinSecurityGroupRequest, SecurityGroupId=World.SG_ENTERPRISE, InstanceId=DEMO_WEB1)
        assert (error.get_http_status(), error.get_error_code()) == (400, "InvalidOperation.MultiGroupType")
        error = world.ecs.error(ModifyInstanceAttributeRequest, InstanceId=DEMO_WEB1,
                                SecurityGroupIdss=[DEMO_SG_VPC, World.SG_ENTERPRISE])
        assert error.get_error_code() == "InvalidOperation.MultiGroupType"
        assert world.instance_groups(DEMO_WEB1) == [DEMO_SG_VPC]

    def test_ipv4_and_ipv6_source_together(self, world):
        error = world.ecs.error(AuthorizeSecurityGroupRequest, SecurityGroupId=WEB, Permissions=[
            {"IpProtocol": "tcp", "PortRange": "22/22", "SourceCidrIp": "10.0.0.0/8", "Ipv6SourceCidrIp": "2001:db8::/32"}])
        assert (error.get_http_status(), error.get_error_code()) == (400, "InvalidParam.SourceIp")

    def test_group_and_cidr_together_the_cidr_wins(self, world):
        # API reference, AuthorizeSecurityGroup, SourceGroupId: "if SourceCidrIp is specified, SourceGroupId is ignored".
        world.authorize(WEB, {"IpProtocol": "tcp", "PortRange": "22/22", "SourceGroupId": World.SG_DB, "SourceCidrIp": "10.1.0.0/16"})
        (rule,) = world.rules(WEB)
        assert (rule["SourceCidrIp"], rule["SourceGroupId"], rule["SourceGroupOwnerAccount"]) == ("10.1.0.0/16", "", "")


class TestShapes:
    def test_all_protocol_rule_reads_source_port_range_minus_one(self, world):
        # Real captures in open-source readers (ECS_API.md section 6): ALL rules answer PortRange and SourcePortRange -1/-1.
        world.authorize(WEB, {"IpProtocol": "all", "PortRange": "-1/-1", "SourceCidrIp": "10.0.0.0/8"}, tcp_rule(22))
        by_protocol = {rule["IpProtocol"]: rule for rule in world.rules(WEB)}
        assert (by_protocol["ALL"]["PortRange"], by_protocol["ALL"]["SourcePortRange"]) == ("-1/-1", "-1/-1")
        assert by_protocol["TCP"]["SourcePortRange"] == ""
        # Revoking by the fields it reads back finds it (the -1/-1 source port range means "any").
        world.ecs.call(RevokeSecurityGroupRequest, SecurityGroupId=WEB, Permissions=[
            {"IpProtocol": "ALL", "PortRange": "-1/-1", "SourcePortRange": "-1/-1", "SourceCidrIp": "10.0.0.0/8"}])
        assert [rule["IpProtocol"] for rule in world.rules(WEB)] == ["TCP"]

    def test_describe_groups_by_token_has_no_total_count(self, ecs, world):
        # Tea model DescribeSecurityGroupsResponseBody: TotalCount "is not returned when MaxResults/NextToken are used".
        by_token = ecs.call(DescribeSecurityGroupsRequest, MaxResults=2)
        assert "TotalCount" not in by_token and "MaxResults" not in by_token and by_token["NextToken"]
        by_page = ecs.call(DescribeSecurityGroupsRequest, PageSize=2)
        assert by_page["TotalCount"] == len(group_ids(ecs))

    def test_describe_instances_answers_every_key_of_the_tea_model(self, ecs):
        models = pytest.importorskip("alibabacloud_ecs20140526.models")
        source = inspect.getsource(models.DescribeInstancesResponseBodyInstancesInstance.to_map)
        model_keys = set(re.findall(r"result\['(\w+)'\]", source))
        assert len(model_keys) >= 69
        for instance in ecs.call(DescribeInstancesRequest, PageSize=100)["Instances"]["Instance"]:
            assert model_keys - set(instance) == set(), instance["InstanceId"]
            # And the Tea model reads it back whole.
            parsed = models.DescribeInstancesResponseBodyInstancesInstance().from_map(json.loads(json.dumps(instance)))
            assert parsed.security_group_ids.security_group_id == instance["SecurityGroupIds"]["SecurityGroupId"]


class TestConflictFault:
    def test_join_answers_409_conflict_and_changes_nothing(self, ecs, admin, world):
        # API reference, JoinSecurityGroup error table: 409 InvalidOperation.Conflict; the admin API injects it.
        admin.faults([{"kind": "conflict", "actions": ["JoinSecurityGroup"], "times": 1}])
        error = ecs.error(JoinSecurityGroupRequest, SecurityGroupId=WEB, InstanceId=DEMO_WEB2)
        assert (error.get_http_status(), error.get_error_code()) == (409, "InvalidOperation.Conflict")
        assert world.instance_groups(DEMO_WEB2) == [DEMO_SG_VPC]
        ecs.call(JoinSecurityGroupRequest, SecurityGroupId=WEB, InstanceId=DEMO_WEB2)  # a retry succeeds
        assert world.instance_groups(DEMO_WEB2) == [DEMO_SG_VPC, WEB]


@pytest.fixture
def special_groups(admin, world):
    admin.seed(security_groups=[
        {"SecurityGroupId": SYSTEM_GROUP, "SecurityGroupName": "System-created", "VpcId": DEMO_VPC, "SystemDefault": True},
        {"SecurityGroupId": MANAGED_GROUP, "SecurityGroupName": "managed-by-ack", "VpcId": DEMO_VPC, "ServiceManaged": True,
         "Permissions": [{"IpProtocol": "tcp", "PortRange": "10250/10250", "SourceCidrIp": "172.16.0.0/12", "Priority": 110}]},
    ])
    return world


class TestSystemAndManagedGroups:
    """System-made default groups hold priority-110 rules (real captures, ECS_API.md section 6); service-managed groups
    answer ServiceManaged true and refuse writes with 403 InvalidOperation.ResourceManagedByCloudProduct (API reference)."""

    def test_system_default_group_rules_have_priority_110(self, special_groups):
        rules = special_groups.rules(SYSTEM_GROUP)
        assert sorted((rule["IpProtocol"], rule["PortRange"], rule["Priority"]) for rule in rules) == [
            ("ICMP", "-1/-1", 110), ("TCP", "22/22", 110), ("TCP", "3389/3389", 110)]

    def test_service_managed_flag(self, ecs, special_groups):
        flags = {group["SecurityGroupId"]: group["ServiceManaged"] for group in
                 ecs.call(DescribeSecurityGroupsRequest, PageSize=50)["SecurityGroups"]["SecurityGroup"]}
        assert flags[MANAGED_GROUP] is True and flags[SYSTEM_GROUP] is False and flags[DEMO_SG_VPC] is False

    @pytest.mark.parametrize("request_class, params", [
        (AuthorizeSecurityGroupRequest, {"Permissions": [tcp_rule(22)]}),
        (RevokeSecurityGroupRequest, {"Permissions": [{"IpProtocol": "tcp", "PortRange": "10250/10250",
                                                       "SourceCidrIp": "172.16.0.0/12", "Priority": 110}]}),
        (ModifySecurityGroupAttributeRequest, {"Description": "mine now"}),
        (DeleteSecurityGroupRequest, {}),
        (JoinSecurityGroupRequest, {"InstanceId": DEMO_WEB1}),
    ], ids=["authorize", "revoke", "modify", "delete", "join"])
    def test_service_managed_group_refuses_writes(self, ecs, admin, special_groups, request_class, params):
        before = admin.state()
        error = ecs.error(request_class, SecurityGroupId=MANAGED_GROUP, **params)
        assert (error.get_http_status(), error.get_error_code()) == (403, "InvalidOperation.ResourceManagedByCloudProduct")
        assert admin.state() == before

    def test_leaving_a_managed_group_is_refused(self, ecs, admin, special_groups):
        admin.seed(instances=[{"InstanceId": fixed_id("i", "managedmember"), "VpcId": DEMO_VPC,
                               "SecurityGroupIds": [DEMO_SG_VPC, MANAGED_GROUP]}])
        error = ecs.error(LeaveSecurityGroupRequest, SecurityGroupId=MANAGED_GROUP, InstanceId=fixed_id("i", "managedmember"))
        assert error.get_error_code() == "InvalidOperation.ResourceManagedByCloudProduct"
