# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit checks, one table per check: a case that fires and a near miss that does not; then coverage,
settings, summary, fail_on, member reading and the report (Markdown, Mermaid, JSON)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils import _audit as a
from ansible_collections.cloudwall.alicloud.plugins.module_utils import _audit_report as r
from ansible_collections.cloudwall.alicloud.plugins.module_utils import _reachability as ra
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import rule_from_permission
from ansible_collections.cloudwall.alicloud.tests.lib import mermaid_check
from ansible_collections.cloudwall.alicloud.tests.lib.mermaid_check import check_chart, mermaid_blocks

VPC = "vpc-1"


def rule(spec, rule_id="sgr-1", vpc=True):
    """A Rule from a compact text: ``[egress] PROTO PORTS PEER [drop] [pN] [internet]``, e.g. ``tcp 22 0.0.0.0/0``,
    ``all - 10.0.0.0/8``, ``tcp 3306 172.16.0.0/12 drop p1``, ``udp 53 sg-peer``."""
    words = spec.split()
    direction = "egress" if words[0] == "egress" else "ingress"
    if direction == "egress":
        words = words[1:]
    protocol, ports, peer = words[:3]
    flags = words[3:]
    side = "Dest" if direction == "egress" else "Source"
    permission = {
        "SecurityGroupRuleId": rule_id, "Direction": direction, "IpProtocol": protocol.upper(),
        "PortRange": "-1/-1" if ports == "-" else (ports if "/" in ports else "%s/%s" % (ports, ports)),
        "Policy": "Drop" if "drop" in flags else "Accept",
        "Priority": next((int(flag[1:]) for flag in flags if flag.startswith("p")), 1),
        "NicType": "internet" if "internet" in flags else "intranet",
    }
    if peer.startswith("sg-"):
        permission[side + "GroupId"] = peer
    elif peer.startswith("pl-"):
        permission[side + "PrefixListId"] = peer
    elif ":" in peer:
        permission["Ipv6%sCidrIp" % side] = peer
    else:
        permission[side + "CidrIp"] = peer
    for flag in flags:
        if flag.startswith("sport="):
            permission["SourcePortRange"] = flag[len("sport="):]
        if flag.startswith("local="):
            permission["DestCidrIp" if direction == "ingress" else "SourceCidrIp"] = flag[len("local="):]
    return rule_from_permission(permission, is_vpc=vpc)


def group(rules=(), vpc=True, members=("i-1",), description="A group", tags=None, name="web", group_id="sg-web",
          policy="accept"):
    built = [rule(spec, "sgr-%d" % index, vpc) for index, spec in enumerate(rules, 1)]
    return a.new_audit_group(group_id=group_id, name=name, description=description, vpc_id=VPC if vpc else "",
                             group_type="normal", inner_access_policy=policy, tags={"tier": "web"} if tags is None else tags,
                             rules=built, member_ids=members)


def fired(check_id, audit_group, **settings):
    """``[(rule id or "", message)]`` that one check yields for one group."""
    check = a.CHECKS[check_id]
    return [(found_rule.rule_id if found_rule is not None else "", message)
            for found_rule, message in check.function(audit_group, a.default_settings(**settings))]


# ---------------------------------------------------------------------------------------------------------
# One table per check: (rules of the group, group options, settings, rule ids expected to fire)

RULE_CHECK_CASES = [
    # intranet_cidr_all_ports
    ("intranet_cidr_all_ports", ["all - 172.16.0.0/12"], {}, {}, ["sgr-1"]),
    ("intranet_cidr_all_ports", ["tcp 1/65535 192.168.0.0/16"], {}, {}, ["sgr-1"]),
    ("intranet_cidr_all_ports", ["udp 1/65535 172.16.1.0/24"], {}, {}, ["sgr-1"]),
    ("intranet_cidr_all_ports", ["tcp 2/65535 172.16.0.0/12"], {}, {}, []),             # not every port
    ("intranet_cidr_all_ports", ["all - sg-peer"], {}, {}, []),                          # a group, not a CIDR
    ("intranet_cidr_all_ports", ["all - 0.0.0.0/0"], {}, {}, []),                        # VPC 0.0.0.0/0 is Internet
    ("intranet_cidr_all_ports", ["all - 172.16.0.0/12 drop"], {}, {}, []),               # a drop grants nothing
    ("intranet_cidr_all_ports", ["all - 172.16.0.0/12 drop", "all - 172.16.0.0/12"], {}, {}, []),  # shadowed
    ("intranet_cidr_all_ports", ["egress all - 172.16.0.0/12"], {}, {}, []),             # egress
    ("intranet_cidr_all_ports", ["all - 10.0.0.0/8 internet"], {"vpc": False}, {}, []),  # classic Internet rule
    ("intranet_cidr_all_ports", ["all - 10.1.0.0/16"], {"vpc": False}, {}, ["sgr-1"]),   # classic intranet rule
    # intranet_cidr_too_broad
    ("intranet_cidr_too_broad", ["tcp 22 10.0.0.0/8"], {}, {}, ["sgr-1"]),
    ("intranet_cidr_too_broad", ["tcp 22 0.0.0.0/0"], {"vpc": False}, {}, ["sgr-1"]),    # classic intranet 0/0
    ("intranet_cidr_too_broad", ["tcp 22 10.1.0.0/16"], {}, {}, []),
    ("intranet_cidr_too_broad", ["tcp 22 172.16.0.0/12"], {}, {}, []),
    ("intranet_cidr_too_broad", ["tcp 22 0.0.0.0/0"], {}, {}, []),                       # VPC: Internet, other check
    ("intranet_cidr_too_broad", ["tcp 22 0.0.0.0/0 internet"], {"vpc": False}, {}, []),
    # classic_intranet_cidr
    ("classic_intranet_cidr", ["tcp 22 10.1.2.0/24"], {"vpc": False}, {}, ["sgr-1"]),
    ("classic_intranet_cidr", ["tcp 22 sg-peer"], {"vpc": False}, {}, []),                # group authorization
    ("classic_intranet_cidr", ["tcp 22 10.1.2.0/24 internet"], {"vpc": False}, {}, []),
    ("classic_intranet_cidr", ["tcp 22 10.1.2.0/24"], {}, {}, []),                        # a VPC group
    # internet_sensitive_ports
    ("internet_sensitive_ports", ["tcp 22 0.0.0.0/0"], {}, {}, ["sgr-1"]),
    ("internet_sensitive_ports", ["tcp 6379 ::/0"], {}, {}, ["sgr-1"]),
    ("internet_sensitive_ports", ["udp 11211 0.0.0.0/0"], {}, {}, ["sgr-1"]),
    ("internet_sensitive_ports", ["tcp 3000/3400 0.0.0.0/0"], {}, {}, ["sgr-1"]),         # range holds 3306, 3389
    ("internet_sensitive_ports", ["all - 0.0.0.0/0"], {}, {}, ["sgr-1"]),
    ("internet_sensitive_ports", ["tcp 22 0.0.0.0/0 internet"], {"vpc": False}, {}, ["sgr-1"]),
    ("internet_sensitive_ports", ["tcp 443 0.0.0.0/0"], {}, {}, []),
    ("internet_sensitive_ports", ["tcp 22 203.0.113.0/24"], {}, {}, []),                  # not the whole Internet
    ("internet_sensitive_ports", ["tcp 22 0.0.0.0/0 drop"], {}, {}, []),
    ("internet_sensitive_ports", ["tcp 22 0.0.0.0/0 drop p1", "tcp 22 0.0.0.0/0 p1"], {}, {}, []),  # shadowed
    ("internet_sensitive_ports", ["tcp 22 0.0.0.0/0 drop p9", "tcp 22 0.0.0.0/0 p1"], {}, {}, ["sgr-2"]),
    ("internet_sensitive_ports", ["icmp - 0.0.0.0/0"], {}, {}, []),
    ("internet_sensitive_ports", ["tcp 22 0.0.0.0/0"], {"vpc": False}, {}, []),           # classic intranet rule
    # What the evaluation lets through decides, not one rule at a time: drops of 20-25 and 26-30 come first.
    ("internet_sensitive_ports", ["tcp 20/30 0.0.0.0/0 p10", "tcp 20/25 0.0.0.0/0 drop p1", "tcp 26/30 0.0.0.0/0 drop p1"],
     {}, {}, []),
    ("internet_sensitive_ports", ["tcp 20/30 0.0.0.0/0 p10", "tcp 20/25 0.0.0.0/0 drop p1"], {}, {}, []),  # 26-30: none
    ("internet_sensitive_ports", ["tcp 20/30 0.0.0.0/0 p10", "tcp 22 0.0.0.0/0 drop p1"], {}, {}, ["sgr-1"]),
    ("internet_sensitive_ports", ["tcp 22 0.0.0.0/0 p10", "tcp 22 203.0.113.0/24 drop p1"], {}, {}, ["sgr-1"]),
    ("internet_sensitive_ports", ["tcp 22 0.0.0.0/1", "tcp 22 128.0.0.0/1"], {}, {}, ["sgr-1", "sgr-2"]),
    ("internet_sensitive_ports", ["tcp 8080 0.0.0.0/0"], {}, {"sensitive_ports": (8080,)}, ["sgr-1"]),
    ("internet_sensitive_ports", ["tcp 22 0.0.0.0/0"], {}, {"sensitive_ports": (8080,)}, []),
    # shadowed_accept
    ("shadowed_accept", ["tcp 3306 172.16.0.0/12 drop p1", "tcp 3306 172.16.1.0/24 p5"], {}, {}, ["sgr-2"]),
    ("shadowed_accept", ["tcp 3306 172.16.1.0/24 drop p5", "tcp 3306 172.16.1.0/24 p5"], {}, {}, ["sgr-2"]),  # tie
    ("shadowed_accept", ["all - 0.0.0.0/0 drop p100", "tcp 22 172.16.1.0/24 p100"], {}, {}, ["sgr-2"]),
    ("shadowed_accept", ["tcp 3306 172.16.0.0/12 drop p50", "tcp 3306 172.16.1.0/24 p5"], {}, {}, []),  # accept first
    ("shadowed_accept", ["tcp 3306 172.16.1.0/24 drop p1", "tcp 3306 172.16.0.0/12 p5"], {}, {}, []),  # only part
    ("shadowed_accept", ["tcp 3000/3305 172.16.0.0/12 drop", "tcp 3306 172.16.1.0/24 p5"], {}, {}, []),
    ("shadowed_accept", ["udp 3306 172.16.0.0/12 drop", "tcp 3306 172.16.1.0/24 p5"], {}, {}, []),
    ("shadowed_accept", ["egress tcp 3306 172.16.0.0/12 drop", "tcp 3306 172.16.1.0/24 p5"], {}, {}, []),
    ("shadowed_accept", ["tcp 22 sg-a drop", "tcp 22 sg-b p5"], {}, {}, []),             # other group
    ("shadowed_accept", ["tcp 22 sg-a drop", "tcp 22 sg-a p5"], {}, {}, ["sgr-2"]),
    ("shadowed_accept", ["tcp 22 172.16.0.0/12 drop sport=1000/2000", "tcp 22 172.16.1.0/24 p5"], {}, {}, []),
    # Several drops together: port ranges, blocks.
    ("shadowed_accept", ["tcp 20/30 0.0.0.0/0 p10", "tcp 20/25 0.0.0.0/0 drop p1", "tcp 26/30 0.0.0.0/0 drop p1"],
     {}, {}, ["sgr-1"]),
    ("shadowed_accept", ["tcp 20/30 0.0.0.0/0 p10", "tcp 20/25 0.0.0.0/0 drop p1", "tcp 27/30 0.0.0.0/0 drop p1"],
     {}, {}, []),                                                                      # port 26 gets through
    ("shadowed_accept", ["tcp 3306 172.16.0.0/12 p5", "tcp 3306 172.16.0.0/13 drop", "tcp 3306 172.24.0.0/13 drop"],
     {}, {}, ["sgr-1"]),
    ("shadowed_accept", ["tcp 3306 172.16.0.0/12 p5", "tcp 3306 172.16.0.0/13 drop", "tcp 3306 172.24.0.0/13 drop p9"],
     {}, {}, []),                                                                      # one drop comes after it
    # redundant_rule
    ("redundant_rule", ["tcp 8080 172.16.0.0/16 p1", "tcp 8080 172.16.2.0/24 p2"], {}, {}, ["sgr-2"]),
    ("redundant_rule", ["all - 172.16.0.0/12", "tcp 6379 172.16.9.0/24"], {}, {}, ["sgr-2"]),
    ("redundant_rule", ["tcp 1/1000 172.16.2.0/24", "tcp 22 172.16.2.0/24"], {}, {}, ["sgr-2"]),
    ("redundant_rule", ["tcp 8080 172.16.0.0/16 p5", "tcp 8080 172.16.2.0/24 p2"], {}, {}, []),  # broader one is later
    ("redundant_rule", ["tcp 8080 172.16.0.0/16 drop", "tcp 8080 172.16.2.0/24 p2"], {}, {}, []),  # other policy
    ("redundant_rule", ["tcp 8080 172.16.0.0/16", "tcp 8080/8081 172.16.2.0/24"], {}, {}, []),  # neither covers
    ("redundant_rule", ["tcp 8080 172.16.0.0/16", "tcp 8080 172.16.2.0/24 local=172.16.9.0/24"], {}, {}, ["sgr-2"]),
    ("redundant_rule", ["tcp 8080 172.16.0.0/16 local=172.16.9.0/24", "tcp 8080 172.16.2.0/24"], {}, {}, []),
    ("redundant_rule", ["tcp 80 0.0.0.0/0", "tcp 80 ::/0"], {}, {}, []),                 # IPv4 does not hold IPv6
]


@pytest.mark.parametrize("check_id, rules, group_options, settings, expected", RULE_CHECK_CASES,
                         ids=["%s-%d" % (case[0], index) for index, case in enumerate(RULE_CHECK_CASES)])
def test_rule_checks(check_id, rules, group_options, settings, expected):
    found = fired(check_id, group(rules, **group_options), **settings)
    assert [rule_id for rule_id, _message in found] == expected
    assert all(message for _rule_id, message in found)


GROUP_CHECK_CASES = [
    ("group_without_members", {"members": ()}, {}, True),
    ("group_without_members", {"members": ("eni-1",)}, {}, False),
    ("group_too_many_members", {"members": ("i-1", "i-2", "i-3")}, {"max_members": 2}, True),
    ("group_too_many_members", {"members": ("i-1", "i-2")}, {"max_members": 2}, False),
    ("missing_description", {"description": ""}, {}, True),
    ("missing_description", {"description": "  "}, {}, True),
    ("missing_description", {"description": "Web tier"}, {}, False),
    ("missing_tags", {"tags": {}}, {}, True),
    ("missing_tags", {"tags": {"env": ""}}, {}, False),
]


@pytest.mark.parametrize("check_id, group_options, settings, fires", GROUP_CHECK_CASES,
                         ids=["%s-%d" % (case[0], index) for index, case in enumerate(GROUP_CHECK_CASES)])
def test_group_checks(check_id, group_options, settings, fires):
    found = fired(check_id, group(**group_options), **settings)
    assert [rule_id for rule_id, _message in found] == ([""] if fires else [])


@pytest.mark.parametrize("group_ids, limit, fires", [
    (("sg-1", "sg-2", "sg-3", "sg-4", "sg-5"), 5, True),
    (("sg-1", "sg-2", "sg-3", "sg-4"), 5, False),
    (("sg-1", "sg-2"), 2, True),
])
def test_member_at_group_limit(group_ids, limit, fires):
    member = a.AuditMember("i-1", "web-1", "instance", group_ids)
    messages = list(a.check_member_at_group_limit(member, a.default_settings(max_groups_per_instance=limit)))
    assert len(messages) == (1 if fires else 0)
    if fires:
        assert "web-1 (i-1)" in messages[0] and "limit is %d" % limit in messages[0]


def test_every_check_has_a_case_that_fires_and_one_that_does_not():
    outcomes = {}
    for case in RULE_CHECK_CASES:
        outcomes.setdefault(case[0], set()).add(bool(case[4]))
    for case in GROUP_CHECK_CASES:
        outcomes.setdefault(case[0], set()).add(case[3])
    outcomes["member_at_group_limit"] = {True, False}
    assert set(outcomes) == set(a.CHECK_IDS)
    assert all(value == {True, False} for value in outcomes.values())


# ---------------------------------------------------------------------------------------------------------
# Geometry


@pytest.mark.parametrize("spec, reach", [
    (("tcp 22 0.0.0.0/0", True), "internet"),
    (("tcp 22 203.0.113.0/24", True), "internet"),
    (("tcp 22 ::/0", True), "internet"),
    (("tcp 22 172.16.1.0/24", True), "intranet"),
    (("tcp 22 100.100.0.0/16", True), "intranet"),
    (("tcp 22 fd00::/8", True), "intranet"),
    (("tcp 22 0.0.0.0/0", False), "intranet"),
    (("tcp 22 0.0.0.0/0 internet", False), "internet"),
    (("tcp 22 sg-peer", True), None),
])
def test_rule_reach(spec, reach):
    text, vpc = spec
    assert a.rule_reach(group(vpc=vpc), rule(text, vpc=vpc)) == reach


@pytest.mark.parametrize("text, expected", [
    ("tcp 22 10.0.0.0/8", "tcp 22"),
    ("udp 1000/2000 10.0.0.0/8", "udp 1000-2000"),
    ("tcp 1/65535 10.0.0.0/8", "tcp all ports"),
    ("all - 10.0.0.0/8", "all protocols"),
    ("icmp - 10.0.0.0/8", "icmp"),
])
def test_describe_access(text, expected):
    assert a.describe_access(rule(text)) == expected


def test_relate_rules_names_the_highest_priority_rule_that_covers():
    rules = [rule("tcp 22 172.16.0.0/12 p20", "sgr-wide"), rule("all - 172.16.0.0/16 p10", "sgr-all"),
             rule("tcp 22 172.16.1.0/24 drop p15", "sgr-drop"), rule("tcp 22 172.16.1.0/24 p30", "sgr-narrow"),
             rule("tcp 22 172.16.1.0/24 drop p40", "sgr-late-drop")]
    shadowed_by, covered_by = a.relate_rules(rules)
    assert [[other.rule_id for other in drops] for drops in shadowed_by] == [[], [], [], ["sgr-drop"], []]
    assert [other.rule_id if other else None for other in covered_by] == [None, None, None, "sgr-all", "sgr-drop"]


@pytest.mark.parametrize("rules, message", [
    (["tcp 3306 172.16.0.0/12 drop p1", "tcp 3306 172.16.1.0/24 p5"],
     "accept rule never applies: drop rule sgr-1 (priority 1) matches all of its traffic first"),
    (["tcp 20/30 0.0.0.0/0 p10", "tcp 26/30 0.0.0.0/0 drop p2", "tcp 20/25 0.0.0.0/0 drop p1"],
     "accept rule never applies: drop rules sgr-3 (priority 1), sgr-2 (priority 2) together match all of its traffic first"),
])
def test_shadowed_accept_names_its_drops(rules, message):
    found = fired("shadowed_accept", group(rules))
    assert [text for _rule_id, text in found] == [message]


# ---------------------------------------------------------------------------------------------------------
# Settings, audit, summary, fail_on


@pytest.mark.parametrize("overrides, problem", [
    ({"disabled_checks": frozenset(["nope"])}, "disabled_checks has unknown checks nope"),
    ({"sensitive_ports": (22, 70000)}, "sensitive_ports has 70000"),
    ({"max_members": 0}, "max_members is 0"),
    ({"max_groups_per_instance": 0}, "max_groups_per_instance is 0"),
])
def test_validate_settings(overrides, problem):
    problems = a.validate_settings(a.default_settings(**overrides))
    assert len(problems) == 1 and problem in problems[0]


def test_default_settings_are_valid():
    assert a.validate_settings(a.default_settings()) == []


def bad_and_good_groups():
    bad = group(["tcp 22 0.0.0.0/0", "tcp 8080 172.16.0.0/16", "tcp 8080 172.16.1.0/24 p2"], members=(),
                tags={}, name="bad", group_id="sg-bad")
    good = group(["tcp 443 0.0.0.0/0"], name="good", group_id="sg-good")
    member = a.AuditMember("i-9", "", "instance", ("sg-bad", "sg-good", "sg-3", "sg-4", "sg-5"))
    return [bad, good], [member]


def test_audit_groups_orders_findings_and_fills_every_field():
    groups, members = bad_and_good_groups()
    findings = a.audit_groups(groups, members, a.default_settings())
    assert [(f.check, f.security_group_id, f.rule_id, f.member_id) for f in findings] == [
        ("internet_sensitive_ports", "sg-bad", "sgr-1", ""),
        ("redundant_rule", "sg-bad", "sgr-3", ""),
        ("group_without_members", "sg-bad", "", ""),
        ("missing_tags", "sg-bad", "", ""),
        ("member_at_group_limit", "", "", "i-9"),
    ]
    first = findings[0]
    assert first.severity == "high" and first.security_group_name == "bad"
    assert first.message.startswith("ingress accept tcp 22/22 from 0.0.0.0/0") and "22 (SSH)" in first.message
    assert first.recommendation == a.CHECKS["internet_sensitive_ports"].recommendation


def test_disabled_checks_do_not_run_and_leave_the_summary():
    groups, members = bad_and_good_groups()
    settings = a.default_settings(disabled_checks=frozenset(["missing_tags", "member_at_group_limit"]))
    findings = a.audit_groups(groups, members, settings)
    assert [f.check for f in findings] == ["internet_sensitive_ports", "redundant_rule", "group_without_members"]
    summary = a.summarize(findings, 2, settings)
    assert summary == {
        "groups_audited": 2, "findings": 3, "by_severity": {"high": 1, "medium": 0, "low": 2},
        "by_check": dict((check, 0) for check in a.CHECK_IDS if check not in settings.disabled_checks) | {
            "internet_sensitive_ports": 1, "redundant_rule": 1, "group_without_members": 1},
        "disabled_checks": ["member_at_group_limit", "missing_tags"],
    }


@pytest.mark.parametrize("severities, fail_on, failing", [
    (["low", "medium", "high"], "none", 0),
    (["low", "medium", "high"], "high", 1),
    (["low", "medium", "high"], "medium", 2),
    (["low", "medium", "high"], "low", 3),
    (["low", "low"], "medium", 0),
    ([], "low", 0),
])
def test_findings_at_or_above(severities, fail_on, failing):
    findings = [a.Finding("c", severity, "", "", "", "", "", "") for severity in severities]
    assert len(a.findings_at_or_above(findings, fail_on)) == failing


def api_item(kind, item_id, groups, **extra):
    key = "InstanceId" if kind == "instance" else "NetworkInterfaceId"
    item = {key: item_id, "SecurityGroupIds": {"SecurityGroupId": list(groups)}}
    item.update(extra)
    return item


def test_members_from_api_counts_each_member_once():
    instances = [api_item("instance", "i-1", ["sg-a", "sg-x"], InstanceName="web-1"),
                 api_item("instance", "i-2", ["sg-x"]),
                 api_item("instance", "i-1", ["sg-a", "sg-x"], InstanceName="web-1")]   # read again for another group
    interfaces = [api_item("eni", "eni-p1", ["sg-a", "sg-x"], Type="Primary", InstanceId="i-1"),
                  api_item("eni", "eni-s1", ["sg-b"], Type="Secondary", InstanceId=""),
                  api_item("eni", "eni-p9", ["sg-b"], Type="Primary", InstanceId="i-9")]
    by_group, members = a.members_from_api(instances, interfaces, ["sg-a", "sg-b", "sg-c"])
    assert by_group == {"sg-a": ["i-1"], "sg-b": ["eni-s1", "i-9"], "sg-c": []}
    assert [(m.member_id, m.name, m.kind, m.group_ids) for m in members] == [
        ("i-1", "web-1", "instance", ("sg-a", "sg-x")),
        ("eni-s1", "", "eni", ("sg-b",)),
        ("i-9", "", "instance", ("sg-b",)),
    ]


# ---------------------------------------------------------------------------------------------------------
# Reachability and reports


def map_groups():
    web = group(["tcp 80 0.0.0.0/0", "tcp 443 0.0.0.0/0", "tcp 22 172.16.9.0/24"], name="web", group_id="sg-web")
    redis = group(["tcp 6379 sg-web", "tcp 6379 sg-other", "tcp 3306 172.16.0.0/12 drop",
                   "tcp 3306 172.16.1.0/24 p5", "egress tcp 443 0.0.0.0/0", "tcp 9000 pl-office"],
                  name="redis", group_id="sg-redis", policy="drop")
    return [web, redis]


def labelled_edges(nodes, edges):
    labels = dict((node.node_id, node.label) for node in nodes)
    return [(labels[edge.source], labels[edge.target], edge.label, edge.inner) for edge in edges]


def test_reachability_edges_come_from_effective_accept_ingress_rules():
    nodes, edges = r.reachability(map_groups())
    assert labelled_edges(nodes, edges) == [
        ("0.0.0.0/0", "web", "tcp 80, 443", False),
        ("172.16.9.0/24", "web", "tcp 22", False),
        ("web", "redis", "tcp 6379", False),
        ("sg-other", "redis", "tcp 6379", False),
        ("pl-office", "redis", "tcp 9000", False),
        ("web", "web", "all (members reach each other)", True),
    ]
    kinds = dict((node.label, node.kind) for node in nodes)
    assert kinds == {"web": r.NODE_AUDITED, "redis": r.NODE_AUDITED, "0.0.0.0/0": r.NODE_INTERNET,
                     "172.16.9.0/24": r.NODE_INTRANET, "sg-other": r.NODE_PEER_GROUP, "pl-office": r.NODE_PREFIX_LIST}
    assert all(re.match(r"^[A-Za-z][0-9A-Za-z_]*$", node.node_id) for node in nodes)
    assert len(set(node.node_id for node in nodes)) == len(nodes)


def test_same_cidr_on_internet_and_intranet_gives_two_nodes():
    classic = group(["tcp 22 0.0.0.0/0", "tcp 443 0.0.0.0/0 internet"], vpc=False, name="legacy", group_id="sg-l")
    nodes, _edges = r.reachability([classic])
    cidr_nodes = [(node.label, node.kind) for node in nodes if node.label == "0.0.0.0/0"]
    assert sorted(cidr_nodes) == [("0.0.0.0/0", r.NODE_INTERNET), ("0.0.0.0/0", r.NODE_INTRANET)]
    assert len(set(node.node_id for node in nodes)) == len(nodes)


def test_mermaid_chart_lists_nodes_edges_and_escapes_labels():
    odd = group(['tcp 80 0.0.0.0/0'], name='we"b|x', group_id="sg-odd")
    chart = r.mermaid_charts(*r.reachability([odd]))
    assert len(chart) == 1
    lines = chart[0].splitlines()
    assert lines[0] == "flowchart LR"
    assert '  sg_odd["we#34;b#124;x"]' in lines
    assert '  cidr_0_0_0_0_0(["0.0.0.0/0"])' in lines
    assert '  cidr_0_0_0_0_0 -->|"tcp 80"| sg_odd' in lines
    assert '  sg_odd -.->|"all (members reach each other)"| sg_odd' in lines


def test_big_maps_are_split_below_mermaids_edge_limit():
    groups = [group(["tcp %d 172.16.%d.%d/32" % (port, index, port) for port in range(1, 6)], name="g%d" % index,
                    group_id="sg-%d" % index, policy="drop") for index in range(150)]
    nodes, edges = r.reachability(groups)
    assert len(edges) == 750
    charts = r.mermaid_charts(nodes, edges)
    assert len(charts) == 2
    drawn = [len([line for line in chart.splitlines() if "-->" in line]) for chart in charts]
    assert sum(drawn) == 750 and max(drawn) <= r.MERMAID_MAX_EDGES
    # A target's edges stay in one chart.
    assert drawn == [500, 250]


def test_markdown_report_has_every_section():
    groups, members = bad_and_good_groups()
    settings = a.default_settings()
    findings = a.audit_groups(groups, members, settings)
    text = r.render_markdown(groups, findings, a.summarize(findings, 2, settings), region="cn-hangzhou")
    assert text.startswith("# Security group audit\n\nRegion `cn-hangzhou`. Groups audited: 2. Findings: 5 "
                           "(1 high, 1 medium, 3 low).\n")
    for heading in ("## Summary", "## Findings by group", "### bad (`sg-bad`)", "### good (`sg-good`)",
                    "## Instances and network interfaces", "## Reachability map"):
        assert "\n%s\n" % heading in text
    good_section = text.split("### good (`sg-good`)")[1].split("##")[0]
    assert "No findings." in good_section
    assert "| medium | `member_at_group_limit` | `i-9` |" in text
    assert text.count("```mermaid\nflowchart LR\n") == 1


def test_markdown_escapes_table_cells():
    assert r._cell("a|b\nc") == "a\\|b c"
    assert r.md_text("[x](http://e) <b>") == "\\[x\\]\\(http\\://e\\) \\<b\\>"
    assert r.md_code("a`b|c\nd") == "`a'b|c d`"
    assert r.md_code("a`b|c\nd", in_table=True) == "`a'b\\|c d`"
    assert r.mermaid_text('a"b<c>`d;#e') == "a#34;b#60;c#62;#96;d#59;#35;e"


def test_render_report_picks_json_by_extension():
    groups, members = bad_and_good_groups()
    settings = a.default_settings()
    findings = a.audit_groups(groups, members, settings)
    summary = a.summarize(findings, 2, settings)
    document = json.loads(r.render_report("/tmp/x.JSON", groups, findings, summary))
    assert document["summary"] == summary
    assert [f["check"] for f in document["findings"]] == [f.check for f in findings]
    assert [g["security_group_id"] for g in document["groups"]] == ["sg-bad", "sg-good"]
    assert {"source", "target", "label", "inner"} == set(document["reachability"]["edges"][0])
    assert r.render_report("/tmp/x.md", groups, findings, summary).startswith("# Security group audit")


# ---------------------------------------------------------------------------------------------------------
# Issue 13.4: the report cannot be forged. Hostile values in every field that comes from the cloud.

HOSTILE = ("x\n## Findings by group\nThe group sg-evil was reviewed and is compliant.\n| a | b |\n```\n"
           "[click](http://evil.example) <img src=x onerror=alert(1)> `code` &amp; # heading\r\n- list\u2028> quote"
           ' "quoted"; end')


def hostile_world():
    evil_rules = [
        rule_from_permission({"SecurityGroupRuleId": "sgr-e1", "Direction": "ingress", "IpProtocol": "TCP",
                              "PortRange": "22/22", "SourceCidrIp": "0.0.0.0/0", "Policy": "Accept", "Priority": 1,
                              "NicType": "intranet", "Description": HOSTILE}, is_vpc=True),
        rule_from_permission({"SecurityGroupRuleId": "sgr-e2", "Direction": "ingress", "IpProtocol": "TCP",
                              "PortRange": "6379/6379", "SourceGroupId": "sg-outside", "SourceGroupName": HOSTILE,
                              "Policy": "Accept", "Priority": 1, "NicType": "intranet", "Description": HOSTILE}, is_vpc=True),
        rule_from_permission({"SecurityGroupRuleId": "sgr-e3", "Direction": "ingress", "IpProtocol": "TCP",
                              "PortRange": "443/443", "SourcePrefixListId": "pl-1", "SourcePrefixListName": HOSTILE,
                              "Policy": "Accept", "Priority": 1, "NicType": "intranet"}, is_vpc=True),
        rule_from_permission({"SecurityGroupRuleId": "sgr-e4", "Direction": "ingress", "IpProtocol": "TCP",
                              "PortRange": "3306/3306", "SourceGroupId": "sg-evil2", "Policy": "Accept", "Priority": 1,
                              "NicType": "intranet", "Description": HOSTILE}, is_vpc=True),
    ]
    evil = a.new_audit_group(group_id="sg-evil", name=HOSTILE, description=HOSTILE, vpc_id=HOSTILE, group_type="normal",
                             inner_access_policy="accept", tags={HOSTILE: HOSTILE, "env": HOSTILE}, rules=evil_rules,
                             member_ids=("i-evil",))
    evil2 = a.new_audit_group(group_id="sg-evil2", name="evil2\n# Heading", description="", vpc_id="", group_type="normal",
                              inner_access_policy="drop", tags={}, rules=[], member_ids=())
    members = [a.AuditMember("i-evil", HOSTILE, "instance", ("sg-evil", "sg-a", "sg-b", "sg-c", "sg-d"))]
    return [evil, evil2], members


def inline_text(token):
    """What a reader sees of an inline token: its text and code spans, escapes resolved."""
    return "".join(child.content for child in token.children or [] if child.type in ("text", "code_inline", "softbreak"))


def unescaped_pipes(line):
    count, index = 0, 0
    while index < len(line):
        if line[index] == "\\":
            index += 2
            continue
        count += line[index] == "|"
        index += 1
    return count


def test_hostile_cloud_values_cannot_forge_the_markdown_report():
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py is pinned in tests/requirements.txt")

    groups, members = hostile_world()
    settings = a.default_settings()
    findings = a.audit_groups(groups, members, settings)
    text = r.render_markdown(groups, findings, a.summarize(findings, 2, settings), region=HOSTILE)
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(text)
    headings = [(token.tag, inline_text(tokens[index + 1])) for index, token in enumerate(tokens)
                if token.type == "heading_open"]
    flat = r._BREAKS.sub(" ", HOSTILE)
    assert headings == [
        ("h1", "Security group audit"), ("h2", "Summary"), ("h2", "Findings by group"),
        ("h3", "%s (sg-evil)" % flat), ("h3", "evil2 # Heading (sg-evil2)"),
        ("h2", "Instances and network interfaces"), ("h2", "Reachability map"),
        ("h3", "VPC %s" % flat.replace("`", "'")), ("h3", "Classic network"),
    ]
    kinds = set(token.type for token in tokens) | set(child.type for token in tokens for child in token.children or [])
    assert not kinds & {"link_open", "image", "html_inline", "html_block", "blockquote_open", "bullet_list_open",
                        "ordered_list_open", "code_block", "hr"}
    fences = [token for token in tokens if token.type == "fence"]
    assert fences and all(token.info == "mermaid" for token in fences)
    assert "compliant" not in "".join(token.content for token in tokens if token.type == "paragraph_open")
    # Every table row has the cells of its header, whatever a value holds.
    for block in re.split(r"\n(?!\|)", text):
        rows = [line for line in block.split("\n") if line.startswith("|")]
        assert len(set(unescaped_pipes(row) for row in rows)) <= 1, rows
    # The hostile text reads back exactly (flattened onto one line) where it is shown.
    paragraphs = [inline_text(tokens[index + 1]) for index, token in enumerate(tokens) if token.type == "paragraph_open"]
    assert any("%s=%s" % (flat.replace("`", "'"), flat.replace("`", "'")) in paragraph for paragraph in paragraphs)
    for chart in mermaid_blocks(text):
        assert check_chart(chart) == []


def test_json_report_keeps_hostile_values_exact():
    groups, members = hostile_world()
    settings = a.default_settings()
    findings = a.audit_groups(groups, members, settings)
    document = json.loads(r.render_json(groups, findings, a.summarize(findings, 2, settings)))
    assert document["groups"][0]["security_group_name"] == HOSTILE
    assert document["groups"][0]["tags"] == {HOSTILE: HOSTILE, "env": HOSTILE}
    assert any(node["label"] == HOSTILE for node in document["reachability"]["nodes"])


# ---------------------------------------------------------------------------------------------------------
# Issue 15: maps that stay readable at fleet scale, from the same evaluation as sg_reachability


def test_one_map_per_vpc_and_a_matrix_beside_each():
    groups = map_groups() + [group(["tcp 22 10.0.0.0/8"], vpc=False, name="legacy", group_id="sg-legacy")]
    maps = r.vpc_maps(groups)
    assert [(vpc_id, [g.group_id for g in vpc_groups]) for vpc_id, vpc_groups, _n, _e in maps] == [
        (VPC, ["sg-web", "sg-redis"]), ("", ["sg-legacy"])]
    settings = a.default_settings()
    text = r.render_markdown(groups, [], a.summarize([], 3, settings))
    assert "### VPC `vpc-1`" in text and "### Classic network" in text
    assert text.count("```mermaid\nflowchart LR\n") == 2
    assert text.count("Who may reach whom (rows reach columns):") == 2
    assert "| web | all \\(members reach each other\\) | tcp 6379 |" in text
    assert "| 0\\.0\\.0\\.0/0 | tcp 80, 443 | - |" in text


def test_cidr_nodes_merge_by_kind_with_their_ports():
    specs = ["tcp %d 198.51.100.%d/32" % (80 + index, index) for index in range(10)] + ["tcp 22 172.16.9.0/24",
                                                                                        "tcp 23 172.16.8.0/24"]
    nodes, edges = r.vpc_maps([group(specs, name="web", group_id="sg-web", policy="drop")])[0][2:]
    labels = labelled_edges(nodes, edges)
    internet = [edge for edge in labels if edge[0].startswith("Internet CIDRs: ")]
    assert internet == [(internet[0][0], "web", "tcp 80, 81, 82, 83, 84, 85, 86, 87, 88, 89", False)]
    assert internet[0][0].startswith("Internet CIDRs: 198.51.100.0/32, ") and internet[0][0].endswith(" and 4 more")
    assert ("172.16.9.0/24", "web", "tcp 22", False) in labels  # two intranet CIDRs stay apart


def fleet(count, per_group=3):
    """``count`` tier groups in one VPC, each reachable from the next few by group and from the Internet on 443."""
    groups = []
    for index in range(count):
        specs = ["tcp %d sg-t%02d" % (8000 + step, (index + step) % count) for step in range(1, per_group + 1)]
        groups.append(group(specs + ["tcp 443 0.0.0.0/0"], name="tier-%02d" % index, group_id="sg-t%02d" % index,
                            policy="drop"))
    return groups


def test_thirteen_groups_one_edge_per_pair_and_a_valid_chart():
    _vpc, _groups, nodes, edges = r.vpc_maps(fleet(13))[0]
    pairs = [(edge.source, edge.target) for edge in edges]
    assert len(pairs) == len(set(pairs)) == 13 * 3 + 13
    charts = r.mermaid_charts(nodes, edges)
    assert len(charts) == 1 and check_chart(charts[0]) == []


def test_past_the_readable_size_the_report_gives_the_matrix_alone():
    groups = fleet(r.MAP_MAX_GROUPS + 5)
    settings = a.default_settings()
    text = r.render_markdown(groups, [], a.summarize([], len(groups), settings))
    assert "```mermaid" not in text
    assert "30 groups are more than a map can show readably (25)" in text
    header = [line for line in text.split("\n") if line.startswith("| from")][0]
    assert unescaped_pipes(header) == 1 + 1 + 30
    row = [line for line in text.split("\n") if line.startswith("| tier-01 |")][0]
    assert row.split(" | ")[1] == "tcp 8001"


def test_map_edges_agree_with_the_evaluation():
    groups = map_groups()
    by_id = dict((g.group_id, g) for g in groups)
    nodes, edges = r.reachability(groups)
    node_ids = dict((node.node_id, node) for node in nodes)
    checked = 0
    for edge in edges:
        if edge.inner or node_ids[edge.source].kind not in (r.NODE_AUDITED, r.NODE_INTERNET, r.NODE_INTRANET):
            continue
        target = ra.group_endpoint(by_id[[g.group_id for g in groups if g.name == node_ids[edge.target].label][0]])
        source_node = node_ids[edge.source]
        if source_node.kind == r.NODE_AUDITED:
            source = ra.group_endpoint([g for g in groups if g.name == source_node.label][0])
        else:
            source = ra.cidr_endpoint(source_node.label)
        for part in edge.label.split(", "):
            port = int(part.split()[-1])
            assert ra.reaches_some(ra.evaluate(source, target, "tcp", port, by_id)), edge
            checked += 1
    # 3306 from 172.16.1.0/24 is shadowed by the drop: no edge, and the evaluation says not reachable.
    assert not ra.evaluate(ra.cidr_endpoint("172.16.1.0/24"), ra.group_endpoint(by_id["sg-redis"]), "tcp", 3306, by_id).reachable
    assert checked == 4


def test_drops_that_together_close_an_accept_close_it_in_the_audit_the_map_and_the_evaluation():
    # An accept of tcp 20-30 from anywhere, and drops of 20-25 and 26-30 evaluated first.
    web = group(["tcp 20/30 0.0.0.0/0 p10", "tcp 20/25 0.0.0.0/0 drop p1", "tcp 26/30 0.0.0.0/0 drop p1"])
    findings = a.audit_groups([web], [], a.default_settings())
    assert [(finding.check, finding.rule_id) for finding in findings if finding.severity != "low"] == [("shadowed_accept", "sgr-1")]
    _nodes, edges = r.reachability([web])
    assert [edge for edge in edges if not edge.inner] == []
    for port in range(20, 31):
        assert ra.evaluate(ra.INTERNET, ra.group_endpoint(web), "tcp", port, [web]).reachable is False


def test_mermaid_parser_accepts_the_charts():
    mermaid_check.require_node_parser()
    groups, members = hostile_world()
    charts = []
    for _vpc, _groups, nodes, edges in r.vpc_maps(groups + fleet(13) + map_groups()[1:]):
        charts.extend(r.mermaid_charts(nodes, edges))
    results = mermaid_check.parse_with_mermaid(charts + ['flowchart LR\n  a["x"] -->|"' + HOSTILE + '"| b\n'])
    assert [result["ok"] for result in results] == [True] * len(charts) + [False]
