"""The ECS actions the emulator serves: name -> handler, and whether the action changes state."""

from __future__ import annotations

from typing import Any, Callable

from ..context import Context
from . import groups, instances, membership, regions, rules, tags


Handler = Callable[[Context], dict[str, Any]]


def is_mutating(action_name: str) -> bool:
    """Describe* and List* only read; every other action writes (the call log's "mutating")."""
    lowered = action_name.lower()
    return not lowered.startswith(("describe", "list"))


ACTIONS: dict[str, Handler] = {
    "CreateSecurityGroup": groups.create_security_group,
    "DeleteSecurityGroup": groups.delete_security_group,
    "DescribeSecurityGroups": groups.describe_security_groups,
    "ModifySecurityGroupAttribute": groups.modify_security_group_attribute,
    "ModifySecurityGroupPolicy": groups.modify_security_group_policy,
    "DescribeSecurityGroupReferences": groups.describe_security_group_references,
    "DescribeSecurityGroupAttribute": rules.describe_security_group_attribute,
    "AuthorizeSecurityGroup": rules.authorize_security_group,
    "AuthorizeSecurityGroupEgress": rules.authorize_security_group_egress,
    "RevokeSecurityGroup": rules.revoke_security_group,
    "RevokeSecurityGroupEgress": rules.revoke_security_group_egress,
    "ModifySecurityGroupRule": rules.modify_security_group_rule,
    "ModifySecurityGroupEgressRule": rules.modify_security_group_egress_rule,
    "JoinSecurityGroup": membership.join_security_group,
    "LeaveSecurityGroup": membership.leave_security_group,
    "ModifyInstanceAttribute": membership.modify_instance_attribute,
    "ModifyNetworkInterfaceAttribute": membership.modify_network_interface_attribute,
    "DescribeInstances": instances.describe_instances,
    "DescribeNetworkInterfaces": instances.describe_network_interfaces,
    "TagResources": tags.tag_resources,
    "UntagResources": tags.untag_resources,
    "ListTagResources": tags.list_tag_resources,
    "DescribeRegions": regions.describe_regions,
}
