"""Tags of groups (and of instances and ENIs): TagResources, UntagResources, ListTagResources."""

from __future__ import annotations

from typing import Any

from ..context import Context
from ..errors import EcsError, missing
from ..paging import decode_token, encode_token
from ..queries import set_tags, tags_match, tags_of
from ..validation import check_tag, read_tag_filters, read_tags

# ResourceType (lowercase, as ECS spells it) -> (table, id column)
RESOURCE_TYPES = {"securitygroup": ("security_groups", "group_id"), "instance": ("instances", "instance_id"), "eni": ("enis", "eni_id")}
MAX_RESOURCE_IDS = 50
MAX_TAGS_PER_CALL = 20
LIST_PAGE_SIZE = 50


def _owned(resource_type: str) -> str:
    """Groups belong to accounts: another account's group does not exist for the caller."""
    return " AND owner_id = ?" if resource_type == "securitygroup" else ""


def _owner_args(ctx: Context, resource_type: str) -> tuple[str, ...]:
    return (ctx.account,) if resource_type == "securitygroup" else ()


def _resource_type(ctx: Context) -> str:
    resource_type = ctx.params.required("ResourceType")
    if resource_type not in RESOURCE_TYPES:
        raise EcsError("InvalidResourceType.NotFound", f"The ResourceType {resource_type!r} is not supported: {', '.join(RESOURCE_TYPES)}.")
    return resource_type


def _resource_ids(ctx: Context, resource_type: str, required: bool = True) -> list[str]:
    resource_ids = list(dict.fromkeys(ctx.params.indexed_values("ResourceId")))
    if not resource_ids:
        if required:
            raise missing("ResourceId.N")
        return []
    if len(resource_ids) > MAX_RESOURCE_IDS:
        raise EcsError("NumberExceed.ResourceIds", f"At most {MAX_RESOURCE_IDS} resource ids may be given; got {len(resource_ids)}.")
    table, column = RESOURCE_TYPES[resource_type]
    marks = ",".join("?" * len(resource_ids))
    found = {row[0] for row in ctx.conn.execute(
        f"SELECT {column} FROM {table} WHERE region = ? AND {column} IN ({marks}){_owned(resource_type)}",  # nosec - fixed names
        [ctx.region, *resource_ids, *_owner_args(ctx, resource_type)])}
    unknown = [resource_id for resource_id in resource_ids if resource_id not in found]
    if unknown:
        raise EcsError("InvalidResourceId.NotFound", f"The {resource_type} resource(s) {', '.join(unknown)} do not exist in {ctx.region}.")
    return resource_ids


def tag_resources(ctx: Context) -> dict[str, Any]:
    resource_type = _resource_type(ctx)
    resource_ids = _resource_ids(ctx, resource_type)
    pairs = read_tags(ctx.params, limit=MAX_TAGS_PER_CALL)
    if not pairs:
        raise missing("Tag.N.Key")
    current = tags_of(ctx.conn, resource_ids)
    limit = ctx.quotas["tags_per_resource"]
    for resource_id in resource_ids:
        keys = {pair[0] for pair in current.get(resource_id, [])} | {pair[0] for pair in pairs}
        if len(keys) > limit:
            raise EcsError("OperationDenied.QuotaExceed", f"The resource {resource_id} would have {len(keys)} tags; the limit is {limit}.")
    for resource_id in resource_ids:
        set_tags(ctx.conn, resource_type, resource_id, pairs)
    return {}


def untag_resources(ctx: Context) -> dict[str, Any]:
    resource_type = _resource_type(ctx)
    resource_ids = _resource_ids(ctx, resource_type)
    keys = list(dict.fromkeys(ctx.params.indexed_values("TagKey")))
    remove_all = ctx.params.boolean("All")
    if len(keys) > MAX_TAGS_PER_CALL:
        raise EcsError("NumberExceed.Tags", f"At most {MAX_TAGS_PER_CALL} tag keys may be given; got {len(keys)}.")
    for key in keys:
        check_tag(key, "")
    if not keys and not remove_all:
        raise missing("TagKey.N")
    for resource_id in resource_ids:
        if keys:
            ctx.conn.executemany("DELETE FROM tags WHERE resource_id = ? AND tag_key = ?", [(resource_id, key) for key in keys])
        else:
            ctx.conn.execute("DELETE FROM tags WHERE resource_id = ?", (resource_id,))
    return {}


def list_tag_resources(ctx: Context) -> dict[str, Any]:
    resource_type = _resource_type(ctx)
    resource_ids = _resource_ids(ctx, resource_type, required=False)
    filters = read_tag_filters(ctx.params)
    if not resource_ids:
        table, column = RESOURCE_TYPES[resource_type]
        resource_ids = [row[0] for row in ctx.conn.execute(f"SELECT {column} FROM {table} WHERE region = ?{_owned(resource_type)} "  # nosec
                                                           "ORDER BY seq", (ctx.region, *_owner_args(ctx, resource_type)))]
    tags = tags_of(ctx.conn, resource_ids)
    filter_keys = {pair[0] for pair in filters}
    entries = []
    for resource_id in resource_ids:
        pairs = tags.get(resource_id, [])
        if filters and not tags_match(pairs, filters):
            continue
        entries.extend({"ResourceId": resource_id, "ResourceType": resource_type, "TagKey": key, "TagValue": value}
                       for key, value in pairs if not filters or key in filter_keys)
    offset = decode_token(ctx.params.get("NextToken")) if ctx.params.has("NextToken") else 0
    following = offset + LIST_PAGE_SIZE
    return {"NextToken": encode_token(following) if following < len(entries) else "",
            "TagResources": {"TagResource": entries[offset:following]}}
