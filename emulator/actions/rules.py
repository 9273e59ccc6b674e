"""Rules of a group: authorize, revoke, modify (ingress and egress), and DescribeSecurityGroupAttribute."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from typing import Any

from ..context import Context
from ..errors import EcsError, invalid, missing
from ..ids import iso_seconds
from ..paging import decode_token, encode_token
from ..permissions import Rule, merge_rule, normalise_nic_type, parse_rule, with_group_defaults
from ..accounts import owner_as_answered
from ..queries import check_not_managed, count_rules, get_group, group_peers, insert_rule, permissions_json, rule_from_row, rules_of, update_rule
from ..rawjson import RawJson

# Top-level single-rule parameters, the legacy form of one Permission.
_RULE_PARAMS = ("IpProtocol", "PortRange", "SourcePortRange", "Policy", "Priority", "NicType", "Description",
                "SourceCidrIp", "Ipv6SourceCidrIp", "SourceGroupId", "SourceGroupOwnerAccount", "SourceGroupOwnerId",
                "SourcePrefixListId", "DestCidrIp", "Ipv6DestCidrIp", "DestGroupId", "DestGroupOwnerAccount",
                "DestGroupOwnerId", "DestPrefixListId", "PortRangeListId")


def _top_level_rule_fields(ctx: Context) -> dict[str, str]:
    return {name: ctx.params.get(name) for name in _RULE_PARAMS if ctx.params.has(name)}


def _permission_records(ctx: Context) -> list[dict[str, str]]:
    """Permissions.N.* records, or the top-level single rule when there are none."""
    records = [record for record in ctx.params.indexed_records("Permissions") if record]
    if records:
        limit = ctx.quotas["permissions_per_call"]
        if len(records) > limit:
            raise invalid("Permissions.N", f"{len(records)} permissions", f"at most {limit} permissions in one call")
        return records
    single = _top_level_rule_fields(ctx)
    return [single] if single else []


def _peer_error_code(rule: Rule, suffix: str) -> str:
    return f"Invalid{'Source' if rule.direction == 'ingress' else 'Dest'}GroupId.{suffix}"


def resolve_owner(ctx: Context, rule: Rule) -> Rule | None:
    """The rule with its peer group's owner as ECS stores it ("" for the caller, else the numeric account id);
    None when the named account does not exist."""
    if not rule.peer_group_id:
        return rule
    owner = owner_as_answered(ctx.conn, ctx.account, rule.peer_group_owner)
    if owner is None:
        return None
    return replace(rule, **{f"{rule.side}_group_owner_account": owner})


def check_rule_in_group(ctx: Context, group: sqlite3.Row, rule: Rule) -> Rule:
    """Apply the group's defaults and check the rule against the group and its peers (existence, network, type)."""
    rule = with_group_defaults(rule, bool(group["vpc_id"]))
    enterprise = group["group_type"] == "enterprise"
    if enterprise and rule.policy != "Accept":
        # API reference, AuthorizeSecurityGroup error table: enterprise groups take accept rules only.
        raise EcsError("InvalidGroupParameter.OperationDenied", "Enterprise security groups only take rules with policy Accept.")
    resolved = resolve_owner(ctx, rule)
    if resolved is None:
        raise EcsError(_peer_error_code(rule, "NotFound"), f"The account {rule.peer_group_owner!r} does not exist.")
    rule = resolved
    if rule.peer_group_id:
        _check_peer_group(ctx, group, rule, enterprise)
    if rule.peer_prefix_list_id:
        found = ctx.conn.execute("SELECT 1 FROM prefix_lists WHERE prefix_list_id = ? AND region = ?",
                                 (rule.peer_prefix_list_id, ctx.region)).fetchone()
        if not found:
            raise EcsError("InvalidPrefixListId.NotFound", f"The prefix list {rule.peer_prefix_list_id!r} does not exist in region {ctx.region}.")
    return rule


def _check_peer_group(ctx: Context, group: sqlite3.Row, rule: Rule, enterprise: bool) -> None:
    if enterprise:
        raise EcsError("InvalidGroupAuthParameter.OperationDenied")
    if rule.nic_type != "intranet":
        raise EcsError(_peer_error_code(rule, "Mismatch"), "A rule that names a security group needs NicType intranet.", status=403)
    if rule.peer_group_owner:
        # Another account's group must exist in that account (and region); its network is not checked.
        get_group(ctx.conn, ctx.region, rule.peer_group_id, code=_peer_error_code(rule, "NotFound"), account=rule.peer_group_owner)
        return
    if rule.peer_group_id == group["group_id"]:
        raise EcsError("InvalidParamter.Conflict")
    peer = get_group(ctx.conn, ctx.region, rule.peer_group_id, code=_peer_error_code(rule, "NotFound"), account=ctx.account)
    if peer["group_type"] == "enterprise":
        raise EcsError("InvalidGroupAuthParameter.OperationDenied", "Enterprise security groups cannot be referenced by rules.")
    if bool(peer["vpc_id"]) != bool(group["vpc_id"]):
        raise EcsError("InvalidNetworkType.Mismatch")
    if peer["vpc_id"] != group["vpc_id"]:
        raise EcsError(_peer_error_code(rule, "Mismatch"), f"The security group {rule.peer_group_id!r} is not in the same VPC.")


def _check_group_reference_quota(ctx: Context, rules: list[Rule], referenced: set[tuple[str, str]] | None = None) -> None:
    referenced = set(referenced or ()) | {(rule.peer_group_id, rule.peer_group_owner) for rule in rules if rule.peer_group_id}
    limit = ctx.quotas["group_references"]
    if len(referenced) > limit:
        raise EcsError("AuthorizedGroupRule.LimitExceed", f"A security group may reference at most {limit} security groups; "
                                                          f"this change makes {len(referenced)}.")


def _group(ctx: Context) -> sqlite3.Row:
    """The caller's group named by SecurityGroupId, refusing writes to a service-managed group."""
    return check_not_managed(get_group(ctx.conn, ctx.region, ctx.params.required("SecurityGroupId"), account=ctx.account))


def _authorize(ctx: Context, direction: str) -> dict[str, Any]:
    group = _group(ctx)
    records = _permission_records(ctx)
    if not records:
        raise missing("Permissions.N.IpProtocol")
    rules = [check_rule_in_group(ctx, group, parse_rule(direction, record)) for record in records]
    keys = [rule.identity_key() for rule in rules]
    if len(set(keys)) != len(keys):
        raise EcsError("InvalidParam.DuplicatePermissions")
    existing_keys = {row[0] for row in ctx.conn.execute("SELECT identity FROM rules WHERE group_id = ?", (group["group_id"],))}
    new_rules = [rule for rule in rules if rule.identity_key() not in existing_keys]
    limit = ctx.quotas["rules_per_group"]
    if len(existing_keys) + len(new_rules) > limit:
        raise EcsError("AuthorizationLimitExceed", f"The security group has {len(existing_keys)} rules; adding {len(new_rules)} "
                                                   f"would exceed the limit of {limit}.")
    _check_group_reference_quota(ctx, new_rules, group_peers(ctx.conn, group["group_id"]))
    create_time = iso_seconds(ctx.now)
    for rule in new_rules:
        insert_rule(ctx.conn, group["group_id"], rule, create_time)
    return {}


def authorize_security_group(ctx: Context) -> dict[str, Any]:
    return _authorize(ctx, "ingress")


def authorize_security_group_egress(ctx: Context) -> dict[str, Any]:
    return _authorize(ctx, "egress")


def _revoke(ctx: Context, direction: str) -> dict[str, Any]:
    group = _group(ctx)
    rule_ids = list(dict.fromkeys(ctx.params.indexed_values("SecurityGroupRuleId")))
    records = _permission_records(ctx)
    if rule_ids and records:
        raise EcsError("InvalidParameter", "Give either SecurityGroupRuleId.N or Permissions.N, not both.")
    rows = rules_of(ctx.conn, group["group_id"], direction)
    if rule_ids:
        if len(rule_ids) > 100:
            raise invalid("SecurityGroupRuleId.N", f"{len(rule_ids)} ids", "at most 100 rule ids in one call")
        known = {row["rule_id"] for row in rows}
        unknown = [rule_id for rule_id in rule_ids if rule_id not in known]
        if unknown:
            # Since 2024-07-08 (API reference, RevokeSecurityGroup error table); it was 404 InvalidSecurityGroupRuleId.NotFound.
            raise EcsError("InvalidParam.SecurityGroupRuleId",
                           f"The specified {direction} rule(s) {', '.join(unknown)} do not exist in {group['group_id']}.")
        doomed = rule_ids
    elif records:
        by_key = {rule_from_row(row).identity_key(): row["rule_id"] for row in rows}
        doomed = []
        for record in records:
            rule = resolve_owner(ctx, with_group_defaults(parse_rule(direction, record), bool(group["vpc_id"])))
            if rule is None or rule.identity_key() not in by_key:
                raise EcsError("InvalidSecurityGroupRule.RuleNotExist",
                               f"No {direction} rule of {group['group_id']} matches "
                               f"{', '.join(f'{key}={value}' for key, value in sorted(record.items()))}.")
            doomed.append(by_key[rule.identity_key()])
    else:
        raise missing("SecurityGroupRuleId.N")
    ctx.conn.executemany("DELETE FROM rules WHERE rule_id = ?", [(rule_id,) for rule_id in set(doomed)])
    return {}


def revoke_security_group(ctx: Context) -> dict[str, Any]:
    return _revoke(ctx, "ingress")


def revoke_security_group_egress(ctx: Context) -> dict[str, Any]:
    return _revoke(ctx, "egress")


def _modify_rule(ctx: Context, direction: str) -> dict[str, Any]:
    group = _group(ctx)
    rule_id = ctx.params.required("SecurityGroupRuleId")
    row = ctx.conn.execute("SELECT * FROM rules WHERE rule_id = ? AND group_id = ? AND direction = ?",
                           (rule_id, group["group_id"], direction)).fetchone()
    if row is None:
        raise EcsError("InvalidSecurityGroupRuleId.NotFound", f"The {direction} rule {rule_id!r} does not exist in {group['group_id']}.")
    existing = rule_from_row(row)
    changes = _top_level_rule_fields(ctx)
    if changes.get("NicType"):
        asked = with_group_defaults(Rule(direction, "ALL", "-1/-1", nic_type=normalise_nic_type(changes["NicType"])), bool(group["vpc_id"]))
        if asked.nic_type != existing.nic_type:
            raise EcsError("InvalidOperation.ModifyNicType")
    merged = check_rule_in_group(ctx, group, merge_rule(existing, changes))
    if merged.nic_type != existing.nic_type:
        raise EcsError("InvalidOperation.ModifyNicType")
    others = [rule_from_row(other) for other in rules_of(ctx.conn, group["group_id"]) if other["rule_id"] != rule_id]
    if any(other.identity_key() == merged.identity_key() for other in others):
        raise EcsError("InvalidOperation.RuleDuplicate")
    _check_group_reference_quota(ctx, others + [merged])
    update_rule(ctx.conn, rule_id, merged)
    return {}


def modify_security_group_rule(ctx: Context) -> dict[str, Any]:
    return _modify_rule(ctx, "ingress")


def modify_security_group_egress_rule(ctx: Context) -> dict[str, Any]:
    return _modify_rule(ctx, "egress")


def describe_security_group_attribute(ctx: Context) -> dict[str, Any]:
    params, conn = ctx.params, ctx.conn
    group = get_group(conn, ctx.region, params.required("SecurityGroupId"), account=ctx.account)
    direction = params.get("Direction", "all").lower()
    if direction not in ("all", "ingress", "egress"):
        raise invalid("Direction", params.get("Direction"), "ingress, egress or all")
    nic_type = normalise_nic_type(params.get("NicType"))
    if group["vpc_id"]:
        nic_type = "intranet"
    elif nic_type == "":
        nic_type = "internet"
    size = params.integer("MaxResults", 500, 10, 1000)
    offset = decode_token(params.get("NextToken")) if params.has("NextToken") else 0
    directions = ("ingress", "egress") if direction == "all" else (direction, direction)
    nic_types = (nic_type, nic_type)
    page = permissions_json(conn, group["group_id"], directions, nic_types, size, offset)
    following = offset + size
    next_token = encode_token(following) if following < count_rules(conn, group["group_id"], directions, nic_types) else ""
    return {
        "RegionId": ctx.region, "SecurityGroupId": group["group_id"], "SecurityGroupName": group["name"],
        "Description": group["description"], "VpcId": group["vpc_id"], "InnerAccessPolicy": group["inner_access_policy"],
        "NextToken": next_token, "Permissions": {"Permission": RawJson("[" + ",".join(page) + "]")},
    }
