# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""Security-group audit: the best-practice guide's advice as pure checks over groups, rules and members.

No I/O. The module reads groups into ``AuditGroup`` values (rules as ``rules.Rule``) and members into
``AuditMember`` values; ``audit_groups()`` returns the findings and ``summarize()`` counts them.

Where a rule's traffic comes from: in a classic group the NicType says it (internet or intranet). In a VPC
every rule is ``intranet``, yet a rule from 0.0.0.0/0 or ::/0 (or any public CIDR) admits the Internet
through public IPs and EIPs, so there the CIDR decides: CIDRs inside ``_reachability.PRIVATE_NETWORKS`` are
intranet, the rest Internet.

The findings about what traffic gets through (an exposed port, a shadowed accept) agree with the evaluation of
``_reachability`` that sg_reachability and the report's map use: the same order of rules (priority, then drop
before accept), the same defaults; a unit test holds them together.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
from collections import OrderedDict, namedtuple
from functools import lru_cache

from ansible_collections.cloudwall.alicloud.plugins.module_utils._lists import items_at
from ansible_collections.cloudwall.alicloud.plugins.module_utils._reachability import (
    ALL_PORTS,
    INTERNET,
    evaluate,
    evaluation_order,
    group_endpoint,
    is_private_network,
    parse_network,
    port_span,
    port_span_text,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import (
    INGRESS,
    MAX_PORT,
    MIN_PORT,
    PEER_CIDR,
    PORTED_PROTOCOLS,
    render_rule,
)

SEVERITIES = ("low", "medium", "high")
FAIL_ON_CHOICES = ("none",) + SEVERITIES

# Administrative and data ports that should never be open to the whole Internet.
SENSITIVE_PORT_NAMES = OrderedDict([
    (20, "FTP data"), (21, "FTP"), (22, "SSH"), (23, "Telnet"), (135, "Windows RPC"), (139, "NetBIOS"),
    (445, "SMB"), (1433, "SQL Server"), (1521, "Oracle"), (2375, "Docker API"), (2376, "Docker API (TLS)"),
    (2379, "etcd"), (3306, "MySQL"), (3389, "RDP"), (5432, "PostgreSQL"), (5601, "Kibana"), (5984, "CouchDB"),
    (6379, "Redis"), (9200, "Elasticsearch"), (9300, "Elasticsearch transport"), (11211, "Memcached"),
    (27017, "MongoDB"),
])
DEFAULT_SENSITIVE_PORTS = tuple(SENSITIVE_PORT_NAMES)
DEFAULT_MAX_MEMBERS = 100
DEFAULT_MAX_GROUPS_PER_INSTANCE = 5

# The classic network's shared intranet: a rule from this block (or anything wider) admits other tenants.
_SHARED_INTRANET = ipaddress.ip_network("10.0.0.0/8")


AuditGroup = namedtuple("AuditGroup", [
    "group_id", "name", "description", "vpc_id", "group_type", "inner_access_policy", "tags", "rules",
    "member_ids", "shadowed_by", "covered_by",
])
AuditGroup.__doc__ = """One group as the checks see it; build it with ``new_audit_group()``.

``rules`` are ``rules.Rule`` values (both directions), ``member_ids`` the ids of its instances and of the
network interfaces that are not an instance's primary one, ``inner_access_policy`` ``accept``, ``drop`` or
None when unknown. ``shadowed_by`` and ``covered_by`` hold, per rule, what ``relate_rules()`` found."""


def new_audit_group(group_id, name, description, vpc_id, group_type, inner_access_policy, tags, rules, member_ids):
    rules = tuple(rules)
    shadowed_by, covered_by = relate_rules(rules)
    return AuditGroup(group_id, name, description, vpc_id, group_type, inner_access_policy, tags, rules,
                      tuple(member_ids), shadowed_by, covered_by)


AuditMember = namedtuple("AuditMember", ["member_id", "name", "kind", "group_ids"])
AuditMember.__doc__ = """An instance (``kind`` ``instance``) or a secondary network interface (``eni``) in an
audited group, with every group it belongs to (audited or not)."""

Settings = namedtuple("Settings", ["disabled_checks", "sensitive_ports", "max_members", "max_groups_per_instance"])


def default_settings(**overrides):
    values = dict(disabled_checks=frozenset(), sensitive_ports=DEFAULT_SENSITIVE_PORTS,
                  max_members=DEFAULT_MAX_MEMBERS, max_groups_per_instance=DEFAULT_MAX_GROUPS_PER_INSTANCE)
    values.update(overrides)
    return Settings(**values)


Finding = namedtuple("Finding", [
    "check", "severity", "security_group_id", "security_group_name", "rule_id", "member_id", "message",
    "recommendation",
])


# ---------------------------------------------------------------------------------------------------------
# Rule geometry: which traffic a rule matches, and whether one rule's traffic contains another's


def is_vpc(group):
    return bool(group.vpc_id)


@lru_cache(maxsize=4096)
def _net_key(cidr):
    """``(version, network as int, prefix length)`` for fast containment tests; ``("text", cidr)`` if unparsable."""
    network = parse_network(cidr)
    if network is None:
        return ("text", cidr)
    return (network.version, int(network.network_address), network.prefixlen)


def _net_covers(outer, inner):
    """None is "any address"; otherwise the outer block must contain the inner one (same IP version)."""
    if outer is None:
        return True
    if inner is None:
        return False
    if outer[0] == "text" or inner[0] == "text":
        return outer == inner
    if outer[0] != inner[0] or outer[2] > inner[2]:
        return False
    shift = (32 if outer[0] == 4 else 128) - outer[2]
    return outer[1] >> shift == inner[1] >> shift


Traffic = namedtuple("Traffic", ["direction", "nic_type", "protocol", "first_port", "last_port", "peer_kind", "peer",
                                 "local", "source_ports"])


def traffic_of(rule):
    """What a rule matches, in a form cheap to compare: CIDRs as integers, ports as numbers, None for "any"."""
    first, last = port_span(rule)
    peer = _net_key(rule.peer) if rule.peer_kind == PEER_CIDR else (rule.peer, rule.peer_owner)
    return Traffic(rule.direction, rule.nic_type, rule.protocol, first, last, rule.peer_kind, peer,
                   _net_key(rule.local_cidr) if rule.local_cidr else None,
                   port_span_text(rule.source_port_range) if rule.source_port_range else None)


def _covers_sides(outer, inner):
    """True when ``outer`` holds ``inner`` in all but protocol, ports and peer: direction, NIC type, peer kind,
    source ports and own-side CIDR."""
    if outer.direction != inner.direction or outer.nic_type != inner.nic_type or outer.peer_kind != inner.peer_kind:
        return False
    if outer.source_ports is not None and (
            inner.source_ports is None or inner.source_ports[0] < outer.source_ports[0]
            or outer.source_ports[1] < inner.source_ports[1]):
        return False
    return _net_covers(outer.local, inner.local)


def traffic_covers(outer, inner):
    """True when every packet ``inner`` matches is matched by ``outer``."""
    if not _covers_sides(outer, inner):
        return False
    if outer.protocol != "ALL":
        if outer.protocol != inner.protocol:
            return False
        if inner.first_port < outer.first_port or outer.last_port < inner.last_port:
            return False
    if outer.peer_kind == PEER_CIDR:
        return _net_covers(outer.peer, inner.peer)
    return outer.peer == inner.peer


def relate_rules(rules):
    """``(shadowed_by, covered_by)``, one entry per rule.

    ``shadowed_by[i]``: for an accept rule, the drops evaluated before it (a higher priority, or the same: at equal
    priority a drop wins, AuthorizeSecurityGroup Priority) that together match all of its traffic: one drop that
    does (the highest-priority one), else several whose port ranges, and for a CIDR peer whose blocks, add up to
    it; ``()`` when there are none.
    ``covered_by[i]``: the highest-priority other rule with the same policy that matches all of its traffic
    and is evaluated no later, which makes rule ``i`` add nothing; None when there is none.
    """
    traffics = [traffic_of(rule) for rule in rules]
    shadowed_by = [()] * len(rules)
    covered_by = [None] * len(rules)
    # Candidates per (direction, NIC type, protocol), highest priority first: a rule can only be covered by
    # a rule of its own protocol or of protocol ALL, so other protocols are never compared.
    candidates = {}
    for index in sorted(range(len(rules)), key=lambda position: rules[position].priority):
        traffic = traffics[index]
        candidates.setdefault((traffic.direction, traffic.nic_type, traffic.protocol), []).append(
            (rules[index].priority, index, traffic.first_port, traffic.last_port))
    for inner, rule in enumerate(rules):
        traffic = traffics[inner]
        partial_drops = []  # drops evaluated first that match part of this accept's traffic
        for protocol in (traffic.protocol,) if traffic.protocol == "ALL" else (traffic.protocol, "ALL"):
            for priority, outer, first_port, last_port in candidates.get((traffic.direction, traffic.nic_type, protocol), ()):
                if priority > rule.priority:
                    break
                if outer == inner or last_port < traffic.first_port or traffic.last_port < first_port:
                    continue
                other = rules[outer]
                # Cheap port test first: most rules of a group differ in their ports.
                if (protocol != "ALL" and (first_port > traffic.first_port or last_port < traffic.last_port)
                        or not traffic_covers(traffics[outer], traffic)):
                    if other.policy == "drop" and rule.policy == "accept":
                        partial_drops.append(outer)
                    continue
                if other.policy == rule.policy:
                    # Equal traffic, policy and priority would be one rule (the same identity): never both flagged.
                    same = priority == rule.priority and traffics[outer] == traffic
                    if not same and (covered_by[inner] is None or priority < covered_by[inner].priority):
                        covered_by[inner] = other
                elif other.policy == "drop" and (not shadowed_by[inner] or priority < shadowed_by[inner][0].priority):
                    shadowed_by[inner] = (other,)
        if rule.policy == "accept" and not shadowed_by[inner] and len(partial_drops) > 1:
            shadowed_by[inner] = tuple(rules[index] for index in _union_shadow(traffic, partial_drops, rules, traffics))
    return tuple(shadowed_by), tuple(covered_by)


def _union_shadow(traffic, drops, rules, traffics):
    """The indexes of ``drops`` (drops evaluated before an accept whose traffic is ``traffic``) that together match
    every port of it and, for a CIDR peer, every address of its block, in evaluation order; ``[]`` when they do not.
    Each drop must hold the accept's other sides: peer kind (and, for a group or prefix list, the same peer),
    own-side CIDR and source ports."""
    usable = [index for index in drops if _covers_sides(traffics[index], traffic)
              and (traffic.peer_kind == PEER_CIDR or traffics[index].peer == traffic.peer)]
    edges = set([traffic.first_port])
    for index in usable:
        edges.update(edge for edge in (traffics[index].first_port, traffics[index].last_port + 1)
                     if traffic.first_port < edge <= traffic.last_port)
    block = traffic.peer if traffic.peer_kind == PEER_CIDR else None
    if block is not None and not _blocks_holding(block, usable, traffics):
        return []  # all of them together leave addresses out, whatever the ports
    used = []
    # Each interval between edges is matched alike by every drop: it is shadowed when the drops that match it do.
    for port in sorted(edges):
        matching = [index for index in usable if traffics[index].first_port <= port <= traffics[index].last_port]
        if block is not None:
            matching = _blocks_holding(block, matching, traffics)
        if not matching:
            return []
        used.extend(matching if block is not None else matching[:1])
    return sorted(set(used), key=lambda index: (evaluation_order(rules[index]), index))


def _blocks_holding(block, drops, traffics):
    """The indexes of ``drops`` whose CIDR blocks together hold every address of ``block`` (a ``_net_key``); ``[]`` when
    they do not. Blocks nest or are disjoint, so the ones inside it hold it when their merged extent is all of it."""
    if block[0] == "text":
        return []
    inside = []
    for index in drops:
        key = traffics[index].peer
        if key[0] != block[0]:
            continue
        if _net_covers(key, block):
            return [index]
        if _net_covers(block, key):
            inside.append(index)
    bits = 32 if block[0] == 4 else 128
    end = block[1]
    for start, stop in sorted((traffics[index].peer[1], traffics[index].peer[1] + (1 << (bits - traffics[index].peer[2])))
                              for index in inside):
        if start > end:
            return []  # a gap
        end = max(end, stop)
    return inside if end == block[1] + (1 << (bits - block[2])) else []


def rule_reach(group, rule):
    """``internet`` or ``intranet``: where an ingress CIDR rule admits traffic from (see the module docstring);
    None for group and prefix-list peers."""
    if rule.peer_kind != PEER_CIDR:
        return None
    return _cidr_reach(is_vpc(group), rule.nic_type, rule.peer)


@lru_cache(maxsize=4096)
def _cidr_reach(in_vpc, nic_type, cidr):
    if not in_vpc:
        return nic_type
    return "intranet" if is_private_network(cidr) else "internet"


def _effective_cidr_accepts(group):
    """Accept ingress rules from a CIDR that drops do not shadow: those that let traffic in."""
    for rule, drops in zip(group.rules, group.shadowed_by):
        if rule.direction == INGRESS and rule.policy == "accept" and rule.peer_kind == PEER_CIDR and not drops:
            yield rule


def describe_access(rule):
    """``tcp 22``, ``tcp 8000-8080``, ``udp all ports``, ``icmp``, ``all protocols``."""
    if rule.protocol == "ALL":
        return "all protocols"
    if rule.protocol not in PORTED_PROTOCOLS:
        return rule.protocol.lower()
    first, last = port_span(rule)
    if (first, last) == ALL_PORTS:
        return "%s all ports" % rule.protocol.lower()
    return "%s %s" % (rule.protocol.lower(), first if first == last else "%d-%d" % (first, last))


# ---------------------------------------------------------------------------------------------------------
# The checks. A group check yields ``(rule, message)`` pairs (rule None for the group itself). The exposure
# checks skip accept rules that drops shadow entirely: those grant nothing (shadowed_accept reports them).


def check_intranet_cidr_all_ports(group, settings):
    for rule in _effective_cidr_accepts(group):
        if rule_reach(group, rule) != "intranet":
            continue
        if rule.protocol == "ALL" or (rule.protocol in PORTED_PROTOCOLS and port_span(rule) == ALL_PORTS):
            yield rule, "intranet rule admits %s from %s" % (describe_access(rule), rule.peer)


def check_intranet_cidr_too_broad(group, settings):
    for rule in _effective_cidr_accepts(group):
        if rule_reach(group, rule) != "intranet":
            continue
        network = parse_network(rule.peer)
        if network is None:
            continue
        if network.prefixlen == 0 or (network.version == 4 and _SHARED_INTRANET.subnet_of(network)):
            yield rule, "intranet rule admits %s from %s, which spans the whole intranet" % (
                describe_access(rule), rule.peer)


def check_classic_intranet_cidr(group, settings):
    if is_vpc(group):
        return
    for rule in _effective_cidr_accepts(group):
        if rule.nic_type == "intranet":
            yield rule, "classic-network intranet rule admits %s from the CIDR %s" % (describe_access(rule), rule.peer)


def sensitive_ports_of(rule, sensitive_ports):
    """The sensitive ports an ingress rule opens, sorted."""
    if rule.protocol == "ALL":
        return sorted(set(sensitive_ports))
    if rule.protocol not in PORTED_PROTOCOLS:
        return []
    first, last = port_span(rule)
    return sorted(port for port in set(sensitive_ports) if first <= port <= last)


def _port_text(port):
    name = SENSITIVE_PORT_NAMES.get(port)
    return "%d (%s)" % (port, name) if name else str(port)


def check_internet_sensitive_ports(group, settings):
    """The sensitive ports that the evaluation (``_reachability.evaluate``, any member of the group, its rules only)
    lets the Internet at large reach, reported on the accept rule that lets it in."""
    queries = set()
    for rule in group.rules:
        network = parse_network(rule.peer) if rule.peer_kind == PEER_CIDR else None
        if rule.direction == INGRESS and rule.policy == "accept" and network is not None and rule_reach(group, rule) == "internet":
            for protocol in ("TCP", "UDP") if rule.protocol == "ALL" else (rule.protocol,):
                queries.update((network.version, protocol, port) for port in sensitive_ports_of(rule, settings.sensitive_ports))
    exposed, partly = {}, set()
    destination, groups, cache = group_endpoint(group), {group.group_id: group}, {}
    for version, protocol, port in sorted(queries):
        answer = evaluate(INTERNET, destination, protocol, port, groups, ip_version=version, cache=cache)
        for decision in _internet_at_large(answer):
            exposed.setdefault(id(decision.rule), set()).add(port)
            if answer.partial:
                partly.add(id(decision.rule))
    for rule in group.rules:
        ports = sorted(exposed.get(id(rule), ()))
        if ports:
            shown = ", ".join(_port_text(port) for port in ports[:8])
            more = " and %d more" % (len(ports) - 8) if len(ports) > 8 else ""
            who = "the Internet (%s, but for blocks that other rules drop)" if id(rule) in partly else "the whole Internet (%s)"
            yield rule, "%s may reach administrative or data ports %s%s" % (who % rule.peer, shown, more)


def _internet_at_large(answer):
    """The accept decisions that let the Internet at large in: the one of the region that no narrower rule names (only
    a rule from a /0 block matches it), or, where narrower blocks cover the whole Internet, theirs when all get in."""
    rest = [part for part in answer.parts if part.block.prefixlen == 0]
    if rest:
        decisions = [rest[0].decision] if rest[0].decision.allowed else []
    else:
        decisions = [part.decision for part in answer.parts] if answer.reachable else []
    return [decision for decision in decisions if decision.rule is not None]


def check_group_without_members(group, settings):
    if not group.member_ids:
        yield None, "no instance or network interface is in this group"


def check_group_too_many_members(group, settings):
    if len(group.member_ids) > settings.max_members:
        yield None, "%d instances and network interfaces are in this group; the limit set is %d" % (
            len(group.member_ids), settings.max_members)


def check_missing_description(group, settings):
    if not (group.description or "").strip():
        yield None, "the group has no description"


def check_missing_tags(group, settings):
    if not group.tags:
        yield None, "the group has no tags"


def _rule_label(rule):
    """``sgr-... (priority 5)``: a rule's id (its text when it has none) and priority."""
    return "%s (priority %d)" % (rule.rule_id or render_rule(rule, with_description=False), rule.priority)


def check_shadowed_accept(group, settings):
    for rule, drops in zip(group.rules, group.shadowed_by):
        if len(drops) == 1:
            yield rule, "accept rule never applies: drop rule %s matches all of its traffic first" % _rule_label(drops[0])
        elif drops:
            yield rule, "accept rule never applies: drop rules %s together match all of its traffic first" % (
                ", ".join(_rule_label(drop) for drop in drops))


def check_redundant_rule(group, settings):
    for rule, broader in zip(group.rules, group.covered_by):
        if broader is not None:
            yield rule, "rule adds nothing: %s rule %s already matches all of its traffic" % (broader.policy, _rule_label(broader))


def check_member_at_group_limit(member, settings):
    if len(member.group_ids) >= settings.max_groups_per_instance:
        yield "%s %s is in %d security groups (%s); the limit is %d" % (
            "instance" if member.kind == "instance" else "network interface",
            member.member_id if not member.name else "%s (%s)" % (member.name, member.member_id),
            len(member.group_ids), ", ".join(member.group_ids), settings.max_groups_per_instance)


Check = namedtuple("Check", ["check_id", "severity", "scope", "function", "title", "recommendation"])

GROUP_SCOPE = "group"
MEMBER_SCOPE = "member"

CHECKS = OrderedDict((check.check_id, check) for check in (
    Check("internet_sensitive_ports", "high", GROUP_SCOPE, check_internet_sensitive_ports,
          "Administrative or data ports open to the Internet",
          "Allow these ports only from the addresses that need them (an office CIDR, a bastion host's group or a "
          "prefix list); reach servers through a bastion host or VPN instead of exposing SSH, RDP or databases."),
    Check("intranet_cidr_too_broad", "high", GROUP_SCOPE, check_intranet_cidr_too_broad,
          "Intranet rule from 0.0.0.0/0 or 10.0.0.0/8",
          "Such a block covers every address of the intranet (on the classic network, other tenants too); "
          "authorize the security groups of the instances that need access, or the smallest CIDR that works."),
    Check("intranet_cidr_all_ports", "medium", GROUP_SCOPE, check_intranet_cidr_all_ports,
          "Intranet rule allowing all ports or all protocols from a CIDR",
          "Open only the protocol and ports the service uses (least privilege), and prefer authorizing a "
          "security group over a CIDR for intranet traffic."),
    Check("classic_intranet_cidr", "medium", GROUP_SCOPE, check_classic_intranet_cidr,
          "CIDR rule on a classic-network intranet",
          "On the classic network the intranet is shared; authorize by security group (group-to-group rules) so "
          "that only your own instances get in."),
    Check("shadowed_accept", "medium", GROUP_SCOPE, check_shadowed_accept,
          "Accept rule shadowed by a higher-priority drop",
          "Rules are evaluated by priority (1 first) and a drop wins at equal priority; give the accept a higher "
          "priority (lower number) than the drop, or remove the accept if the drop is intended."),
    Check("group_too_many_members", "medium", GROUP_SCOPE, check_group_too_many_members,
          "Group with too many members",
          "Do not put every instance in one group: split instances into groups by tier or role so that each "
          "group's rules grant only what its members need."),
    Check("member_at_group_limit", "medium", MEMBER_SCOPE, check_member_at_group_limit,
          "Instance or network interface at the group limit",
          "It cannot join another group; merge rules into fewer groups, or raise the quota before a change "
          "needs one more group."),
    Check("redundant_rule", "low", GROUP_SCOPE, check_redundant_rule,
          "Rule covered by a broader rule",
          "Remove the narrower rule, or narrow the broader one if it grants more than intended; fewer rules are "
          "easier to review and stay under the rule quota."),
    Check("group_without_members", "low", GROUP_SCOPE, check_group_without_members,
          "Group with no members",
          "A group nobody uses is a candidate for deletion (check first that no other group's rules reference it)."),
    Check("missing_description", "low", GROUP_SCOPE, check_missing_description,
          "Group without a description",
          "Describe what the group is for and who may reach it, so that reviewers can judge its rules."),
    Check("missing_tags", "low", GROUP_SCOPE, check_missing_tags,
          "Group without tags",
          "Tag groups (for example environment, tier, owner) to find, audit and clean them up by tag."),
))

CHECK_IDS = tuple(CHECKS)


def severity_rank(severity):
    return SEVERITIES.index(severity)


def validate_settings(settings):
    """Every problem with the audit options, as messages naming the option, the bad value and what is allowed."""
    problems = []
    unknown = sorted(set(settings.disabled_checks) - set(CHECK_IDS))
    if unknown:
        problems.append("disabled_checks has unknown checks %s; allowed: %s" % (", ".join(unknown), ", ".join(CHECK_IDS)))
    bad_ports = [port for port in settings.sensitive_ports if not MIN_PORT <= port <= MAX_PORT]
    if bad_ports:
        problems.append("sensitive_ports has %s; allowed: ports %d to %d" % (
            ", ".join(str(port) for port in bad_ports), MIN_PORT, MAX_PORT))
    if settings.max_members < 1:
        problems.append("max_members is %d; allowed: 1 or more" % settings.max_members)
    if settings.max_groups_per_instance < 1:
        problems.append("max_groups_per_instance is %d; allowed: 1 or more" % settings.max_groups_per_instance)
    return problems


def _finding(check, group=None, rule=None, member=None, message=""):
    return Finding(
        check=check.check_id,
        severity=check.severity,
        security_group_id=group.group_id if group else "",
        security_group_name=group.name if group else "",
        rule_id=rule.rule_id if rule is not None else "",
        member_id=member.member_id if member is not None else "",
        message=message if rule is None else "%s: %s" % (render_rule(rule, with_description=False), message),
        recommendation=check.recommendation,
    )


def enabled_checks(settings):
    return [check for check in CHECKS.values() if check.check_id not in settings.disabled_checks]


def audit_groups(groups, members, settings):
    """Findings for ``groups`` (AuditGroup) and ``members`` (AuditMember), group by group in the given order,
    checks in CHECKS order, rules in group order; member findings last."""
    findings = []
    checks = enabled_checks(settings)
    for group in groups:
        for check in checks:
            if check.scope == GROUP_SCOPE:
                for rule, message in check.function(group, settings):
                    findings.append(_finding(check, group=group, rule=rule, message=message))
    for member in members:
        for check in checks:
            if check.scope == MEMBER_SCOPE:
                for message in check.function(member, settings):
                    findings.append(_finding(check, member=member, message=message))
    return findings


def summarize(findings, groups_audited, settings):
    by_severity = OrderedDict((severity, 0) for severity in reversed(SEVERITIES))
    by_check = OrderedDict((check.check_id, 0) for check in enabled_checks(settings))
    for finding in findings:
        by_severity[finding.severity] += 1
        by_check[finding.check] = by_check.get(finding.check, 0) + 1
    return {
        "groups_audited": groups_audited,
        "findings": len(findings),
        "by_severity": dict(by_severity),
        "by_check": dict(by_check),
        "disabled_checks": sorted(settings.disabled_checks),
    }


def findings_at_or_above(findings, fail_on):
    """The findings that make the task fail under ``fail_on`` (``none`` never fails)."""
    if fail_on == "none":
        return []
    threshold = severity_rank(fail_on)
    return [finding for finding in findings if severity_rank(finding.severity) >= threshold]


def members_from_api(instances, network_interfaces, audited_ids):
    """``(members_by_group, members)`` from DescribeInstances / DescribeNetworkInterfaces items.

    ``members_by_group`` maps every id in ``audited_ids`` to the ids of its members; ``members`` are the
    AuditMember values of instances and secondary interfaces that are in at least one audited group.
    A primary interface mirrors its instance's groups, so it is not counted twice.
    """
    audited = set(audited_ids)
    members_by_group = OrderedDict((group_id, []) for group_id in audited_ids)
    members = OrderedDict()
    instance_ids = set()

    def add(member_id, name, kind, group_ids):
        mine = [group_id for group_id in group_ids if group_id in audited]
        if not mine or member_id in members:
            return
        members[member_id] = AuditMember(member_id, name or "", kind, tuple(group_ids))
        for group_id in mine:
            members_by_group[group_id].append(member_id)

    for item in instances:
        instance_ids.add(item.get("InstanceId"))
        add(item.get("InstanceId"), item.get("InstanceName"), "instance", items_at(item, "SecurityGroupIds.SecurityGroupId"))
    for item in network_interfaces:
        if item.get("Type") == "Primary" and item.get("InstanceId") in instance_ids:
            continue
        if item.get("Type") == "Primary" and item.get("InstanceId"):
            # A primary interface of an instance we did not read: count the instance, as the console does.
            add(item.get("InstanceId"), "", "instance", items_at(item, "SecurityGroupIds.SecurityGroupId"))
            continue
        add(item.get("NetworkInterfaceId"), item.get("NetworkInterfaceName"), "eni", items_at(item, "SecurityGroupIds.SecurityGroupId"))
    return members_by_group, list(members.values())


def actionable_findings(findings, service_managed_ids):
    """``findings`` without those about groups a cloud service manages: ECS refuses every change to such a group,
    so its owner cannot act on them (findings about instances stay)."""
    managed = set(service_managed_ids)
    return [finding for finding in findings if finding.security_group_id not in managed]
