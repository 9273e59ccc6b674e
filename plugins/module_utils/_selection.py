# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""The base of the read-only modules that select groups (sg_info, sg_audit): filters, bounded concurrency,
a result without diff."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
    # Reads are latency-bound (tens of ms each on the real cloud): 8 in flight read 1000 groups in about 7 s at 50 ms.
    max_workers=dict(type="int", default=8),
)


def select_groups(client, params):
    """The groups the SELECTION_ARGUMENT_SPEC options of ``params`` select, every page.

    The API matches names loosely, so the name filter is applied again exactly here.
    """
    raw_groups = describe_groups(
        client, ids=params["security_group_ids"], name=params["name"], vpc_id=params["vpc_id"],
        tags=params["tags"], network_type=params["network_type"], group_type=params["security_group_type"],
    )
    if params["name"] is not None:
        raw_groups = [group for group in raw_groups if group.get("SecurityGroupName") == params["name"]]
    return raw_groups


def selection_problems(params):
    """Every problem of the selection options, as messages naming the option and the value."""
    problems = []
    if not 1 <= params["max_workers"] <= MAX_WORKERS_LIMIT:
        problems.append("max_workers is %d; allowed: 1 to %d" % (params["max_workers"], MAX_WORKERS_LIMIT))
    # The API filter takes ids only and answers nothing for a name: say so rather than select no group silently.
    not_ids = [ref for ref in params["security_group_ids"] or [] if not GROUP_ID_PATTERN.match(ref)]
    if not_ids:
        problems.append("security_group_ids holds %s, which %s not group ids; allowed: ids (sg- followed by lowercase "
                        "letters and digits); select a group by name with the name option"
                        % (", ".join(repr(ref) for ref in not_ids), "is" if len(not_ids) == 1 else "are"))
    try:
        validate_tags(params["tags"], "tags")
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

        One client, shared: the SDK signs each request on its own object and pools connections.
        """
        items = list(items)
        if not items:
            return []
        with ThreadPoolExecutor(max_workers=min(self.params["max_workers"], len(items))) as pool:
            return list(pool.map(read, items))
