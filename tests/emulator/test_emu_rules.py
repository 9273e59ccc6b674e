# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules: authorize, revoke, modify, references; formats, defaults, coercions, identity, quotas (ECS_API.md 3-4)."""

from __future__ import annotations

import re

import pytest
from aliyunsdkecs.request.v20140526.AuthorizeSecurityGroupRequest import AuthorizeSecurityGroupRequest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupAttributeRequest import DescribeSecurityGroupAttributeRequest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupReferencesRequest import DescribeSecurityGroupReferencesRequest
from aliyunsdkecs.request.v20140526.ModifySecurityGroupEgressRuleRequest import ModifySecurityGroupEgressRuleRequest
from aliyunsdkecs.request.v20140526.ModifySecurityGroupRuleRequest import ModifySecurityGroupRuleRequest
from aliyunsdkecs.request.v20140526.RevokeSecurityGroupEgressRequest import RevokeSecurityGroupEgressRequest
from aliyunsdkecs.request.v20140526.RevokeSecurityGroupRequest import RevokeSecurityGroupRequest

from ansible_collections.cloudwall.alicloud.tests.lib.emulator_harness import (
    DEMO_PREFIX_LIST, DEMO_SG_CLASSIC, DEMO_SG_VPC, PARTNER_ACCOUNT_ID, PARTNER_ACCOUNT_NAME, PARTNER_GROUP, PERMISSION_KEYS, World, tcp_rule,
)

RULE_ID = re.compile(r"^sgr-[a-z0-9]{20}$")
CREATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
WEB = World.SG_WEB
DB = World.SG_DB


def only_rule(world, group_id, **describe):
    rules = world.rules(group_id, **describe)
    assert len(rules) == 1, rules
    return rules[0]


def rule_ids(world, group_id):
    return sorted(r["SecurityGroupRuleId"] for r in world.rules(group_id))


class TestPermissionFormat:
    def test_every_key_present_unset_ones_empty(self, world):
        response = world.authorize(WEB, tcp_rule(22, cidr="0.0.0.0/0"))
        assert set(response) == {"RequestId"}
        rule = only_rule(world, WEB)
        assert set(rule) >= PERMISSION_KEYS
        assert RULE_ID.match(rule["SecurityGroupRuleId"])
        assert CREATE_TIME.match(rule["CreateTime"])
        expected = {"Direction": "ingress", "IpProtocol": "TCP", "PortRange": "22/22", "SourceCidrIp": "0.0.0.0/0",
                    "Policy": "Accept", "Priority": 1, "NicType": "intranet"}
        assert {key: rule[key] for key in expected} == expected
        unset = PERMISSION_KEYS - set(expected) - {"SecurityGroupRuleId", "CreateTime"}
        assert {key: rule[key] for key in unset} == {key: "" for key in unset}

    def test_priority_is_a_number(self, world):
        world.authorize(WEB, tcp_rule(22, Priority="57"))
        priority = only_rule(world, WEB)["Priority"]
        assert int(priority) == 57 and not isinstance(priority, bool)
        assert isinstance(priority, int)

    @pytest.mark.parametrize("given, expected", [
        ({"IpProtocol": "tcp"}, {"IpProtocol": "TCP"}),
        ({"IpProtocol": "Udp", "PortRange": "53/53"}, {"IpProtocol": "UDP", "PortRange": "53/53"}),
        ({"IpProtocol": "icmp", "PortRange": "-1/-1"}, {"IpProtocol": "ICMP", "PortRange": "-1/-1"}),
        ({"IpProtocol": "gre", "PortRange": "-1/-1"}, {"IpProtocol": "GRE", "PortRange": "-1/-1"}),
        ({"IpProtocol": "all", "PortRange": "-1/-1"}, {"IpProtocol": "ALL", "PortRange": "-1/-1"}),
        ({"IpProtocol": "tcp", "PortRange": "1/65535"}, {"PortRange": "1/65535"}),
        ({"Policy": "drop"}, {"Policy": "Drop"}),
        ({"Policy": "ACCEPT"}, {"Policy": "Accept"}),
        ({"Priority": "100"}, {"Priority": 100}),
        ({"Description": "ssh from office"}, {"Description": "ssh from office"}),
        ({"SourcePortRange": "1024/65535"}, {"SourcePortRange": "1024/65535"}),
        ({"DestCidrIp": "172.16.1.11/32"}, {"DestCidrIp": "172.16.1.11/32"}),
        ({"NicType": "internet"}, {"NicType": "intranet"}),  # a VPC group only has intranet rules
        ({"SourceCidrIp": "192.168.1.7"}, {"SourceCidrIp": "192.168.1.7"}),
    ], ids=["tcp", "udp", "icmp", "gre", "all", "full-range", "drop", "accept-upper", "priority", "description",
            "source-port-range", "dest-cidr", "nic-type-coerced", "single-address"])
    def test_normalisation(self, world, given, expected):
        world.authorize(WEB, dict(tcp_rule(22), **given))
        rule = only_rule(world, WEB)
        assert {key: rule[key] for key in expected} == expected

    def test_ipv6_rule_is_compressed(self, world):
        world.authorize(WEB, {"IpProtocol": "icmpv6", "PortRange": "-1/-1", "Ipv6SourceCidrIp": "2001:0db8:0000::/32"})
        rule = only_rule(world, WEB)
        assert (rule["IpProtocol"], rule["Ipv6SourceCidrIp"], rule["SourceCidrIp"]) == ("ICMPV6", "2001:db8::/32", "")

    def test_classic_group_defaults_to_internet(self, world):
        world.authorize(DEMO_SG_CLASSIC, tcp_rule(22))
        assert only_rule(world, DEMO_SG_CLASSIC)["NicType"] == "internet"

    def test_classic_group_describes_one_nic_type_per_call(self, world):
        world.authorize(DEMO_SG_CLASSIC, tcp_rule(22, NicType="internet"), tcp_rule(80, NicType="intranet"),
                        tcp_rule(443, NicType="intranet"))
        internet = world.rules(DEMO_SG_CLASSIC)
        intranet = world.rules(DEMO_SG_CLASSIC, NicType="intranet")
        assert [r["PortRange"] for r in internet] == ["22/22"]
        assert sorted(r["PortRange"] for r in intranet) == ["443/443", "80/80"]
        assert {r["NicType"] for r in intranet} == {"intranet"}

    def test_source_group_rule_names_the_group(self, world):
        world.authorize(WEB, {"IpProtocol": "tcp", "PortRange": "3306/3306", "SourceGroupId": DB})
        rule = only_rule(world, WEB)
        assert (rule["SourceGroupId"], rule["SourceGroupName"], rule["SourceCidrIp"], rule["NicType"]) == (
            DB, "db", "", "intranet")

    def test_source_group_owner_account_is_answered_as_numeric_id(self, world):
        # Another account's group named by account name reads back with the owner's numeric id (ECS_API.md section 6;
        # Terraform alicloud provider reads SourceGroupOwnerAccount into source_group_owner_id, PR #10142).
        world.authorize(WEB, {"IpProtocol": "tcp", "PortRange": "3306/3306", "SourceGroupId": PARTNER_GROUP,
                              "SourceGroupOwnerAccount": PARTNER_ACCOUNT_NAME})
        rule = only_rule(world, WEB)
        assert (rule["SourceGroupId"], rule["SourceGroupOwnerAccount"]) == (PARTNER_GROUP, PARTNER_ACCOUNT_ID)

    def test_prefix_list_rule_names_the_list(self, world):
        world.authorize(WEB, {"IpProtocol": "tcp", "PortRange": "22/22", "SourcePrefixListId": DEMO_PREFIX_LIST})
        rule = only_rule(world, WEB)
        assert (rule["SourcePrefixListId"], rule["SourcePrefixListName"]) == (DEMO_PREFIX_LIST, "demo-office")

    def test_egress_rules(self, world):
        world.authorize(WEB, {"IpProtocol": "tcp", "PortRange": "443/443", "DestCidrIp": "0.0.0.0/0"},
                        {"IpProtocol": "tcp", "PortRange": "3306/3306", "DestGroupId": DB}, egress=True)
        world.authorize(WEB, tcp_rule(22))
        egress = world.rules(WEB, direction="egress")
        assert {r["Direction"] for r in egress} == {"egress"} and len(egress) == 2
        by_port = {r["PortRange"]: r for r in egress}
        assert by_port["443/443"]["DestCidrIp"] == "0.0.0.0/0"
        assert (by_port["3306/3306"]["DestGroupId"], by_port["3306/3306"]["DestGroupName"]) == (DB, "db")
        assert [r["Direction"] for r in world.rules(WEB, direction="ingress")] == ["ingress"]
        assert len(world.rules(WEB)) == 3


class TestAuthorizeSemantics:
    def test_identical_rule_is_success_without_new_rule(self, world):
        world.authorize(WEB, tcp_rule(22))
        before = rule_ids(world, WEB)
        world.authorize(WEB, tcp_rule(22))
        assert rule_ids(world, WEB) == before

    @pytest.mark.parametrize("variant", [
        {"IpProtocol": "TCP"}, {"Policy": "Accept"}, {"Priority": "1"}, {"NicType": "intranet"},
        {"Description": "only the description differs"},
    ], ids=["protocol-case", "policy-case", "explicit-default-priority", "explicit-nic-type", "description"])
    def test_identity_ignores_case_defaults_and_description(self, world, variant):
        world.authorize(WEB, tcp_rule(22))
        world.authorize(WEB, dict(tcp_rule(22), **variant))
        assert len(world.rules(WEB)) == 1

    @pytest.mark.parametrize("variant", [
        {"Priority": "2"}, {"Policy": "drop"}, {"PortRange": "23/23"}, {"SourceCidrIp": "10.0.0.0/16"},
        {"SourcePortRange": "1/1024"}, {"DestCidrIp": "172.16.1.0/24"}, {"IpProtocol": "udp"},
    ], ids=["priority", "policy", "port", "cidr", "source-port", "dest-cidr", "protocol"])
    def test_identity_fields_make_a_new_rule(self, world, variant):
        world.authorize(WEB, tcp_rule(22))
        world.authorize(WEB, dict(tcp_rule(22), **variant))
        assert len(world.rules(WEB)) == 2

    def test_ipv6_identity_uses_compressed_form(self, world):
        world.authorize(WEB, {"IpProtocol": "tcp", "PortRange": "22/22", "Ipv6SourceCidrIp": "2001:db8::/32"})
        world.authorize(WEB, {"IpProtocol": "tcp", "PortRange": "22/22", "Ipv6SourceCidrIp": "2001:0DB8:0::/32"})
        assert len(world.rules(WEB)) == 1

    def test_same_rule_ingress_and_egress_are_different(self, world):
        peer = {"IpProtocol": "tcp", "PortRange": "22/22", "SourceCidrIp": "10.0.0.0/8", "DestCidrIp": "10.0.0.0/8"}
        world.authorize(WEB, peer)
        world.authorize(WEB, peer, egress=True)
        assert sorted(r["Direction"] for r in world.rules(WEB)) == ["egress", "ingress"]

    def test_existing_rule_in_a_batch_only_adds_the_new_ones(self, world):
        world.authorize(WEB, tcp_rule(22))
        world.authorize(WEB, tcp_rule(22), tcp_rule(80), tcp_rule(443))
        assert sorted(r["PortRange"] for r in world.rules(WEB)) == ["22/22", "443/443", "80/80"]

    def test_hundred_permissions_in_one_call(self, world):
        world.authorize(WEB, *[tcp_rule(port) for port in range(1000, 1100)])
        assert len(world.rules(WEB)) == 100

    def test_more_than_hundred_permissions_refused(self, world):
        error = world.ecs.error(AuthorizeSecurityGroupRequest, SecurityGroupId=WEB,
                                Permissions=[tcp_rule(port) for port in range(1000, 1101)])
        assert error.get_http_status() == 400
        assert world.rules(WEB) == []

    def test_rule_quota_is_exact_and_atomic(self, world, admin):
        admin.quotas(rules_per_group=3)
        world.authorize(WEB, tcp_rule(1), tcp_rule(2))
        error = world.ecs.error(AuthorizeSecurityGroupRequest, SecurityGroupId=WEB,
                                Permissions=[tcp_rule(3), tcp_rule(4)])
        assert (error.get_http_status(), error.get_error_code()) == (403, "AuthorizationLimitExceed")
        assert len(world.rules(WEB)) == 2
        world.authorize(WEB, tcp_rule(3))
        assert len(world.rules(WEB)) == 3

    def test_duplicate_of_existing_rule_does_not_count_against_quota(self, world, admin):
        admin.quotas(rules_per_group=1)
        world.authorize(WEB, tcp_rule(22))
        world.authorize(WEB, tcp_rule(22))
        assert len(world.rules(WEB)) == 1

    def test_default_rule_quota_is_200(self, world):
        world.authorize(WEB, *[tcp_rule(port) for port in range(1000, 1100)])
        world.authorize(WEB, *[tcp_rule(port) for port in range(2000, 2100)])
        error = world.ecs.error(AuthorizeSecurityGroupRequest, SecurityGroupId=WEB, Permissions=[tcp_rule(22)])
        assert error.get_error_code() == "AuthorizationLimitExceed"

    def test_group_reference_quota_counts_distinct_groups(self, world, admin):
        admin.quotas(group_references=2)
        world.authorize(WEB, {"IpProtocol": "tcp", "PortRange": "22/22", "SourceGroupId": DB},
                        {"IpProtocol": "tcp", "PortRange": "80/80", "SourceGroupId": DB},
                        {"IpProtocol": "tcp", "PortRange": "80/80", "SourceGroupId": DEMO_SG_VPC})
        third = world.seed_groups(1)[0]
        error = world.ecs.error(AuthorizeSecurityGroupRequest, SecurityGroupId=WEB, Permissions=[
            {"IpProtocol": "tcp", "PortRange": "80/80", "SourceGroupId": third}])
        assert error.get_error_code() == "AuthorizedGroupRule.LimitExceed"
        assert len(world.rules(WEB)) == 3

    def test_enterprise_group_takes_accept_rules_only(self, world):
        world.authorize(World.SG_ENTERPRISE, tcp_rule(22))
        error = world.ecs.error(AuthorizeSecurityGroupRequest, SecurityGroupId=World.SG_ENTERPRISE,
                                Permissions=[tcp_rule(23, Policy="drop")])
        assert error.get_http_status() in (400, 403)  # ECS_API.md names no code here
        assert [r["PortRange"] for r in world.rules(World.SG_ENTERPRISE)] == ["22/22"]

    def test_same_vpc_group_reference_allowed(self, world):
        world.authorize(WEB, {"IpProtocol": "tcp", "PortRange": "22/22", "SourceGroupId": DEMO_SG_VPC})
        assert only_rule(world, WEB)["SourceGroupId"] == DEMO_SG_VPC

    def test_classic_groups_reference_each_other_on_intranet(self, world):
        world.authorize(DEMO_SG_CLASSIC, {"IpProtocol": "tcp", "PortRange": "22/22", "SourceGroupId": World.SG_CLASSIC2,
                                          "NicType": "intranet"})
        rule = only_rule(world, DEMO_SG_CLASSIC, NicType="intranet")
        assert (rule["SourceGroupId"], rule["NicType"]) == (World.SG_CLASSIC2, "intranet")

    def test_client_token_replay_and_mismatch(self, world):
        world.authorize(WEB, tcp_rule(22), ClientToken="rule-token-1")
        world.authorize(WEB, tcp_rule(22), ClientToken="rule-token-1")
        assert len(world.rules(WEB)) == 1
        error = world.ecs.error(AuthorizeSecurityGroupRequest, SecurityGroupId=WEB, Permissions=[tcp_rule(80)],
                                ClientToken="rule-token-1")
        assert (error.get_http_status(), error.get_error_code()) == (400, "IdempotentParameterMismatch")
        assert len(world.rules(WEB)) == 1

    def test_single_rule_top_level_fields(self, world):
        """The legacy single-rule form (no Permissions.N) is still accepted by the SDK request classes."""
        world.ecs.call(AuthorizeSecurityGroupRequest, SecurityGroupId=WEB, IpProtocol="tcp", PortRange="8080/8080",
                       SourceCidrIp="10.0.0.0/8")
        assert only_rule(world, WEB)["PortRange"] == "8080/8080"


class TestRevoke:
    def test_by_ids(self, world):
        world.authorize(WEB, tcp_rule(22), tcp_rule(80), tcp_rule(443))
        rules = {r["PortRange"]: r["SecurityGroupRuleId"] for r in world.rules(WEB)}
        response = world.ecs.call(RevokeSecurityGroupRequest, SecurityGroupId=WEB,
                                  SecurityGroupRuleIds=[rules["22/22"], rules["80/80"]])
        assert set(response) == {"RequestId"}
        assert rule_ids(world, WEB) == [rules["443/443"]]

    def test_by_permissions_case_insensitive(self, world):
        world.authorize(WEB, tcp_rule(22, Policy="drop", Priority="100"), tcp_rule(80))
        world.ecs.call(RevokeSecurityGroupRequest, SecurityGroupId=WEB,
                       Permissions=[tcp_rule(22, IpProtocol="TCP", Policy="Drop", Priority="100")])
        assert [r["PortRange"] for r in world.rules(WEB)] == ["80/80"]

    def test_by_permissions_uses_defaults(self, world):
        world.authorize(WEB, tcp_rule(22, Policy="accept", Priority="1"))
        world.ecs.call(RevokeSecurityGroupRequest, SecurityGroupId=WEB, Permissions=[tcp_rule(22)])
        assert world.rules(WEB) == []

    def test_egress_by_ids_and_permissions(self, world):
        world.authorize(WEB, {"IpProtocol": "tcp", "PortRange": "443/443", "DestCidrIp": "0.0.0.0/0"},
                        {"IpProtocol": "udp", "PortRange": "53/53", "DestCidrIp": "0.0.0.0/0"}, egress=True)
        https = next(r for r in world.rules(WEB) if r["PortRange"] == "443/443")
        world.ecs.call(RevokeSecurityGroupEgressRequest, SecurityGroupId=WEB,
                       SecurityGroupRuleIds=[https["SecurityGroupRuleId"]])
        world.ecs.call(RevokeSecurityGroupEgressRequest, SecurityGroupId=WEB,
                       Permissions=[{"IpProtocol": "udp", "PortRange": "53/53", "DestCidrIp": "0.0.0.0/0"}])
        assert world.rules(WEB) == []

    def test_unknown_id_revokes_nothing(self, world):
        world.authorize(WEB, tcp_rule(22))
        existing = rule_ids(world, WEB)
        error = world.ecs.error(RevokeSecurityGroupRequest, SecurityGroupId=WEB,
                                SecurityGroupRuleIds=existing + [World.MISSING_RULE])
        # Since 2024-07-08 (API reference, RevokeSecurityGroup error table).
        assert error.get_error_code() == "InvalidParam.SecurityGroupRuleId"
        assert rule_ids(world, WEB) == existing

    def test_ids_and_permissions_together_refused(self, world):
        world.authorize(WEB, tcp_rule(22), tcp_rule(80))
        ids = rule_ids(world, WEB)
        error = world.ecs.error(RevokeSecurityGroupRequest, SecurityGroupId=WEB, SecurityGroupRuleIds=ids[:1],
                                Permissions=[tcp_rule(80)])
        assert error.get_http_status() == 400
        assert rule_ids(world, WEB) == ids

    def test_revoking_a_reference_frees_the_referenced_group(self, world):
        referrer = world.create_group("referrer")
        world.authorize(referrer, {"IpProtocol": "tcp", "PortRange": "22/22", "SourceGroupId": DB})
        world.ecs.call(RevokeSecurityGroupRequest, SecurityGroupId=referrer,
                       Permissions=[{"IpProtocol": "tcp", "PortRange": "22/22", "SourceGroupId": DB}])
        references = world.ecs.call(DescribeSecurityGroupReferencesRequest, SecurityGroupIds=[DB])
        entries = references["SecurityGroupReferences"]["SecurityGroupReference"]
        assert all(not e["ReferencingSecurityGroups"]["ReferencingSecurityGroup"] for e in entries)


class TestModifyRule:
    def test_description_in_place_keeps_id(self, world):
        world.authorize(WEB, tcp_rule(22, Description="old"))
        rule = only_rule(world, WEB)
        response = world.ecs.call(ModifySecurityGroupRuleRequest, SecurityGroupId=WEB,
                                  SecurityGroupRuleId=rule["SecurityGroupRuleId"], Description="new")
        assert set(response) == {"RequestId"}
        after = only_rule(world, WEB)
        assert (after["SecurityGroupRuleId"], after["Description"], after["PortRange"]) == (
            rule["SecurityGroupRuleId"], "new", "22/22")

    @pytest.mark.parametrize("change, expected", [
        ({"PortRange": "2222/2222"}, {"PortRange": "2222/2222"}),
        ({"SourceCidrIp": "192.168.0.0/16"}, {"SourceCidrIp": "192.168.0.0/16"}),
        ({"Policy": "drop"}, {"Policy": "Drop"}),
        ({"Priority": "42"}, {"Priority": 42}),
        ({"IpProtocol": "udp"}, {"IpProtocol": "UDP"}),
    ], ids=["port", "cidr", "policy", "priority", "protocol"])
    def test_change_by_id_keeps_id(self, world, change, expected):
        world.authorize(WEB, tcp_rule(22))
        rule_id = only_rule(world, WEB)["SecurityGroupRuleId"]
        world.ecs.call(ModifySecurityGroupRuleRequest, SecurityGroupId=WEB, SecurityGroupRuleId=rule_id, **change)
        after = only_rule(world, WEB)
        assert after["SecurityGroupRuleId"] == rule_id
        assert {key: after[key] for key in expected} == expected

    def test_egress_rule_by_id(self, world):
        world.authorize(WEB, {"IpProtocol": "tcp", "PortRange": "443/443", "DestCidrIp": "0.0.0.0/0"}, egress=True)
        rule_id = only_rule(world, WEB)["SecurityGroupRuleId"]
        world.ecs.call(ModifySecurityGroupEgressRuleRequest, SecurityGroupId=WEB, SecurityGroupRuleId=rule_id,
                       Description="https out", DestCidrIp="100.64.0.0/10")
        after = only_rule(world, WEB)
        assert (after["SecurityGroupRuleId"], after["Description"], after["DestCidrIp"], after["Direction"]) == (
            rule_id, "https out", "100.64.0.0/10", "egress")

    def test_peer_kind_cannot_change(self, world):
        world.authorize(WEB, tcp_rule(22))
        rule_id = only_rule(world, WEB)["SecurityGroupRuleId"]
        error = world.ecs.error(ModifySecurityGroupRuleRequest, SecurityGroupId=WEB, SecurityGroupRuleId=rule_id,
                                SourceGroupId=DB, SourceCidrIp="")
        assert error.get_http_status() == 400
        assert only_rule(world, WEB)["SourceCidrIp"] == "10.0.0.0/8"


class TestReferences:
    def test_describe_references(self, world):
        world.authorize(WEB, {"IpProtocol": "tcp", "PortRange": "3306/3306", "SourceGroupId": DB})
        world.authorize(DEMO_SG_VPC, {"IpProtocol": "tcp", "PortRange": "3306/3306", "SourceGroupId": DB})
        response = world.ecs.call(DescribeSecurityGroupReferencesRequest, SecurityGroupIds=[DB, WEB])
        by_group = {entry["SecurityGroupId"]: entry for entry in
                    response["SecurityGroupReferences"]["SecurityGroupReference"]}
        referencing = by_group[DB]["ReferencingSecurityGroups"]["ReferencingSecurityGroup"]
        assert {r["SecurityGroupId"] for r in referencing} == {WEB, DEMO_SG_VPC}
        assert all("AliUid" in r for r in referencing)
        web_refs = by_group.get(WEB, {"ReferencingSecurityGroups": {"ReferencingSecurityGroup": []}})
        assert web_refs["ReferencingSecurityGroups"]["ReferencingSecurityGroup"] == []

    def test_egress_reference_counts(self, world):
        world.authorize(WEB, {"IpProtocol": "tcp", "PortRange": "3306/3306", "DestGroupId": DB}, egress=True)
        response = world.ecs.call(DescribeSecurityGroupReferencesRequest, SecurityGroupIds=[DB])
        entry = response["SecurityGroupReferences"]["SecurityGroupReference"][0]
        assert [r["SecurityGroupId"] for r in entry["ReferencingSecurityGroups"]["ReferencingSecurityGroup"]] == [WEB]

    def test_more_than_ten_ids_refused(self, world):
        ids = world.seed_groups(11)  # all exist, so only their number is wrong
        assert world.ecs.error(DescribeSecurityGroupReferencesRequest, SecurityGroupIds=ids).get_http_status() == 400


class TestDescribeAttributePaging:
    def test_max_results_pages_to_the_end(self, world):
        world.authorize(WEB, *[tcp_rule(port) for port in range(1000, 1025)])
        pages, token, seen = 0, None, []
        while True:
            params = {"SecurityGroupId": WEB, "MaxResults": 10}
            if token:
                params["NextToken"] = token
            page = world.ecs.call(DescribeSecurityGroupAttributeRequest, **params)
            pages += 1
            seen += [r["SecurityGroupRuleId"] for r in page["Permissions"]["Permission"]]
            token = page["NextToken"]
            if not token:
                break
        assert len(seen) == len(set(seen)) == 25
        assert pages == 3

    def test_default_returns_all_of_200(self, world):
        world.authorize(WEB, *[tcp_rule(port) for port in range(1000, 1100)])
        world.authorize(WEB, *[tcp_rule(port) for port in range(2000, 2100)])
        page = world.ecs.call(DescribeSecurityGroupAttributeRequest, SecurityGroupId=WEB)
        assert len(page["Permissions"]["Permission"]) == 200 and page["NextToken"] == ""

    @pytest.mark.parametrize("max_results", [9, 1001])
    def test_max_results_bounds(self, world, max_results):
        error = world.ecs.error(DescribeSecurityGroupAttributeRequest, SecurityGroupId=WEB, MaxResults=max_results)
        assert error.get_http_status() == 400
