# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""Security-group operations built on ``EcsClient.call()``: describe with paging, lookups by id or name,
rules, members, references and tags, plus the snake_case shapes modules return.

Every function takes the client as its first argument and knows nothing of Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ValidationError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._lists import chunks, items_at, unique
from ansible_collections.cloudwall.alicloud.plugins.module_utils._tags import apply_tag_plan, plan_tags, tags_from_api
from ansible_collections.cloudwall.alicloud.plugins.module_utils._validation import GROUP_ID_PATTERN

RESOURCE_TYPE = "securitygroup"

# Batch sizes the API accepts in one request (ECS_API.md section 3).
IDS_PER_DESCRIBE = 100
IDS_PER_REFERENCES_CALL = 10
IDS_PER_TAG_CALL = 50
# DescribeNetworkInterfaces pages hold up to 500 items.
INTERFACES_PAGE_SIZE = 500
KEYS_PER_UNTAG_CALL = 20
GROUPS_PAGE_SIZE = 100
RULES_PAGE_SIZE = 1000
MEMBERS_PAGE_SIZE = 100

# GROUP_ID_PATTERN (imported above) is what a group id looks like; an existing group's name may look like one too
# ("sg-web", from before such names were refused), so lookups fall back to the name.


class GroupLookupError(Exception):
    """A group given by id or name was not found (``not_found``), or the name matched several groups."""

    def __init__(self, message, candidates=None, not_found=False):
        super(GroupLookupError, self).__init__(message)
        self.candidates = candidates or []
        self.not_found = not_found


# In check mode a group given by name that does not exist yet stands for the group an earlier task of the play
# would create (as Terraform plans a whole stack): a new, empty group with this id. Never sent to the API.
PLANNED_PREFIX = "planned:"


def plannable(ref, error):
    """Whether a failed lookup of ``ref`` may be planned as a new group: a name (not an id) that matched nothing."""
    return bool(getattr(error, "not_found", False)) and not GROUP_ID_PATTERN.match(ref)


def planned_group(name, vpc_id=None):
    """A raw DescribeSecurityGroups item for a group check mode assumes an earlier task creates."""
    return {"SecurityGroupId": PLANNED_PREFIX + name, "SecurityGroupName": name, "VpcId": vpc_id or "",
            "SecurityGroupType": "normal", "Description": "", "Tags": {"Tag": []}, "EcsCount": 0}


def is_planned(group_id):
    return str(group_id or "").startswith(PLANNED_PREFIX)


def planned_warning(option, name, vpc_id=None):
    return ("%s: security group %r does not exist%s; check mode assumes it is created earlier in the play and plans "
            "against it as a new, empty group" % (option, name, " in %s" % vpc_id if vpc_id else ""))


def group_label(group_id, name=None):
    """How a group is named for people: ``name (id)``, or the id alone when it has no other name."""
    return "%s (%s)" % (name, group_id) if name and name != group_id else group_id


# ---------------------------------------------------------------------------------------------------------------
# Reading groups


def describe_groups(client, ids=None, name=None, vpc_id=None, tags=None, network_type=None, group_type=None,
                    resource_group_id=None):
    """All groups matching the filters, every page. ``ids`` (any number) are sent 100 per request.

    ``ids=[]`` means "these zero groups" and makes no call; ``ids=None`` means no id filter.
    """
    base = {
        "VpcId": vpc_id,
        "SecurityGroupName": name,
        "NetworkType": network_type,
        "SecurityGroupType": group_type,
        "ResourceGroupId": resource_group_id,
        "Tag": dict(tags) if tags else None,
    }
    base = dict((key, value) for key, value in base.items() if value is not None)
    if ids is None:
        return client.paginate("DescribeSecurityGroups", base, "SecurityGroups.SecurityGroup",
                               style="token", page_size=GROUPS_PAGE_SIZE)
    groups = []
    for id_chunk in chunks(unique(ids), IDS_PER_DESCRIBE):
        params = dict(base, SecurityGroupIds=id_chunk)
        groups.extend(client.paginate("DescribeSecurityGroups", params, "SecurityGroups.SecurityGroup",
                                      style="token", page_size=GROUPS_PAGE_SIZE))
    return groups


def get_group(client, group_id):
    """The raw group with that id, or None."""
    for group in describe_groups(client, ids=[group_id]):
        if group.get("SecurityGroupId") == group_id:
            return group
    return None


def describe_candidate(group):
    """How a group is named in error messages: ``name (sg-id, vpc)``."""
    return "%s (%s, %s)" % (group.get("SecurityGroupName"), group.get("SecurityGroupId"),
                            group.get("VpcId") or "classic")


def is_service_managed(raw):
    """Whether a DescribeSecurityGroups item is managed by a cloud service (``ServiceManaged``, a boolean or its text).

    ECS refuses every write to such a group (403 InvalidOperation.ResourceManagedByCloudProduct), so no module plans
    one and sg_cleanup never selects one."""
    value = (raw or {}).get("ServiceManaged")
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def refuse_service_managed(raw, change):
    """Raise ValidationError, before any write, when ``raw`` is a service-managed group; ``change`` says what the
    run would have done (e.g. "rule changes")."""
    if is_service_managed(raw):
        raise ValidationError(
            "security group %s is managed by a cloud service (ServiceManaged): ECS refuses %s to it "
            "(InvalidOperation.ResourceManagedByCloudProduct), so nothing was changed; manage it through the service "
            "that owns it" % (describe_candidate(raw), change))


def groups_named(client, name, vpc_id=None):
    """Groups whose name is exactly ``name`` (the API filter is not trusted to be exact)."""
    return [group for group in describe_groups(client, name=name, vpc_id=vpc_id)
            if group.get("SecurityGroupName") == name]


def find_group(client, id_or_name, vpc_id=None):
    """The one raw group with this id, or with this name (within ``vpc_id`` when given).

    Raises GroupLookupError when nothing matches or when the name matches several groups.
    """
    if GROUP_ID_PATTERN.match(id_or_name):
        group = get_group(client, id_or_name)
        if group is not None:
            if vpc_id and group.get("VpcId") != vpc_id:
                raise GroupLookupError(_wrong_vpc_message(id_or_name, group, vpc_id))
            return group
    matches = groups_named(client, id_or_name, vpc_id)
    if len(matches) == 1:
        return matches[0]
    if not matches:
        where = " in %s" % vpc_id if vpc_id else ""
        raise GroupLookupError("no security group with id or name %r%s" % (id_or_name, where), not_found=True)
    raise ambiguous_name_error(id_or_name, vpc_id, matches)


def ambiguous_name_error(name, vpc_id, matches):
    """The GroupLookupError for a name that several groups carry, listing them as candidates."""
    candidates = sorted(describe_candidate(group) for group in matches)
    where = " in %s" % vpc_id if vpc_id else ""
    return GroupLookupError(
        "security group name %r%s matches %d groups: %s; give the id or set vpc_id"
        % (name, where, len(matches), ", ".join(candidates)),
        candidates=candidates,
    )


def find_groups(client, ids_or_names, vpc_id=None, missing=None, extra_ids=(), by_id=None):
    """Resolve several references, reading all id-like ones (and ``extra_ids``) in one batched describe. Keeps the
    given order.

    ``missing(ref, error) -> raw group``, when given, decides when the lookup of a reference failed. ``by_id``, when
    given, receives every group read, by id."""
    refs = unique(ids_or_names)
    by_id = {} if by_id is None else by_id
    ids = unique([ref for ref in refs if GROUP_ID_PATTERN.match(ref)] + list(extra_ids))
    if ids:
        for group in describe_groups(client, ids=ids):
            by_id[group["SecurityGroupId"]] = group
    result = []
    for ref in refs:
        group = by_id.get(ref)
        if group is None:
            try:
                group = find_group(client, ref, vpc_id)
            except GroupLookupError as error:
                if missing is None:
                    raise
                group = missing(ref, error)
            by_id[group["SecurityGroupId"]] = group
        elif vpc_id and group.get("VpcId") != vpc_id:
            raise GroupLookupError(_wrong_vpc_message(ref, group, vpc_id))
        result.append(group)
    return result


def _wrong_vpc_message(ref, group, vpc_id):
    return "security group %s is in %s, not in vpc_id %s" % (ref, group.get("VpcId") or "the classic network", vpc_id)


def describe_rules(client, group_id, direction="all", nic_type=None):
    """``(attributes, permissions)`` of a group, every page.

    ``attributes`` are the response's top-level fields (SecurityGroupName, VpcId, InnerAccessPolicy, ...).
    A classic group answers one NicType per request, so without ``nic_type`` both are read.
    """
    attributes, permissions = _read_rule_pages(client, group_id, direction, nic_type)
    if nic_type is None and not attributes.get("VpcId"):
        # The unfiltered read of a classic group is its internet rules; add the intranet ones.
        known = set(rule.get("SecurityGroupRuleId") for rule in permissions)
        intranet = _read_rule_pages(client, group_id, direction, "intranet")[1]
        permissions.extend(rule for rule in intranet if rule.get("SecurityGroupRuleId") not in known)
    return attributes, permissions


def _read_rule_pages(client, group_id, direction, nic_type):
    params = {"SecurityGroupId": group_id, "Direction": direction, "MaxResults": RULES_PAGE_SIZE}
    if nic_type:
        params["NicType"] = nic_type
    attributes = None
    permissions = []
    seen_tokens = set()
    while True:
        response = client.call("DescribeSecurityGroupAttribute", params)
        if attributes is None:
            attributes = dict((key, value) for key, value in response.items()
                              if key not in ("Permissions", "NextToken", "RequestId"))
        permissions.extend(items_at(response, "Permissions.Permission"))
        token = response.get("NextToken")
        if not token or token in seen_tokens:
            return attributes, permissions
        seen_tokens.add(token)
        params = dict(params, NextToken=token)


def get_group_attributes(client, group_id):
    """Top-level attributes only (InnerAccessPolicy is not in DescribeSecurityGroups): one small request."""
    response = client.call("DescribeSecurityGroupAttribute",
                           {"SecurityGroupId": group_id, "Direction": "ingress", "MaxResults": 10})
    return dict((key, value) for key, value in response.items()
                if key not in ("Permissions", "NextToken", "RequestId"))


def describe_members(client, group_id):
    """``{"instances": [...], "network_interfaces": [...]}`` (raw API items) that are in the group."""
    instances = client.paginate("DescribeInstances", {"SecurityGroupId": group_id}, "Instances.Instance",
                                style="token", page_size=MEMBERS_PAGE_SIZE)
    interfaces = client.paginate("DescribeNetworkInterfaces", {"SecurityGroupId": group_id},
                                 "NetworkInterfaceSets.NetworkInterfaceSet", style="token",
                                 page_size=MEMBERS_PAGE_SIZE)
    return {"instances": instances, "network_interfaces": interfaces}


def describe_scope_members(client, raw_groups):
    """Like describe_members, for the smallest scope holding all ``raw_groups``: one region-wide listing of the
    instances and secondary interfaces of their VPC (or of the classic network), instead of two calls per group."""
    vpc_ids = set(raw.get("VpcId") or "" for raw in raw_groups)
    instance_filter, interface_filter = {}, {"Type": "Secondary"}
    if len(vpc_ids) == 1 and "" not in vpc_ids:
        instance_filter["VpcId"] = interface_filter["VpcId"] = vpc_ids.pop()
    elif vpc_ids == set([""]):
        instance_filter["InstanceNetworkType"] = "classic"
        interface_filter = None  # network interfaces exist only in VPCs
    instances = client.paginate("DescribeInstances", instance_filter, "Instances.Instance", style="token",
                                page_size=MEMBERS_PAGE_SIZE)
    interfaces = []
    if interface_filter is not None:
        interfaces = client.paginate("DescribeNetworkInterfaces", interface_filter, "NetworkInterfaceSets.NetworkInterfaceSet",
                                     style="token", page_size=INTERFACES_PAGE_SIZE)
    return {"instances": instances, "network_interfaces": interfaces}


def describe_references(client, group_ids):
    """``{group_id: [ids of groups whose rules reference it]}`` for every given id (10 per request)."""
    result = dict((group_id, []) for group_id in dict.fromkeys(group_ids))
    for id_chunk in chunks(list(result), IDS_PER_REFERENCES_CALL):
        response = client.call("DescribeSecurityGroupReferences", {"SecurityGroupId": id_chunk})
        for reference in items_at(response, "SecurityGroupReferences.SecurityGroupReference"):
            referencing = items_at(reference, "ReferencingSecurityGroups.ReferencingSecurityGroup")
            ids = result.setdefault(reference.get("SecurityGroupId"), [])
            for item in referencing:
                if item.get("SecurityGroupId") not in ids:
                    ids.append(item.get("SecurityGroupId"))
    return result


def caller_account(client):
    """The caller's account id, or "" when nothing in the region says it (one call).

    ECS has no "who am I" action; an ENI answer carries its owner's account id (DescribeNetworkInterfaces,
    ``OwnerId`` in the Tea model), and a caller lists only its own ENIs. Every VPC instance has one.
    """
    response = client.call("DescribeNetworkInterfaces", {"MaxResults": 10})
    owners = (item.get("OwnerId") for item in items_at(response, "NetworkInterfaceSets.NetworkInterfaceSet"))
    return next((str(owner) for owner in owners if owner), "")


# ---------------------------------------------------------------------------------------------------------------
# Writing groups


def create_group(client, name=None, description=None, vpc_id=None, group_type=None, resource_group_id=None,
                 tags=None):
    """Create a group and return its id. The client adds the ClientToken that makes retries safe."""
    params = {
        "SecurityGroupName": name,
        "Description": description,
        "VpcId": vpc_id,
        "SecurityGroupType": group_type,
        "ResourceGroupId": resource_group_id,
        "Tag": dict(tags) if tags else None,
    }
    response = client.call("CreateSecurityGroup", dict((k, v) for k, v in params.items() if v is not None))
    return response["SecurityGroupId"]


def modify_group_attribute(client, group_id, name=None, description=None):
    params = {"SecurityGroupId": group_id, "SecurityGroupName": name, "Description": description}
    client.call("ModifySecurityGroupAttribute", dict((k, v) for k, v in params.items() if v is not None))


def modify_inner_access_policy(client, group_id, policy):
    client.call("ModifySecurityGroupPolicy", {"SecurityGroupId": group_id, "InnerAccessPolicy": policy.capitalize()})


def delete_group(client, group_id):
    client.call("DeleteSecurityGroup", {"SecurityGroupId": group_id})


# ---------------------------------------------------------------------------------------------------------------
# Tags


def tag_groups(client, tags_by_group):
    """Apply ``{group_id: {key: value}}``: groups that need the same tags share TagResources calls."""
    batches = {}
    for group_id, tags in tags_by_group.items():
        if tags:
            batches.setdefault(tuple(sorted(tags.items())), []).append(group_id)
    for tag_items, group_ids in sorted(batches.items()):
        for id_chunk in chunks(group_ids, IDS_PER_TAG_CALL):
            client.call("TagResources", {"ResourceType": RESOURCE_TYPE, "ResourceId": id_chunk,
                                         "Tag": dict(tag_items)})


def untag_groups(client, keys_by_group):
    """Remove ``{group_id: [keys]}``: groups losing the same keys share UntagResources calls."""
    batches = {}
    for group_id, keys in keys_by_group.items():
        if keys:
            batches.setdefault(tuple(sorted(keys)), []).append(group_id)
    for keys, group_ids in sorted(batches.items()):
        for id_chunk in chunks(group_ids, IDS_PER_TAG_CALL):
            for key_chunk in chunks(keys, KEYS_PER_UNTAG_CALL):
                client.call("UntagResources", {"ResourceType": RESOURCE_TYPE, "ResourceId": id_chunk,
                                               "TagKey": key_chunk})


def write_tag_plan(client, plan):
    """Apply ``{group_id: (to_set, to_remove)}``; removals first, so swapped keys never cross the 20-tag limit."""
    untag_groups(client, dict((group_id, change[1]) for group_id, change in plan.items()))
    tag_groups(client, dict((group_id, change[0]) for group_id, change in plan.items()))


def finish_tags(client, group_ids, tags, after, rounds=5):
    """After a write of purged ``tags``: read the groups' tags again and finish the plan against them, until a read
    finds nothing to do; ``after`` (``{group_id: tags}``, the plan's prediction) is updated with what was finished.

    Two purging runs that read the tags before either wrote would otherwise leave the union of their sets; the last
    writer always reads after its last write, so each group ends with one declared set. Raises
    ConcurrentWritersError past ``rounds``.
    """
    for finishing in range(rounds + 1):
        current = dict((group["SecurityGroupId"], tags_from_api(items_at(group, "Tags.Tag")))
                       for group in describe_groups(client, ids=group_ids))
        plan = plan_tags(current, tags, True, "present")
        if not plan:
            return
        if finishing == rounds:
            raise ConcurrentWritersError(
                "the tags of %s kept changing under concurrent writers: after %d rounds of reading and finishing this "
                "run's plan, they still differ from the declared ones; run the task again once the other writers are "
                "done" % (", ".join(sorted(plan)), rounds))
        write_tag_plan(client, plan)
        for group_id, (to_set, to_remove) in plan.items():
            after[group_id] = apply_tag_plan(current[group_id], to_set, to_remove)


class ConcurrentWritersError(Exception):
    """Other writers kept changing what this run declares, round after round."""


# ---------------------------------------------------------------------------------------------------------------
# snake_case results


def _lower_or_none(value):
    return value.lower() if value else None


def _int_or_none(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def snake_group(raw, attributes=None):
    """A DescribeSecurityGroups item (plus, optionally, DescribeSecurityGroupAttribute fields) in snake_case."""
    attributes = attributes or {}
    vpc_id = raw.get("VpcId") or attributes.get("VpcId") or ""
    group = {
        "security_group_id": raw.get("SecurityGroupId"),
        "security_group_name": raw.get("SecurityGroupName", attributes.get("SecurityGroupName")),
        "description": raw.get("Description", attributes.get("Description")),
        "vpc_id": vpc_id,
        "network_type": "vpc" if vpc_id else "classic",
        "security_group_type": raw.get("SecurityGroupType") or "normal",
        "inner_access_policy": _lower_or_none(attributes.get("InnerAccessPolicy") or raw.get("InnerAccessPolicy")),
        "resource_group_id": raw.get("ResourceGroupId") or "",
        "creation_time": raw.get("CreationTime"),
        "service_managed": is_service_managed(raw),
        "ecs_count": _int_or_none(raw.get("EcsCount")),
        "rule_count": _int_or_none(raw.get("RuleCount")),
        "group_to_group_rule_count": _int_or_none(raw.get("GroupToGroupRuleCount")),
        "tags": tags_from_api(items_at(raw, "Tags.Tag")),
    }
    return group


def snake_instance(raw):
    vpc = raw.get("VpcAttributes") or {}
    private_ips = items_at(vpc, "PrivateIpAddress.IpAddress") or items_at(raw, "InnerIpAddress.IpAddress")
    return {
        "instance_id": raw.get("InstanceId"),
        "instance_name": raw.get("InstanceName"),
        "status": raw.get("Status"),
        "network_type": raw.get("InstanceNetworkType"),
        "vpc_id": vpc.get("VpcId") or "",
        "zone_id": raw.get("ZoneId"),
        "private_ip_addresses": list(private_ips),
        "security_group_ids": items_at(raw, "SecurityGroupIds.SecurityGroupId"),
    }


def snake_network_interface(raw):
    return {
        "network_interface_id": raw.get("NetworkInterfaceId"),
        "type": raw.get("Type"),
        "status": raw.get("Status"),
        "instance_id": raw.get("InstanceId") or "",
        "vpc_id": raw.get("VpcId") or "",
        "private_ip_address": raw.get("PrivateIpAddress"),
        "security_group_ids": items_at(raw, "SecurityGroupIds.SecurityGroupId"),
    }


def snake_members(members):
    return {
        "instances": [snake_instance(item) for item in members.get("instances", [])],
        "network_interfaces": [snake_network_interface(item) for item in members.get("network_interfaces", [])],
    }


def blocking_members(members):
    """Member ids that stop a delete: instances, and ENIs not already listed as an instance's primary ENI."""
    instance_ids = [item.get("InstanceId") for item in members.get("instances", [])]
    eni_ids = [item.get("NetworkInterfaceId") for item in members.get("network_interfaces", [])
               if not (item.get("Type") == "Primary" and item.get("InstanceId") in instance_ids)]
    return instance_ids, eni_ids
