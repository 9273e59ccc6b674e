# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""Security-group rules: parse what users declare, normalise what the API describes, plan the difference.

Pure functions, no I/O. Declared rules (``sg_rule`` options) and described rules (the Permission dicts of
DescribeSecurityGroupAttribute) both become ``Rule`` values whose equality is the ECS rule identity, so a
plan is a set difference. Validation collects every problem before raising, so one failed run shows them all.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ValidationError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._lists import chunks
from ansible_collections.cloudwall.alicloud.plugins.module_utils._validation import starts_with_url, type_name

import ipaddress
import json
import re
from collections import namedtuple
from functools import lru_cache
from dataclasses import dataclass, field, replace
from typing import Callable, Optional

INGRESS = "ingress"
EGRESS = "egress"
DIRECTIONS = (INGRESS, EGRESS)

PROTOCOLS = ("TCP", "UDP", "ICMP", "GRE", "ALL", "ICMPV6")
PORTED_PROTOCOLS = frozenset(("TCP", "UDP"))
NO_PORTS = "-1/-1"

POLICIES = ("accept", "drop")
NIC_TYPES = ("intranet", "internet")
GROUP_TYPES = ("normal", "enterprise")

PEER_CIDR = "cidr"
PEER_GROUP = "group"
PEER_PREFIX_LIST = "prefix_list"
PEER_OPTIONS = (PEER_CIDR, PEER_GROUP, PEER_PREFIX_LIST)

OWNER_ACCOUNT = "account"
OWNER_ID = "id"

MIN_PORT = 1
MAX_PORT = 65535
MIN_PRIORITY = 1
MAX_PRIORITY = 100
MAX_DESCRIPTION_LENGTH = 512

DEFAULT_RULE_QUOTA = 200
# ECS: the rules of one group may name at most 20 distinct security groups (ingress and egress together).
MAX_GROUP_REFERENCES = 20
MAX_PERMISSIONS_PER_CALL = 100
MAX_RULE_IDS_PER_CALL = 100

# The argument-spec options of one element of ``sg_rule``'s ``rules``. Case-insensitive fields (protocol,
# policy) carry no ``choices`` because Ansible would reject "TCP"; parse_rules() validates them instead.
# ``ports`` and ``cidr`` are lists so that one element may expand to several rules; Ansible turns a
# scalar (80, "10.0.0.0/8") into a one-item list.
# ``protocol`` is not ``required`` here: parse_rules() reports it missing, and amazon.aws-style rules default it.
#
# Users arrive with the rule keys of alibaba.alicloud's ali_security_group and amazon.aws's ec2_security_group.
# Keys that mean the same thing here are aliases (RULE_ALIASES). Keys whose meaning depends on the rule's direction
# (alibaba.alicloud names the side of the quintuple, not the peer) or that combine into one option (amazon.aws's
# from_port/to_port, cidr_ipv6) are options of their own that parse_rules() translates (translate_anchor_keys).
RULE_ALIASES = {
    "protocol": ["ip_protocol", "proto"],
    "ports": ["port_range"],
    "cidr": ["cidr_ip"],
    "group": ["group_id", "group_name"],
    "group_owner_account": ["source_group_owner_account", "dest_group_owner_account"],
    "group_owner_id": ["source_group_owner_id", "dest_group_owner_id"],
    "prefix_list": ["ip_prefix"],
    "description": ["rule_desc"],
}
SIDED_KEYS = ("source_cidr_ip", "dest_cidr_ip", "source_group_id", "dest_group_id")
AMAZON_PORT_KEYS = ("from_port", "to_port")
# amazon.aws's ICMP type and code: an ECS ICMP rule matches every type and code, so only -1 (all) can be kept.
AMAZON_ICMP_KEYS = ("icmp_type", "icmp_code")
ICMP_PROTOCOLS = ("ICMP", "ICMPV6")
# A rule written with any of these is an amazon.aws rule, whose protocol defaulted to tcp there.
AMAZON_KEYS = frozenset(("proto", "from_port", "to_port", "cidr_ip", "cidr_ipv6", "group_id", "group_name", "ip_prefix",
                         "rule_desc", "icmp_type", "icmp_code"))
# amazon.aws also takes IP protocol numbers; -1 is every protocol.
PROTOCOL_NUMBERS = {"-1": "ALL", "1": "ICMP", "6": "TCP", "17": "UDP", "47": "GRE", "58": "ICMPV6"}

RULE_OPTIONS = {
    "direction": {"type": "str", "choices": list(DIRECTIONS), "default": INGRESS},
    "protocol": {"type": "str"},
    "ports": {"type": "list", "elements": "str"},
    "source_port_range": {"type": "str"},
    "cidr": {"type": "list", "elements": "str"},
    "group": {"type": "str"},
    "group_owner_account": {"type": "str"},
    "group_owner_id": {"type": "str"},
    "prefix_list": {"type": "str"},
    "dest_cidr": {"type": "str"},
    "source_cidr": {"type": "str"},
    "policy": {"type": "str", "default": "accept"},
    "priority": {"type": "int", "default": MIN_PRIORITY},
    "nic_type": {"type": "str", "choices": list(NIC_TYPES)},
    "description": {"type": "str"},
    "source_cidr_ip": {"type": "str"},
    "dest_cidr_ip": {"type": "str"},
    "source_group_id": {"type": "str"},
    "dest_group_id": {"type": "str"},
    "from_port": {"type": "int"},
    "to_port": {"type": "int"},
    "cidr_ipv6": {"type": "list", "elements": "str"},
    "icmp_type": {"type": "int"},
    "icmp_code": {"type": "int"},
}
for _name, _aliases in RULE_ALIASES.items():
    RULE_OPTIONS[_name]["aliases"] = list(_aliases)

# The elements of ``rules_egress``: egress rules only.
RULE_EGRESS_OPTIONS = dict(RULE_OPTIONS, direction={"type": "str", "choices": [EGRESS], "default": EGRESS})

# Every key a rule may carry: options and their aliases.
RULE_KEYS = frozenset(list(RULE_OPTIONS) + [alias for aliases in RULE_ALIASES.values() for alias in aliases])

# The options of a rule that Ansible's list type would split and stringify ("22,443" -> ["22", "443"]).
_LIST_OPTIONS = tuple(name for name, option in RULE_OPTIONS.items() if option["type"] == "list")
_STR_OPTIONS = tuple(name for name, option in RULE_OPTIONS.items() if option["type"] == "str")


def _list_option(value):
    if isinstance(value, str):
        return [item.strip() for item in value.split(",")]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, (list, tuple)):
        return [str(item) if isinstance(item, (int, float)) and not isinstance(item, bool) else item for item in value]
    return value


def declared_rules(raw_rules):
    """The ``rules`` option as written -> the dicts parse_rules() reads: unset (None) fields dropped, ``ports`` and
    ``cidr`` made lists of strings and numbers in string fields made strings, as Ansible's types would.

    sg_rule declares ``rules`` without sub-options so that Ansible does not validate each element a second time:
    parse_rules() checks every field (unknown keys, choices, ranges) and names the rule in its message.
    """
    result = []
    for raw in raw_rules or []:
        if not isinstance(raw, dict):
            result.append(raw)
            continue
        rule = dict((key, value) for key, value in raw.items() if value is not None)
        for name in _LIST_OPTIONS:
            if name in rule:
                rule[name] = _list_option(rule[name])
        for name in _STR_OPTIONS:
            value = rule.get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                rule[name] = str(value)
        result.append(rule)
    return result


_ALLOWED = {
    "keys": ", ".join(sorted(RULE_KEYS)),
    "direction": " or ".join(DIRECTIONS),
    "protocol": ", ".join(p.lower() for p in PROTOCOLS) + " (any case), or an IP protocol number (-1 for all)",
    "ports": 'a port %d-%d, or a range "start/end" or "start-end" with %d <= start <= end <= %d, -1 for every port, '
             'or a list of these' % (MIN_PORT, MAX_PORT, MIN_PORT, MAX_PORT),
    "no_ports": "no ports (or -1/-1): icmp, gre, all and icmpv6 rules cover every port",
    "source_port_range": 'a port or a range "start/end" or "start-end" within %d-%d, on tcp or udp rules only' % (MIN_PORT, MAX_PORT),
    "cidr": "an IPv4 or IPv6 address or CIDR block, or a list of them",
    "peer": "exactly one of cidr, group, prefix_list",
    "group": "the id (sg-...) or the exact name of one security group",
    "owner": "at most one of group_owner_account, group_owner_id, and only with group",
    "prefix_list": "a prefix list id (pl-...)",
    "policy": " or ".join(POLICIES) + " (any case)",
    "priority": "an integer from %d (highest) to %d" % (MIN_PRIORITY, MAX_PRIORITY),
    "nic_type": " or ".join(NIC_TYPES),
    "description": "a string of 1 to %d characters that does not start with http:// or https://" % MAX_DESCRIPTION_LENGTH,
    "group_owner_account": "the name or numeric id of the Alibaba Cloud account that owns group, as a string",
    "group_owner_id": "the numeric id of the Alibaba Cloud account that owns group (digits 0-9)",
    "local_cidr": "an IPv4 or IPv6 address or CIDR block",
    "port": "a port %d-%d, or -1 for every port" % (MIN_PORT, MAX_PORT),
    "icmp": "-1 (every ICMP type and code, the only match an ECS rule makes), on icmp and icmpv6 rules",
}
# What a field allows, by option; the anchor-collection options name what they stand for.
_ALLOWED_BY_OPTION = dict(_ALLOWED, dest_cidr=_ALLOWED["local_cidr"], source_cidr=_ALLOWED["local_cidr"],
                          source_cidr_ip=_ALLOWED["cidr"], dest_cidr_ip=_ALLOWED["cidr"], cidr_ipv6=_ALLOWED["cidr"],
                          source_group_id=_ALLOWED["group"], dest_group_id=_ALLOWED["group"],
                          from_port=_ALLOWED["port"], to_port=_ALLOWED["port"], icmp_type=_ALLOWED["icmp"],
                          icmp_code=_ALLOWED["icmp"])


class RuleError(ValidationError):
    """Every problem found in a set of rules; ``problems`` holds one message each."""

    def __init__(self, problems):
        self.problems = list(problems)
        super(RuleError, self).__init__("; ".join(self.problems))

    def result(self):
        return {"msg": "invalid rules: %s" % self, "problems": self.problems}


@dataclass(frozen=True)
class Rule:
    """One security-group rule. Equality and hash are the ECS rule identity (ECS_API.md section 4).

    ``peer`` is the other side named by the rule (ingress: source, egress: destination): a CIDR
    (IPv4, or IPv6 compressed), a group id, or a prefix list id, per ``peer_kind``. ``local_cidr`` is the
    quintuple's CIDR on this group's side (ingress: destination, egress: source), ``""`` when unset.
    Fields after ``nic_type`` are not identity.
    """

    direction: str
    protocol: str
    port_range: str
    source_port_range: str
    peer_kind: str
    peer: str
    # A group id is unique across accounts, so the owner is sent when authorizing but is not identity: ECS answers
    # the owner's numeric id (or "" for our own account) whatever the request named (ECS_API.md section 6).
    peer_owner: str = field(compare=False)
    local_cidr: str
    policy: str
    priority: int
    nic_type: str
    # None: the description is not managed (declared without one).
    description: Optional[str] = field(default=None, compare=False)
    rule_id: str = field(default="", compare=False)
    peer_name: str = field(default="", compare=False)
    peer_owner_kind: str = field(default=OWNER_ACCOUNT, compare=False)

    @property
    def identity(self):
        return (self.direction, self.protocol, self.port_range, self.source_port_range, self.peer_kind, self.peer,
                self.local_cidr, self.policy, self.priority, self.nic_type)


@dataclass(frozen=True)
class RuleContext:
    """What parse_rules() needs to know about the group the rules belong to.

    ``resolve_group(name_or_id) -> group id`` finds a peer group and raises LookupError or ValueError with a
    readable message when it cannot; without it only ids (``sg-...``) are accepted. ``own_account`` is the
    caller's account id when known: an owner equal to it means "same account" and is dropped from identity.
    """

    group_id: str = ""
    is_vpc: bool = True
    group_type: str = "normal"
    resolve_group: Optional[Callable[[str], str]] = None
    own_account: str = ""


ParsedRules = namedtuple("ParsedRules", ["rules", "warnings"])


# ---------------------------------------------------------------------------------------------------------
# Value parsing shared by declared and described rules

# "80", "1/200", "1-200"; signs are matched so that "-1/-1" is reported as out of range, not as malformed.
# ASCII digits only: \d and str.isdigit() also take other scripts' digits ("٨٠"), which ECS does not.
_PORT_RANGE_RE = re.compile(r"^\s*([-+]?[0-9]+)\s*(?:[/-]\s*([-+]?[0-9]+)\s*)?$")
_ASCII_NUMBER = re.compile(r"^[0-9]+$")


def check_port_range(value):
    """``((start, end), None)`` for an int or ``"80"``, ``"1/200"``, ``"1-200"``; else ``(None, reason)``."""
    match = None if isinstance(value, bool) or not isinstance(value, (int, str)) else _PORT_RANGE_RE.match(str(value))
    if match is None:
        return None, "is not a port or a port range"
    start = int(match.group(1))
    end = start if match.group(2) is None else int(match.group(2))
    for port in (start, end):
        if not MIN_PORT <= port <= MAX_PORT:
            return None, "has port %d outside %d-%d" % (port, MIN_PORT, MAX_PORT)
    if start > end:
        return None, "starts at %d, after its end %d" % (start, end)
    return (start, end), None


def parse_port_range(value):
    """``"start/end"`` of a port or range as users or the API write it; None when malformed or out of range."""
    port_range = check_port_range(value)[0]
    return "%d/%d" % port_range if port_range else None


def _is_no_ports(value):
    return value in (-1, "-1", NO_PORTS) and not isinstance(value, bool)


def parse_cidr(value):
    """``(network text, version, had host bits)``; a bare address is a /32 or /128. ValueError when malformed."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("not an address or CIDR block")
    return _parse_cidr_text(value.strip())


# ipaddress is slow and a run parses the same texts several times (both passes over the declared rules, and the
# rules read from the API); a ValueError is not cached, so a bad CIDR is re-parsed, which is fine.
@lru_cache(maxsize=4096)
def _parse_cidr_text(text):
    network = ipaddress.ip_network(text, strict=False)
    had_host_bits = ipaddress.ip_address(text.split("/")[0]) != network.network_address
    return network.compressed, network.version, had_host_bits


def _lenient_cidr(value):
    """A described CIDR in canonical form; left as is when the API sent something unexpected."""
    if not value:
        return ""
    try:
        return parse_cidr(value)[0]
    except ValueError:
        return str(value)


def _parse_priority(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and _ASCII_NUMBER.match(value.strip()):
        value = int(value.strip())
    if isinstance(value, int) and MIN_PRIORITY <= value <= MAX_PRIORITY:
        return value
    return None


def _described_priority(value):
    """A described Priority (a JSON number or a string) as an int; the API default 1 when missing or unreadable."""
    if isinstance(value, bool):
        return MIN_PRIORITY
    if isinstance(value, str) and _ASCII_NUMBER.match(value.strip()):
        return int(value.strip())
    return value if isinstance(value, int) and value >= MIN_PRIORITY else MIN_PRIORITY


def default_nic_type(is_vpc, peer_kind, requested=None):
    """VPC groups are always intranet; classic: as requested, else intranet for group peers, internet otherwise."""
    if is_vpc:
        return "intranet"
    if requested:
        return requested
    return "intranet" if peer_kind == PEER_GROUP else "internet"


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _is_blank(value):
    return value is None or value == "" or value == []


# ---------------------------------------------------------------------------------------------------------
# Declared rules

def _summarise_raw(raw):
    """A short rendering of a rule as written, for error messages; tolerant of any junk."""
    if not isinstance(raw, dict):
        return repr(raw)[:60]

    def text(value):
        return ",".join(str(item) for item in _as_list(value))

    direction = str(raw.get("direction") or INGRESS)
    parts = [direction, text(raw.get("protocol")) or "?"]
    if not _is_blank(raw.get("ports")):
        parts.append(text(raw.get("ports")))
    peer = next((text(raw.get(key)) for key in PEER_OPTIONS if not _is_blank(raw.get(key))), "?")
    parts.extend(["to" if direction == EGRESS else "from", peer])
    summary = " ".join(parts)
    return summary if len(summary) <= 80 else summary[:77] + "..."


def _rule_label(index, raw, option="rules"):
    return "%s[%d] (%s)" % (option, index, _summarise_raw(raw))


class _RuleProblems:
    """Collects the problems of one declared rule, each naming the rule, the field, the value and what is allowed."""

    def __init__(self, index, raw, sink, option="rules", field_names=None):
        self.index = index
        self.raw = raw
        self.sink = sink
        self.option = option
        self.count = 0
        # Roles name a field by the role variable it came from (ports -> tier_access_ports).
        self.field_names = field_names or {}
        # Fields whose value had the wrong type: that problem is reported once, not again by the field's own parser.
        self.silenced = set()

    @property
    def label(self):
        # Built only for a message: most rules have none, and summarising every rule costs as much as parsing it.
        return _rule_label(self.index, self.raw, self.option)

    def silence(self, *field_names):
        self.silenced.update(field_names)

    def add(self, field_name, value, reason, allowed):
        self.count += 1
        if self.silenced.intersection(field_name.split("/")):
            return
        self.sink.append("%s: %s=%s %s; allowed: %s" % (self.label, self.field_names.get(field_name, field_name),
                                                        json.dumps(value, default=repr), reason, allowed))


# The option each key of a rule stands for (an option is its own), and the fields whose later messages a badly typed
# key makes redundant (the anchor keys feed options of their own).
_OPTION_OF_KEY = dict([(name, name) for name in RULE_OPTIONS]
                      + [(alias, name) for name, aliases in RULE_ALIASES.items() for alias in aliases])
_FED_BY_KEY = {"source_cidr_ip": ("cidr", "dest_cidr", "source_cidr"), "dest_cidr_ip": ("cidr", "dest_cidr", "source_cidr"),
               "source_group_id": ("group",), "dest_group_id": ("group",), "from_port": ("ports",), "to_port": ("ports",),
               "cidr_ipv6": ("cidr",)}
_INTEGER_TEXT = re.compile(r"^\s*[-+]?[0-9]+\s*$")


def _is_text_like(value):
    """A string, or a number YAML users write for a text field (an account id, a port): sent as its digits."""
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _typed_fields(raw, problems):
    """``raw`` with every field in the type of its option: the one type check of every rule field, before any field is
    read. Text fields (``type: str`` options and their aliases) take strings, numbers becoming their text; list fields
    a string, a number or a list of them; integer fields an integer or its ASCII digits. A value of another type (a
    list or a dictionary for a string, a boolean) is a problem naming the key as written, the value and what is
    allowed, and later problems of the fields it feeds are not reported again."""
    typed = dict(raw)
    for key, value in raw.items():
        option = _OPTION_OF_KEY.get(key)
        if option is None or value is None:
            continue
        kind = RULE_OPTIONS[option]["type"]
        allowed = _ALLOWED_BY_OPTION.get(option, "a string")
        if kind == "str":
            if _is_text_like(value):
                typed[key] = value if isinstance(value, str) else str(value)
                continue
            problems.add(key, value, "is %s, not a string" % type_name(value), allowed)
        elif kind == "list":
            items = value if isinstance(value, (list, tuple)) else [value]
            bad = [item for item in items if not _is_text_like(item)]
            if not bad:
                continue
            for item in bad:
                problems.add(key, item, "is %s, not a string or a number" % type_name(item), allowed)
        else:  # int
            if isinstance(value, int) and not isinstance(value, bool):
                continue
            if isinstance(value, str) and _INTEGER_TEXT.match(value):
                typed[key] = int(value.strip())
                continue
            problems.add(key, value, "is not an integer" if isinstance(value, str) else "is %s, not an integer" % type_name(value),
                         allowed)
        problems.silence(key, option, *_FED_BY_KEY.get(key, ()))
    return typed


def _parse_choice(raw, problems, field_name, choices, default, allowed, fold):
    value = raw.get(field_name)
    if value is None:
        return default
    if not isinstance(value, str) or fold(value.strip()) not in choices:
        problems.add(field_name, value, "is not supported", allowed)
        return None
    return fold(value.strip())


def _fold_protocol(value):
    """Protocol names in upper case; amazon.aws's IP protocol numbers (and -1 for all) as their names."""
    return PROTOCOL_NUMBERS.get(value, value.upper())


def _parse_ports(raw, protocol, problems):
    values = _as_list(raw.get("ports"))
    if protocol is None:
        return [NO_PORTS]
    if protocol not in PORTED_PROTOCOLS:
        for value in values:
            if not _is_no_ports(value):
                problems.add("ports", value, "is set but %s rules take no ports" % protocol.lower(), _ALLOWED["no_ports"])
        return [NO_PORTS]
    if not values:
        problems.add("ports", raw.get("ports"), "is missing; %s rules need ports" % protocol.lower(), _ALLOWED["ports"])
        return []
    port_ranges = []
    for value in values:
        if _is_no_ports(value):
            # -1 means every port, as in both alibaba.alicloud and amazon.aws.
            value = "%d/%d" % (MIN_PORT, MAX_PORT)
        parsed, reason = check_port_range(value)
        if parsed is None:
            problems.add("ports", value, reason, _ALLOWED["ports"])
            continue
        port_range = "%d/%d" % parsed
        if port_range not in port_ranges:
            port_ranges.append(port_range)
    return port_ranges


def _parse_source_port_range(raw, protocol, problems):
    value = raw.get("source_port_range")
    if _is_blank(value):
        return ""
    if protocol is not None and protocol not in PORTED_PROTOCOLS:
        problems.add("source_port_range", value, "is set but %s rules take no source ports" % protocol.lower(), _ALLOWED["source_port_range"])
        return ""
    parsed, reason = check_port_range(value)
    if parsed is None:
        problems.add("source_port_range", value, reason, _ALLOWED["source_port_range"])
        return ""
    return "%d/%d" % parsed


def _parse_cidr_field(field_name, value, problems, warnings):
    """``(cidr, version)``, or None after recording the problem."""
    try:
        cidr, version, had_host_bits = parse_cidr(value)
    except ValueError:
        problems.add(field_name, value, "is not a valid IPv4 or IPv6 address or CIDR block", _ALLOWED["cidr"])
        return None
    if had_host_bits:
        warnings.append("%s: %s=%s has host bits set; using the network %s" % (problems.label, field_name, json.dumps(value), cidr))
    return cidr, version


def _resolve_group(value, owner, context, problems):
    if not isinstance(value, str) or not value.strip():
        problems.add("group", value, "is not a group id or name", _ALLOWED["group"])
        return None
    value = value.strip()
    if owner:
        # A group of another account cannot be found by name in ours.
        if not value.startswith("sg-"):
            problems.add("group", value, "must be a group id when group_owner_account or group_owner_id is set", "an id (sg-...)")
            return None
        return value
    if context.resolve_group is None:
        if value.startswith("sg-"):
            return value
        problems.add("group", value, "is a name and no group lookup is available", "an id (sg-...)")
        return None
    try:
        return context.resolve_group(value)
    except (LookupError, ValueError) as exc:
        problems.add("group", value, "cannot be resolved (%s)" % exc, _ALLOWED["group"])
        return None


def _parse_peers(raw, direction, context, problems, warnings):
    """``[(kind, value, display name, version)]``, the owner and its kind; one entry per CIDR of a list."""
    given = [key for key in PEER_OPTIONS if not _is_blank(raw.get(key))]
    owner_fields = [key for key in ("group_owner_account", "group_owner_id") if not _is_blank(raw.get(key))]
    if len(owner_fields) > 1 or (owner_fields and PEER_GROUP not in given):
        problems.add(owner_fields[-1], raw.get(owner_fields[-1]), "cannot be used here", _ALLOWED["owner"])
    # _typed_fields() reported an owner that is not text; the group is then not looked up (nor reported again).
    owner_typed = all(isinstance(raw[key], str) for key in owner_fields)
    owner = raw[owner_fields[0]].strip() if owner_fields and owner_typed else ""
    owner_kind = OWNER_ID if owner_fields == ["group_owner_id"] else OWNER_ACCOUNT
    if owner_kind == OWNER_ID and owner and not _ASCII_NUMBER.match(owner):
        problems.add("group_owner_id", raw["group_owner_id"], "is not an account id", _ALLOWED["group_owner_id"])
    if owner and owner == context.own_account:
        owner = ""
    if not given:
        problems.add("cidr/group/prefix_list", None, "are all missing; a rule needs one peer (%s)"
                     % ("the destination" if direction == EGRESS else "the source"), _ALLOWED["peer"])
        return [], owner, owner_kind
    if len(given) > 1:
        problems.add(given[1], raw.get(given[1]), "is set together with %s" % given[0], _ALLOWED["peer"])
        return [], owner, owner_kind
    kind = given[0]
    value = raw.get(kind)
    if kind == PEER_CIDR:
        peers = []
        for item in _as_list(value):
            parsed = _parse_cidr_field("cidr", item, problems, warnings)
            if parsed and not any(peer[1] == parsed[0] for peer in peers):
                peers.append((PEER_CIDR, parsed[0], "", parsed[1]))
        return peers, owner, owner_kind
    if kind == PEER_GROUP:
        if not owner_typed:
            return [], owner, owner_kind
        group_id = _resolve_group(value, owner, context, problems)
        if group_id is None:
            return [], owner, owner_kind
        if group_id == context.group_id and not owner:
            problems.add("group", value, "is the group these rules belong to; a group cannot reference itself",
                         "another security group")
        name = value.strip() if value.strip() != group_id else ""
        return [(PEER_GROUP, group_id, name, None)], owner, owner_kind
    if not isinstance(value, str) or not value.strip().startswith("pl-"):
        problems.add("prefix_list", value, "is not a prefix list id", _ALLOWED["prefix_list"])
        return [], owner, owner_kind
    return [(PEER_PREFIX_LIST, value.strip(), "", None)], owner, owner_kind


def _parse_local_cidr(raw, direction, peers, problems, warnings):
    """The quintuple's CIDR on this group's side: ``dest_cidr`` on ingress, ``source_cidr`` on egress."""
    own_field, wrong_field = ("source_cidr", "dest_cidr") if direction == EGRESS else ("dest_cidr", "source_cidr")
    if not _is_blank(raw.get(wrong_field)):
        problems.add(wrong_field, raw.get(wrong_field), "does not apply to %s rules (the peer goes in cidr)" % direction,
                     "%s on %s rules" % (own_field, direction))
    value = raw.get(own_field)
    if _is_blank(value):
        return ""
    parsed = _parse_cidr_field(own_field, value, problems, warnings)
    if parsed is None:
        return ""
    mismatched = [peer[1] for peer in peers if peer[0] == PEER_CIDR and peer[3] != parsed[1]]
    if mismatched:
        problems.add(own_field, value, "is IPv%d but cidr %s is not" % (parsed[1], ", ".join(mismatched)),
                     "a CIDR of the same IP version as cidr")
    return parsed[0]


def _parse_nic_type(raw, peer_kind, context, problems, warnings):
    requested = _parse_choice(raw, problems, "nic_type", NIC_TYPES, None, _ALLOWED["nic_type"], str.lower)
    if requested == "internet" and peer_kind == PEER_GROUP:
        problems.add("nic_type", raw.get("nic_type"), "is not possible with a group peer", "intranet (or omit nic_type)")
        return "intranet"
    if requested == "internet" and context.is_vpc:
        warnings.append("%s: nic_type=\"internet\" is not supported by VPC groups; using intranet" % problems.label)
    return default_nic_type(context.is_vpc, peer_kind, requested)


def _parse_description(raw, problems):
    value = raw.get("description")
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        problems.add("description", value, "is not a string", _ALLOWED["description"])
        return None
    if len(value) > MAX_DESCRIPTION_LENGTH:
        problems.add("description", value, "has %d characters" % len(value), _ALLOWED["description"])
        return None
    if starts_with_url(value):
        problems.add("description", value, "starts with a URL scheme", _ALLOWED["description"])
        return None
    return value


def _set_once(rule, key, value, source, problems):
    """Put ``value`` (from the key ``source``) in ``rule[key]``, unless ``key`` already holds another value."""
    def same(one, other):  # Ansible hands the option typed (a list) and leaves its alias as written
        return [str(item) for item in _as_list(one)] == [str(item) for item in _as_list(other)]

    if _is_blank(rule.get(key)):
        rule[key] = value
    elif same(rule.get(key), value):
        return
    else:
        problems.add(source, value, "is set together with %s" % key, "one of them")


def translate_anchor_keys(raw, problems):
    """``raw`` with the alibaba.alicloud and amazon.aws keys turned into this module's options (see RULE_ALIASES).

    Aliases as Ansible leaves them (both keys present) or as written (only the alias) both work."""
    rule = dict((key, value) for key, value in raw.items() if key in RULE_OPTIONS and key not in SIDED_KEYS
                and key not in AMAZON_PORT_KEYS + AMAZON_ICMP_KEYS and key != "cidr_ipv6")
    for name, aliases in RULE_ALIASES.items():
        for alias in aliases:
            if not _is_blank(raw.get(alias)):
                _set_once(rule, name, raw[alias], alias, problems)
    direction = str(rule.get("direction") or INGRESS).strip().lower()
    # alibaba.alicloud names the quintuple's sides: the peer is the source of an ingress rule, the destination of
    # an egress rule; the other side's CIDR is this group's own (dest_cidr / source_cidr here).
    peer_side = "dest" if direction == EGRESS else "source"
    for side in ("source", "dest"):
        cidr = raw.get("%s_cidr_ip" % side)
        if not _is_blank(cidr):
            _set_once(rule, "cidr" if side == peer_side else "%s_cidr" % side, cidr, "%s_cidr_ip" % side, problems)
        group = raw.get("%s_group_id" % side)
        if _is_blank(group):
            continue
        if side == peer_side:
            _set_once(rule, "group", group, "%s_group_id" % side, problems)
        else:
            problems.add("%s_group_id" % side, group, "does not apply to %s rules" % direction,
                         "%s_group_id on %s rules" % (peer_side, direction))
    if not _is_blank(raw.get("cidr_ipv6")):
        rule["cidr"] = _as_list(rule.get("cidr")) + _as_list(raw["cidr_ipv6"])
    if _is_blank(rule.get("protocol")) and any(not _is_blank(raw.get(key)) for key in AMAZON_KEYS):
        rule["protocol"] = "tcp"
    from_port, to_port = raw.get("from_port"), raw.get("to_port")
    if from_port is not None or to_port is not None:
        protocol = str(rule.get("protocol") or "").strip().lower()
        protocol = PROTOCOL_NUMBERS.get(protocol, protocol.upper())
        start = from_port if from_port is not None else to_port
        end = to_port if to_port is not None else from_port
        # amazon.aws ignores the ports of protocols without ports (ICMP types are not ECS ports either).
        if protocol in PORTED_PROTOCOLS or not protocol:
            _set_once(rule, "ports", ["-1" if -1 in (start, end) else "%s/%s" % (start, end)], "from_port/to_port", problems)
    for key in AMAZON_ICMP_KEYS:
        value = raw.get(key)
        if value is None:
            continue
        protocol = str(rule.get("protocol") or "").strip().lower()
        if PROTOCOL_NUMBERS.get(protocol, protocol.upper()) not in ICMP_PROTOCOLS:
            problems.add(key, value, "applies to icmp and icmpv6 rules only", _ALLOWED["icmp"])
        elif value != -1:
            problems.add(key, value, "cannot be matched: an ECS ICMP rule matches every type and code", _ALLOWED["icmp"])
    return rule


def _parse_one(raw, context, problems, warnings):
    """The rules one declared element expands to (ports x peers); empty after recording problems."""
    unknown = sorted(str(key) for key in raw if key not in RULE_KEYS)
    for key in unknown:
        problems.add(key, raw[key], "is not a rule option", _ALLOWED["keys"])
    raw = translate_anchor_keys(_typed_fields(raw, problems), problems)
    direction = _parse_choice(raw, problems, "direction", DIRECTIONS, INGRESS, _ALLOWED["direction"], str.lower)
    if _is_blank(raw.get("protocol")):
        problems.add("protocol", None, "is missing", _ALLOWED["protocol"])
        protocol = None
    else:
        protocol = _parse_choice(raw, problems, "protocol", PROTOCOLS, None, _ALLOWED["protocol"], _fold_protocol)
    port_ranges = _parse_ports(raw, protocol, problems)
    source_port_range = _parse_source_port_range(raw, protocol, problems)
    peers, owner, owner_kind = _parse_peers(raw, direction or INGRESS, context, problems, warnings)
    local_cidr = _parse_local_cidr(raw, direction or INGRESS, peers, problems, warnings)
    policy = _parse_choice(raw, problems, "policy", POLICIES, "accept", _ALLOWED["policy"], str.lower)
    priority = _parse_priority(MIN_PRIORITY if raw.get("priority") is None else raw.get("priority"))
    if priority is None:
        problems.add("priority", raw.get("priority"), "is out of range or not an integer", _ALLOWED["priority"])
    # From what was written, so a group that failed to resolve is still checked against nic_type and group type.
    peer_keys = [key for key in PEER_OPTIONS if not _is_blank(raw.get(key))]
    peer_kind = peer_keys[0] if len(peer_keys) == 1 else None
    nic_type = _parse_nic_type(raw, peer_kind, context, problems, warnings)
    description = _parse_description(raw, problems)
    if context.group_type == "enterprise":
        if policy == "drop":
            problems.add("policy", raw.get("policy"), "is not possible in an enterprise security group", "accept")
        if peer_kind == PEER_GROUP:
            problems.add("group", raw.get("group"), "is not possible in an enterprise security group (no group references)",
                         "cidr or prefix_list")
    if problems.count:
        return []
    return [
        Rule(direction=direction, protocol=protocol, port_range=port_range, source_port_range=source_port_range,
             peer_kind=kind, peer=peer, peer_owner=owner if kind == PEER_GROUP else "", local_cidr=local_cidr,
             policy=policy, priority=priority, nic_type=nic_type, description=description,
             peer_name=name, peer_owner_kind=owner_kind)
        for port_range in port_ranges
        for kind, peer, name, _version in peers
    ]


def parse_rules(raw_rules, context, option="rules", field_names=None):
    """Validate and expand declared rules into ``ParsedRules(rules, warnings)``; ``option`` names them in messages.

    Raises RuleError listing every problem of every rule. Rules with the same identity collapse to one;
    declaring them with two different descriptions is a problem. Messages call the rules ``option[i]`` and a
    field by ``field_names`` (e.g. a role variable) when given, else by its own name.
    """
    problems = []
    warnings = []
    rules = []
    seen = {}
    if context.group_type not in GROUP_TYPES:
        raise RuleError(["security group type %s is not supported; allowed: %s" % (json.dumps(context.group_type), ", ".join(GROUP_TYPES))])
    for index, raw in enumerate(raw_rules or []):
        if not isinstance(raw, dict):
            problems.append("%s: is not a dictionary; allowed: a dictionary of the options %s"
                            % (_rule_label(index, raw, option), _ALLOWED["keys"]))
            continue
        for rule in _parse_one(raw, context, _RuleProblems(index, raw, problems, option, field_names), warnings):
            if rule not in seen:
                seen[rule] = (index, raw, len(rules))
                rules.append(rule)
                continue
            first_index, first_raw, position = seen[rule]
            kept = rules[position]
            if kept.description is None:
                rules[position] = replace(kept, description=rule.description)
            elif rule.description is not None and rule.description != kept.description:
                problems.append("%s and %s both declare %s with different descriptions %s and %s; allowed: one description per rule"
                                % (_rule_label(first_index, first_raw, option), _rule_label(index, raw, option),
                                   render_rule(rule, with_description=False),
                                   json.dumps(kept.description), json.dumps(rule.description)))
    if problems:
        raise RuleError(problems)
    return ParsedRules(rules, warnings)


# ---------------------------------------------------------------------------------------------------------
# Described rules

def _described_port_range(protocol, value):
    if protocol not in PORTED_PROTOCOLS and protocol in PROTOCOLS:
        return NO_PORTS
    return parse_port_range(value) or str(value or "")


def rule_from_permission(permission, is_vpc, own_account=""):
    """A ``Rule`` from one Permission of DescribeSecurityGroupAttribute (every key present, ``""`` when unset)."""
    def get(key):
        value = permission.get(key)
        return "" if value is None else str(value).strip()

    direction = get("Direction").lower() or INGRESS
    peer_side, local_side = ("Dest", "Source") if direction == EGRESS else ("Source", "Dest")
    protocol = get("IpProtocol").upper()
    if get(peer_side + "GroupId"):
        kind, peer = PEER_GROUP, get(peer_side + "GroupId")
    elif get(peer_side + "PrefixListId"):
        kind, peer = PEER_PREFIX_LIST, get(peer_side + "PrefixListId")
    else:
        kind, peer = PEER_CIDR, _lenient_cidr(get(peer_side + "CidrIp") or get("Ipv6" + peer_side + "CidrIp"))
    owner = get(peer_side + "GroupOwnerAccount") if kind == PEER_GROUP else ""
    if owner == own_account:
        owner = ""
    source_port_range = get("SourcePortRange")
    source_port_range = "" if source_port_range in ("", NO_PORTS) else _described_port_range("TCP", source_port_range)
    # Read as given, not clamped to what users may declare: system-made default groups hold priority-110 rules
    # (ECS_API.md section 6), and reading them as 1 would confuse them with declared priority-1 rules.
    priority = _described_priority(permission.get("Priority"))
    return Rule(
        direction=direction,
        protocol=protocol,
        port_range=_described_port_range(protocol, get("PortRange")),
        source_port_range=source_port_range,
        peer_kind=kind,
        peer=peer,
        peer_owner=owner,
        local_cidr=_lenient_cidr(get(local_side + "CidrIp") or get("Ipv6" + local_side + "CidrIp")),
        policy=get("Policy").lower() or "accept",
        priority=priority,
        nic_type=default_nic_type(is_vpc, kind, get("NicType").lower()),
        description=get("Description"),
        rule_id=get("SecurityGroupRuleId"),
        peer_name=get(peer_side + "GroupName") or get(peer_side + "PrefixListName"),
    )


def rules_from_permissions(permissions, is_vpc, own_account=""):
    return [rule_from_permission(permission, is_vpc, own_account) for permission in permissions or []]


# ---------------------------------------------------------------------------------------------------------
# Rendering and API shapes

def _peer_text(rule, group_names):
    if rule.peer_kind == PEER_GROUP:
        text = (group_names or {}).get(rule.peer) or rule.peer_name or rule.peer
        return "%s of account %s" % (text, rule.peer_owner) if rule.peer_owner else text
    return rule.peer


def render_rule(rule, group_names=None, with_description=True):
    """One readable line, e.g. ``ingress accept tcp 6379/6379 from sg-web (intranet) priority 1 "cache"``."""
    parts = [rule.direction, rule.policy, rule.protocol.lower()]
    if rule.port_range != NO_PORTS:
        parts.append(rule.port_range)
    if rule.source_port_range:
        parts.append("source ports %s" % rule.source_port_range)
    peer_word, local_word = ("to", "from") if rule.direction == EGRESS else ("from", "to")
    parts.extend([peer_word, _peer_text(rule, group_names)])
    if rule.local_cidr:
        parts.extend([local_word, rule.local_cidr])
    parts.extend(["(%s)" % rule.nic_type, "priority", str(rule.priority)])
    if with_description and rule.description:
        parts.append(json.dumps(rule.description, ensure_ascii=False))
    return " ".join(parts)


def _cidr_fields(side, cidr):
    if not cidr:
        return {}
    return {("Ipv6%sCidrIp" if ":" in cidr else "%sCidrIp") % side: cidr}


def rule_to_api(rule, with_description=True):
    """The ``Permissions.N`` fields of Authorize* / Revoke* (also the single-rule fields of Modify*)."""
    peer_side, local_side = ("Dest", "Source") if rule.direction == EGRESS else ("Source", "Dest")
    permission = {
        "IpProtocol": rule.protocol.lower(),
        "PortRange": rule.port_range,
        "Policy": rule.policy,
        "Priority": str(rule.priority),
        "NicType": rule.nic_type,
    }
    if rule.source_port_range:
        permission["SourcePortRange"] = rule.source_port_range
    if rule.peer_kind == PEER_GROUP:
        permission[peer_side + "GroupId"] = rule.peer
        if rule.peer_owner:
            suffix = "GroupOwnerId" if rule.peer_owner_kind == OWNER_ID else "GroupOwnerAccount"
            permission[peer_side + suffix] = rule.peer_owner
    elif rule.peer_kind == PEER_PREFIX_LIST:
        permission[peer_side + "PrefixListId"] = rule.peer
    else:
        permission.update(_cidr_fields(peer_side, rule.peer))
    permission.update(_cidr_fields(local_side, rule.local_cidr))
    if with_description and rule.description:
        permission["Description"] = rule.description
    return permission


# The result shape of a rule (RV rules of sg_rule and sg_info), described or predicted alike: API field ->
# result key; protocol, policy and priority are added by snake_rule(); an unset field is "".
RULE_RESULT_FIELDS = (
    ("SecurityGroupRuleId", "security_group_rule_id"),
    ("Direction", "direction"),
    ("PortRange", "port_range"),
    ("SourcePortRange", "source_port_range"),
    ("SourceCidrIp", "source_cidr_ip"),
    ("Ipv6SourceCidrIp", "ipv6_source_cidr_ip"),
    ("SourceGroupId", "source_group_id"),
    ("SourceGroupName", "source_group_name"),
    ("SourceGroupOwnerAccount", "source_group_owner_account"),
    ("SourcePrefixListId", "source_prefix_list_id"),
    ("SourcePrefixListName", "source_prefix_list_name"),
    ("DestCidrIp", "dest_cidr_ip"),
    ("Ipv6DestCidrIp", "ipv6_dest_cidr_ip"),
    ("DestGroupId", "dest_group_id"),
    ("DestGroupName", "dest_group_name"),
    ("DestGroupOwnerAccount", "dest_group_owner_account"),
    ("DestPrefixListId", "dest_prefix_list_id"),
    ("DestPrefixListName", "dest_prefix_list_name"),
    ("NicType", "nic_type"),
    ("Description", "description"),
    ("CreateTime", "create_time"),
)


def snake_rule(permission):
    """A described Permission in the result shape: protocol and policy lower case, priority an int."""
    result = dict((key, permission.get(api_key) or "") for api_key, key in RULE_RESULT_FIELDS)
    result["ip_protocol"] = (permission.get("IpProtocol") or "").lower()
    result["policy"] = (permission.get("Policy") or "").lower()
    try:
        result["priority"] = int(permission.get("Priority"))
    except (TypeError, ValueError):
        result["priority"] = None
    return result


def rule_to_result(rule):
    """A declared rule in the result shape; what only the API knows (rule id, create time) is ``""``."""
    permission = rule_to_api(replace(rule, peer_owner_kind=OWNER_ACCOUNT), with_description=False)
    permission.update(SecurityGroupRuleId=rule.rule_id or "", Direction=rule.direction, Description=rule.description or "")
    if rule.peer_kind == PEER_GROUP:
        permission["DestGroupName" if rule.direction == EGRESS else "SourceGroupName"] = rule.peer_name or ""
    return snake_rule(permission)


# ---------------------------------------------------------------------------------------------------------
# Planning

RuleModification = namedtuple("RuleModification", ["rule", "description"])


class Batch(namedtuple("Batch", ["action", "direction", "rules"])):
    """One API call: ``action`` is the ECS action name, ``rules`` at most 100 rules of one direction."""

    __slots__ = ()

    @property
    def permissions(self):
        return [rule_to_api(rule) for rule in self.rules]

    @property
    def rule_ids(self):
        return [rule.rule_id for rule in self.rules]


_ACTIONS = {
    ("authorize", INGRESS): "AuthorizeSecurityGroup",
    ("authorize", EGRESS): "AuthorizeSecurityGroupEgress",
    ("revoke", INGRESS): "RevokeSecurityGroup",
    ("revoke", EGRESS): "RevokeSecurityGroupEgress",
}


class Plan:
    """What to change: ``add`` (declared rules) and ``remove`` (current rules, with ids) per direction, and
    ``modify`` (current rule, new description). ``revoke_first`` when the rule quota or the group-reference limit
    forbids adding first."""

    def __init__(self, add, modify, remove, revoke_first, before):
        self.add = add
        self.modify = modify
        self.remove = remove
        self.revoke_first = revoke_first
        self.before = before

    @property
    def changed(self):
        return bool(self.modify or any(self.add.values()) or any(self.remove.values()))

    def batches(self):
        """The Authorize / Revoke calls in order: up to 100 Permissions or rule ids each, one direction each."""
        authorize = [Batch(_ACTIONS[("authorize", direction)], direction, tuple(chunk))
                     for direction in DIRECTIONS for chunk in chunks(self.add[direction], MAX_PERMISSIONS_PER_CALL)]
        revoke = [Batch(_ACTIONS[("revoke", direction)], direction, tuple(chunk))
                  for direction in DIRECTIONS for chunk in chunks(self.remove[direction], MAX_RULE_IDS_PER_CALL)]
        return revoke + authorize if self.revoke_first else authorize + revoke

    def after(self):
        """The rules the group will hold once the plan is applied (added rules have no id yet)."""
        removed = set(rule.rule_id for direction in DIRECTIONS for rule in self.remove[direction])
        new_descriptions = dict((change.rule.rule_id, change.description) for change in self.modify)
        kept = [replace(rule, description=new_descriptions[rule.rule_id]) if rule.rule_id in new_descriptions else rule
                for rule in self.before if rule.rule_id not in removed]
        return kept + [rule for direction in DIRECTIONS for rule in self.add[direction]]

    def diff(self, group_names=None):
        """``{"before", "after"}`` texts for Ansible's diff mode: one sorted line per rule."""
        def text(rules):
            lines = sorted(render_rule(rule, group_names) for rule in rules)
            return "".join(line + "\n" for line in lines)
        return {"before": text(self.before), "after": text(self.after())}


def validate_rule_quota(value, arg_name="rule_quota"):
    """Raise ValidationError unless ``value`` can be a rules-per-group quota (a positive integer)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError("%s is %s; allowed: a positive integer, the account's rules-per-group quota (default %d)"
                              % (arg_name, json.dumps(value, default=repr), DEFAULT_RULE_QUOTA))


def _unique_declared(declared):
    unique = {}
    for rule in declared:
        kept = unique.get(rule)
        if kept is None or kept.description is None:
            unique[rule] = rule
        elif rule.description is not None and rule.description != kept.description:
            raise RuleError(["%s is declared twice with different descriptions %s and %s; allowed: one description per rule"
                             % (render_rule(rule, with_description=False), json.dumps(kept.description), json.dumps(rule.description))])
    return list(unique.values())


def group_references(rules):
    """The distinct security groups ``rules`` name as peers (ingress and egress together)."""
    return set(rule.peer for rule in rules if rule.peer_kind == PEER_GROUP)


def _limit_order(add, remove, current, rule_quota, reference_limit):
    """Whether the plan must revoke before it authorizes, so that no state between its calls exceeds the rule quota or
    the group-reference limit; RuleError, before any write, when even its end state exceeds one of them."""
    added = [rule for direction in DIRECTIONS for rule in add[direction]]
    if not added:
        return False
    removed = [rule for direction in DIRECTIONS for rule in remove[direction]]
    removed_objects = set(id(rule) for rule in removed)
    kept = [rule for rule in current if id(rule) not in removed_objects]
    problems = []
    revoke_first = False
    if len(current) + len(added) > rule_quota:
        if len(kept) + len(added) > rule_quota:
            problems.append("the group would hold %d rules (%d now, %d to add, %d to revoke) but the quota is %d rules "
                            "(ingress and egress together); allowed: at most %d rules" % (
                                len(kept) + len(added), len(current), len(added), len(removed), rule_quota, rule_quota))
        revoke_first = True
    now, new = group_references(current), group_references(added)
    if len(now | new) > reference_limit and new - now:
        after = group_references(kept) | new
        if len(after) > reference_limit:
            problems.append("rules would make the group reference %d security groups (%d now, %d more, %d no longer "
                            "referenced) but ECS allows at most %d per group (ingress and egress together); allowed: "
                            "rules that name at most %d distinct security groups, with the group's other rules" % (
                                len(after), len(now), len(new - now), len(now - after), reference_limit, reference_limit))
        revoke_first = True
    if problems:
        raise RuleError(problems)
    return revoke_first


def plan_rules(declared, current, purge_ingress=False, purge_egress=False, state="present", rule_quota=DEFAULT_RULE_QUOTA,
               reference_limit=MAX_GROUP_REFERENCES):
    """Plan the changes that bring ``current`` (described rules) to ``declared`` (parsed rules).

    ``declared`` None leaves the group alone. ``state`` present: add missing rules, modify descriptions, and
    with ``purge_*`` revoke current rules of that direction that are not declared. ``state`` absent: revoke
    the declared rules that exist. Raises RuleError before any write when the result cannot fit ``rule_quota``
    (ingress and egress together) or would name more than ``reference_limit`` distinct security groups; revokes
    first when only the end state fits.
    """
    if state not in ("present", "absent"):
        raise RuleError(["state=%s is not supported; allowed: present, absent" % json.dumps(state)])
    current = list(current or [])
    add = dict((direction, []) for direction in DIRECTIONS)
    remove = dict((direction, []) for direction in DIRECTIONS)
    modify = []
    if declared is None:
        return Plan(add, modify, remove, False, current)
    declared = _unique_declared(declared)
    current_by_identity = {}
    for rule in current:
        current_by_identity.setdefault(rule, rule)

    if state == "absent":
        for rule in declared:
            if rule in current_by_identity:
                remove[rule.direction].append(current_by_identity[rule])
        return Plan(add, modify, remove, False, current)

    for rule in declared:
        existing = current_by_identity.get(rule)
        if existing is None:
            add[rule.direction].append(rule)
        elif rule.description is not None and rule.description != existing.description:
            modify.append(RuleModification(existing, rule.description))
    wanted = set(declared)
    purge = {INGRESS: purge_ingress, EGRESS: purge_egress}
    for rule in current:
        if purge.get(rule.direction) and rule not in wanted:
            remove[rule.direction].append(rule)

    return Plan(add, modify, remove, _limit_order(add, remove, current, rule_quota, reference_limit), current)
