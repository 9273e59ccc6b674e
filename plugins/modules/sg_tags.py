#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sg_tags
short_description: Add, remove and purge tags of Alibaba Cloud ECS security groups
version_added: 0.1.0
description:
  - Manages the tags of one or several existing security groups, through TagResources and UntagResources on
    resource type C(securitygroup).
  - Groups that need the same change share API calls (up to 50 groups per call).
  - "API calls: one DescribeSecurityGroups call finds the groups given by id (up to 100 per call) with their tags,
    plus one per group given by name; then only the writes of the plan (UntagResources before TagResources). A
    no-op is that one read. Tags are not read back after the writes (RV(tags) is the plan's result, the same as
    check mode predicts), except with O(purge_tags): one DescribeSecurityGroups after the writes finds whether
    another purging run wrote its own set meanwhile, and finishes this run's plan against it (up to 5 rounds), so
    each group ends with one declared set, not the union of two."
  - Tags are validated before the first API call. Key 1 to 128 characters, not starting with C(aliyun) or
    C(acs:) in any letter case, without C(http://) or C(https://); value 0 to 128 characters, without C(http://) or C(https://);
    at most 20 tags per group, counted after the change.
author:
  - cloudwall maintainers (@cloudwall)
options:
  security_group:
    description:
      - The groups, each by id (C(sg-...)) or by name. A name must match exactly one group (within O(vpc_id) when
        given); otherwise the module fails and lists the candidates.
    type: list
    elements: str
    required: true
    aliases: [security_groups, security_group_id, security_group_ids]
  vpc_id:
    description:
      - VPC in which names in O(security_group) are looked up, and in which every group must be.
    type: str
  tags:
    description:
      - With O(state=present), the tags every group must carry (key to value).
      - With O(state=absent), the tags to remove. A key without a value (null) is removed whatever its value;
        a key with a value is removed only from groups where it has that value.
    type: dict
    required: true
  purge_tags:
    description:
      - With O(state=present), also remove every tag not listed in O(tags). O(tags={}) with O(purge_tags=true)
        removes all tags.
      - Ignored with O(state=absent).
    type: bool
    default: false
  state:
    description:
      - C(present) adds or updates tags; C(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Check mode reports exactly the tags that would be added and removed, and makes no mutating call.
extends_documentation_fragment:
  - cloudwall.alicloud.auth
  - cloudwall.alicloud.attributes
"""

EXAMPLES = r"""
- name: Tag the demo VPC's default group
  cloudwall.alicloud.sg_tags:
    security_group: default-vpc
    vpc_id: vpc-demo0000000000000001
    tags:
      env: demo
      owner: platform

- name: Make these two tags the only ones of both default groups
  cloudwall.alicloud.sg_tags:
    security_group:
      - sg-demovpcdefault000001
      - sg-democlassic000000001
    tags:
      env: demo
      owner: platform
    purge_tags: true

- name: Remove "temporary" whatever its value, and "env" only where it is "staging"
  cloudwall.alicloud.sg_tags:
    security_group: sg-demovpcdefault000001
    tags:
      temporary:
      env: staging
    state: absent
"""

RETURN = r"""
tags:
  description: Tags of each group after the run (what they would be, in check mode), by group id.
  returned: always
  type: dict
  sample: {"sg-demovpcdefault000001": {"env": "demo", "owner": "platform"}}
added:
  description: Tags set on each changed group (new keys and new values), by group id.
  returned: always
  type: dict
  sample: {"sg-demovpcdefault000001": {"env": "demo"}}
removed:
  description: Tag keys removed from each changed group, by group id.
  returned: always
  type: dict
  sample: {"sg-democlassic000000001": ["old"]}
security_group_ids:
  description: Ids of the groups, in the order given.
  returned: always
  type: list
  elements: str
  sample: ["sg-demovpcdefault000001", "sg-democlassic000000001"]
diff:
  description: Tags of every group before and after, by group id.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: Tags before the run.
      type: dict
      returned: when diff mode is on
      sample: {"sg-demovpcdefault000001": {}}
    after:
      description: Tags after the run.
      type: dict
      returned: when diff mode is on
      sample: {"sg-demovpcdefault000001": {"env": "demo"}}
"""

from ansible_collections.cloudwall.alicloud.plugins.module_utils._groups import (
    ConcurrentWritersError,
    GroupLookupError,
    finish_tags,
    find_groups,
    refuse_service_managed,
    write_tag_plan,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._lists import items_at, unique
from ansible_collections.cloudwall.alicloud.plugins.module_utils._module import AlicloudModule
from ansible_collections.cloudwall.alicloud.plugins.module_utils._tags import apply_tag_plan, plan_tags, tags_from_api, validate_tags


class SecurityGroupTagsModule(AlicloudModule):
    result_key = "tags"

    @classmethod
    def define_module(cls):
        spec = cls.base_module_spec()
        spec["argument_spec"].update(
            security_group=dict(type="list", elements="str", required=True,
                                aliases=["security_groups", "security_group_id", "security_group_ids"]),
            vpc_id=dict(type="str"),
            tags=dict(type="dict", required=True),
            purge_tags=dict(type="bool", default=False),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        )
        return spec

    def __init__(self, module):
        super(SecurityGroupTagsModule, self).__init__(module)
        self.result_value = {}
        self.extra_results = {"added": {}, "removed": {}, "security_group_ids": []}

    def run(self):
        params = self.params
        refs = [ref.strip() for ref in params["security_group"] if ref and ref.strip()]
        if not refs:
            self.fail("security_group must name at least one group (id or name)")
        validate_tags(params["tags"], "tags", allow_none_values=params["state"] == "absent")
        try:
            groups = find_groups(self.client, refs, params["vpc_id"],
                                 missing=lambda ref, error: self.planned_or_fail("security_group", ref, error, params["vpc_id"]))
        except GroupLookupError as error:
            self.fail_lookup("security_group", error)
        group_ids = unique(group["SecurityGroupId"] for group in groups)
        self.extra_results["security_group_ids"] = group_ids

        # DescribeSecurityGroups, which found the groups, also answered their tags: no ListTagResources call
        # (a group check mode plans, as created earlier in the play, has none yet).
        current = dict((group["SecurityGroupId"], tags_from_api(items_at(group, "Tags.Tag"))) for group in groups)
        plan = plan_tags(current, params["tags"], params["purge_tags"], params["state"])
        after = dict((group_id, apply_tag_plan(current[group_id], *plan.get(group_id, ({}, []))))
                     for group_id in group_ids)
        self.extra_results["added"] = dict((group_id, change[0]) for group_id, change in plan.items() if change[0])
        self.extra_results["removed"] = dict((group_id, change[1]) for group_id, change in plan.items() if change[1])
        self.result_value = after
        self.diff = {"before": dict((group_id, current[group_id]) for group_id in group_ids), "after": after}
        if not plan:
            return
        for group in groups:
            if group["SecurityGroupId"] in plan:
                refuse_service_managed(group, "tag changes")
        self.changed = True
        if self.check_mode:
            return
        write_tag_plan(self.client, plan)
        # Not read back (every write succeeded, so the tags are the plan's ``after``, as check mode predicts), unless
        # keys are purged: another purging run may have written its own set meanwhile.
        if params["purge_tags"] and params["state"] == "present":
            try:
                finish_tags(self.client, list(plan), params["tags"], after)
            except ConcurrentWritersError as error:
                self.fail(str(error))


def main():
    SecurityGroupTagsModule.run_module()


if __name__ == "__main__":
    main()
