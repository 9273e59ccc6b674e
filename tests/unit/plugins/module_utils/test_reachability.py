# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reachability evaluation, one table of cases per semantic: priorities, drop vs accept at equal priority, inner
access policies, enterprise groups, several groups per member, classic NICs, IPv6, prefix lists, ICMP/ALL,
egress, quintuple rules; then the matrix, the group-level port intervals and agreement with the audit."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils import _audit as a
from ansible_collections.cloudwall.alicloud.plugins.module_utils import _reachability as ra

# The compact rule builder of the audit tests.
from ansible_collections.cloudwall.alicloud.tests.unit.plugins.module_utils.test_audit import rule

VPC = "vpc-1"


def grp(group_id, specs=(), policy="accept", group_type="normal", vpc=True, name=None):
    rules = [rule(spec, "%s-r%d" % (group_id, index), vpc) for index, spec in enumerate(specs, 1)]
    return a.new_audit_group(group_id=group_id, name=name or group_id[3:], description="", vpc_id=VPC if vpc else "",
                             group_type=group_type, inner_access_policy=policy, tags={}, rules=rules, member_ids=())


def inst(instance_id, groups, address, vpc=True):
    return ra.member_endpoint(ra.KIND_INSTANCE, instance_id, instance_id, VPC if vpc else "", None, groups, [address])


WEB = inst("i-web", ["sg-web"], "172.16.1.11")
WEB6 = ra.member_endpoint(ra.KIND_INSTANCE, "i-web6", "", VPC, None, ["sg-web"], ["172.16.1.13", "2408:4000::11"])
REDIS = inst("i-redis", ["sg-redis"], "172.16.1.21")
REDIS6 = ra.member_endpoint(ra.KIND_INSTANCE, "i-redis6", "", VPC, None, ["sg-redis"], ["172.16.1.22", "2408:4000::21"])
BOTH = inst("i-both", ["sg-redis", "sg-extra"], "172.16.1.23")
PEER_WEB = inst("i-web2", ["sg-web"], "172.16.1.12")
OTHER = inst("i-other", ["sg-other"], "172.16.2.5")
CLASSIC_A = inst("i-ca", ["sg-ca"], "10.27.0.11", vpc=False)
CLASSIC_B = inst("i-cb", ["sg-cb"], "10.27.0.12", vpc=False)
OFFICE = ra.cidr_endpoint("203.0.113.0/28")
OFFICE_HOST = ra.cidr_endpoint("203.0.113.5")
PRIVATE_NET = ra.cidr_endpoint("172.16.9.0/24")
PREFIX_LISTS = {"pl-office": ["203.0.113.0/24", "198.51.100.0/24"]}

# (case, groups: {id: (rules, options)}, source, destination, protocol, port, reachable, deciding rule id or default)
CASES = [
    # Defaults of a basic group: inbound denied, outbound allowed; the inner access policy for members.
    ("no rule: inbound denied", {}, WEB, REDIS, "tcp", 6379, False, ra.DEFAULT_INGRESS_DENY),
    ("group rule admits the peer", {"sg-redis": ["tcp 6379 sg-web"]}, WEB, REDIS, "tcp", 6379, True, "sg-redis-r1"),
    ("group rule: other port", {"sg-redis": ["tcp 6379 sg-web"]}, WEB, REDIS, "tcp", 6380, False, ra.DEFAULT_INGRESS_DENY),
    ("group rule: not a member", {"sg-redis": ["tcp 6379 sg-web"]}, OTHER, REDIS, "tcp", 6379, False, ra.DEFAULT_INGRESS_DENY),
    ("same group, accept policy", {}, PEER_WEB, WEB, "tcp", 22, True, ra.DEFAULT_INNER_ACCEPT),
    ("same group, drop policy", {"sg-web": ([], {"policy": "drop"})}, PEER_WEB, WEB, "tcp", 22, False, ra.DEFAULT_INNER_DROP),
    ("a rule beats the inner policy", {"sg-web": ["tcp 22 sg-web drop p100"]}, PEER_WEB, WEB, "tcp", 22, False, "sg-web-r1"),
    ("inner policy is intranet only", {}, ra.INTERNET, WEB, "tcp", 22, False, ra.DEFAULT_INGRESS_DENY),
    # Priorities: 1 first; at equal priority drop wins, whatever the group or rule order.
    ("higher-priority accept beats drop", {"sg-redis": ["tcp 6379 0.0.0.0/0 drop p100", "tcp 6379 sg-web p1"]},
     WEB, REDIS, "tcp", 6379, True, "sg-redis-r2"),
    ("higher-priority drop beats accept", {"sg-redis": ["tcp 6379 sg-web p50", "tcp 1/65535 172.16.0.0/12 drop p10"]},
     WEB, REDIS, "tcp", 6379, False, "sg-redis-r2"),
    ("equal priority: drop wins", {"sg-redis": ["tcp 6379 sg-web p5", "tcp 6379 172.16.1.0/24 drop p5"]},
     WEB, REDIS, "tcp", 6379, False, "sg-redis-r2"),
    ("equal priority: drop wins across groups", {"sg-redis": ["tcp 6379 sg-web p5"], "sg-extra": ["all - 0.0.0.0/0 drop p5"]},
     WEB, BOTH, "tcp", 6379, False, "sg-extra-r1"),
    # Several groups per member: their rules merge.
    ("second group admits", {"sg-extra": ["tcp 6379 sg-web"]}, WEB, BOTH, "tcp", 6379, True, "sg-extra-r1"),
    ("second group drops first", {"sg-redis": ["tcp 6379 sg-web p2"], "sg-extra": ["tcp 6379 sg-web drop p1"]},
     WEB, BOTH, "tcp", 6379, False, "sg-extra-r1"),
    ("shared accepting group among several", {"sg-redis": ([], {"policy": "drop"})},
     inst("i-x", ["sg-extra"], "172.16.1.40"), BOTH, "tcp", 6379, True, ra.DEFAULT_INNER_ACCEPT),
    # Enterprise groups: inbound and outbound denied by default, members isolated.
    ("enterprise: members isolated", {"sg-ent": ([], {"group_type": "enterprise", "policy": "drop"})},
     inst("i-e1", ["sg-ent"], "172.16.3.1"), inst("i-e2", ["sg-ent"], "172.16.3.2"), "tcp", 80, False, ra.DEFAULT_EGRESS_DENY),
    ("enterprise: ingress and egress rules admit",
     {"sg-ent": (["tcp 80 172.16.3.0/24", "egress tcp 80 172.16.3.0/24"], {"group_type": "enterprise", "policy": "drop"})},
     inst("i-e1", ["sg-ent"], "172.16.3.1"), inst("i-e2", ["sg-ent"], "172.16.3.2"), "tcp", 80, True, "sg-ent-r1"),
    ("enterprise: ingress without egress", {"sg-ent": (["tcp 80 172.16.3.0/24"], {"group_type": "enterprise", "policy": "drop"})},
     inst("i-e1", ["sg-ent"], "172.16.3.1"), inst("i-e2", ["sg-ent"], "172.16.3.2"), "tcp", 80, False, ra.DEFAULT_EGRESS_DENY),
    # Egress: the source's rules decide first.
    ("egress drop stops it", {"sg-redis": ["tcp 6379 sg-web"], "sg-web": ["egress tcp 6379 sg-redis drop"]},
     WEB, REDIS, "tcp", 6379, False, "sg-web-r1"),
    ("egress drop of other port", {"sg-redis": ["tcp 6379 sg-web"], "sg-web": ["egress tcp 6380 sg-redis drop"]},
     WEB, REDIS, "tcp", 6379, True, "sg-redis-r1"),
    ("egress drop by CIDR", {"sg-redis": ["tcp 6379 sg-web"], "sg-web": ["egress all - 172.16.1.16/28 drop"]},
     WEB, REDIS, "tcp", 6379, False, "sg-web-r1"),
    # CIDRs and the Internet.
    ("internet: 0.0.0.0/0 accept", {"sg-web": ["tcp 443 0.0.0.0/0"]}, ra.INTERNET, WEB, "tcp", 443, True, "sg-web-r1"),
    ("internet: public /24 is not the Internet", {"sg-web": ["tcp 443 203.0.113.0/24"]}, ra.INTERNET, WEB, "tcp", 443, False,
     ra.DEFAULT_INGRESS_DENY),
    ("internet: group peer never", {"sg-web": (["tcp 443 sg-other"], {"policy": "drop"})}, ra.INTERNET, WEB, "tcp", 443,
     False, ra.DEFAULT_INGRESS_DENY),
    ("CIDR inside the rule's block", {"sg-web": ["tcp 22 203.0.113.0/24"]}, OFFICE, WEB, "tcp", 22, True, "sg-web-r1"),
    ("address inside", {"sg-web": ["tcp 22 203.0.113.0/24"]}, OFFICE_HOST, WEB, "tcp", 22, True, "sg-web-r1"),
    ("CIDR wider than the rule", {"sg-web": ["tcp 22 203.0.113.0/29"]}, OFFICE, WEB, "tcp", 22, False, ra.DEFAULT_INGRESS_DENY),
    ("instance address in CIDR rule", {"sg-redis": ["tcp 6379 172.16.1.0/28"]}, WEB, REDIS, "tcp", 6379, True, "sg-redis-r1"),
    ("instance address outside", {"sg-redis": ["tcp 6379 172.16.1.0/29"]}, WEB, REDIS, "tcp", 6379, False,
     ra.DEFAULT_INGRESS_DENY),
    # Prefix lists match by their entries.
    ("prefix list entry holds the address", {"sg-web": ["tcp 22 pl-office"]}, OFFICE_HOST, WEB, "tcp", 22, True, "sg-web-r1"),
    ("prefix list entries miss", {"sg-web": ["tcp 22 pl-office"]}, ra.cidr_endpoint("192.0.2.1"), WEB, "tcp", 22, False,
     ra.DEFAULT_INGRESS_DENY),
    # ICMP, GRE and ALL have no ports; ALL matches every protocol.
    ("icmp rule", {"sg-web": ["icmp - 0.0.0.0/0"]}, ra.INTERNET, WEB, "icmp", None, True, "sg-web-r1"),
    ("icmp rule is not tcp", {"sg-web": ["icmp - 0.0.0.0/0"]}, ra.INTERNET, WEB, "tcp", 80, False, ra.DEFAULT_INGRESS_DENY),
    ("all rule covers udp", {"sg-web": ["all - 0.0.0.0/0"]}, ra.INTERNET, WEB, "udp", 53, True, "sg-web-r1"),
    ("all drop covers gre", {"sg-web": ["gre - 0.0.0.0/0", "all - 0.0.0.0/0 drop"]}, ra.INTERNET, WEB, "gre", None, False,
     "sg-web-r2"),
    ("tcp all ports", {"sg-web": ["tcp 1/65535 172.16.9.0/24"]}, PRIVATE_NET, WEB, "tcp", 65535, True, "sg-web-r1"),
    # IPv6: CIDR rules of the other family never match.
    ("ipv6 rule, ipv6 query", {"sg-redis": ["tcp 6379 2408:4000::/64"]}, WEB6, REDIS6, "tcp", 6379, True, "sg-redis-r1"),
    ("ipv4 rule, ipv6 internet", {"sg-web": ["tcp 443 0.0.0.0/0"]}, ra.cidr_endpoint("::/0"), WEB, "tcp", 443, False,
     ra.DEFAULT_INGRESS_DENY),
    ("ipv6 internet", {"sg-web": ["tcp 443 ::/0"]}, ra.cidr_endpoint("::/0"), WEB, "tcp", 443, True, "sg-web-r1"),
    ("icmpv6 is not icmp", {"sg-web": ["icmp - ::/0"]}, ra.cidr_endpoint("::/0"), WEB, "icmpv6", None, False,
     ra.DEFAULT_INGRESS_DENY),
    ("icmpv6 rule", {"sg-web": ["icmpv6 - ::/0"]}, ra.cidr_endpoint("::/0"), WEB, "icmpv6", None, True, "sg-web-r1"),
    # Classic network: internet rules for the public NIC, intranet rules for the private one.
    ("classic: internet rule for Internet", {"sg-cb": (["tcp 80 0.0.0.0/0 internet"], {"vpc": False})}, ra.INTERNET,
     CLASSIC_B, "tcp", 80, True, "sg-cb-r1"),
    ("classic: intranet rule not for Internet", {"sg-cb": (["tcp 80 0.0.0.0/0"], {"vpc": False})}, ra.INTERNET,
     CLASSIC_B, "tcp", 80, False, ra.DEFAULT_INGRESS_DENY),
    ("classic: internet rule not for intranet", {"sg-cb": (["tcp 80 0.0.0.0/0 internet"], {"vpc": False}), "sg-ca": ([], {"vpc": False})},
     CLASSIC_A, CLASSIC_B, "tcp", 80, False, ra.DEFAULT_INGRESS_DENY),
    ("classic: group rule on intranet", {"sg-cb": (["tcp 80 sg-ca"], {"vpc": False}), "sg-ca": ([], {"vpc": False})},
     CLASSIC_A, CLASSIC_B, "tcp", 80, True, "sg-cb-r1"),
    ("vpc: intranet rule admits the Internet", {"sg-web": ["tcp 80 0.0.0.0/0"]}, ra.INTERNET, WEB, "tcp", 80, True, "sg-web-r1"),
    # Quintuple rules: own-side CIDR and source ports.
    ("local CIDR holds the destination", {"sg-redis": ["tcp 6379 sg-web local=172.16.1.16/28"]}, WEB, REDIS, "tcp", 6379,
     True, "sg-redis-r1"),
    ("local CIDR misses the destination", {"sg-redis": ["tcp 6379 sg-web local=172.16.1.0/28"]}, WEB, REDIS, "tcp", 6379,
     False, ra.DEFAULT_INGRESS_DENY),
    ("source ports unknown", {"sg-redis": ["tcp 6379 sg-web sport=1000/2000"]}, WEB, REDIS, "tcp", 6379, False,
     ra.DEFAULT_INGRESS_DENY),
    # Group peers match across accounts by id (group ids are unique across accounts).
    ("other account's group", {"sg-redis": ["tcp 6379 sg-acct2"]}, ra.unknown_group_endpoint("sg-acct2"), REDIS, "tcp",
     6379, True, "sg-redis-r1"),
]


def build_groups(spec):
    """Every group the endpoints name, with the given rules and options; the others without rules."""
    ids = ["sg-web", "sg-redis", "sg-extra", "sg-other", "sg-ent"]
    ids += [group_id for group_id in spec if group_id not in ids]
    groups = {}
    for group_id in ids:
        value = spec.get(group_id, [])
        specs, options = value if isinstance(value, tuple) else (value, {})
        groups[group_id] = grp(group_id, specs, **options)
    for group_id in ("sg-ca", "sg-cb"):
        if group_id not in spec:
            groups[group_id] = grp(group_id, (), vpc=False)
    return groups


def decider(answer):
    decision = answer.egress if answer.egress is not None and not answer.egress.allowed else answer.ingress
    return decision.rule.rule_id if decision.rule is not None else decision.default


@pytest.mark.parametrize("case, spec, source, destination, protocol, port, reachable, decided",
                         CASES, ids=[case[0] for case in CASES])
def test_evaluation(case, spec, source, destination, protocol, port, reachable, decided):
    answer = ra.evaluate(source, destination, protocol, port, build_groups(spec), PREFIX_LISTS,
                         ip_version=6 if (":" in (source.network or "") or "ipv6" in case) else 4)
    assert (answer.reachable, decider(answer)) == (reachable, decided), ra.explain(answer)


def test_notes_name_what_could_not_be_settled():
    groups = build_groups({"sg-web": ["tcp 22 203.0.113.0/24", "tcp 22 pl-unknown", "tcp 22 sg-web sport=1/1024"]})
    answer = ra.evaluate(ra.INTERNET, WEB, "tcp", 22, groups)
    assert not answer.reachable
    assert any("part of the Internet (203.0.113.0/24)" in note for note in answer.notes)
    assert any("pl-unknown whose entries are not known" in note for note in answer.notes)


def test_unread_groups_are_not_evaluated():
    answer = ra.evaluate(ra.unknown_group_endpoint("sg-far"), REDIS, "tcp", 6379, build_groups({"sg-redis": ["tcp 6379 sg-far"]}))
    assert answer.reachable and answer.egress.default == ra.NOT_EVALUATED


def test_answer_dict_names_the_deciding_rule():
    groups = build_groups({"sg-redis": ["tcp 6379 sg-web p1", "tcp 6379 0.0.0.0/0 drop p100"]})
    result = ra.answer_to_dict(ra.evaluate(WEB, REDIS, "tcp", 6379, groups))
    assert result["reachable"] is True
    decided = result["decided_by"]
    assert (decided["by"], decided["security_group_id"], decided["rule_id"], decided["direction"], decided["policy"],
            decided["priority"], decided["peer_id"]) == ("rule", "sg-redis", "sg-redis-r1", "ingress", "accept", 1, "sg-web")
    assert result["egress"]["default"] == ra.DEFAULT_EGRESS_ALLOW
    denied = ra.answer_to_dict(ra.evaluate(OTHER, REDIS, "tcp", 6379, groups))
    assert denied["decided_by"]["rule_id"] == "sg-redis-r2" and denied["decided_by"]["policy"] == "drop"


def test_matrix_and_table():
    groups = build_groups({"sg-redis": ["tcp 6379 sg-web"], "sg-web": ["tcp 80 0.0.0.0/0"]})
    endpoints = [ra.INTERNET, ra.group_endpoint(groups["sg-web"]), ra.group_endpoint(groups["sg-redis"])]
    answers = ra.matrix(endpoints, "tcp", [80, 6379], groups)
    assert len(answers) == 3 * 2 * 2  # internet and both groups -> both groups (a group to itself too), 2 ports
    header, rows = ra.matrix_table(endpoints, answers)
    assert header == ["from \\ to", "any member of web (sg-web)", "any member of redis (sg-redis)"]
    # 0.0.0.0/0 holds every member's address; members of a group reach each other (inner access policy accept).
    assert rows == [["internet", "tcp 80", "-"],
                    ["any member of web (sg-web)", "tcp 80, 6379", "tcp 6379"],
                    ["any member of redis (sg-redis)", "tcp 80", "tcp 80, 6379"]]
    instances = [WEB, REDIS]
    assert ra.matrix_table(instances, ra.matrix(instances, "tcp", [6379], groups))[1] == [
        ["i-web", "(self)", "tcp 6379"], ["i-redis", "-", "(self)"]]


@pytest.mark.parametrize("specs, expected", [
    (["tcp 22 0.0.0.0/0", "tcp 80/90 0.0.0.0/0", "tcp 85 0.0.0.0/0 drop"], ["tcp 22, 80-84, 86-90"]),
    (["tcp 1/65535 0.0.0.0/0", "udp 53 0.0.0.0/0"], ["tcp all ports", "udp 53"]),
    (["all - 0.0.0.0/0"], ["all protocols"]),
    (["all - 0.0.0.0/0", "tcp 22 0.0.0.0/0 drop"], ["tcp 1-21, 23-65535", "udp all ports", "icmp", "gre"]),
    (["icmp - 0.0.0.0/0", "tcp 443 0.0.0.0/0"], ["tcp 443", "icmp"]),
    (["tcp 443 0.0.0.0/0 drop p1", "tcp 443 0.0.0.0/0 p2"], []),
])
def test_describe_reach_is_exact_per_port_interval(specs, expected):
    groups = build_groups({"sg-web": specs})
    assert ra.describe_reach(ra.INTERNET, ra.group_endpoint(groups["sg-web"]), groups) == expected


# The audit's shadowed-accept finding and the evaluation use one order: an accept rule the audit calls shadowed is
# never the rule that decides traffic it matches (its drop, or a rule before that drop, does), and traffic of an
# accept it does not call shadowed gets through.
SHADOW_TABLES = [
    ["tcp 22 172.16.0.0/12 drop p5", "tcp 22 172.16.1.0/24 p5"],
    ["tcp 22 172.16.0.0/12 drop p5", "tcp 22 172.16.1.0/24 p4"],
    ["all - 0.0.0.0/0 drop p100", "tcp 6379 172.16.1.0/24 p100", "tcp 6379 172.16.1.0/24 p99"],
    ["tcp 1/1000 172.16.1.0/24 drop p3", "tcp 22 172.16.1.11/32 p3", "tcp 22/2000 172.16.1.11/32 p1"],
    ["udp 53 0.0.0.0/0 drop p2", "udp 53 10.0.0.0/8 p1", "udp 53 10.1.0.0/16 p3", "all - 10.1.0.0/16 drop p3"],
]


@pytest.mark.parametrize("specs", SHADOW_TABLES)
def test_shadowed_findings_agree_with_the_evaluation(specs):
    groups = build_groups({"sg-web": specs})
    web = groups["sg-web"]
    for accept, drop in zip(web.rules, web.shadowed_by):
        if accept.policy != "accept":
            continue
        first, _last = a.port_span(accept)
        source = ra.cidr_endpoint(accept.peer)
        answer = ra.evaluate(source, WEB, accept.protocol, first, groups)
        decider = answer.ingress.rule
        if drop is not None:
            # Never the accept itself: the drop, or a rule evaluated before the drop, decides.
            assert decider != accept
            assert ra.evaluation_order(decider) <= ra.evaluation_order(drop)
        else:
            assert answer.reachable
