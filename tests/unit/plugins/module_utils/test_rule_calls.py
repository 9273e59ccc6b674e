# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils._rule_calls import (
    has_owner,
    needs_group_type,
    parse_declared,
    parsed_once,
    peer_group_refs,
    plan_calls,
    resolver,
    rules_after,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import (
    RuleContext,
    RuleError,
    parse_rules,
    plan_rules,
    render_rule,
    rules_from_permissions,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rule_calls import syntax_context
from ansible_collections.cloudwall.alicloud.tests.unit.plugins.rule_samples import GROUP_ID, VPC, WEB_ID, permission, rule


@pytest.mark.parametrize("declared_rules, refs", [
    pytest.param([], [], id="none"),
    pytest.param([rule(protocol="tcp", ports=80, cidr="0.0.0.0/0")], [], id="cidr-only"),
    pytest.param([rule(protocol="tcp", ports=80, group="web"), rule(protocol="tcp", ports=81, group=" web "),
                  rule(protocol="tcp", ports=82, group=WEB_ID)], ["web", WEB_ID], id="names-and-ids-once-each"),
    pytest.param([rule(protocol="tcp", ports=80, group="sg-x", group_owner_account="123")], [], id="other-account"),
    pytest.param([rule(protocol="tcp", ports=80, group="sg-x", group_owner_id="123")], [], id="other-account-id"),
    pytest.param(["junk", rule(protocol="tcp", ports=80, group="")], [], id="junk-and-blank"),
    pytest.param([{"ip_protocol": "tcp", "port_range": "80/80", "source_group_id": "web"},
                  {"proto": "tcp", "ports": ["81"], "group_name": "app"}, {"proto": "tcp", "ports": ["82"], "group_id": "db"}],
                 ["web", "app", "db"], id="anchor-keys"),
    pytest.param([{"ip_protocol": "tcp", "source_group_id": "sg-x", "source_group_owner_account": "partner"}], [],
                 id="anchor-owner-other-account"),
])
def test_peer_group_refs(declared_rules, refs):
    assert peer_group_refs(declared_rules) == refs


def test_a_peer_owned_by_our_own_account_is_looked_up_in_ours():
    declared = [rule(protocol="tcp", ports=80, group="sg-x", group_owner_id="123"),
                rule(protocol="tcp", ports=81, group="sg-y", group_owner_account=" 123 "),
                rule(protocol="tcp", ports=82, group="sg-z", group_owner_id="456")]
    assert peer_group_refs(declared, own_account="123") == ["sg-x", "sg-y"]


@pytest.mark.parametrize("declared_rules, needed", [
    pytest.param([rule(protocol="tcp", ports=80, cidr="0.0.0.0/0")], False, id="accept-cidr"),
    pytest.param([rule(protocol="tcp", ports=80, cidr="0.0.0.0/0", policy="DROP")], True, id="drop-any-case"),
    pytest.param([rule(protocol="tcp", ports=80, group="web")], True, id="group-peer"),
    pytest.param([rule(protocol="tcp", ports=80, prefix_list="pl-1")], False, id="prefix-list"),
])
def test_needs_group_type(declared_rules, needed):
    assert needs_group_type(declared_rules) is needed


GROUPS = [
    {"SecurityGroupId": "sg-1", "SecurityGroupName": "web", "VpcId": VPC},
    {"SecurityGroupId": "sg-2", "SecurityGroupName": "twin", "VpcId": VPC},
    {"SecurityGroupId": "sg-3", "SecurityGroupName": "twin", "VpcId": VPC},
    {"SecurityGroupId": "sg-4", "SecurityGroupName": "sg-1", "VpcId": VPC},
]


@pytest.mark.parametrize("ref, expected", [
    pytest.param("sg-1", "sg-1", id="id-wins-over-an-equal-name"),
    pytest.param("web", "sg-1", id="unique-name"),
    pytest.param("sg-3", "sg-3", id="id-of-a-twin"),
])
def test_resolver_finds(ref, expected):
    assert resolver(GROUPS, VPC)(ref) == expected


def test_resolver_plans_a_missing_name_when_told_to_but_never_an_id_or_an_ambiguous_name():
    planned = resolver(GROUPS, VPC, missing=lambda name: "planned:" + name)
    assert planned("new-tier") == "planned:new-tier"
    with pytest.raises(LookupError):
        planned("sg-doesnotexist")
    with pytest.raises(LookupError):
        planned("twin")


def test_has_owner_sees_every_owner_key():
    assert has_owner([{"group": "sg-x", "dest_group_owner_id": "1"}])
    assert not has_owner([{"group": "web"}, "junk"])


def test_parse_declared_labels_each_option_and_joins_problems():
    context = RuleContext(group_id=GROUP_ID, resolve_group=lambda ref: ref)
    parsed = parse_declared([("rules", [{"protocol": "tcp", "ports": ["80"], "cidr": ["0.0.0.0/0"]}]),
                             ("rules_egress", [{"direction": "egress", "proto": "-1", "cidr_ip": ["0.0.0.0/0"]}])], context)
    assert [render_rule(item) for item in parsed.rules] == [
        "ingress accept tcp 80/80 from 0.0.0.0/0 (intranet) priority 1",
        "egress accept all to 0.0.0.0/0 (intranet) priority 1",
    ]
    with pytest.raises(RuleError) as raised:
        parse_declared([("rules", [{"ports": ["80"], "cidr": ["0.0.0.0/0"]}]),
                        ("rules_egress", [{"direction": "egress", "protocol": "tcp", "ports": ["70000"], "cidr": ["0.0.0.0/0"]}])],
                       context)
    assert [problem.split(" ", 1)[0] for problem in raised.value.problems] == ["rules[0]", "rules_egress[0]"]


@pytest.mark.parametrize("ref, fragments", [
    pytest.param("nope", ["no security group with id or name nope in vpc-1"], id="missing"),
    pytest.param("twin", ["2 groups are named twin in vpc-1", "twin (sg-2, vpc-1)", "twin (sg-3, vpc-1)", "give the id"], id="ambiguous"),
])
def test_resolver_refuses(ref, fragments):
    with pytest.raises(LookupError) as raised:
        resolver(GROUPS, VPC)(ref)
    for fragment in fragments:
        assert fragment in str(raised.value)


def _plan(declared, permissions, **options):
    parsed = parse_rules(declared, RuleContext(group_id=GROUP_ID)).rules
    return plan_rules(parsed, rules_from_permissions(permissions, True), **options)


def test_plan_calls_batches_adds_then_revokes_then_modifies():
    current = [permission("sgr-22", 22), permission("sgr-443", 443, description="old"), permission("sgr-25", 25, direction="egress")]
    declared = [rule(protocol="tcp", ports=[str(port) for port in range(1000, 1150)], cidr="10.0.0.0/8"),
                rule(protocol="tcp", ports=443, cidr="0.0.0.0/0", description="new"),
                rule(direction="egress", protocol="udp", ports=53, cidr="10.0.0.2")]
    calls = plan_calls(_plan(declared, current, purge_ingress=True, purge_egress=True), GROUP_ID)
    assert [(call.action, len(call.lines)) for call in calls] == [
        ("AuthorizeSecurityGroup", 100), ("AuthorizeSecurityGroup", 50), ("AuthorizeSecurityGroupEgress", 1),
        ("RevokeSecurityGroup", 1), ("RevokeSecurityGroupEgress", 1), ("ModifySecurityGroupRule", 1)]
    assert all(call.params["SecurityGroupId"] == GROUP_ID for call in calls)
    assert len(calls[0].params["Permissions"]) == 100
    assert calls[0].lines[0] == "authorize ingress accept tcp 1000/1000 from 10.0.0.0/8 (intranet) priority 1"
    assert calls[3].params["SecurityGroupRuleId"] == ["sgr-22"]
    assert calls[3].lines == ["revoke ingress accept tcp 22/22 from 0.0.0.0/0 (intranet) priority 1"]
    assert calls[5].params == {"SecurityGroupId": GROUP_ID, "SecurityGroupRuleId": "sgr-443", "Description": "new"}
    assert calls[5].lines == ['modify ingress accept tcp 443/443 from 0.0.0.0/0 (intranet) priority 1: description "old" -> "new"']


def test_plan_calls_revokes_first_when_the_quota_demands_it():
    current = [permission("sgr-%d" % port, port) for port in range(1, 4)]
    plan = _plan([rule(protocol="tcp", ports=["80", "81"], cidr="0.0.0.0/0")], current, purge_ingress=True, rule_quota=4)
    assert [call.action for call in plan_calls(plan, GROUP_ID)] == ["RevokeSecurityGroup", "AuthorizeSecurityGroup"]


def test_plan_calls_of_an_egress_modify_and_group_names():
    current = [dict(permission("sgr-1", 5432, direction="egress", description="a"), DestCidrIp="", DestGroupId=WEB_ID)]
    plan = _plan([rule(direction="egress", protocol="tcp", ports=5432, group=WEB_ID, description="b")], current)
    [call] = plan_calls(plan, GROUP_ID, {WEB_ID: "web"})
    assert call.action == "ModifySecurityGroupEgressRule"
    assert call.lines == ['modify egress accept tcp 5432/5432 to web (intranet) priority 1: description "a" -> "b"']


def test_rules_after_apply_the_plan():
    current = [permission("sgr-22", 22), permission("sgr-443", 443, description="old")]
    plan = _plan([rule(protocol="tcp", ports=443, cidr="0.0.0.0/0", description="new"), rule(protocol="udp", ports=53, cidr="10.0.0.0/8")],
                 current, purge_ingress=True)
    after = rules_after(plan, current)
    assert [(item["security_group_rule_id"], item["port_range"], item["description"]) for item in after] == [
        ("sgr-443", "443/443", "new"), ("", "53/53", "")]
    assert after[1]["ip_protocol"] == "udp" and after[1]["create_time"] == ""


@pytest.mark.parametrize("declared, context, once", [
    ([rule(protocol="tcp", ports=22, cidr="10.0.0.1/8")], RuleContext(group_id=GROUP_ID), True),
    ([rule(protocol="tcp", ports=22, cidr="10.0.0.0/8", nic_type="internet")], RuleContext(group_id=GROUP_ID), True),
    ([rule(protocol="tcp", ports=22, cidr="10.0.0.0/8")], RuleContext(group_id=GROUP_ID, is_vpc=False), False),
    ([rule(protocol="tcp", ports=22, cidr="10.0.0.0/8")], RuleContext(group_id=GROUP_ID, group_type="enterprise"), False),
    ([rule(protocol="tcp", ports=22, group=WEB_ID)], RuleContext(group_id=GROUP_ID, resolve_group=lambda ref: ref), False),
])
def test_parsed_once_only_when_the_context_changes_nothing(declared, context, once):
    assert parsed_once(declared, context) is once
    if once:
        # The promise: the syntax pass's result is the real pass's result.
        assert parse_rules(declared, syntax_context()) == parse_rules(declared, context)
