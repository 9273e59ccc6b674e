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
from ansible_collections.cloudwall.alicloud.plugins.module_utils._validation import GROUP_ID_PATTERN

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


def _filter_value(option, value):
    """A filter's value in the shape of the option it fills: id lists from a list, a JSON array or a comma list;
    tags from a dict or the API's [{Key, Value}] list."""
    if option == "security_group_ids":
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return [str(item) for item in json.loads(text)]
            return [item.strip() for item in text.split(",") if item.strip()]
        return [str(item) for item in (value if isinstance(value, (list, tuple)) else [value])]
    if option == "tags" and isinstance(value, (list, tuple)):
        return dict((str(item.get("Key", item.get("key"))), item.get("Value", item.get("value"))) for item in value)
    if option in ("network_type", "security_group_type") and isinstance(value, str):
        return value.lower()
    return value


def selection(params):
    """``(selection, problems)``: the options of SELECTION_ARGUMENT_SPEC with ``filters`` folded in."""
    chosen = dict((key, params.get(key)) for key in _SELECTED_BY)
    problems = []
    for key, value in sorted((params.get("filters") or {}).items()):
        option = FILTERS.get(key) or _SNAKE_FILTERS.get(key)
        if option is None:
            problems.append("filters has %s, which is not a DescribeSecurityGroups filter; allowed: %s"
                            % (key, ", ".join(sorted(FILTERS))))
            continue
        try:
            value = _filter_value(option, value)
        except (TypeError, ValueError, AttributeError):
            problems.append("filters.%s is %r, which is not a valid value for it" % (key, value))
            continue
        if chosen.get(option) not in (None, value):
            problems.append("filters.%s is %r but %s is %r; allowed: one of them, or the same value"
                            % (key, value, option, chosen[option]))
            continue
        chosen[option] = value
    if chosen["network_type"] not in (None, "vpc", "classic"):
        problems.append("filters NetworkType is %r; allowed: vpc, classic" % chosen["network_type"])
    if chosen["security_group_type"] not in (None, "normal", "enterprise"):
        problems.append("filters SecurityGroupType is %r; allowed: normal, enterprise" % chosen["security_group_type"])
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
    chosen, problems = selection(params)
    if not 1 <= params["max_workers"] <= MAX_WORKERS_LIMIT:
        problems.append("max_workers is %d; allowed: 1 to %d" % (params["max_workers"], MAX_WORKERS_LIMIT))
    # The API filter takes ids only and answers nothing for a name: say so rather than select no group silently.
    not_ids = [ref for ref in params["security_group_ids"] or [] if not GROUP_ID_PATTERN.match(ref)]
    if not_ids:
        problems.append("security_group_ids holds %s, which %s not group ids; allowed: ids (sg- followed by lowercase "
                        "letters and digits); select a group by name with the name option"
                        % (", ".join(repr(ref) for ref in not_ids), "is" if len(not_ids) == 1 else "are"))
    try:
        validate_tags(chosen["tags"], "tags")
    except ValidationError as error:
        problems.append(str(error))
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
