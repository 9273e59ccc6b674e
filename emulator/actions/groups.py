"""Security groups: create, delete, describe, modify attributes and policy, references."""

from __future__ import annotations

from typing import Any

from ..context import Context
from ..errors import MSG_DEPENDENCY_MEMBERS, MSG_DEPENDENCY_REFERENCED, EcsError, invalid, missing
from ..ids import iso_seconds, new_id
from ..paging import read_paging
from ..queries import check_not_managed, get_group, referencing_groups, set_tags, tags_answer, tags_match, tags_of
from ..validation import check_description, check_group_name, read_tag_filters, read_tags

GROUP_TYPES = ("normal", "enterprise")


def create_security_group(ctx: Context) -> dict[str, Any]:
    params, conn = ctx.params, ctx.conn
    name = params.get("SecurityGroupName")
    if name:
        check_group_name(name)
    description = params.get("Description")
    if description:
        check_description(description)
    group_type = params.get("SecurityGroupType", "normal").lower()
    if group_type not in GROUP_TYPES:
        raise EcsError("InvalidSecurityGroupType.Malformed", f"The SecurityGroupType {params.get('SecurityGroupType')!r} is not valid: "
                                                             "normal or enterprise.")
    vpc_id = params.get("VpcId")
    if vpc_id and not conn.execute("SELECT 1 FROM vpcs WHERE vpc_id = ? AND region = ?", (vpc_id, ctx.region)).fetchone():
        raise EcsError("InvalidVpcId.NotFound", f"The specified VPC {vpc_id!r} does not exist in region {ctx.region}.")
    tags = read_tags(params, limit=ctx.quotas["tags_per_resource"])
    count = conn.execute("SELECT COUNT(*) FROM security_groups WHERE region = ? AND owner_id = ?", (ctx.region, ctx.account)).fetchone()[0]
    if count >= ctx.quotas["groups_per_region"]:
        raise EcsError("QuotaExceed.SecurityGroup", f"The region {ctx.region} already has {count} security groups, the maximum.")
    group_id = new_id("sg")
    policy = "Drop" if group_type == "enterprise" else "Accept"
    conn.execute("INSERT INTO security_groups (group_id, region, name, description, vpc_id, group_type, inner_access_policy, "
                 "resource_group_id, creation_time, owner_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (group_id, ctx.region, name, description, vpc_id, group_type, policy, params.get("ResourceGroupId"), iso_seconds(ctx.now),
                  ctx.account))
    set_tags(ctx.conn, "securitygroup", group_id, tags)
    return {"SecurityGroupId": group_id}


def delete_security_group(ctx: Context) -> dict[str, Any]:
    conn = ctx.conn
    group_id = ctx.params.required("SecurityGroupId")
    # Today's code for a group that does not exist (API reference, DeleteSecurityGroup error table); the other
    # actions still answer InvalidSecurityGroupId.NotFound.
    check_not_managed(get_group(conn, ctx.region, group_id, code="InvalidSecurityGroup.NotFound", account=ctx.account))
    if conn.execute("SELECT 1 FROM memberships WHERE group_id = ? LIMIT 1", (group_id,)).fetchone():
        raise EcsError("DependencyViolation", MSG_DEPENDENCY_MEMBERS)
    if referencing_groups(conn, [group_id])[group_id]:
        raise EcsError("DependencyViolation", MSG_DEPENDENCY_REFERENCED)
    conn.execute("DELETE FROM rules WHERE group_id = ?", (group_id,))
    conn.execute("DELETE FROM tags WHERE resource_id = ?", (group_id,))
    conn.execute("DELETE FROM security_groups WHERE group_id = ?", (group_id,))
    return {}


def _group_matches(row, params, wanted_ids, tag_filters, tags) -> bool:
    name = params.get("SecurityGroupName")
    if name:
        fuzzy = params.boolean("FuzzyQuery")
        if (name not in row["name"]) if fuzzy else (row["name"] != name):
            return False
    network_type = params.get("NetworkType").lower()
    checks = (
        wanted_ids is None or row["group_id"] in wanted_ids,
        not params.has("SecurityGroupId") or row["group_id"] == params.get("SecurityGroupId"),
        not params.has("VpcId") or row["vpc_id"] == params.get("VpcId"),
        not params.has("SecurityGroupType") or row["group_type"] == params.get("SecurityGroupType").lower(),
        not params.has("ResourceGroupId") or row["resource_group_id"] == params.get("ResourceGroupId"),
        network_type == "" or (network_type == "vpc") == bool(row["vpc_id"]),
        not tag_filters or tags_match(tags.get(row["group_id"], []), tag_filters),
    )
    return all(checks)


def describe_security_groups(ctx: Context) -> dict[str, Any]:
    params, conn = ctx.params, ctx.conn
    paging = read_paging(params, max_page_size=50, max_results=100)
    wanted = params.json_id_list("SecurityGroupIds", 100)
    wanted_ids = set(wanted) if wanted is not None else None
    network_type = params.get("NetworkType").lower()
    if network_type not in ("", "vpc", "classic"):
        raise invalid("NetworkType", params.get("NetworkType"), "vpc or classic")
    tag_filters = read_tag_filters(params)
    rows = conn.execute("SELECT * FROM security_groups WHERE region = ? AND owner_id = ? ORDER BY seq", (ctx.region, ctx.account)).fetchall()
    tags = tags_of(conn, [row["group_id"] for row in rows]) if tag_filters else {}
    selected = [row for row in rows if _group_matches(row, params, wanted_ids, tag_filters, tags)]
    # The Tea model's description: with MaxResults/NextToken the answer has no TotalCount (nor MaxResults).
    page, keys = paging.page(selected, totals=not paging.by_token)
    ids = [row["group_id"] for row in page]
    page_tags = tags_of(conn, ids)
    counts = _group_counts(conn, ids)
    groups = []
    for row in page:
        members, rule_count, group_rule_count = counts.get(row["group_id"], (0, 0, 0))
        groups.append({
            "SecurityGroupId": row["group_id"], "SecurityGroupName": row["name"], "Description": row["description"],
            "SecurityGroupType": row["group_type"], "VpcId": row["vpc_id"], "CreationTime": row["creation_time"],
            "ResourceGroupId": row["resource_group_id"], "ServiceManaged": bool(row["service_managed"]), "EcsCount": members,
            "RuleCount": rule_count, "GroupToGroupRuleCount": group_rule_count, "Tags": tags_answer(page_tags.get(row["group_id"], [])),
        })
    return {"RegionId": ctx.region, **keys, "SecurityGroups": {"SecurityGroup": groups}}


def _group_counts(conn, group_ids: list[str]) -> dict[str, tuple[int, int, int]]:
    """(instance members, rules, group-to-group rules) per group, with two aggregate queries."""
    if not group_ids:
        return {}
    marks = ",".join("?" * len(group_ids))
    members = {row[0]: row[1] for row in conn.execute(
        f"SELECT m.group_id, COUNT(*) FROM memberships m JOIN instances i ON i.instance_id = m.member_id "  # nosec - placeholders only
        f"WHERE m.group_id IN ({marks}) GROUP BY m.group_id", group_ids)}
    rules = {row[0]: (row[1], row[2]) for row in conn.execute(
        f"SELECT group_id, COUNT(*), SUM(source_group_id != '' OR dest_group_id != '') FROM rules "  # nosec - placeholders only
        f"WHERE group_id IN ({marks}) GROUP BY group_id", group_ids)}
    return {group_id: (members.get(group_id, 0),) + rules.get(group_id, (0, 0)) for group_id in group_ids}


def modify_security_group_attribute(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    group_id = params.required("SecurityGroupId")
    check_not_managed(get_group(ctx.conn, ctx.region, group_id, account=ctx.account))
    if params.has("SecurityGroupName"):
        check_group_name(params.get("SecurityGroupName"))
        ctx.conn.execute("UPDATE security_groups SET name = ? WHERE group_id = ?", (params.get("SecurityGroupName"), group_id))
    if params.has("Description"):
        check_description(params.get("Description"))
        ctx.conn.execute("UPDATE security_groups SET description = ? WHERE group_id = ?", (params.get("Description"), group_id))
    return {}


def modify_security_group_policy(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    group_id = params.required("SecurityGroupId")
    group = check_not_managed(get_group(ctx.conn, ctx.region, group_id, account=ctx.account))
    if not params.has("InnerAccessPolicy"):
        raise missing("InnerAccessPolicy")
    policy = params.get("InnerAccessPolicy").lower()
    if policy not in ("accept", "drop"):
        raise EcsError("InvalidPolicy.Malformed")
    if group["group_type"] == "enterprise":
        raise EcsError("InvalidSecurityGroupType.NotSupported", "The inner access policy of an enterprise security group is fixed at Drop.")
    ctx.conn.execute("UPDATE security_groups SET inner_access_policy = ? WHERE group_id = ?", (policy.capitalize(), group_id))
    return {}


def describe_security_group_references(ctx: Context) -> dict[str, Any]:
    group_ids = list(dict.fromkeys(ctx.params.indexed_values("SecurityGroupId")))
    if not group_ids:
        raise missing("SecurityGroupId.N")
    if len(group_ids) > 10:
        raise invalid("SecurityGroupId.N", f"{len(group_ids)} ids", "1 to 10 ids")
    for group_id in group_ids:
        get_group(ctx.conn, ctx.region, group_id, account=ctx.account)
    references = referencing_groups(ctx.conn, group_ids)
    # AliUid is the referencing group's owner: another account's group may reference ours.
    referencing = sorted({other for others in references.values() for other in others})
    owners = {row[0]: row[1] for row in ctx.conn.execute(
        f"SELECT group_id, owner_id FROM security_groups WHERE group_id IN ({','.join('?' * len(referencing))})",  # nosec - placeholders
        referencing)}
    answer = [{"SecurityGroupId": group_id,
               "ReferencingSecurityGroups": {"ReferencingSecurityGroup": [
                   {"SecurityGroupId": other, "AliUid": owners.get(other, ctx.account)} for other in references[group_id]]}}
              for group_id in group_ids]
    return {"SecurityGroupReferences": {"SecurityGroupReference": answer}}
