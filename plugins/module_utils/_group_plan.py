# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""Pure planning of a security group's own attributes (``sg``): what changes in place, and the group after it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ValidationError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._tags import apply_tag_plan, diff_tags, normalize_tags


def default_policy(group_type):
    """Enterprise groups isolate their members; normal groups let them reach each other (ECS_API.md section 4)."""
    return "drop" if group_type == "enterprise" else "accept"


def plan_update(current, params):
    """What must change on an existing group (``current`` is a snake_group dict), as a dict of changes.

    Keys present only when something changes: ``attribute`` (name/description), ``policy``, ``tags_set``,
    ``tags_remove``. Raises ValidationError for changes the API cannot make in place.
    """
    for option in ("vpc_id", "security_group_type", "resource_group_id"):
        wanted = params.get(option)
        if wanted is not None and wanted != current.get(option):
            raise ValidationError("%s of %s is %r and cannot change to %r; create a new group instead"
                                  % (option, current["security_group_id"], current.get(option) or "", wanted))
    changes = {}
    attribute = {}
    if params.get("name") is not None and params["name"] != current.get("security_group_name"):
        attribute["name"] = params["name"]
    if params.get("description") is not None and params["description"] != current.get("description"):
        attribute["description"] = params["description"]
    if attribute:
        changes["attribute"] = attribute
    policy = params.get("inner_access_policy")
    if policy is not None and policy != current.get("inner_access_policy"):
        if current.get("security_group_type") == "enterprise":
            raise ValidationError("inner_access_policy of enterprise group %s is always drop" % current["security_group_id"])
        changes["policy"] = policy
    to_set, to_remove = diff_tags(current.get("tags"), params.get("tags"), params.get("purge_tags"))
    if to_set:
        changes["tags_set"] = to_set
    if to_remove:
        changes["tags_remove"] = to_remove
    return changes


def group_after(current, changes):
    """The snake_group dict the group will be once ``changes`` are applied (check mode, diff mode)."""
    after = dict(current)
    attribute = changes.get("attribute", {})
    if "name" in attribute:
        after["security_group_name"] = attribute["name"]
    if "description" in attribute:
        after["description"] = attribute["description"]
    if "policy" in changes:
        after["inner_access_policy"] = changes["policy"]
    after["tags"] = apply_tag_plan(current.get("tags"), changes.get("tags_set", {}), changes.get("tags_remove", []))
    return after


def new_group(params):
    """The snake_group dict of a group this run would create; id and creation time unknown."""
    group_type = params.get("security_group_type") or "normal"
    return {
        "security_group_id": None,
        "security_group_name": params.get("name"),
        "description": params.get("description") or "",
        "vpc_id": params.get("vpc_id") or "",
        "network_type": "vpc" if params.get("vpc_id") else "classic",
        "security_group_type": group_type,
        "inner_access_policy": params.get("inner_access_policy") or default_policy(group_type),
        "resource_group_id": params.get("resource_group_id") or "",
        "creation_time": None,
        "service_managed": False,
        "ecs_count": 0,
        "rule_count": 0,
        "group_to_group_rule_count": 0,
        "tags": normalize_tags(params.get("tags")),
    }
