# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""Can A reach B on port P, and which rule decides: security-group evaluation as pure functions.

No I/O. Groups are any objects with ``group_id``, ``name``, ``vpc_id``, ``group_type``,
``inner_access_policy`` and ``rules`` (``_rules.Rule`` values), such as ``_audit.AuditGroup``. Endpoints are
``Endpoint`` values: instances and network interfaces with their groups and addresses, "any member" of a group,
a CIDR block or address, a prefix list, or the Internet.

The ECS semantics implemented, each with its source:

- Security groups are stateful: traffic A -> B needs A's egress and B's ingress to allow it; the answer
  comes back on the same session (ECS user guide, "Security group rules": a session allowed in one direction
  is allowed in the other).
- The rules of every group an instance or ENI belongs to are merged and sorted by priority; 1 is the highest
  (ECS user guide, "Security group overview": rules of all associated groups are sorted by priority; API
  reference, AuthorizeSecurityGroup: Priority 1-100, a smaller value is a higher priority). At equal priority a
  drop rule wins over an accept rule (AuthorizeSecurityGroup: "When multiple security group rules have the
  same priority, drop rules take precedence"). The first rule in that order that matches decides.
- When no rule matches, the implicit default rules decide (ECS user guide, "Security group rules"): a basic
  (normal) group denies inbound traffic except intranet traffic from members of the same group when its inner
  access policy is Accept, and allows all outbound traffic; an advanced (enterprise) group denies inbound and
  outbound traffic, and its members are isolated from each other (inner access policy fixed at Drop; user
  guide, "Basic and advanced security groups"; ModifySecurityGroupPolicy).
- A VPC group's rules are all intranet rules and govern both Internet and intranet traffic; a classic group
  keeps internet rules for the public NIC and intranet rules for the private NIC (user guide, "Security group
  rules"; DescribeSecurityGroupAttribute NicType).
- A rule naming a group matches traffic from (ingress) or to (egress) the private addresses of that group's
  members, whatever account owns the group: group ids are unique across accounts (ECS_API.md section 6), so
  membership by id decides. Internet traffic never matches a group peer (user guide, "Security group rules":
  authorizing a group covers intranet access by its members).
- A CIDR rule matches by address; a prefix list by any of its entries (AuthorizeSecurityGroup
  SourcePrefixListId). ICMP, GRE and ALL rules have no ports (PortRange -1/-1); ALL matches every protocol and
  port; ICMPv6 is its own protocol (AuthorizeSecurityGroup IpProtocol).
- Quintuple rules: a rule's own-side CIDR (DestCidrIp on ingress, SourceCidrIp on egress) must contain the
  local address, and its source port range the source port (user guide, "Security group quintuple rules").

What an endpoint does not say is not guessed: a group's "any member" has no address and a query has no source
port, so a rule that would need one matches only when it covers every value (a /0 block, every source port),
and an answer lists the rules it could not settle in ``notes``. A CIDR or Internet source is every address of
it, each address matched by the rules that hold it: the blocks that rules name inside the source cut it into
regions, each decided on its own, and the answer is reachable when every region gets through, not reachable
when none does, and partial otherwise, with the blocks that do. The Internet is every address of the IP version
outside PRIVATE_NETWORKS: a rule from a private block admits no Internet traffic. Whether a route exists
(public IP, EIP, NAT, peering) is not evaluated: only what the security groups allow.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
from collections import OrderedDict, namedtuple
from functools import lru_cache

from ansible_collections.cloudwall.alicloud.plugins.module_utils._lists import items_at, unique
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import (
    EGRESS,
    INGRESS,
    MAX_PORT,
    MIN_PORT,
    PEER_CIDR,
    PEER_GROUP,
    PEER_PREFIX_LIST,
    PORTED_PROTOCOLS,
)

# Address space that never comes from the Internet: RFC 1918, shared address space (Alibaba Cloud services
# such as the metadata server live in 100.64.0.0/10), IPv6 unique local addresses.
PRIVATE_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
ALL_PORTS = (MIN_PORT, MAX_PORT)


# ---------------------------------------------------------------------------------------------------------
# Geometry shared with the audit (which imports it from here): blocks, private space, port ranges


@lru_cache(maxsize=4096)
def parse_network(cidr):
    """The ip_network of ``cidr`` (host bits allowed), or None when it is not one; cached, networks are immutable."""
    try:
        return ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None


_PRIVATE = tuple(ipaddress.ip_network(block) for block in PRIVATE_NETWORKS)


@lru_cache(maxsize=4096)
def is_private_network(cidr):
    """Whether ``cidr`` lies inside PRIVATE_NETWORKS (False when it is not a block)."""
    network = parse_network(cidr)
    return network is not None and any(network.version == private.version and network.subnet_of(private)
                                       for private in _PRIVATE)


def port_span(rule):
    """``(first, last)`` destination ports a rule matches; every port for icmp, gre and all rules."""
    if rule.protocol not in PORTED_PROTOCOLS:
        return ALL_PORTS
    return port_span_text(rule.port_range)


@lru_cache(maxsize=4096)
def port_span_text(text):
    """``(first, last)`` of a ``"first/last"`` range as the API writes it; every port when it is not numeric."""
    first, _sep, last = text.partition("/")
    try:
        return int(first), int(last or first)
    except ValueError:
        return ALL_PORTS


# Protocols a query may ask about (lower case, as users write them).
QUERY_PROTOCOLS = ("tcp", "udp", "icmp", "gre", "icmpv6")

KIND_INSTANCE = "instance"
KIND_ENI = "eni"
KIND_GROUP = "group"            # "any member" of a group: its groups, no address
KIND_CIDR = "cidr"
KIND_PREFIX_LIST = "prefix_list"
KIND_INTERNET = "internet"
MEMBER_KINDS = (KIND_INSTANCE, KIND_ENI, KIND_GROUP)

DEFAULT_INNER_ACCEPT = "inner_access_accept"
DEFAULT_INNER_DROP = "inner_access_drop"
DEFAULT_INGRESS_DENY = "ingress_default_deny"
DEFAULT_EGRESS_ALLOW = "egress_default_allow"
DEFAULT_EGRESS_DENY = "egress_default_deny"
NOT_EVALUATED = "not_evaluated"


Endpoint = namedtuple("Endpoint", ["kind", "endpoint_id", "name", "vpc_id", "network_type", "group_ids", "addresses",
                                   "network"])
Endpoint.__doc__ = """One side of a query.

``group_ids``: the groups whose rules apply to a member (instances: the primary interface's groups).
``addresses``: its private addresses (the intranet sees these). ``network``: the CIDR of a ``cidr`` endpoint,
or the prefix list id of a ``prefix_list`` endpoint. ``network_type`` is ``vpc``, ``classic`` or None."""


def member_endpoint(kind, endpoint_id, name="", vpc_id="", network_type=None, group_ids=(), addresses=()):
    if network_type is None:
        network_type = "vpc" if vpc_id else "classic"
    return Endpoint(kind, endpoint_id, name or "", vpc_id or "", network_type, tuple(group_ids),
                    tuple(address for address in addresses if address), "")


def group_endpoint(group):
    """"Any member" of ``group``: only the group's rules, no known address."""
    return member_endpoint(KIND_GROUP, group.group_id, group.name, group.vpc_id, None, (group.group_id,))


def unknown_group_endpoint(group_id, name=""):
    """A member of a group this account cannot read (another account's group): matched by id only."""
    return Endpoint(KIND_GROUP, group_id, name or "", "", None, (group_id,), (), "")


def cidr_endpoint(text, path=None):
    """A CIDR block or an address (a /32 or /128). ValueError when it is neither.

    ``path`` (``internet`` or ``intranet``) says how the traffic arrives; by default private blocks (RFC 1918,
    100.64.0.0/10, fc00::/7) come over the intranet and all others over the Internet. Classic groups need it: a
    0.0.0.0/0 intranet rule there admits the shared intranet."""
    network = ipaddress.ip_network(text.strip(), strict=False)
    return Endpoint(KIND_CIDR, network.compressed, network.compressed, "", path, (), (), network.compressed)


def prefix_list_endpoint(prefix_list_id, name=""):
    return Endpoint(KIND_PREFIX_LIST, prefix_list_id, name or prefix_list_id, "", None, (), (), prefix_list_id)


INTERNET = Endpoint(KIND_INTERNET, "internet", "internet", "", None, (), (), "")


def describe_endpoint(endpoint):
    """``web-1 (i-...)``, ``any member of web (sg-...)``, ``10.0.0.0/8``, ``internet``."""
    if endpoint.kind in (KIND_CIDR, KIND_INTERNET):
        return endpoint.endpoint_id
    if endpoint.kind == KIND_GROUP:
        return "any member of %s" % _named(endpoint.name, endpoint.endpoint_id)
    return _named(endpoint.name, endpoint.endpoint_id)


def _named(name, resource_id):
    return "%s (%s)" % (name, resource_id) if name and name != resource_id else resource_id


# ---------------------------------------------------------------------------------------------------------
# Decisions

Decision = namedtuple("Decision", ["allowed", "direction", "group", "rule", "default", "reason"])
Decision.__doc__ = """Who decided one side: a ``rule`` of ``group``, or an implicit ``default`` (a DEFAULT_* code)."""

Answer = namedtuple("Answer", ["source", "destination", "protocol", "port", "reachable", "ingress", "egress", "notes",
                               "partial", "parts"])
Answer.__doc__ = """The answer to one query. ``egress`` is None when the source is not a member (a CIDR, the
Internet); its ``default`` is NOT_EVALUATED when the source's groups were not read.

A CIDR or Internet source is answered region by region (``parts``, Part values): ``reachable`` is True when every
region gets through, False when none does; otherwise ``partial`` is True and ``reachable`` None (neither
answer would be true of every address), and ``ingress`` is the decision that lets the largest region through."""

Part = namedtuple("Part", ["block", "excluded", "decision", "size"])
Part.__doc__ = """One region of a CIDR or Internet source that every rule treats alike: ``block`` (an ip_network)
but the ``excluded`` blocks inside it (regions of their own), ``size`` addresses, and its ingress ``decision``."""


def reaches_some(answer):
    """Whether some of the source gets through: reachable, or partly (a map edge, a matrix cell, an exposure)."""
    return bool(answer.reachable or answer.partial)


def evaluation_order(rule):
    """Sort key of the merged rules: priority first (1 first), then drop before accept (AuthorizeSecurityGroup).

    ``_audit.relate_rules`` shadows an accept by drops under this same order; a unit test holds them together.
    """
    return (rule.priority, 0 if rule.policy == "drop" else 1)


class _Traffic:
    """What is being asked: protocol (upper case), port (None when the protocol has none), IP version, and
    whether it arrives over the Internet (classic groups then use their internet rules)."""

    def __init__(self, protocol, port, ip_version, over_internet):
        self.protocol = protocol.upper()
        self.port = port
        self.ip_version = ip_version
        self.over_internet = over_internet


def _endpoint_addresses(endpoint, version):
    result = []
    for text in endpoint.addresses:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            continue
        if address.version == version:
            result.append(address)
    return result


def _block_match(block, endpoint, traffic, prefix_lists, notes, rule, group):
    """Whether a CIDR ``block`` (the rule's peer or local side) holds the endpoint's traffic.

    True, False, or False with a note when the answer depends on what the endpoint does not say. A CIDR
    endpoint is one region of a source (see evaluate()): the block holds it whole or not at all.
    """
    network = parse_network(block)
    if network is None or network.version != traffic.ip_version:
        return False
    if endpoint.kind == KIND_CIDR:
        source = parse_network(endpoint.network)
        return source is not None and source.version == network.version and source.subnet_of(network)
    if endpoint.kind == KIND_PREFIX_LIST:
        entries = prefix_lists.get(endpoint.network)
        if entries is None:
            return network.prefixlen == 0
        entry_networks = [parse_network(entry) for entry in entries]
        entry_networks = [entry for entry in entry_networks if entry is not None and entry.version == network.version]
        return bool(entry_networks) and all(entry.subnet_of(network) for entry in entry_networks)
    addresses = _endpoint_addresses(endpoint, traffic.ip_version)
    if not addresses:
        if network.prefixlen == 0:
            return True
        _note(notes, rule, group, "names %s; the address of %s is not known" % (block, describe_endpoint(endpoint)))
        return False
    # The primary private address is the one the intranet sees first.
    return addresses[0] in network


def _note(notes, rule, group, text):
    note = "%s rule %s of %s %s" % (rule.policy, rule.rule_id or rule.peer, group.group_id, text)
    if note not in notes:
        notes.append(note)


def _peer_matches(rule, group, peer, traffic, prefix_lists, notes):
    if rule.peer_kind == PEER_GROUP:
        # Group peers are intranet only: members are matched by their private addresses.
        return not traffic.over_internet and peer.kind in MEMBER_KINDS and rule.peer in peer.group_ids
    if rule.peer_kind == PEER_PREFIX_LIST:
        if peer.kind == KIND_PREFIX_LIST and peer.network == rule.peer:
            return True
        entries = prefix_lists.get(rule.peer)
        if entries is None:
            if peer.kind != KIND_PREFIX_LIST:
                _note(notes, rule, group, "names prefix list %s whose entries are not known" % rule.peer)
            return False
        return any(_block_match(entry, peer, traffic, prefix_lists, [], rule, group) for entry in entries)
    return _block_match(rule.peer, peer, traffic, prefix_lists, notes, rule, group)


def _covers_protocol(rule, traffic):
    """Whether ``rule`` matches the traffic's protocol and destination port (ALL matches every one)."""
    if rule.protocol == "ALL":
        return True
    if rule.protocol != traffic.protocol:
        return False
    if rule.protocol in PORTED_PROTOCOLS:
        first, last = port_span(rule)
        return traffic.port is not None and first <= traffic.port <= last
    return True


def rule_matches(rule, group, local, peer, traffic, prefix_lists=None, notes=None):
    """Whether ``rule`` of ``group`` (a group of ``local``) matches traffic between ``local`` and ``peer``."""
    prefix_lists = prefix_lists or {}
    notes = [] if notes is None else notes
    if group.vpc_id:
        nic_ok = True  # VPC rules are intranet rules that govern Internet traffic too
    else:
        nic_ok = rule.nic_type == ("internet" if traffic.over_internet else "intranet")
    if not nic_ok or (rule.protocol != "ALL" and not _covers_protocol(rule, traffic)):
        return False
    if not _peer_matches(rule, group, peer, traffic, prefix_lists, notes):
        return False
    if rule.local_cidr and not _block_match(rule.local_cidr, local, traffic, prefix_lists, notes, rule, group):
        return False
    if rule.source_port_range and rule.protocol in PORTED_PROTOCOLS:
        first, last = port_span_text(rule.source_port_range)
        if (first, last) != (MIN_PORT, MAX_PORT):
            _note(notes, rule, group, "applies to source ports %s only; a query has no source port" % rule.source_port_range)
            return False
    return True


def _candidates(local_groups, direction, cache):
    """``[(group, rule)]`` of ``direction`` over ``local_groups``, in evaluation order; kept in ``cache`` (a dict owned
    by one caller over one set of groups) per member's groups, since a map evaluates each member many times."""
    key = (tuple(group.group_id for group in local_groups), direction)
    found = cache.get(key)
    if found is None:
        ordered = []
        for group_index, group in enumerate(local_groups):
            for rule_index, rule in enumerate(group.rules):
                if rule.direction == direction:
                    ordered.append((evaluation_order(rule), group_index, rule_index, group, rule))
        ordered.sort(key=lambda item: item[:3])
        found = cache[key] = [(group, rule) for _order, _group_index, _rule_index, group, rule in ordered]
    return found


def _positions(local_groups, direction, cache):
    """``{id(rule): index}`` in ``_candidates`` order, kept in ``cache`` like it."""
    key = ("positions", tuple(group.group_id for group in local_groups), direction)
    found = cache.get(key)
    if found is None:
        found = cache[key] = dict((id(rule), index) for index, (_group, rule) in
                                  enumerate(_candidates(local_groups, direction, cache)))
    return found


def _decide(local, peer, direction, traffic, groups_by_id, prefix_lists, notes, cache, inside=None):
    """The first matching rule, in evaluation order, over every group of ``local``; else the default.

    ``inside``: ``(outer, naming)`` when ``peer`` is a region of a source inside a region whose decision is ``outer``:
    a rule that matches this region and not the outer one names this region's own block (``naming``: their ids), so
    only those are tried, and only those evaluated before ``outer``'s rule; else ``outer`` decides here too."""
    local_groups = [groups_by_id[group_id] for group_id in local.group_ids if group_id in groups_by_id]
    if len(local_groups) < len(local.group_ids):
        missing = [group_id for group_id in local.group_ids if group_id not in groups_by_id]
        return Decision(True, direction, None, None, NOT_EVALUATED,
                        "the rules of %s were not read" % ", ".join(missing))
    candidates = _candidates(local_groups, direction, cache)
    if inside is not None:
        position = _positions(local_groups, direction, cache)
        limit = position[id(inside[0].rule)] if inside[0].rule is not None else len(candidates)
        candidates = [candidates[index] for index in sorted(position[rule_id] for rule_id in inside[1]
                                                            if position.get(rule_id, limit) < limit)]
    for group, rule in candidates:
        if rule_matches(rule, group, local, peer, traffic, prefix_lists, notes):
            decision = Decision(rule.policy == "accept", direction, group, rule, None, "")
            return decision._replace(reason=describe_decision(decision))
    if inside is not None:
        return inside[0]  # no rule: the same default as the outer region (a CIDR source shares no group)
    enterprise = any(group.group_type == "enterprise" for group in local_groups)
    if direction == EGRESS:
        if enterprise:
            return Decision(False, direction, local_groups[0], None, DEFAULT_EGRESS_DENY,
                            "no egress rule matches; advanced (enterprise) groups deny outbound traffic by default")
        return Decision(True, direction, local_groups[0] if local_groups else None, None, DEFAULT_EGRESS_ALLOW,
                        "no egress rule matches; basic (normal) groups allow outbound traffic by default")
    shared = [group for group in local_groups if group.group_id in peer.group_ids] if peer.kind in MEMBER_KINDS else []
    if shared and not traffic.over_internet:
        accepting = [group for group in shared
                     if group.group_type != "enterprise" and (group.inner_access_policy or "accept") == "accept"]
        if accepting:
            group = accepting[0]
            return Decision(True, direction, group, None, DEFAULT_INNER_ACCEPT,
                            "no rule matches; members of %s reach each other (inner access policy accept)"
                            % _named(group.name, group.group_id))
        group = shared[0]
        return Decision(False, direction, group, None, DEFAULT_INNER_DROP,
                        "no rule matches; %s isolates its members (inner access policy drop%s)" % (
                            _named(group.name, group.group_id), ", enterprise group" if group.group_type == "enterprise" else ""))
    return Decision(False, direction, local_groups[0] if local_groups else None, None, DEFAULT_INGRESS_DENY,
                    "no ingress rule matches; inbound traffic is denied by default")


def evaluate(source, destination, protocol, port, groups, prefix_lists=None, ip_version=4, cache=None):
    """Whether ``source`` reaches ``destination`` (a member) on ``protocol``/``port``: an Answer.

    ``groups`` maps group ids to groups (or is a list of groups); the groups of both members should be in it.
    ``cache``: a dict a caller passes to every evaluation over the same ``groups``, so rules are ordered once.
    """
    cache = {} if cache is None else cache
    groups_by_id = groups if isinstance(groups, dict) else OrderedDict((group.group_id, group) for group in groups)
    prefix_lists = prefix_lists or {}
    protocol = protocol.upper()
    if protocol == "ICMPV6":
        ip_version = 6
    if protocol not in PORTED_PROTOCOLS:
        port = None
    if source.kind in (KIND_CIDR, KIND_INTERNET):
        return _evaluate_blocks(source, destination, protocol, port, ip_version, groups_by_id, prefix_lists, cache)
    traffic = _Traffic(protocol, port, ip_version, False)
    notes = []
    egress = None
    if source.kind in MEMBER_KINDS:
        egress = _decide(source, destination, EGRESS, traffic, groups_by_id, prefix_lists, notes, cache)
    ingress = _decide(destination, source, INGRESS, traffic, groups_by_id, prefix_lists, notes, cache)
    reachable = ingress.allowed and (egress is None or egress.allowed)
    return Answer(source, destination, protocol.lower(), port, reachable, ingress, egress, tuple(notes), False, ())


def _evaluate_blocks(source, destination, protocol, port, ip_version, groups_by_id, prefix_lists, cache):
    """A CIDR or Internet source, region by region: the blocks that the destination's ingress rules for this traffic
    name inside the source cut it into regions that every rule treats alike (a block holds a region whole or not at
    all, since CIDR blocks nest or are disjoint); each region is decided like a source of its own."""
    internet = source.kind == KIND_INTERNET
    root = ipaddress.ip_network("::/0" if ip_version == 6 else "0.0.0.0/0") if internet else parse_network(source.network)
    probe = _Traffic(protocol, port, ip_version, internet)
    naming = _inner_blocks(root, destination, probe, groups_by_id, prefix_lists, internet, cache)
    notes, parts, decided = [], [], {}
    for block, inner in _regions(root, naming) if naming else [(root, [])]:
        text = source.network if block is root and not internet else block.compressed
        if internet or source.network_type:
            over_internet = internet or source.network_type == "internet"
        else:
            # A private block comes over the intranet, any other over the Internet (cidr_endpoint()).
            over_internet = not is_private_network(text)
        region = Endpoint(KIND_CIDR, text, text, "", source.network_type, (), (), text)
        traffic = _Traffic(protocol, port, ip_version, over_internet)
        outer = decided.get(block)
        # Inside a region that came the same way, only the rules naming this block may decide otherwise.
        inside = (outer[0], naming[block]) if outer is not None and outer[1] == over_internet else None
        decision = _decide(destination, region, INGRESS, traffic, groups_by_id, prefix_lists, notes, cache, inside)
        for child in inner:
            decided[child] = (decision, over_internet)
        size = block.num_addresses - sum(child.num_addresses for child in inner)
        if size:  # else the blocks inside cover it: they are regions of their own
            parts.append(Part(block, tuple(inner), decision, size))
    allowed = [part for part in parts if part.decision.allowed]
    if len(allowed) == len(parts):
        reachable, partial = True, False
    elif not allowed:
        reachable, partial = False, False
    else:
        reachable, partial = None, True
    # The decision that speaks for the answer: the one of the largest region that gets through, else of the largest.
    main = max(allowed or parts, key=lambda part: part.size)
    return Answer(source, destination, protocol.lower(), port, reachable, main.decision, None, tuple(notes), partial,
                  tuple(parts))


def _inner_blocks(root, destination, traffic, groups_by_id, prefix_lists, internet, cache):
    """``{block: ids of the rules naming it}``: the blocks strictly inside ``root`` that an ingress rule of
    ``destination`` matching the traffic's protocol and port names (its CIDR, or an entry of its prefix list): where
    the answer may change within the source. For the Internet, private blocks are left out: they hold no Internet
    address. Kept in ``cache`` per source and protocol (a map evaluates one source on many ports) over the
    destination's blocks per protocol (and many sources)."""
    key = ("inner", root, destination.group_ids, traffic.protocol, internet)
    inside = cache.get(key)
    if inside is None:
        inside = cache[key] = []
        # Integer arithmetic on locals: a map asks this of every block for every peer of a group.
        root_version, root_length = root.version, root.prefixlen
        shift = root.max_prefixlen - root_length
        high = int(root.network_address) >> shift
        for version, address, prefixlen, network, rule in _named_blocks(destination, traffic.protocol, groups_by_id,
                                                                        prefix_lists, cache):
            if (version == root_version and prefixlen > root_length and address >> shift == high
                    and not (internet and is_private_network(network.compressed))):
                inside.append((network, rule))
    naming = OrderedDict()
    for network, rule in inside:
        if _covers_protocol(rule, traffic):
            naming.setdefault(network, set()).add(id(rule))
    return naming


def _named_blocks(destination, protocol, groups_by_id, prefix_lists, cache):
    """``[(version, address as int, prefix length, network, rule)]``: the blocks that the destination's ingress rules of
    ``protocol`` (or ALL) name, as CIDRs or prefix-list entries."""
    key = ("named", destination.group_ids, protocol)
    named = cache.get(key)
    if named is None:
        named = cache[key] = []
        for group_id in destination.group_ids:
            group = groups_by_id.get(group_id)
            for rule in group.rules if group is not None else ():
                if rule.direction != INGRESS or rule.protocol not in ("ALL", protocol):
                    continue
                if rule.peer_kind == PEER_CIDR:
                    texts = (rule.peer,)
                elif rule.peer_kind == PEER_PREFIX_LIST:
                    texts = prefix_lists.get(rule.peer) or ()
                else:
                    continue
                for network in (parse_network(text) for text in texts):
                    if network is not None:
                        named.append((network.version, int(network.network_address), network.prefixlen, network, rule))
    return named


def _regions(root, blocks):
    """``[(block, blocks directly inside it)]`` for ``root`` and each of ``blocks`` (all inside it), outer first."""
    ordered = [root] + sorted(blocks, key=lambda network: (network.prefixlen, network))
    inside = OrderedDict((block, []) for block in ordered)
    bits = root.max_prefixlen
    by_length = {}  # prefix length -> {leading bits: block} of the blocks placed so far (none longer than this one)
    for block in ordered[1:]:
        address = int(block.network_address)
        parent = root
        # The parent is the narrowest block placed before it that holds it: the longest prefix shared with it.
        for length in sorted((length for length in by_length if length < block.prefixlen), reverse=True):
            parent = by_length[length].get(address >> (bits - length), parent)
            if parent is not root:
                break
        inside[parent].append(block)
        by_length.setdefault(block.prefixlen, {})[address >> (bits - block.prefixlen)] = block
    return list(inside.items())


def region_blocks(part):
    """The CIDR blocks of one region: its block without the blocks excluded from it."""
    pieces = [part.block]
    for excluded in part.excluded:
        remaining = []
        for piece in pieces:
            if excluded == piece:
                continue
            if excluded.subnet_of(piece):
                remaining.extend(piece.address_exclude(excluded))
            else:
                remaining.append(piece)
        pieces = remaining
    return pieces


def reachable_from(answer):
    """The blocks of a CIDR or Internet source that get through, as few CIDRs as hold them (``[]`` for members)."""
    reached = [block for part in answer.parts if part.decision.allowed for block in region_blocks(part)]
    return [network.compressed for network in ipaddress.collapse_addresses(reached)] if reached else []


# ---------------------------------------------------------------------------------------------------------
# Results


def decision_to_dict(decision):
    """The ``decided_by`` shape modules return."""
    if decision is None:
        return None
    group, rule = decision.group, decision.rule
    result = OrderedDict([
        ("allowed", decision.allowed),
        ("direction", decision.direction),
        ("by", "rule" if rule is not None else "default"),
        ("default", decision.default or ""),
        ("security_group_id", group.group_id if group is not None else ""),
        ("security_group_name", (group.name or "") if group is not None else ""),
        ("rule_id", rule.rule_id if rule is not None else ""),
        ("policy", rule.policy if rule is not None else ("accept" if decision.allowed else "drop")),
        ("priority", rule.priority if rule is not None else None),
        ("protocol", rule.protocol.lower() if rule is not None else ""),
        ("port_range", rule.port_range if rule is not None else ""),
        ("peer", (rule.peer_name or rule.peer) if rule is not None else ""),
        ("peer_id", rule.peer if rule is not None else ""),
        ("nic_type", rule.nic_type if rule is not None else ""),
        ("description", (rule.description or "") if rule is not None else ""),
        ("reason", decision.reason),
    ])
    return result


def endpoint_to_dict(endpoint):
    return OrderedDict([("kind", endpoint.kind), ("id", endpoint.endpoint_id), ("name", endpoint.name)])


def answer_to_dict(answer):
    """One row of ``reachability``: who, what, the verdict and both sides' deciders."""
    deciding = answer.ingress
    if answer.egress is not None and not answer.egress.allowed:
        deciding = answer.egress
    return OrderedDict([
        ("source", endpoint_to_dict(answer.source)),
        ("destination", endpoint_to_dict(answer.destination)),
        ("protocol", answer.protocol),
        ("port", answer.port),
        ("reachable", answer.reachable),
        ("partial", answer.partial),
        ("reachable_from", reachable_from(answer)),
        ("decided_by", decision_to_dict(deciding)),
        ("ingress", decision_to_dict(answer.ingress)),
        ("egress", decision_to_dict(answer.egress)),
        ("notes", list(answer.notes)),
    ])


def explain(answer):
    """One line: ``web-1 (i-...) -> redis-1 (i-...) tcp 6379: reachable; ingress: accept rule sgr-... of ...``; for a
    partial answer, which regions of the source get through and which do not, each with what decided it."""
    what = answer.protocol if answer.port is None else "%s %d" % (answer.protocol, answer.port)
    verdict = "reachable" if answer.reachable else ("partly reachable" if answer.partial else "not reachable")
    parts = ["%s -> %s %s: %s" % (describe_endpoint(answer.source), describe_endpoint(answer.destination), what, verdict)]
    if answer.partial:
        for allowed, label in ((True, "from"), (False, "not from")):
            for regions, decision in _regions_by_decision(answer.parts, allowed):
                parts.append("%s %s: %s: %s" % (label, ", ".join(regions), decision.direction, describe_decision(decision)))
        return "; ".join(parts)
    for decision in (answer.egress, answer.ingress):
        if decision is None:
            continue
        parts.append("%s: %s" % (decision.direction, describe_decision(decision)))
    return "; ".join(parts)


def _regions_by_decision(parts, allowed):
    """``[(region texts, decision)]`` of the regions that get through (``allowed``) or not, one entry per deciding
    rule or default, largest first: ``["0.0.0.0/0 except 203.0.113.0/24"]``."""
    grouped = OrderedDict()
    for part in sorted(parts, key=lambda part: -part.size):
        if part.decision.allowed != allowed:
            continue
        decision = part.decision
        key = (decision.group.group_id if decision.group is not None else "", id(decision.rule), decision.default)
        text = part.block.compressed
        if part.excluded:
            text += " except %s" % " and ".join(block.compressed for block in part.excluded)
        grouped.setdefault(key, ([], decision))[0].append(text)
    return list(grouped.values())


def describe_decision(decision):
    """``accept rule sgr-... of redis (sg-...), priority 1, tcp 6379/6379 from web "why"``, or the default's reason."""
    rule = decision.rule
    if rule is None:
        return decision.reason
    text = "%s rule %s of %s, priority %d, %s %s %s %s" % (
        rule.policy, rule.rule_id or "(no id)", _group_label(decision.group), rule.priority, rule.protocol.lower(),
        rule.port_range, "to" if rule.direction == EGRESS else "from", rule.peer_name or rule.peer)
    return text + (' "%s"' % rule.description if rule.description else "")


def _group_label(group):
    return _named(group.name, group.group_id) if group is not None else "?"


# ---------------------------------------------------------------------------------------------------------
# Matrix: who may reach whom


def matrix(endpoints, protocol, ports, groups, prefix_lists=None, ip_version=4):
    """Every ordered pair of distinct ``endpoints`` on every port: a list of Answers (sources in order)."""
    protocol_ports = list(ports) if protocol.upper() in PORTED_PROTOCOLS else [None]
    answers = []
    for source in endpoints:
        for destination in endpoints:
            # A group to itself is one member to another (the inner access policy); an instance to itself is moot.
            if destination.kind not in MEMBER_KINDS or (source == destination and source.kind != KIND_GROUP):
                continue
            for port in protocol_ports:
                answers.append(evaluate(source, destination, protocol, port, groups, prefix_lists, ip_version))
    return answers


def matrix_cell(answers):
    """The ports one source reaches one destination on, e.g. ``tcp 80, 443 (partly)``; ``-`` when none. A port that
    only part of a CIDR or Internet source reaches is marked ``(partly)``."""
    reached = [answer for answer in answers if reaches_some(answer)]
    if not reached:
        return "-"
    protocol = reached[0].protocol
    if reached[0].port is None:
        return protocol + (" (partly)" if reached[0].partial else "")
    return "%s %s" % (protocol, ", ".join("%d%s" % (answer.port, " (partly)" if answer.partial else "") for answer in reached))


def matrix_table(endpoints, answers, label=describe_endpoint):
    """``(header, rows)``: rows are sources, columns destinations, cells ``matrix_cell`` of their answers."""
    cells = OrderedDict()
    for answer in answers:
        cells.setdefault((answer.source, answer.destination), []).append(answer)
    destinations = [endpoint for endpoint in endpoints if endpoint.kind in MEMBER_KINDS]
    header = ["from \\ to"] + [label(endpoint) for endpoint in destinations]
    rows = []
    for source in endpoints:
        row = [label(source)]
        for destination in destinations:
            if source == destination and source.kind != KIND_GROUP:
                row.append("(self)")
            else:
                row.append(matrix_cell(cells.get((source, destination), [])))
        rows.append(row)
    return header, rows


# ---------------------------------------------------------------------------------------------------------
# Group-level reach for the audit map: which ports a peer may use into a group


def _boundaries(rules, protocol):
    """Ports where the rules of ``protocol`` (or ALL) start or stop matching: the edges of constant intervals."""
    points = set([MIN_PORT])
    for rule in rules:
        if rule.protocol == protocol:
            first, last = port_span(rule)
            points.add(first)
            if last < MAX_PORT:
                points.add(last + 1)
    return sorted(points)


def _group_boundaries(group, protocol, cache):
    """``_boundaries`` of one group's rules, kept in ``cache``: a map evaluates each group against many peers."""
    key = ("boundaries", group.group_id, protocol)
    found = cache.get(key)
    if found is None:
        found = cache[key] = _boundaries(group.rules, protocol)
    return found


def reached_ports(source, destination, protocol, groups, prefix_lists=None, ip_version=4, within=None, cache=None):
    """The port intervals ``[(first, last), ...]`` on which ``source`` (or part of it: reaches_some()) reaches
    ``destination`` over ``protocol`` (tcp or udp), evaluated once per interval on which no rule changes: exact, not
    sampled.

    ``within``: only ports these rules cover (of ``protocol`` or ALL), e.g. the rules that name a peer.
    ``cache``: as evaluate() takes it."""
    cache = {} if cache is None else cache
    groups_by_id = groups if isinstance(groups, dict) else OrderedDict((group.group_id, group) for group in groups)
    points = set(_boundaries(within or [], protocol.upper()))
    for endpoint in (source, destination):
        for group_id in endpoint.group_ids:
            if group_id in groups_by_id:
                points.update(_group_boundaries(groups_by_id[group_id], protocol.upper(), cache))
    points = sorted(points)
    spans = None
    if within is not None:
        spans = [port_span(rule) for rule in within if rule.protocol in (protocol.upper(), "ALL")]
    intervals = []
    for index, first in enumerate(points):
        last = points[index + 1] - 1 if index + 1 < len(points) else MAX_PORT
        if spans is not None and not any(low <= first <= high for low, high in spans):
            continue
        answer = evaluate(source, destination, protocol, first, groups_by_id, prefix_lists, ip_version, cache)
        if reaches_some(answer):
            if intervals and intervals[-1][1] == first - 1:
                intervals[-1] = (intervals[-1][0], last)
            else:
                intervals.append((first, last))
    return intervals


def describe_reach(source, destination, groups, prefix_lists=None, protocols=("TCP", "UDP", "ICMP", "GRE"), ip_version=4,
                   within=None, cache=None):
    """What ``source`` (or part of it) may use to reach ``destination``: ``["tcp 22", "tcp 8000-8080", "icmp"]``, or
    ``["all protocols"]`` when every protocol and port gets through; ``[]`` when nothing does.

    ``within``: only what these rules cover (the audit map labels an edge with what the rules naming a peer grant).
    ``cache``: as evaluate() takes it; the audit map passes one for all its pairs."""
    cache = {} if cache is None else cache
    parts = []
    complete = True
    if within is not None:
        named = set(rule.protocol for rule in within)
        protocols = [protocol for protocol in protocols if protocol in named or "ALL" in named]
        complete = "ALL" in named
    for protocol in protocols:
        if protocol in PORTED_PROTOCOLS:
            intervals = reached_ports(source, destination, protocol, groups, prefix_lists, ip_version, within, cache)
            if intervals != [(MIN_PORT, MAX_PORT)]:
                complete = False
            for first, last in intervals:
                if (first, last) == (MIN_PORT, MAX_PORT):
                    parts.append("%s all ports" % protocol.lower())
                else:
                    parts.append("%s %s" % (protocol.lower(), first if first == last else "%d-%d" % (first, last)))
        else:
            if reaches_some(evaluate(source, destination, protocol, None, groups, prefix_lists, ip_version, cache)):
                parts.append(protocol.lower())
            else:
                complete = False
    if complete and parts:
        return ["all protocols"]
    return merge_port_labels(parts)


def merge_port_labels(parts):
    """``["tcp 22", "tcp 80, 443"]`` -> ``["tcp 22, 80, 443"]``: one entry per protocol, ports in order, once."""
    merged = OrderedDict()
    for part in parts:
        protocol, _sep, ports = part.partition(" ")
        merged.setdefault(protocol, [])
        for port in ports.split(", ") if ports else ():
            if port not in merged[protocol]:
                merged[protocol].append(port)
    return ["%s %s" % (protocol, ", ".join(ports)) if ports else protocol for protocol, ports in merged.items()]


# ---------------------------------------------------------------------------------------------------------
# References as users write them, and endpoints from API items

REF_INTERNET = "internet"
REF_CIDR = "cidr"
REF_INSTANCE = "instance"
REF_ENI = "eni"
REF_GROUP = "group"
REF_NAME = "name"

ALLOWED_REFERENCES = ("an instance (i-...) or network interface (eni-...) id, a security group id (sg-...), the name of "
                      "a group, an instance or a network interface, a CIDR block or an address, or internet")
ALLOWED_DESTINATIONS = ("an instance (i-...) or network interface (eni-...) id, a security group id (sg-...), or the name of "
                        "a group, an instance or a network interface")


def parse_reference(text):
    """``(kind, value)`` of a source or destination as written; ValueError when it is empty or not a string."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("is empty")
    value = text.strip()
    if value.lower() == REF_INTERNET:
        return REF_INTERNET, REF_INTERNET
    if value.startswith("i-"):
        return REF_INSTANCE, value
    if value.startswith("eni-"):
        return REF_ENI, value
    if value.startswith("sg-"):
        return REF_GROUP, value
    try:
        return REF_CIDR, ipaddress.ip_network(value, strict=False).compressed
    except ValueError:
        pass
    if value[0].isdigit() or ":" in value:
        raise ValueError("is not a valid address or CIDR block")
    return REF_NAME, value


def endpoint_from_instance(item):
    """An instance of DescribeInstances: its primary interface's groups, its private IPv4 addresses (the primary
    first) and its primary interface's IPv6 addresses (Tea model alibabacloud_ecs20140526
    DescribeInstancesResponseBodyInstancesInstanceNetworkInterfacesNetworkInterface: Type, Ipv6Sets.Ipv6Set[].Ipv6Address;
    a secondary interface has its own groups, so its addresses are its own)."""
    addresses = items_at(item, "VpcAttributes.PrivateIpAddress.IpAddress") or items_at(item, "InnerIpAddress.IpAddress")
    interfaces = [entry for entry in items_at(item, "NetworkInterfaces.NetworkInterface") if isinstance(entry, dict)]
    for interface in [entry for entry in interfaces if entry.get("Type") == "Primary"] or interfaces[:1]:
        addresses += _ipv6_addresses(interface)
    vpc_id = (item.get("VpcAttributes") or {}).get("VpcId") or ""
    network_type = (item.get("InstanceNetworkType") or ("vpc" if vpc_id else "classic")).lower()
    return member_endpoint(KIND_INSTANCE, item.get("InstanceId"), item.get("InstanceName"), vpc_id, network_type,
                           items_at(item, "SecurityGroupIds.SecurityGroupId"), unique(addresses))


def endpoint_from_interface(item):
    """A network interface of DescribeNetworkInterfaces (ENIs exist only in VPCs)."""
    addresses = [item.get("PrivateIpAddress")] + [entry.get("PrivateIpAddress") for entry in
                                                  items_at(item, "PrivateIpSets.PrivateIpSet") if isinstance(entry, dict)]
    return member_endpoint(KIND_ENI, item.get("NetworkInterfaceId"), item.get("NetworkInterfaceName"), item.get("VpcId"),
                           "vpc", items_at(item, "SecurityGroupIds.SecurityGroupId"), unique(addresses + _ipv6_addresses(item)))


def _ipv6_addresses(interface):
    """The IPv6 addresses of an interface item (``Ipv6Sets.Ipv6Set[].Ipv6Address``, in DescribeInstances and in
    DescribeNetworkInterfaces alike)."""
    return [entry.get("Ipv6Address") for entry in items_at(interface, "Ipv6Sets.Ipv6Set") if isinstance(entry, dict)]


def members_of(instances, interfaces):
    """The endpoints of a group's members: its instances, and the interfaces that are not an instance's primary one
    (a primary interface carries its instance's groups)."""
    endpoints = [endpoint_from_instance(item) for item in instances]
    for item in interfaces:
        # DescribeInstances with the same group filter lists the instance of an attached primary interface.
        if item.get("Type") == "Primary" and item.get("InstanceId"):
            continue
        endpoints.append(endpoint_from_interface(item))
    return endpoints


ReachGroup = namedtuple("ReachGroup", ["group_id", "name", "vpc_id", "group_type", "inner_access_policy", "rules"])
ReachGroup.__doc__ = """A group as the evaluation needs it (``_audit.AuditGroup`` serves as well)."""
