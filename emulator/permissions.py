"""Pure rule model: read one Permission from request fields, validate it, normalise it, give its identity."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, fields, replace

from .errors import EcsError, missing

PROTOCOLS = ("TCP", "UDP", "ICMP", "GRE", "ALL", "ICMPV6")
PORTED_PROTOCOLS = ("TCP", "UDP")
NIC_TYPES = ("internet", "intranet")
_PORT_RANGE = re.compile(r"^(-?\d+)/(-?\d+)$")

# Peer kinds: exactly one per rule, on the side opposite the group (source for ingress, destination for egress).
PEER_CIDR, PEER_CIDR6, PEER_GROUP, PEER_PREFIX_LIST = "cidr", "cidr6", "group", "prefix_list"


@dataclass(frozen=True)
class Rule:
    """One security-group rule with its values normalised as ECS answers them ("" when unset)."""

    direction: str
    ip_protocol: str
    port_range: str
    source_port_range: str = ""
    source_cidr_ip: str = ""
    ipv6_source_cidr_ip: str = ""
    source_group_id: str = ""
    source_group_owner_account: str = ""
    source_prefix_list_id: str = ""
    dest_cidr_ip: str = ""
    ipv6_dest_cidr_ip: str = ""
    dest_group_id: str = ""
    dest_group_owner_account: str = ""
    dest_prefix_list_id: str = ""
    policy: str = "Accept"
    priority: int = 1
    nic_type: str = ""
    description: str = ""

    @property
    def side(self) -> str:
        """"source" for ingress rules, "dest" for egress: where the peer sits."""
        return "source" if self.direction == "ingress" else "dest"

    @property
    def peer_group_id(self) -> str:
        return self.source_group_id if self.direction == "ingress" else self.dest_group_id

    @property
    def peer_group_owner(self) -> str:
        return self.source_group_owner_account if self.direction == "ingress" else self.dest_group_owner_account

    @property
    def peer_prefix_list_id(self) -> str:
        return self.source_prefix_list_id if self.direction == "ingress" else self.dest_prefix_list_id

    @property
    def peer_kind(self) -> str:
        return peer_kind_of(self)

    def identity(self) -> tuple:
        """Everything but the description: two rules with equal identities are the same rule."""
        return tuple(getattr(self, f.name) for f in fields(self) if f.name != "description")

    def identity_key(self) -> str:
        """The identity as one string, for a unique index in the store."""
        return "|".join(str(part) for part in self.identity())


RULE_FIELDS = tuple(f.name for f in fields(Rule))


def peer_kind_of(rule: Rule) -> str:
    side = rule.side
    if getattr(rule, f"{side}_group_id"):
        return PEER_GROUP
    if getattr(rule, f"{side}_prefix_list_id"):
        return PEER_PREFIX_LIST
    if getattr(rule, f"ipv6_{side}_cidr_ip"):
        return PEER_CIDR6
    return PEER_CIDR


def _range_bounds(text: str) -> tuple[int, int] | None:
    match = _PORT_RANGE.match(text.strip())
    if not match:
        return None
    return int(match[1]), int(match[2])


def normalise_port_range(protocol: str, text: str) -> str:
    """tcp/udp: start/end within 1-65535; icmp, gre, all, icmpv6: only -1/-1."""
    if text == "":
        raise EcsError("InvalidPortRange.Malformed")
    bounds = _range_bounds(text)
    if bounds is None:
        raise EcsError("InvalidParam.PortRange", f"The specified PortRange {text!r} must be two integers in ?/? format.")
    start, end = bounds
    if protocol in PORTED_PROTOCOLS:
        if (start, end) == (-1, -1):
            raise EcsError("OperationDenied", f"IpProtocol {protocol} needs a port range from 1 to 65535, not -1/-1.")
        if not 1 <= start <= end <= 65535:
            raise EcsError("InvalidParam.PortRange", f"The specified PortRange {text!r} must be two integers between 1 and 65535 "
                                                     "in ?/? format, start not above end.")
        return f"{start}/{end}"
    if (start, end) != (-1, -1):
        raise EcsError("OperationDenied", f"IpProtocol {protocol} only takes the port range -1/-1, not {text!r}.")
    return "-1/-1"


def normalise_source_port_range(protocol: str, text: str) -> str:
    """Optional; "" and -1/-1 mean any source port; otherwise tcp/udp only, within 1-65535."""
    if text in ("", "-1/-1"):
        return ""
    bounds = _range_bounds(text)
    if bounds is None or protocol not in PORTED_PROTOCOLS or not 1 <= bounds[0] <= bounds[1] <= 65535:
        raise EcsError("InvalidSourcePortRange.Malformed",
                       f"The specified SourcePortRange {text!r} must be start/end within 1-65535 and needs TCP or UDP.")
    return f"{bounds[0]}/{bounds[1]}"


def normalise_cidr(text: str, version: int, code: str) -> str:
    """A CIDR block or a bare address of the given IP version; IPv6 compressed; a bare address stays bare."""
    if text == "":
        return ""
    try:
        value = ipaddress.ip_interface(text.strip())
    except ValueError:
        raise EcsError(code, f"The CIDR block {text!r} is not a valid IPv{version} address or CIDR block.") from None
    if value.version != version:
        raise EcsError(code, f"The CIDR block {text!r} is not an IPv{version} address or CIDR block.")
    return str(value.ip) if "/" not in text else f"{value.ip.compressed}/{value.network.prefixlen}"


def normalise_policy(text: str, default: str = "Accept") -> str:
    if text == "":
        return default
    if text.lower() not in ("accept", "drop"):
        raise EcsError("InvalidPolicy.Malformed", f"The Policy {text!r} is not valid. Only accept and drop are supported.")
    return text.capitalize()


def normalise_priority(text: str, highest: int = 100) -> int:
    """1-100 through the API; system-made default groups hold rules of priority 110 (seeds may give up to 110)."""
    if text == "":
        return 1
    try:
        value = int(text)
    except ValueError:
        raise EcsError("InvalidPriority.Malformed", f"The Priority {text!r} must be an integer from 1 to {highest}.") from None
    if not 1 <= value <= highest:
        raise EcsError("InvalidPriority.Malformed", f"The Priority {text!r} must be an integer from 1 to {highest}.")
    return value


def normalise_nic_type(text: str) -> str:
    if text == "":
        return ""
    if text.lower() not in NIC_TYPES:
        raise EcsError("InvalidNicType.ValueNotSupported", f"The NicType {text!r} is not valid. Only internet and intranet are supported.")
    return text.lower()


def normalise_protocol(text: str) -> str:
    if text == "":
        raise missing("IpProtocol")
    protocol = text.upper()
    if protocol not in PROTOCOLS:
        raise EcsError("InvalidIpProtocol.ValueNotSupported", f"The IpProtocol {text!r} is not supported. Valid values: {', '.join(PROTOCOLS)}.")
    return protocol


def given_owner(fields_in: dict[str, str], side: str) -> str:
    """The peer group's owner as given: SourceGroupOwnerAccount (a name or an id) or SourceGroupOwnerId. It is resolved
    to "" (the caller) or the other account's numeric id against the accounts the emulator holds (actions/rules.py)."""
    prefix = "Source" if side == "source" else "Dest"
    return fields_in.get(f"{prefix}GroupOwnerAccount", "") or fields_in.get(f"{prefix}GroupOwnerId", "")


def check_description(text: str) -> str:
    if len(text) > 512 or text.lower().startswith(("http://", "https://")):
        raise EcsError("InvalidDescription.Malformed", "A rule Description has 1-512 characters and does not start with http:// or https://.")
    return text


def parse_rule(direction: str, fields_in: dict[str, str], highest_priority: int = 100) -> Rule:
    """A Rule from the fields of one Permission (or the top-level single-rule parameters), validated.

    NicType stays "" when not given: its default depends on the group (see with_group_defaults).
    """
    if fields_in.get("PortRangeListId"):
        raise EcsError("InvalidPortRangeListId.NotFound", f"The port list {fields_in['PortRangeListId']!r} does not exist.")
    protocol = normalise_protocol(fields_in.get("IpProtocol", ""))
    values = {
        "direction": direction,
        "ip_protocol": protocol,
        "port_range": normalise_port_range(protocol, fields_in.get("PortRange", "")),
        "source_port_range": normalise_source_port_range(protocol, fields_in.get("SourcePortRange", "")),
        "source_cidr_ip": normalise_cidr(fields_in.get("SourceCidrIp", ""), 4, "InvalidSourceCidrIp.Malformed"),
        "ipv6_source_cidr_ip": normalise_cidr(fields_in.get("Ipv6SourceCidrIp", ""), 6, "InvalidSourceCidrIp.Malformed"),
        "dest_cidr_ip": normalise_cidr(fields_in.get("DestCidrIp", ""), 4, "InvalidDestCidrIp.Malformed"),
        "ipv6_dest_cidr_ip": normalise_cidr(fields_in.get("Ipv6DestCidrIp", ""), 6, "InvalidDestCidrIp.Malformed"),
        "policy": normalise_policy(fields_in.get("Policy", "")),
        "priority": normalise_priority(fields_in.get("Priority", ""), highest_priority),
        "nic_type": normalise_nic_type(fields_in.get("NicType", "")),
        "description": check_description(fields_in.get("Description", "")),
    }
    # Both CIDR versions on one side: InvalidParam.SourceIp (API reference, AuthorizeSecurityGroup error table; the
    # destination side answers InvalidParam.DestIp by analogy, unverified).
    for side, label in (("source", "Source"), ("dest", "Dest")):
        if values[f"{side}_cidr_ip"] and values[f"ipv6_{side}_cidr_ip"]:
            raise EcsError(f"InvalidParam.{label}Ip", f"{label}CidrIp and Ipv6{label}CidrIp cannot be set in one rule.")
    # The peer side may name a group or a prefix list; the other side only CIDRs.
    side = "source" if direction == "ingress" else "dest"
    label = "Source" if direction == "ingress" else "Dest"
    values[f"{side}_group_id"] = fields_in.get(f"{label}GroupId", "")
    values[f"{side}_group_owner_account"] = given_owner(fields_in, side) if values[f"{side}_group_id"] else ""
    values[f"{side}_prefix_list_id"] = fields_in.get(f"{label}PrefixListId", "")
    if values[f"{side}_group_id"] and (values[f"{side}_cidr_ip"] or values[f"ipv6_{side}_cidr_ip"]):
        # A group together with a CIDR is accepted and the CIDR takes precedence: the rule is a CIDR rule
        # (API reference, AuthorizeSecurityGroup, SourceGroupId).
        values[f"{side}_group_id"] = values[f"{side}_group_owner_account"] = ""
    rule = Rule(**values)
    check_peers(rule)
    return rule


def check_peers(rule: Rule) -> None:
    """Exactly one peer on the peer side; the other side's CIDR of the same IP version as a CIDR peer."""
    side = rule.side
    other = "dest" if side == "source" else "source"
    label = "Source" if side == "source" else "Dest"
    peers = [name for name in (f"{side}_cidr_ip", f"ipv6_{side}_cidr_ip", f"{side}_group_id", f"{side}_prefix_list_id")
             if getattr(rule, name)]
    if not peers:
        raise EcsError(f"MissingParameter.{label}")
    if len(peers) > 1:
        raise EcsError("InvalidParameter", f"Only one of {label}CidrIp, Ipv6{label}CidrIp, {label}GroupId and {label}PrefixListId "
                                           f"may be set in one rule; got {len(peers)}.")
    mixed = (getattr(rule, f"{side}_cidr_ip") and getattr(rule, f"ipv6_{other}_cidr_ip")) or \
        (getattr(rule, f"ipv6_{side}_cidr_ip") and getattr(rule, f"{other}_cidr_ip"))
    if mixed:
        raise EcsError("InvalidParameter", "The source and destination CIDR blocks of a rule must be of the same IP version.")
    if rule.ip_protocol == "ICMPV6" and (rule.source_cidr_ip or rule.dest_cidr_ip):
        raise EcsError("InvalidParameter", "ICMPv6 rules take IPv6 CIDR blocks only.")


def with_group_defaults(rule: Rule, group_is_vpc: bool) -> Rule:
    """Coerce NicType: a VPC group is always intranet; a classic group defaults to internet, intranet for group peers."""
    if group_is_vpc:
        return replace(rule, nic_type="intranet")
    if rule.nic_type == "":
        return replace(rule, nic_type="intranet" if rule.peer_group_id else "internet")
    return rule


def merge_rule(existing: Rule, fields_in: dict[str, str]) -> Rule:
    """ModifySecurityGroupRule: given fields replace the existing ones, others are kept; the result is validated again.

    A given peer replaces the peer of the same kind; a peer of another kind is InvalidOperation.ModifyPeerType.
    """
    current = rule_to_fields(existing)
    side_label = "Source" if existing.side == "source" else "Dest"
    peer_names = {f"{side_label}CidrIp": PEER_CIDR, f"Ipv6{side_label}CidrIp": PEER_CIDR6,
                  f"{side_label}GroupId": PEER_GROUP, f"{side_label}PrefixListId": PEER_PREFIX_LIST}
    given_kinds = {kind for name, kind in peer_names.items() if fields_in.get(name)}
    if given_kinds and given_kinds != {existing.peer_kind}:
        raise EcsError("InvalidOperation.ModifyPeerType")
    merged = dict(current)
    if given_kinds:
        # A new peer replaces the whole peer, owner included.
        for name in [*peer_names, f"{side_label}GroupOwnerAccount"]:
            merged.pop(name, None)
    merged.update({key: value for key, value in fields_in.items() if value != ""})
    return parse_rule(existing.direction, merged)


def rule_to_fields(rule: Rule) -> dict[str, str]:
    """The request fields (Permissions.N.*) that describe the rule."""
    names = {
        "ip_protocol": "IpProtocol", "port_range": "PortRange", "source_port_range": "SourcePortRange",
        "source_cidr_ip": "SourceCidrIp", "ipv6_source_cidr_ip": "Ipv6SourceCidrIp", "source_group_id": "SourceGroupId",
        "source_group_owner_account": "SourceGroupOwnerAccount", "source_prefix_list_id": "SourcePrefixListId",
        "dest_cidr_ip": "DestCidrIp", "ipv6_dest_cidr_ip": "Ipv6DestCidrIp", "dest_group_id": "DestGroupId",
        "dest_group_owner_account": "DestGroupOwnerAccount", "dest_prefix_list_id": "DestPrefixListId",
        "policy": "Policy", "priority": "Priority", "nic_type": "NicType", "description": "Description",
    }
    return {param: str(getattr(rule, attr)) for attr, param in names.items() if getattr(rule, attr) not in ("", None)}
