"""Lookups and writes shared by the actions; each lookup raises the ECS NotFound error of its resource."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from typing import Iterable

from .errors import EcsError
from .ids import new_id
from .permissions import RULE_FIELDS, Rule

MEMBER_STATUSES = ("Running", "Stopped")


def get_group(conn: sqlite3.Connection, region: str, group_id: str, code: str = "InvalidSecurityGroupId.NotFound",
              account: str | None = None) -> sqlite3.Row:
    """The group in the region, owned by `account` when given: another account's group does not exist for the caller."""
    row = conn.execute("SELECT * FROM security_groups WHERE group_id = ? AND region = ?", (group_id, region)).fetchone()
    if row is None or (account is not None and row["owner_id"] != account):
        raise EcsError(code)
    return row


def check_not_managed(group: sqlite3.Row) -> sqlite3.Row:
    """Service-managed groups (ServiceManaged true, made by another cloud product) refuse every write from users.
    Source: ECS API reference error table, InvalidOperation.ResourceManagedByCloudProduct (403)."""
    if group["service_managed"]:
        raise EcsError("InvalidOperation.ResourceManagedByCloudProduct",
                       f"The security group {group['group_id']} is managed by a cloud product and cannot be changed by users.")
    return group


def get_instance(conn: sqlite3.Connection, region: str, instance_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM instances WHERE instance_id = ? AND region = ?", (instance_id, region)).fetchone()
    if row is None:
        raise EcsError("InvalidInstanceId.NotFound")
    return row


def get_eni(conn: sqlite3.Connection, region: str, eni_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM enis WHERE eni_id = ? AND region = ?", (eni_id, region)).fetchone()
    if row is None:
        raise EcsError("InvalidEniId.NotFound")
    return row


def eni_member_id(eni: sqlite3.Row) -> str:
    """Whose group set an ENI has: a primary ENI shares its instance's, any other ENI has its own."""
    return eni["instance_id"] if eni["eni_type"] == "Primary" and eni["instance_id"] else eni["eni_id"]


def groups_of(conn: sqlite3.Connection, member_ids: Iterable[str]) -> dict[str, list[str]]:
    """Group ids of each member, in joining order, in one query."""
    ids = list(dict.fromkeys(member_ids))
    result: dict[str, list[str]] = {member: [] for member in ids}
    if ids:
        marks = ",".join("?" * len(ids))
        for row in conn.execute(f"SELECT member_id, group_id FROM memberships WHERE member_id IN ({marks}) "  # nosec - placeholders only
                                "ORDER BY member_id, position", ids):
            result[row["member_id"]].append(row["group_id"])
    return result


def set_groups(conn: sqlite3.Connection, member_id: str, group_ids: list[str]) -> None:
    conn.execute("DELETE FROM memberships WHERE member_id = ?", (member_id,))
    conn.executemany("INSERT INTO memberships (member_id, group_id, position) VALUES (?, ?, ?)",
                     [(member_id, group_id, position) for position, group_id in enumerate(group_ids)])


def tags_of(conn: sqlite3.Connection, resource_ids: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """Tags of each resource in one query, in the order they were set."""
    ids = list(dict.fromkeys(resource_ids))
    result: dict[str, list[tuple[str, str]]] = defaultdict(list)
    if ids:
        marks = ",".join("?" * len(ids))
        for row in conn.execute(f"SELECT resource_id, tag_key, tag_value FROM tags WHERE resource_id IN ({marks}) ORDER BY seq", ids):  # nosec
            result[row["resource_id"]].append((row["tag_key"], row["tag_value"]))
    return result


def set_tags(conn: sqlite3.Connection, resource_type: str, resource_id: str, pairs: list[tuple[str, str]]) -> None:
    """Add tags; an existing key gets the new value in place."""
    for key, value in pairs:
        updated = conn.execute("UPDATE tags SET tag_value = ? WHERE resource_id = ? AND tag_key = ?", (value, resource_id, key)).rowcount
        if not updated:
            conn.execute("INSERT INTO tags (resource_type, resource_id, tag_key, tag_value) VALUES (?, ?, ?, ?)",
                         (resource_type, resource_id, key, value))


def tags_answer(pairs: list[tuple[str, str]]) -> dict:
    return {"Tag": [{"TagKey": key, "TagValue": value} for key, value in pairs]}


def tags_match(pairs: list[tuple[str, str]], filters: list[tuple[str, str]]) -> bool:
    """Every filter matches: the key is present and, when the filter has a value, with that value."""
    present = dict(pairs)
    return all(key in present and value in ("", present[key]) for key, value in filters)


def rule_from_row(row: sqlite3.Row) -> Rule:
    return Rule(**{name: row[name] for name in RULE_FIELDS})


def rules_of(conn: sqlite3.Connection, group_id: str, direction: str = "") -> list[dict]:
    """The group's rules as plain dicts (much faster to read than sqlite3.Row on 200-rule groups), oldest first."""
    sql = f"SELECT rule_id, create_time, {', '.join(RULE_FIELDS)} FROM rules WHERE group_id = ?"  # nosec - fixed columns
    args = [group_id]
    if direction:
        sql += " AND direction = ?"
        args.append(direction)
    cursor = conn.execute(sql + " ORDER BY seq", args)
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, values)) for values in cursor]


def group_peers(conn: sqlite3.Connection, group_id: str) -> set[tuple[str, str]]:
    """(peer group id, owner) of every group reference in the group's rules."""
    rows = conn.execute("SELECT source_group_id, source_group_owner_account FROM rules WHERE group_id = ? AND source_group_id != '' "
                        "UNION SELECT dest_group_id, dest_group_owner_account FROM rules WHERE group_id = ? AND dest_group_id != ''",
                        (group_id, group_id))
    return {(row[0], row[1]) for row in rows}


def insert_rule(conn: sqlite3.Connection, group_id: str, rule: Rule, create_time: str) -> str:
    rule_id = new_id("sgr")
    columns = ("rule_id", "group_id") + RULE_FIELDS + ("create_time", "identity")
    values = (rule_id, group_id) + tuple(getattr(rule, name) for name in RULE_FIELDS) + (create_time, rule.identity_key())
    conn.execute(f"INSERT INTO rules ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", values)  # nosec - fixed columns
    return rule_id


def update_rule(conn: sqlite3.Connection, rule_id: str, rule: Rule) -> None:
    assignments = ", ".join(f"{name} = ?" for name in RULE_FIELDS)
    conn.execute(f"UPDATE rules SET {assignments}, identity = ? WHERE rule_id = ?",  # nosec - fixed columns
                 tuple(getattr(rule, name) for name in RULE_FIELDS) + (rule.identity_key(), rule_id))


def referencing_groups(conn: sqlite3.Connection, group_ids: list[str]) -> dict[str, list[str]]:
    """For each group, the other groups whose rules name it as peer, in one query."""
    result: dict[str, list[str]] = {group_id: [] for group_id in group_ids}
    if not group_ids:
        return result
    marks = ",".join("?" * len(group_ids))
    sql = (f"SELECT DISTINCT peer, group_id FROM (SELECT source_group_id AS peer, group_id FROM rules WHERE source_group_id IN ({marks}) "
           f"UNION SELECT dest_group_id AS peer, group_id FROM rules WHERE dest_group_id IN ({marks})) "
           "WHERE peer != group_id ORDER BY peer, group_id")
    for row in conn.execute(sql, group_ids + group_ids):  # nosec - placeholders only
        result[row["peer"]].append(row["group_id"])
    return result


# One Permission as ECS answers it, every key present ("" when unset), encoded to JSON by SQLite itself: a 200-rule
# group is answered without building 5,000 Python strings and encoding them again. An ALL-protocol rule reads
# SourcePortRange -1/-1, as real answers do (ECS_API.md section 6); other rules without one read "".
_PERMISSION_JSON = """
SELECT json_object(
    'SecurityGroupRuleId', r.rule_id, 'Direction', r.direction, 'IpProtocol', r.ip_protocol, 'PortRange', r.port_range,
    'SourcePortRange', CASE WHEN r.ip_protocol = 'ALL' AND r.source_port_range = '' THEN '-1/-1' ELSE r.source_port_range END,
    'SourceCidrIp', r.source_cidr_ip, 'Ipv6SourceCidrIp', r.ipv6_source_cidr_ip,
    'SourceGroupId', r.source_group_id,
    'SourceGroupName', CASE WHEN r.source_group_owner_account = '' THEN COALESCE(sg.name, '') ELSE '' END,
    'SourceGroupOwnerAccount', r.source_group_owner_account, 'SourcePrefixListId', r.source_prefix_list_id,
    'SourcePrefixListName', COALESCE(spl.name, ''),
    'DestCidrIp', r.dest_cidr_ip, 'Ipv6DestCidrIp', r.ipv6_dest_cidr_ip, 'DestGroupId', r.dest_group_id,
    'DestGroupName', CASE WHEN r.dest_group_owner_account = '' THEN COALESCE(dg.name, '') ELSE '' END,
    'DestGroupOwnerAccount', r.dest_group_owner_account, 'DestPrefixListId', r.dest_prefix_list_id,
    'DestPrefixListName', COALESCE(dpl.name, ''),
    'Policy', r.policy, 'Priority', r.priority, 'NicType', r.nic_type, 'Description', r.description, 'CreateTime', r.create_time,
    'PortRangeListId', '', 'PortRangeListName', '')
FROM rules r
LEFT JOIN security_groups sg ON r.source_group_id != '' AND sg.group_id = r.source_group_id
LEFT JOIN security_groups dg ON r.dest_group_id != '' AND dg.group_id = r.dest_group_id
LEFT JOIN prefix_lists spl ON r.source_prefix_list_id != '' AND spl.prefix_list_id = r.source_prefix_list_id
LEFT JOIN prefix_lists dpl ON r.dest_prefix_list_id != '' AND dpl.prefix_list_id = r.dest_prefix_list_id
WHERE r.group_id = ? AND r.direction IN (?, ?) AND r.nic_type IN (?, ?)
ORDER BY r.seq LIMIT ? OFFSET ?
"""


def permissions_json(conn: sqlite3.Connection, group_id: str, directions: tuple[str, str], nic_types: tuple[str, str],
                     limit: int = -1, offset: int = 0) -> list[str]:
    """The group's rules as Permission JSON objects, oldest first; each filter is a pair of accepted values."""
    rows = conn.execute(_PERMISSION_JSON, (group_id, *directions, *nic_types, limit, offset))
    return [row[0] for row in rows]


def count_rules(conn: sqlite3.Connection, group_id: str, directions: tuple[str, str], nic_types: tuple[str, str]) -> int:
    return conn.execute("SELECT COUNT(*) FROM rules WHERE group_id = ? AND direction IN (?, ?) AND nic_type IN (?, ?)",
                        (group_id, *directions, *nic_types)).fetchone()[0]
