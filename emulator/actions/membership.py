"""Which groups an instance or ENI is in: Join, Leave, and the set-replacing Modify*Attribute calls."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from ..context import Context
from ..errors import EcsError, invalid, missing
from ..queries import MEMBER_STATUSES, check_not_managed, eni_member_id, get_eni, get_group, get_instance, groups_of, set_groups
from ..validation import check_description

_INSTANCE_NAME = re.compile(r"^[^\W\d_][\w:.\-]{1,127}$")


class Member:
    """An instance or an ENI seen as a holder of security groups."""

    def __init__(self, ctx: Context, instance_id: str = "", eni_id: str = ""):
        conn, region = ctx.conn, ctx.region
        if instance_id:
            self.row = get_instance(conn, region, instance_id)
            self.label = f"instance {instance_id}"
            self.member_id = instance_id
            self.instance = self.row
        else:
            self.row = get_eni(conn, region, eni_id)
            self.label = f"network interface {eni_id}"
            self.member_id = eni_member_id(self.row)
            self.instance = get_instance(conn, region, self.row["instance_id"]) if self.member_id != eni_id else None
        self.vpc_id = self.row["vpc_id"]
        self.groups = groups_of(conn, [self.member_id])[self.member_id]

    def check_status(self) -> None:
        """The groups of an instance (or its primary ENI) change only while it is Running or Stopped."""
        if self.instance is not None and self.instance["status"] not in MEMBER_STATUSES:
            raise EcsError("IncorrectInstanceStatus", f"The instance {self.instance['instance_id']} is {self.instance['status']}; "
                                                      "security groups change only while it is Running or Stopped.")

    def check_compatible(self, group: sqlite3.Row) -> None:
        """Same network type, same VPC."""
        if group["vpc_id"] != self.vpc_id:
            where = f"VPC {self.vpc_id}" if self.vpc_id else "the classic network"
            raise EcsError("InvalidInstanceId.Mismatch", f"The {self.label} is in {where}; the security group {group['group_id']} is "
                                                         f"{'in VPC ' + group['vpc_id'] if group['vpc_id'] else 'a classic group'}.")


def _check_types(groups: list[sqlite3.Row]) -> None:
    # API reference, JoinSecurityGroup error table: InvalidOperation.MultiGroupType (400).
    if len({group["group_type"] for group in groups}) > 1:
        raise EcsError("InvalidOperation.MultiGroupType", "Normal and enterprise security groups cannot be mixed on one instance "
                                                          "or network interface.")


def _check_limit(ctx: Context, member: Member, count: int) -> None:
    limit = ctx.quotas["groups_per_instance"]
    if count > limit:
        raise EcsError("InstanceSecurityGroupLimitExceeded", f"The {member.label} would be in {count} security groups; the limit is {limit}.")


def _member_from_params(ctx: Context) -> Member:
    instance_id, eni_id = ctx.params.get("InstanceId"), ctx.params.get("NetworkInterfaceId")
    if instance_id and eni_id:
        raise EcsError("InvalidParameter", "Give either InstanceId or NetworkInterfaceId, not both.")
    if not instance_id and not eni_id:
        raise missing("InstanceId")
    return Member(ctx, instance_id=instance_id, eni_id=eni_id)


def join_security_group(ctx: Context) -> dict[str, Any]:
    group = check_not_managed(get_group(ctx.conn, ctx.region, ctx.params.required("SecurityGroupId"), account=ctx.account))
    member = _member_from_params(ctx)
    member.check_status()
    if group["group_id"] in member.groups:
        raise EcsError("InvalidInstanceId.AlreadyExists", f"The {member.label} is already in {group['group_id']}.")
    member.check_compatible(group)
    current = [get_group(ctx.conn, ctx.region, group_id) for group_id in member.groups]
    _check_types(current + [group])
    _check_limit(ctx, member, len(member.groups) + 1)
    set_groups(ctx.conn, member.member_id, member.groups + [group["group_id"]])
    return {}


def leave_security_group(ctx: Context) -> dict[str, Any]:
    group = check_not_managed(get_group(ctx.conn, ctx.region, ctx.params.required("SecurityGroupId"), account=ctx.account))
    member = _member_from_params(ctx)
    member.check_status()
    if group["group_id"] not in member.groups:
        raise EcsError("InvalidSecurityGroupAssociation.NotFound", f"The {member.label} is not in {group['group_id']}.")
    if len(member.groups) == 1:
        raise EcsError("InstanceLastSecurityGroup")
    set_groups(ctx.conn, member.member_id, [group_id for group_id in member.groups if group_id != group["group_id"]])
    return {}


def _replace_groups(ctx: Context, member: Member, group_ids: list[str]) -> None:
    member.check_status()
    _check_limit(ctx, member, len(group_ids))
    groups = [get_group(ctx.conn, ctx.region, group_id, account=ctx.account) for group_id in group_ids]
    for group_id in set(group_ids) ^ set(member.groups):  # joined or left: a managed group takes neither
        check_not_managed(get_group(ctx.conn, ctx.region, group_id))
    for group in groups:
        member.check_compatible(group)
    _check_types(groups)
    set_groups(ctx.conn, member.member_id, group_ids)


def modify_instance_attribute(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    member = Member(ctx, instance_id=params.required("InstanceId"))
    if params.has("InstanceName"):
        name = params.get("InstanceName")
        if not _INSTANCE_NAME.match(name) or name.lower().startswith(("http://", "https://")):
            raise EcsError("InvalidInstanceName.Malformed", f"The InstanceName {name!r} is not valid: 2-128 characters starting with a letter.")
        ctx.conn.execute("UPDATE instances SET name = ? WHERE instance_id = ?", (name, member.member_id))
    if params.has("Description"):
        check_description(params.get("Description"))
        ctx.conn.execute("UPDATE instances SET description = ? WHERE instance_id = ?", (params.get("Description"), member.member_id))
    group_ids = list(dict.fromkeys(params.indexed_values("SecurityGroupIds")))
    if group_ids:
        _replace_groups(ctx, member, group_ids)
    return {}


def modify_network_interface_attribute(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    eni_id = params.required("NetworkInterfaceId")
    member = Member(ctx, eni_id=eni_id)
    if params.has("NetworkInterfaceName"):
        name = params.get("NetworkInterfaceName")
        if not 2 <= len(name) <= 128:
            raise invalid("NetworkInterfaceName", name, "2-128 characters")
        ctx.conn.execute("UPDATE enis SET name = ? WHERE eni_id = ?", (name, eni_id))
    if params.has("Description"):
        check_description(params.get("Description"))
        ctx.conn.execute("UPDATE enis SET description = ? WHERE eni_id = ?", (params.get("Description"), eni_id))
    group_ids = list(dict.fromkeys(params.indexed_values("SecurityGroupId")))
    if group_ids:
        _replace_groups(ctx, member, group_ids)
    return {}
