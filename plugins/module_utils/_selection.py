# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""The base of the read-only modules that select groups (sg_info, sg_audit): filters, bounded concurrency,
a result without diff."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ValidationError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._groups import describe_groups
from ansible_collections.cloudwall.alicloud.plugins.module_utils._module import AlicloudModule
from ansible_collections.cloudwall.alicloud.plugins.module_utils._tags import validate_tags
from ansible_collections.cloudwall.alicloud.plugins.module_utils._validation import group_id_problems, type_name

MAX_WORKERS_LIMIT = 16

# The group filters and the read concurrency (documented by the cloudwall.alicloud.selection fragment).
SELECTION_ARGUMENT_SPEC = dict(
    security_group_ids=dict(type="list", elements="str", aliases=["ids", "group_ids"]),
    name=dict(type="str", aliases=["security_group_name", "group_name"]),
    vpc_id=dict(type="str"),
    tags=dict(type="dict"),
    network_type=dict(type="str", choices=["vpc", "classic"]),
    security_group_type=dict(type="str", choices=["normal", "enterprise"]),
    name_prefix=dict(type="str"),
    filters=dict(type="dict"),
    # Reads are latency-bound (tens of ms each on the real cloud): 8 in flight read 1000 groups in about 7 s at 50 ms.
    max_workers=dict(type="int", default=8),
)

# ``filters`` take DescribeSecurityGroups' own filter names (or their snake_case, as alibaba.alicloud's info
# modules take them); each fills the selection option it stands for.
FILTERS = {
    "VpcId": "vpc_id",
    "SecurityGroupIds": "security_group_ids",
    "SecurityGroupId": "security_group_ids",
    "SecurityGroupName": "name",
    "SecurityGroupType": "security_group_type",
    "NetworkType": "network_type",
    "ResourceGroupId": "resource_group_id",
    "Tag": "tags",
}
_SNAKE_FILTERS = {
    "vpc_id": "vpc_id", "security_group_ids": "security_group_ids", "security_group_id": "security_group_ids",
    "security_group_name": "name", "security_group_type": "security_group_type", "network_type": "network_type",
    "resource_group_id": "resource_group_id", "tags": "tags", "tag": "tags",
}
_SELECTED_BY = ("security_group_ids", "name", "name_prefix", "vpc_id", "tags", "network_type", "security_group_type",
                "resource_group_id")
_CHOICES = {"network_type": ("vpc", "classic"), "security_group_type": ("normal", "enterprise")}
_TAG_ITEM = "a dictionary {Key: a string, Value: a string}"


class _FilterError(ValueError):
    """A filter value that cannot be read as its option; the message names the filter and says what is allowed."""


def _filter_ids(label, value):
    """SecurityGroupIds as a list: from a list, a JSON array or a comma list (the items are checked later)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                raise _FilterError("%s is %r, which is not a JSON array; allowed: a list of security group ids, a JSON "
                                   "array of them or a comma-separated list" % (label, text))
        else:
            return [item.strip() for item in text.split(",") if item.strip()]
    if not isinstance(value, (list, tuple)):
        raise _FilterError("%s is %s (%r); allowed: a list of security group ids, a JSON array of them or a "
                           "comma-separated list" % (label, type_name(value), value))
    return list(value)


def _filter_tags(label, value):
    """Tag as a dictionary: from one, or from the API's list of {Key, Value} (either case of Key and Value)."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, (list, tuple)):
        raise _FilterError("%s is %s (%r); allowed: a list of %s, or a dictionary of tag keys to values"
                           % (label, type_name(value), value, _TAG_ITEM))
    tags = {}
    for index, item in enumerate(value):
        key = item.get("Key", item.get("key")) if isinstance(item, dict) else None
        tag_value = item.get("Value", item.get("value")) if isinstance(item, dict) else None
        if not isinstance(key, str) or not (tag_value is None or isinstance(tag_value, str)):
            raise _FilterError("%s[%d] is %r; allowed: %s" % (label, index, item, _TAG_ITEM))
        tags[key] = tag_value
    return tags


def _filter_value(option, label, value):
    """A filter's value in the shape of the option it fills; _FilterError when it has no such shape."""
    if option == "security_group_ids":
        return _filter_ids(label, value)
    if option == "tags":
        return _filter_tags(label, value)
    if option in _CHOICES and isinstance(value, str):
        return value.lower()
    return value


def _option_problems(option, label, value):
    """The problems of one selected value, named by where it came from (``vpc_id`` or ``filters.VpcId``)."""
    if value is None:
        return []
    if option == "security_group_ids":
        hint = "select a group by name with the name option" + (" or filters.SecurityGroupName" if label.startswith("filters.") else "")
        return group_id_problems(value, label, hint)
    if option == "tags":
        try:
            validate_tags(value, label)
        except ValidationError as error:
            return [str(error)]
        return []
    if not isinstance(value, str):
        return ["%s is %s (%r); allowed: a string" % (label, type_name(value), value)]
    if option in _CHOICES and value.lower() not in _CHOICES[option]:
        return ["%s is %r; allowed: %s" % (label, value, ", ".join(_CHOICES[option]))]
    return []


def selection(params):
    """``(selection, problems)``: the options of SELECTION_ARGUMENT_SPEC with ``filters`` folded in, every value checked
    for the type the API takes (strings, a list of group ids, tags), each problem naming the option or filter."""
    chosen = dict((key, params.get(key)) for key in _SELECTED_BY)
    labels = dict((key, key) for key in _SELECTED_BY)
    problems = []
    filters = params.get("filters") or {}
    for key, value in sorted(filters.items(), key=lambda item: str(item[0])):
        option = FILTERS.get(key) or _SNAKE_FILTERS.get(key)
        if option is None:
            problems.append("filters has %s, which is not a DescribeSecurityGroups filter; allowed: %s"
                            % (key, ", ".join(sorted(FILTERS))))
            continue
        label = "filters.%s" % key
        try:
            value = _filter_value(option, label, value)
        except _FilterError as error:
            problems.append(str(error))
            continue
        if chosen.get(option) not in (None, value):
            problems.append("%s is %r but %s is %r; allowed: one of them, or the same value"
                            % (label, value, labels[option], chosen[option]))
            continue
        chosen[option] = value
        labels[option] = label
    for option in _SELECTED_BY:
        found = _option_problems(option, labels[option], chosen[option])
        problems.extend(found)
        if found:
            chosen[option] = None
        elif option in _CHOICES and chosen[option] is not None:
            chosen[option] = chosen[option].lower()
    return chosen, problems


def describe_selection(chosen):
    """The filters in use, for messages: ``vpc_id=vpc-1, tags={"env": "prod"}``, or ``no filter``."""
    parts = ["%s=%s" % (key, json.dumps(chosen[key], sort_keys=True)) for key in _SELECTED_BY if chosen.get(key) not in (None, "", [], {})]
    return ", ".join(parts) or "no filter"


def select_groups(client, params):
    """The groups the SELECTION_ARGUMENT_SPEC options of ``params`` select, every page.

    The API matches names loosely, so the name filter is applied again exactly here; the API has no name prefix
    filter, so ``name_prefix`` is applied here alone.
    """
    chosen = selection(params)[0]
    raw_groups = describe_groups(
        client, ids=chosen["security_group_ids"], name=chosen["name"], vpc_id=chosen["vpc_id"],
        tags=chosen["tags"], network_type=chosen["network_type"], group_type=chosen["security_group_type"],
        resource_group_id=chosen["resource_group_id"],
    )
    if chosen["name"] is not None:
        raw_groups = [group for group in raw_groups if group.get("SecurityGroupName") == chosen["name"]]
    if chosen["name_prefix"]:
        raw_groups = [group for group in raw_groups if (group.get("SecurityGroupName") or "").startswith(chosen["name_prefix"])]
    return raw_groups


def selection_problems(params):
    """Every problem of the selection options, as messages naming the option and the value."""
    # selection() checks the merged selection (the API's id filter answers nothing for a name: it says so).
    problems = selection(params)[1]
    if not 1 <= params["max_workers"] <= MAX_WORKERS_LIMIT:
        problems.append("max_workers is %d; allowed: 1 to %d" % (params["max_workers"], MAX_WORKERS_LIMIT))
    return problems


class SelectionModule(AlicloudModule):
    """A read-only module over the groups its selection options pick."""

    @classmethod
    def base_module_spec(cls):
        spec = super(SelectionModule, cls).base_module_spec()
        spec["argument_spec"].update(SELECTION_ARGUMENT_SPEC)
        return spec

    def get_result(self):
        result = super(SelectionModule, self).get_result()
        result.pop("diff", None)  # nothing changes, so there is no diff
        return result

    def select(self):
        return select_groups(self.client, self.params)

    def read_concurrently(self, read, items):
        """``[read(item) for item in items]`` with at most ``max_workers`` requests in flight.

        One client, shared: each request is signed on its own, and each thread keeps its own connection.
        """
        items = list(items)
        if not items:
            return []
        with ThreadPoolExecutor(max_workers=min(self.params["max_workers"], len(items))) as pool:
            return list(pool.map(read, items))
