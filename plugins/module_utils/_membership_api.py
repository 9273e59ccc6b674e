# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""Membership reads and writes built on ``EcsClient.call()``: targets in batches, groups in one read, and
the Join/Leave/Modify*Attribute calls of a plan. The planning itself is in membership.py.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type  # pylint: disable=invalid-name

from ansible_collections.cloudwall.alicloud.plugins.module_utils._groups import find_groups
from ansible_collections.cloudwall.alicloud.plugins.module_utils._lists import chunks, unique
from ansible_collections.cloudwall.alicloud.plugins.module_utils._membership import INSTANCE, JOIN, LEAVE, REPLACE

# DescribeInstances takes at most 100 ids in InstanceIds and 100 per page; DescribeNetworkInterfaces takes
# NetworkInterfaceId.1..100. One read of 100 targets is one call.
IDS_PER_TARGET_READ = 100
TARGET_PAGE_SIZE = 100


def read_instances(client, instance_ids):
    """``{instance_id: raw DescribeInstances item}`` of those ids that exist, 100 ids per call."""
    found = {}
    for id_chunk in chunks(unique(instance_ids), IDS_PER_TARGET_READ):
        for item in client.paginate("DescribeInstances", {"InstanceIds": id_chunk}, "Instances.Instance",
                                    style="token", page_size=TARGET_PAGE_SIZE):
            found[item.get("InstanceId")] = item
    return found


def read_network_interfaces(client, eni_ids):
    """``{eni_id: raw DescribeNetworkInterfaces item}`` of those ids that exist, 100 ids per call."""
    found = {}
    for id_chunk in chunks(unique(eni_ids), IDS_PER_TARGET_READ):
        for item in client.paginate("DescribeNetworkInterfaces", {"NetworkInterfaceId": id_chunk},
                                    "NetworkInterfaceSets.NetworkInterfaceSet", style="token", page_size=TARGET_PAGE_SIZE):
            found[item.get("NetworkInterfaceId")] = item
    return found


def resolve_groups(client, refs, current_ids, vpc_id=None, missing=None):
    """Read the wanted groups (``refs``: ids or names) and the targets' current groups together.

    Returns ``(wanted, by_id)``: the raw groups of ``refs`` in order, and every raw group read by id.
    All ids (given ones and current ones) go in one batched DescribeSecurityGroups; only names, and ids
    that match no group (a name may look like an id), are looked up one by one.
    Raises GroupLookupError when a reference matches no group, several groups, or a group outside ``vpc_id``;
    ``missing(ref, error) -> raw group``, when given, decides instead when the lookup of a reference failed.
    """
    by_id = {}
    wanted = find_groups(client, refs, vpc_id, missing, extra_ids=current_ids, by_id=by_id)
    return wanted, by_id


def _target_param(kind, target_id):
    return {"InstanceId": target_id} if kind == INSTANCE else {"NetworkInterfaceId": target_id}


def join_group(client, kind, target_id, group_id):
    client.call("JoinSecurityGroup", dict(_target_param(kind, target_id), SecurityGroupId=group_id))


def leave_group(client, kind, target_id, group_id):
    client.call("LeaveSecurityGroup", dict(_target_param(kind, target_id), SecurityGroupId=group_id))


def replace_groups(client, kind, target_id, group_ids):
    """Set the whole group list in one call: atomic, so the target is never without a group."""
    if kind == INSTANCE:
        client.call("ModifyInstanceAttribute", {"InstanceId": target_id, "SecurityGroupIds": list(group_ids)})
    else:
        client.call("ModifyNetworkInterfaceAttribute", {"NetworkInterfaceId": target_id, "SecurityGroupId": list(group_ids)})


def apply_call(client, kind, target_id, call):
    """Make one ``(JOIN|LEAVE|REPLACE, value)`` call of membership.change_calls()."""
    action, value = call
    if action == JOIN:
        join_group(client, kind, target_id, value)
    elif action == LEAVE:
        leave_group(client, kind, target_id, value)
    elif action == REPLACE:
        replace_groups(client, kind, target_id, value)
    else:
        raise ValueError("unknown membership step %r" % (action,))
