# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reachability evaluation, one table of cases per semantic: priorities, drop vs accept at equal priority, inner
access policies, enterprise groups, several groups per member, classic NICs, IPv6, prefix lists, ICMP/ALL,
egress, quintuple rules, CIDR and Internet sources partly let through; then the matrix, the group-level port
intervals, endpoints from API items, and agreement with the audit's findings."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import random
import re

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
ENTERPRISE = {"group_type": "enterprise", "policy": "drop"}
E1, E2 = inst("i-e1", ["sg-ent"], "172.16.3.1"), inst("i-e2", ["sg-ent"], "172.16.3.2")
# Redis reachable from the web group, and (the gap) from one intranet and one Internet /24; everyone else dropped.
REDIS_PARTLY_OPEN = ["tcp 6379 sg-web p1", "tcp 6379 172.16.1.0/24 p1", "tcp 6379 203.0.113.0/24 p1",
                     "tcp 6379 0.0.0.0/0 drop p100"]

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
    ("enterprise: members isolated", {"sg-ent": ([], ENTERPRISE)}, E1, E2, "tcp", 80, False, ra.DEFAULT_EGRESS_DENY),
    ("enterprise: ingress and egress rules admit",
     {"sg-ent": (["tcp 80 172.16.3.0/24", "egress tcp 80 172.16.3.0/24"], ENTERPRISE)}, E1, E2, "tcp", 80, True, "sg-ent-r1"),
    ("enterprise: ingress without egress", {"sg-ent": (["tcp 80 172.16.3.0/24"], ENTERPRISE)}, E1, E2, "tcp", 80, False,
     ra.DEFAULT_EGRESS_DENY),
    # The inbound default decides: the source's egress allows (a basic group), no ingress rule matches.
    ("enterprise: no inbound rule, basic source", {"sg-ent": (["tcp 22 172.16.9.0/24"], ENTERPRISE)}, WEB, E1, "tcp", 80,
     False, ra.DEFAULT_INGRESS_DENY),
    ("enterprise: no inbound rule, CIDR source", {"sg-ent": ([], ENTERPRISE)}, PRIVATE_NET, E1, "tcp", 80, False,
     ra.DEFAULT_INGRESS_DENY),
    ("enterprise: egress rule, no inbound rule between members", {"sg-ent": (["egress tcp 80 172.16.3.0/24"], ENTERPRISE)},
     E1, E2, "tcp", 80, False, ra.DEFAULT_INNER_DROP),
    # Egress: the source's rules decide first.
    ("egress drop stops it", {"sg-redis": ["tcp 6379 sg-web"], "sg-web": ["egress tcp 6379 sg-redis drop"]},
     WEB, REDIS, "tcp", 6379, False, "sg-web-r1"),
    ("egress drop of other port", {"sg-redis": ["tcp 6379 sg-web"], "sg-web": ["egress tcp 6380 sg-redis drop"]},
     WEB, REDIS, "tcp", 6379, True, "sg-redis-r1"),
    ("egress drop by CIDR", {"sg-redis": ["tcp 6379 sg-web"], "sg-web": ["egress all - 172.16.1.16/28 drop"]},
     WEB, REDIS, "tcp", 6379, False, "sg-web-r1"),
    # CIDRs and the Internet.
    ("internet: 0.0.0.0/0 accept", {"sg-web": ["tcp 443 0.0.0.0/0"]}, ra.INTERNET, WEB, "tcp", 443, True, "sg-web-r1"),
    # A CIDR or Internet source is every address of it: reachable None is a partial answer, decided (for the part that
    # gets through) by the rule named.
    ("internet: a public /24 is part of it", {"sg-web": ["tcp 443 203.0.113.0/24"]}, ra.INTERNET, WEB, "tcp", 443, None,
     "sg-web-r1"),
    ("internet: a private block holds none of it", {"sg-web": ["tcp 443 172.16.0.0/12"]}, ra.INTERNET, WEB, "tcp", 443,
     False, ra.DEFAULT_INGRESS_DENY),
    ("internet: /0 accept, a public /24 dropped first", {"sg-web": ["tcp 22 0.0.0.0/0 p2", "tcp 22 203.0.113.0/24 drop p1"]},
     ra.INTERNET, WEB, "tcp", 22, None, "sg-web-r1"),
    ("internet: /0 accept, a private block dropped", {"sg-web": ["tcp 22 0.0.0.0/0 p2", "tcp 22 172.16.0.0/12 drop p1"]},
     ra.INTERNET, WEB, "tcp", 22, True, "sg-web-r1"),
    ("internet: two halves admit all of it", {"sg-web": ["tcp 22 0.0.0.0/1", "tcp 22 128.0.0.0/1"]}, ra.INTERNET, WEB, "tcp",
     22, True, "sg-web-r1"),
    ("internet: Redis partly open", {"sg-redis": REDIS_PARTLY_OPEN}, ra.INTERNET, REDIS, "tcp", 6379, None, "sg-redis-r3"),
    ("CIDR: Redis partly open to the intranet", {"sg-redis": REDIS_PARTLY_OPEN}, ra.cidr_endpoint("172.16.0.0/12"), REDIS,
     "tcp", 6379, None, "sg-redis-r2"),
    ("CIDR: a drop inside an accept", {"sg-redis": ["tcp 6379 0.0.0.0/0 p2", "tcp 6379 172.16.1.0/24 drop p1"]},
     ra.cidr_endpoint("172.16.0.0/12"), REDIS, "tcp", 6379, None, "sg-redis-r1"),
    ("CIDR: the rule of another port does not cut it", {"sg-web": ["tcp 22 203.0.113.0/28", "tcp 80 203.0.113.0/29 drop"]},
     OFFICE, WEB, "tcp", 22, True, "sg-web-r1"),
    ("CIDR: two halves admit the block", {"sg-web": ["tcp 22 203.0.113.0/25", "tcp 22 203.0.113.128/25"]},
     ra.cidr_endpoint("203.0.113.0/24"), WEB, "tcp", 22, True, "sg-web-r1"),
    ("CIDR: two halves drop the block", {"sg-web": ["tcp 22 203.0.113.0/24 p5", "tcp 22 203.0.113.0/25 drop p1",
                                                    "tcp 22 203.0.113.128/25 drop p1"]},
     ra.cidr_endpoint("203.0.113.0/24"), WEB, "tcp", 22, False, "sg-web-r2"),
    ("CIDR: prefix list entries cut it", {"sg-web": ["tcp 22 pl-office"]}, ra.cidr_endpoint("203.0.0.0/16"), WEB, "tcp", 22,
     None, "sg-web-r1"),
    ("internet: group peer never", {"sg-web": (["tcp 443 sg-other"], {"policy": "drop"})}, ra.INTERNET, WEB, "tcp", 443,
     False, ra.DEFAULT_INGRESS_DENY),
    ("CIDR inside the rule's block", {"sg-web": ["tcp 22 203.0.113.0/24"]}, OFFICE, WEB, "tcp", 22, True, "sg-web-r1"),
    ("address inside", {"sg-web": ["tcp 22 203.0.113.0/24"]}, OFFICE_HOST, WEB, "tcp", 22, True, "sg-web-r1"),
    ("CIDR wider than the rule", {"sg-web": ["tcp 22 203.0.113.0/29"]}, OFFICE, WEB, "tcp", 22, None, "sg-web-r1"),
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
    assert answer.partial is (reachable is None)


def test_notes_name_what_could_not_be_settled():
    groups = build_groups({"sg-web": ["tcp 22 pl-unknown", "tcp 22 0.0.0.0/0 sport=1/1024", "tcp 22 172.16.0.0/12 local=172.16.1.0/24"]})
    answer = ra.evaluate(ra.INTERNET, WEB, "tcp", 22, groups)
    assert answer.reachable is False
    assert any("pl-unknown whose entries are not known" in note for note in answer.notes)
    assert any("applies to source ports 1/1024 only" in note for note in answer.notes)
    answer = ra.evaluate(ra.cidr_endpoint("172.16.0.0/12"), ra.group_endpoint(groups["sg-web"]), "tcp", 22, groups)
    assert any("names 172.16.1.0/24; the address of any member of web (sg-web) is not known" in note for note in answer.notes)


@pytest.mark.parametrize("specs, source, reachable_from, explained", [
    (REDIS_PARTLY_OPEN, ra.INTERNET, ["203.0.113.0/24"],
     "internet -> i-redis tcp 6379: partly reachable; from 203.0.113.0/24: ingress: accept rule sg-redis-r3 of redis (sg-redis), "
     "priority 1, tcp 6379/6379 from 203.0.113.0/24; not from 0.0.0.0/0 except 203.0.113.0/24: ingress: drop rule sg-redis-r4 "
     "of redis (sg-redis), priority 100, tcp 6379/6379 from 0.0.0.0/0"),
    (REDIS_PARTLY_OPEN, ra.cidr_endpoint("172.16.0.0/12"), ["172.16.1.0/24"],
     "172.16.0.0/12 -> i-redis tcp 6379: partly reachable; from 172.16.1.0/24: ingress: accept rule sg-redis-r2"),
    # Nested blocks: the /8 gets in but for the /16 inside it, which is dropped but for the /24 inside that.
    (["tcp 6379 10.1.2.0/24 p1", "tcp 6379 10.1.0.0/16 drop p2", "tcp 6379 10.0.0.0/8 p3"], ra.cidr_endpoint("10.0.0.0/8"),
     ["10.0.0.0/16", "10.1.2.0/24", "10.2.0.0/15", "10.4.0.0/14", "10.8.0.0/13", "10.16.0.0/12", "10.32.0.0/11",
      "10.64.0.0/10", "10.128.0.0/9"],
     "10.0.0.0/8 -> i-redis tcp 6379: partly reachable; from 10.0.0.0/8 except 10.1.0.0/16: ingress: accept rule sg-redis-r3"),
    (["tcp 6379 0.0.0.0/0 p2", "tcp 6379 pl-office drop p1"], ra.INTERNET, None,
     "partly reachable; from 0.0.0.0/0 except 198.51.100.0/24 and 203.0.113.0/24: ingress: accept rule sg-redis-r1 of redis "
     "(sg-redis), priority 2, tcp 6379/6379 from 0.0.0.0/0; not from 198.51.100.0/24, 203.0.113.0/24: ingress: drop rule "
     "sg-redis-r2"),
])
def test_a_partial_answer_names_the_blocks_that_get_through(specs, source, reachable_from, explained):
    groups = build_groups({"sg-redis": specs})
    answer = ra.evaluate(source, REDIS, "tcp", 6379, groups, PREFIX_LISTS)
    result = ra.answer_to_dict(answer)
    assert (result["reachable"], result["partial"]) == (None, True)
    if reachable_from is not None:
        assert result["reachable_from"] == reachable_from
    assert explained in ra.explain(answer)
    # What gets through and what does not add up to the whole source, each block decided by the rule named.
    total = sum(part.size for part in answer.parts)
    assert total == (2 ** 32 if source.kind == ra.KIND_INTERNET else ra.parse_network(source.network).num_addresses)
    assert sum(ra.parse_network(block).num_addresses for block in result["reachable_from"]) == sum(
        part.size for part in answer.parts if part.decision.allowed)
    assert ra.matrix_cell([answer]) == "tcp 6379 (partly)"


@pytest.mark.parametrize("seed", range(40))
def test_each_region_is_decided_as_a_source_of_its_own(seed):
    """Random nested blocks: each region of a source is decided as a CIDR source made of that region alone is."""
    chance = random.Random(seed)
    specs = []
    for _index in range(chance.randint(1, 12)):
        length = chance.choice([8, 9, 10, 12, 16, 20, 24])
        block = ipaddress.ip_network((10 << 24 | chance.getrandbits(24), length), strict=False)
        ports = chance.choice(["22", "20/30", "1/65535"])
        specs.append("tcp %s %s%s p%d" % (ports, block, " drop" if chance.random() < 0.5 else "", chance.randint(1, 4)))
    groups = build_groups({"sg-redis": specs})
    answer = ra.evaluate(ra.cidr_endpoint("10.0.0.0/8"), REDIS, "tcp", 22, groups)
    for part in answer.parts:
        alone = ra.evaluate(ra.cidr_endpoint(ra.region_blocks(part)[0].compressed), REDIS, "tcp", 22, groups)
        assert len(alone.parts) == 1, (specs, part)
        assert decider(alone) == (part.decision.rule.rule_id if part.decision.rule else part.decision.default), (specs, part)


def test_every_address_or_none_is_not_partial():
    groups = build_groups({"sg-redis": REDIS_PARTLY_OPEN})
    inside = ra.answer_to_dict(ra.evaluate(ra.cidr_endpoint("203.0.113.128/25"), REDIS, "tcp", 6379, groups))
    outside = ra.answer_to_dict(ra.evaluate(ra.cidr_endpoint("198.51.100.0/24"), REDIS, "tcp", 6379, groups))
    member = ra.answer_to_dict(ra.evaluate(WEB, REDIS, "tcp", 6379, groups))
    assert [(row["reachable"], row["partial"], row["reachable_from"]) for row in (inside, outside, member)] == [
        (True, False, ["203.0.113.128/25"]), (False, False, []), (True, False, [])]


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


# ---------------------------------------------------------------------------------------------------------
# Endpoints from API items


# A DescribeInstances item as the API answers it (Tea model alibabacloud_ecs20140526
# DescribeInstancesResponseBodyInstancesInstanceNetworkInterfacesNetworkInterface): the emulator answers no IPv6
# address for instances (its Ipv6Sets are empty), so the shape is recorded here.
RECORDED_INSTANCE = {
    "InstanceId": "i-v6", "InstanceName": "web-v6", "InstanceNetworkType": "vpc",
    "VpcAttributes": {"VpcId": VPC, "PrivateIpAddress": {"IpAddress": ["172.16.1.30"]}},
    "SecurityGroupIds": {"SecurityGroupId": ["sg-web"]},
    "NetworkInterfaces": {"NetworkInterface": [
        {"NetworkInterfaceId": "eni-secondary", "Type": "Secondary", "PrimaryIpAddress": "172.16.1.31",
         "Ipv6Sets": {"Ipv6Set": [{"Ipv6Address": "2408:4000::31"}]}},
        {"NetworkInterfaceId": "eni-primary", "Type": "Primary", "PrimaryIpAddress": "172.16.1.30",
         "Ipv6Sets": {"Ipv6Set": [{"Ipv6Address": "2408:4000::30"}, {"Ipv6Address": "2408:4000::32"}]}},
    ]},
}


@pytest.mark.parametrize("item, addresses", [
    (RECORDED_INSTANCE, ("172.16.1.30", "2408:4000::30", "2408:4000::32")),
    # Without Type the first interface is the primary one; an emulator answer has no IPv6 address.
    (dict(RECORDED_INSTANCE, NetworkInterfaces={"NetworkInterface": [{"Ipv6Sets": {"Ipv6Set": {"Ipv6Address": "2408:4000::9"}}}]}),
     ("172.16.1.30", "2408:4000::9")),
    (dict(RECORDED_INSTANCE, NetworkInterfaces={"NetworkInterface": [{"Type": "Primary", "Ipv6Sets": {"Ipv6Set": []}}]}),
     ("172.16.1.30",)),
    (dict(RECORDED_INSTANCE, NetworkInterfaces=None), ("172.16.1.30",)),
])
def test_an_instance_has_its_primary_interfaces_ipv6_addresses(item, addresses):
    assert ra.endpoint_from_instance(item).addresses == addresses


@pytest.mark.parametrize("peer, reachable", [("2408:4000::30/128", True), ("2408:4000::31/128", False)])
def test_an_instances_ipv6_address_decides_ipv6_traffic(peer, reachable):
    groups = build_groups({"sg-redis": ["tcp 6379 %s" % peer]})
    answer = ra.evaluate(ra.endpoint_from_instance(RECORDED_INSTANCE), REDIS6, "tcp", 6379, groups, ip_version=6)
    assert answer.reachable is reachable


# ---------------------------------------------------------------------------------------------------------
# The audit's findings agree with the evaluation: shadowed accepts and the Internet exposure


# Rules of sg-web: every accept is checked on every port interval and every address of its peer.
SHADOW_TABLES = [
    ["tcp 22 172.16.0.0/12 drop p5", "tcp 22 172.16.1.0/24 p5"],
    ["tcp 22 172.16.0.0/12 drop p5", "tcp 22 172.16.1.0/24 p4"],
    ["all - 0.0.0.0/0 drop p100", "tcp 6379 172.16.1.0/24 p100", "tcp 6379 172.16.1.0/24 p99"],
    ["tcp 1/1000 172.16.1.0/24 drop p3", "tcp 22 172.16.1.11/32 p3", "tcp 22/2000 172.16.1.11/32 p1"],
    ["udp 53 0.0.0.0/0 drop p2", "udp 53 10.0.0.0/8 p1", "udp 53 10.1.0.0/16 p3", "all - 10.1.0.0/16 drop p3"],
    # Drops that only together match all of an accept: port ranges, blocks, both.
    ["tcp 20/30 0.0.0.0/0 p10", "tcp 20/25 0.0.0.0/0 drop p1", "tcp 26/30 0.0.0.0/0 drop p1"],
    ["tcp 20/30 0.0.0.0/0 p10", "tcp 20/25 0.0.0.0/0 drop p10", "tcp 26/30 0.0.0.0/0 drop p10"],
    ["tcp 20/30 0.0.0.0/0 p10", "tcp 20/25 0.0.0.0/0 drop p1", "tcp 27/30 0.0.0.0/0 drop p1"],
    ["tcp 20/30 0.0.0.0/0 p10", "tcp 20/25 0.0.0.0/0 drop p1", "tcp 26/30 0.0.0.0/0 drop p11"],
    ["tcp 22 172.16.0.0/12 p5", "tcp 22 172.16.0.0/13 drop p5", "tcp 22 172.24.0.0/13 drop p1"],
    ["tcp 22 172.16.0.0/12 p5", "tcp 22 172.16.0.0/13 drop p5", "tcp 22 172.24.0.0/14 drop p1"],
    ["tcp 1/100 10.0.0.0/8 p50", "tcp 1/50 10.0.0.0/9 drop p1", "tcp 1/50 10.128.0.0/9 drop p1", "tcp 51/100 0.0.0.0/0 drop p2"],
    ["tcp 1/100 10.0.0.0/8 p50", "tcp 1/50 10.0.0.0/9 drop p1", "tcp 1/60 10.128.0.0/9 drop p1", "tcp 60/100 0.0.0.0/0 drop p2"],
    ["all - 0.0.0.0/0 p10", "tcp 1/65535 0.0.0.0/0 drop p1", "udp 1/65535 0.0.0.0/0 drop p1"],
    ["icmp - 172.16.0.0/12 p10", "icmp - 172.16.0.0/13 drop p1", "all - 172.24.0.0/13 drop p1"],
    ["tcp 20/30 sg-other p10", "tcp 20/25 sg-other drop p1", "tcp 26/30 sg-other drop p1"],
    ["tcp 20/30 sg-other p10", "tcp 20/25 sg-other drop p1", "tcp 26/30 sg-extra drop p1"],
    ["tcp 443 ::/0 p10", "tcp 443 ::/1 drop p1", "tcp 443 8000::/1 drop p1", "tcp 443 0.0.0.0/0 p1"],
]


def accept_answers(accept, groups, destination):
    """The evaluation of all traffic an ingress accept matches: from its peer (a CIDR: every address of it), on each
    protocol it names and each port interval on which no rule of the destination changes."""
    if accept.peer_kind == "cidr":
        source, version = ra.cidr_endpoint(accept.peer), ra.parse_network(accept.peer).version
    else:
        source, version = ra.group_endpoint(groups[accept.peer]), 4
    rules = [other for group_id in destination.group_ids for other in groups[group_id].rules]
    for protocol in ("TCP", "UDP", "ICMP", "GRE") if accept.protocol == "ALL" else (accept.protocol,):
        first, last = a.port_span(accept) if protocol in ("TCP", "UDP") else (None, None)
        edges = set([first])
        for other in rules:
            if other.protocol == protocol and first is not None:
                edges.update(edge for edge in (a.port_span(other)[0], a.port_span(other)[1] + 1) if first < edge <= last)
        for port in sorted(edges, key=lambda edge: edge or 0):
            yield ra.evaluate(source, destination, protocol, port, groups, ip_version=version)


def decisions_of(answer):
    return [part.decision for part in answer.parts] if answer.parts else [answer.ingress]


@pytest.mark.parametrize("specs", SHADOW_TABLES)
def test_shadowed_findings_agree_with_the_evaluation(specs):
    groups = build_groups({"sg-web": specs})
    web = groups["sg-web"]
    destination = ra.group_endpoint(web)
    for accept, drops in zip(web.rules, web.shadowed_by):
        if accept.policy != "accept":
            continue
        answers = list(accept_answers(accept, groups, destination))
        if drops:
            # On every port and every address of it, a rule evaluated no later than the last of its drops decides.
            latest = max(ra.evaluation_order(drop) for drop in drops)
            for decision in [decision for answer in answers for decision in decisions_of(answer)]:
                assert decision.rule is not None and decision.rule != accept, decision
                assert ra.evaluation_order(decision.rule) <= latest
        else:
            # Some of its traffic gets through (by it, or by an accept evaluated before it).
            assert any(ra.reaches_some(answer) for answer in answers), [ra.explain(answer) for answer in answers]


@pytest.mark.parametrize("specs, shadowed", [
    (SHADOW_TABLES[5], {"sg-web-r1": ["sg-web-r2", "sg-web-r3"]}),
    (SHADOW_TABLES[6], {"sg-web-r1": ["sg-web-r2", "sg-web-r3"]}),
    (SHADOW_TABLES[7], {}),
    (SHADOW_TABLES[8], {}),
    (SHADOW_TABLES[9], {"sg-web-r1": ["sg-web-r3", "sg-web-r2"]}),
    (SHADOW_TABLES[10], {}),
    (SHADOW_TABLES[11], {"sg-web-r1": ["sg-web-r2", "sg-web-r3", "sg-web-r4"]}),
    (SHADOW_TABLES[12], {}),
    (SHADOW_TABLES[13], {}),
    (SHADOW_TABLES[14], {"sg-web-r1": ["sg-web-r2", "sg-web-r3"]}),
    (SHADOW_TABLES[15], {"sg-web-r1": ["sg-web-r2", "sg-web-r3"]}),
    (SHADOW_TABLES[16], {}),
    (SHADOW_TABLES[17], {"sg-web-r1": ["sg-web-r2", "sg-web-r3"]}),
])
def test_drops_that_together_match_an_accept_shadow_it(specs, shadowed):
    web = build_groups({"sg-web": specs})["sg-web"]
    found = dict((accept.rule_id, [drop.rule_id for drop in drops]) for accept, drops in zip(web.rules, web.shadowed_by) if drops)
    assert found == shadowed


# Rules of sg-web and the sensitive ports the audit reports, per accept rule.
EXPOSURE_TABLES = [
    # The reviewer's case: drops of 20-25 and 26-30 come first, so nothing of 20-30 is open.
    (["tcp 20/30 0.0.0.0/0 p10", "tcp 20/25 0.0.0.0/0 drop p1", "tcp 26/30 0.0.0.0/0 drop p1"], {}, {}),
    (["tcp 20/30 0.0.0.0/0 p10", "tcp 22 0.0.0.0/0 drop p1"], {}, {"sg-web-r1": [20, 21, 23]}),
    (["tcp 20/30 0.0.0.0/0 p10", "tcp 22 0.0.0.0/0 drop p10"], {}, {"sg-web-r1": [20, 21, 23]}),
    (["tcp 20/30 0.0.0.0/0 p10", "tcp 1/65535 0.0.0.0/0 drop p11"], {}, {"sg-web-r1": [20, 21, 22, 23]}),
    # A public block dropped first leaves the rest of the Internet in; a private one drops no Internet address.
    (["tcp 22 0.0.0.0/0 p10", "tcp 22 203.0.113.0/24 drop p1"], {}, {"sg-web-r1": [22]}),
    (["tcp 22 0.0.0.0/0 p10", "tcp 22 10.0.0.0/8 drop p1"], {}, {"sg-web-r1": [22]}),
    # Part of the Internet is not the Internet at large; all of it, in halves, is.
    (["tcp 22 203.0.113.0/24"], {}, {}),
    (["tcp 22 0.0.0.0/1", "tcp 22 128.0.0.0/1"], {}, {"sg-web-r1": [22], "sg-web-r2": [22]}),
    (["tcp 22 0.0.0.0/1", "tcp 22 128.0.0.0/1", "tcp 22 128.0.0.0/2 drop"], {}, {}),
    # An earlier accept from a public block decides its block; the /0 accept still opens the rest.
    (["tcp 22 0.0.0.0/0 p10", "tcp 22 203.0.113.0/24 p1"], {}, {"sg-web-r1": [22]}),
    (["all - 0.0.0.0/0 p5", "tcp 1/65535 0.0.0.0/0 drop p1"], {"sensitive_ports": (22, 11211)}, {"sg-web-r1": [22, 11211]}),
    (["all - 0.0.0.0/0 p5", "all - 0.0.0.0/0 drop p5"], {}, {}),
    (["tcp 6379 ::/0 p10", "tcp 6379 0.0.0.0/0 drop p1"], {}, {"sg-web-r1": [6379]}),
    (["tcp 6379 ::/0 p10", "tcp 6379 ::/0 drop p1"], {}, {}),
    (["tcp 22 0.0.0.0/0 internet"], {"vpc": False}, {"sg-web-r1": [22]}),
    (["tcp 22 0.0.0.0/0"], {"vpc": False}, {}),
]


@pytest.mark.parametrize("specs, options, exposed", EXPOSURE_TABLES)
def test_internet_exposure_agrees_with_the_evaluation(specs, options, exposed):
    settings_options = dict((key, value) for key, value in options.items() if key != "vpc")
    settings = a.default_settings(**settings_options)
    web = grp("sg-web", specs, vpc=options.get("vpc", True))
    found = dict((rule.rule_id, sorted(int(port) for port in re.findall(r"(\d+) \(", message)))
                 for rule, message in a.check_internet_sensitive_ports(web, settings))
    assert found == exposed
    reported = set(port for ports in found.values() for port in ports)
    for version in (4, 6):
        for protocol in ("tcp", "udp"):
            for port in settings.sensitive_ports:
                answer = ra.evaluate(ra.INTERNET, ra.group_endpoint(web), protocol, port, {"sg-web": web}, ip_version=version)
                if port in reported:
                    continue
                # A port not reported is never open to all of the Internet, over either protocol and IP version.
                assert answer.reachable is not True, ra.explain(answer)
    for port in reported:
        answers = [ra.evaluate(ra.INTERNET, ra.group_endpoint(web), protocol, port, {"sg-web": web}, ip_version=version)
                   for version in (4, 6) for protocol in ("tcp", "udp")]
        # A port reported is open to (some of) the Internet.
        assert any(ra.reaches_some(answer) for answer in answers)


def test_the_exposure_message_says_whether_all_of_the_internet_gets_in():
    settings = a.default_settings()
    whole = grp("sg-web", ["tcp 20/30 0.0.0.0/0 p10", "tcp 22 0.0.0.0/0 drop p1"])
    partly = grp("sg-web", ["tcp 22 0.0.0.0/0 p10", "tcp 22 203.0.113.0/24 drop p1"])
    assert [message for _rule, message in a.check_internet_sensitive_ports(whole, settings)] == [
        "the whole Internet (0.0.0.0/0) may reach administrative or data ports 20 (FTP data), 21 (FTP), 23 (Telnet)"]
    assert [message for _rule, message in a.check_internet_sensitive_ports(partly, settings)] == [
        "the Internet (0.0.0.0/0, but for blocks that other rules drop) may reach administrative or data ports 22 (SSH)"]
