#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sg
short_description: Create, update and delete Alibaba Cloud ECS security groups
version_added: 0.1.0
description:
  - Creates an ECS security group, or updates its name, description, inner access policy and tags in place,
    or deletes it.
  - A group is found by O(security_group_id), or by O(name) within O(vpc_id). A name that matches several
    groups is an error that lists the candidates.
  - A delete is refused, before any change, while instances or network interfaces are members of the group or
    other groups' rules reference it; the failure lists them.
  - Every argument is validated before the first API call.
  - "API calls: finding the group is one DescribeSecurityGroups call. Creating adds CreateSecurityGroup (the tags
    travel with it) and ModifySecurityGroupPolicy only when O(inner_access_policy) differs from the type's default:
    1 read and 1 or 2 writes. An existing group is read once more (DescribeSecurityGroupAttribute, for its inner
    access policy), then only the writes of the plan are made: a no-op is 2 reads. Nothing is read back after the
    writes (RV(security_group) is the plan's result, the same as check mode predicts, and
    RV(security_group.creation_time) of a group this run creates is null), except the tags of an existing group
    whose tags changed with O(purge_tags): one DescribeSecurityGroups after the writes finds whether another
    purging run wrote its own set meanwhile, and finishes this run's plan against it, so the group ends with one
    declared set, not the union of two."
  - "A delete is 1 read and DeleteSecurityGroup. Only when the API refuses it (members, references) are the
    members and references read (3 reads) to list them; check mode reads them instead of deleting."
  - Rules are managed by M(cloudwall.alicloud.sg_rule), membership by M(cloudwall.alicloud.sg_membership).
author:
  - cloudwall maintainers (@cloudwall)
options:
  name:
    description:
      - Name of the group. 2 to 128 characters; starts with a letter (or a CJK character); letters, digits,
        C(:), C(_), C(.) and C(-); must not start with C(http://) or C(https://).
      - Required to create a group. With O(security_group_id), a different value renames the group.
    type: str
    aliases: [security_group_name, group_name]
  description:
    description:
      - Description of the group. 2 to 256 characters; must not start with C(http://) or C(https://).
      - Left unchanged when not given.
    type: str
  vpc_id:
    description:
      - VPC of the group. Without it a group is created in the classic network.
      - Narrows the lookup by O(name). A group cannot move to another VPC.
    type: str
  security_group_id:
    description:
      - Id of an existing group (C(sg-...)). With it, O(name) renames the group.
    type: str
    aliases: [id, group_id]
  security_group_type:
    description:
      - Type of the group, chosen at creation. C(enterprise) groups hold more instances, isolate members from
        each other (inner access policy C(drop)) and take no group-reference rules.
      - Cannot change on an existing group.
    type: str
    choices: [normal, enterprise]
  inner_access_policy:
    description:
      - Whether members of the group may reach each other over the intranet (C(accept)) or are isolated unless
        rules allow it (C(drop)). The API default is C(accept) for normal groups.
      - Enterprise groups are always C(drop).
      - Left unchanged when not given.
    type: str
    choices: [accept, drop]
  resource_group_id:
    description:
      - Resource group of a new group. Cannot change on an existing group.
    type: str
  state:
    description:
      - C(present) creates or updates the group; C(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Creation carries a ClientToken reused across retries, so a retried create never makes two groups.
  - Check mode predicts the exact change and makes no mutating call; a group it would create is reported with
    RV(security_group.security_group_id) null.
extends_documentation_fragment:
  - cloudwall.alicloud.auth
  - cloudwall.alicloud.tags
  - cloudwall.alicloud.attributes
"""

EXAMPLES = r"""
- name: Web tier group in the demo VPC (tags other than these are kept)
  cloudwall.alicloud.sg:
    name: web-tier
    description: Web servers, reachable on 80/443 from the Internet
    vpc_id: vpc-demo0000000000000001
    inner_access_policy: drop
    tags:
      tier: web
      owner: platform
    purge_tags: false
  register: web_group

- name: Update it by id (a new name given here would rename it); add a tag, keep the others
  cloudwall.alicloud.sg:
    security_group_id: "{{ web_group.security_group.security_group_id }}"
    tags:
      reviewed: "2026"
    purge_tags: false

- name: Delete a retired group by name (refused while instances are members or rules reference it)
  cloudwall.alicloud.sg:
    name: retired-tier
    vpc_id: vpc-demo0000000000000001
    state: absent
"""

RETURN = r"""
security_group:
  description:
    - The group after the run (what it would be, in check mode). Empty after a delete.
  returned: always
  type: dict
  contains:
    security_group_id:
      description: Id of the group; null in check mode for a group that would be created.
      type: str
      returned: success
      sample: sg-bp67acfmxazb4ph1a2b3
    security_group_name:
      description: Name of the group.
      type: str
      returned: success
      sample: web-tier
    description:
      description: Description of the group.
      type: str
      returned: success
      sample: Web servers, reachable on 80/443 from the Internet
    vpc_id:
      description: VPC of the group; empty for a classic group.
      type: str
      returned: success
      sample: vpc-demo0000000000000001
    network_type:
      description: C(vpc) or C(classic).
      type: str
      returned: success
      sample: vpc
    security_group_type:
      description: C(normal) or C(enterprise).
      type: str
      returned: success
      sample: normal
    inner_access_policy:
      description: C(accept) or C(drop).
      type: str
      returned: success
      sample: drop
    resource_group_id:
      description: Resource group of the group; empty when none.
      type: str
      returned: success
      sample: rg-acfmxazb4ph6aiy
    creation_time:
      description: When the group was created (ISO 8601, UTC); null for a group this run creates or would create.
      type: str
      returned: success
      sample: "2026-08-31T03:12:29Z"
    service_managed:
      description: Whether a cloud service manages the group.
      type: bool
      returned: success
      sample: false
    ecs_count:
      description: Number of instances in the group, when the API reports it.
      type: int
      returned: success
      sample: 2
    rule_count:
      description: Number of rules of the group, when the API reports it.
      type: int
      returned: success
      sample: 4
    group_to_group_rule_count:
      description: Number of rules that reference other groups, when the API reports it.
      type: int
      returned: success
      sample: 1
    tags:
      description: Tags of the group.
      type: dict
      returned: success
      sample: {"tier": "web", "owner": "platform"}
diff:
  description: The group before and after, in the shape of RV(security_group); empty dicts where none exists.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: The group before the run.
      type: dict
      returned: when diff mode is on
      sample: {}
    after:
      description: The group after the run.
      type: dict
      returned: when diff mode is on
      sample: {"security_group_name": "web-tier", "tags": {"tier": "web"}}
"""

from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import EcsApiError, ValidationError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._groups import (
    ConcurrentWritersError,
    GroupLookupError,
    ambiguous_name_error,
    blocking_members,
    create_group,
    delete_group,
    describe_members,
    finish_tags,
    describe_references,
    get_group,
    get_group_attributes,
    groups_named,
    modify_group_attribute,
    refuse_service_managed,
    modify_inner_access_policy,
    snake_group,
    write_tag_plan,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._group_plan import (
    default_policy,
    group_after,
    new_group,
    plan_update,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._module import AlicloudModule
from ansible_collections.cloudwall.alicloud.plugins.module_utils._tags import check_tag_count, validate_tags
from ansible_collections.cloudwall.alicloud.plugins.module_utils._validation import (
    validate_group_description,
    validate_group_name,
)


# The API's refusal to delete a group that has members or that other groups' rules reference.
DEPENDENCY_CODES = frozenset(("DependencyViolation",))


class SecurityGroupModule(AlicloudModule):
    result_key = "security_group"

    @classmethod
    def define_module(cls):
        spec = cls.base_module_spec()
        spec["argument_spec"].update(
            name=dict(type="str", aliases=["security_group_name", "group_name"]),
            description=dict(type="str"),
            vpc_id=dict(type="str"),
            security_group_id=dict(type="str", aliases=["id", "group_id"]),
            security_group_type=dict(type="str", choices=["normal", "enterprise"]),
            inner_access_policy=dict(type="str", choices=["accept", "drop"]),
            resource_group_id=dict(type="str"),
            tags=dict(type="dict"),
            purge_tags=dict(type="bool", default=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        )
        spec["required_one_of"] = [["name", "security_group_id"]]
        return spec

    def __init__(self, module):
        super(SecurityGroupModule, self).__init__(module)
        self.result_value = {}

    # -- validation -------------------------------------------------------------------------------------------

    def validate(self):
        params = self.params
        validate_group_name(params["name"])
        validate_group_description(params["description"])
        validate_tags(params["tags"], "tags")
        if params["security_group_type"] == "enterprise" and params["inner_access_policy"] == "accept":
            raise ValidationError("inner_access_policy accept is not allowed with security_group_type enterprise; "
                                  "enterprise groups always isolate their members (drop)")

    # -- reading ----------------------------------------------------------------------------------------------

    def find_current(self):
        """The raw group this task manages, or None."""
        params = self.params
        if params["security_group_id"]:
            group = get_group(self.client, params["security_group_id"])
            if group is None and params["state"] == "present":
                self.fail("no security group with id %s; omit security_group_id to create one by name"
                          % params["security_group_id"])
            return group
        matches = groups_named(self.client, params["name"], params["vpc_id"])
        if len(matches) > 1:
            raise ambiguous_name_error(params["name"], params["vpc_id"], matches)
        return matches[0] if matches else None

    def read_snake(self, raw):
        return snake_group(raw, get_group_attributes(self.client, raw["SecurityGroupId"]))

    # -- run --------------------------------------------------------------------------------------------------

    def run(self):
        self.validate()
        try:
            raw = self.find_current()
        except GroupLookupError as error:
            self.fail_lookup("security_group_id" if self.params["security_group_id"] else "name", error)
        if self.params["state"] == "absent":
            self.ensure_absent(raw)
        elif raw is None:
            self.create()
        else:
            self.update(self.read_snake(raw), raw)

    def create(self):
        params = self.params
        if not params["name"]:
            self.fail("name is required to create a security group")
        predicted = new_group(params)
        check_tag_count(predicted["tags"], "the new security group")
        self.diff = {"before": {}, "after": predicted}
        if self.check_mode:
            self.changed = True
            self.result_value = predicted
            return
        # changed only once the group exists: a refused create (an unknown VPC) changed nothing.
        group_id = create_group(
            self.client, name=params["name"], description=params["description"], vpc_id=params["vpc_id"],
            group_type=params["security_group_type"], resource_group_id=params["resource_group_id"],
            tags=predicted["tags"],
        )
        self.changed = True
        group_type = params["security_group_type"] or "normal"
        if params["inner_access_policy"] and params["inner_access_policy"] != default_policy(group_type):
            modify_inner_access_policy(self.client, group_id, params["inner_access_policy"])
        # Not read back (two calls): the group is what was asked for; only its creation time is unknown.
        self.result_value = dict(predicted, security_group_id=group_id)
        self.diff["after"] = self.result_value

    def update(self, current, raw):
        changes = plan_update(current, self.params)
        after = group_after(current, changes)
        check_tag_count(after["tags"], current["security_group_id"])
        self.diff = {"before": current, "after": after}
        self.result_value = current
        if not changes:
            return
        refuse_service_managed(raw, "changes")
        self.changed = True
        if self.check_mode:
            self.result_value = after
            return
        group_id = current["security_group_id"]
        if "attribute" in changes:
            modify_group_attribute(self.client, group_id, **changes["attribute"])
        if "policy" in changes:
            modify_inner_access_policy(self.client, group_id, changes["policy"])
        tags_changed = "tags_remove" in changes or "tags_set" in changes
        if tags_changed:
            write_tag_plan(self.client, {group_id: (changes.get("tags_set", {}), changes.get("tags_remove", []))})
        # Not read back (every write succeeded, so the group is the plan's ``after``, as check mode predicts), unless
        # tags were purged: another purging run may have written its own set meanwhile.
        if tags_changed and self.params["purge_tags"]:
            tags_after = {group_id: after["tags"]}
            try:
                finish_tags(self.client, [group_id], self.params["tags"], tags_after)
            except ConcurrentWritersError as error:
                self.fail(str(error))
            after["tags"] = tags_after[group_id]
        self.result_value = after

    def ensure_absent(self, raw):
        if raw is None:
            return
        refuse_service_managed(raw, "its deletion")
        group_id = raw["SecurityGroupId"]
        before = snake_group(raw)
        if self.check_mode:
            self.refuse_delete(group_id, before)
        else:
            # The API refuses, changing nothing, to delete a group that has members or is referenced: try first, and
            # read members and references (three calls) only to explain a refusal.
            try:
                delete_group(self.client, group_id)
            except EcsApiError as error:
                if error.code in DEPENDENCY_CODES:
                    self.refuse_delete(group_id, before)
                raise
        self.changed = True
        self.diff = {"before": before, "after": {}}

    def refuse_delete(self, group_id, before):
        """Fail listing what keeps the group alive: members and referencing groups; return when there are none."""
        members = describe_members(self.client, group_id)
        instance_ids, eni_ids = blocking_members(members)
        referencing = [ref for ref in describe_references(self.client, [group_id]).get(group_id, []) if ref != group_id]
        if instance_ids or eni_ids or referencing:
            reasons = []
            if instance_ids:
                reasons.append("instances %s are members" % ", ".join(instance_ids))
            if eni_ids:
                reasons.append("network interfaces %s are members" % ", ".join(eni_ids))
            if referencing:
                reasons.append("rules of groups %s reference it" % ", ".join(referencing))
            self.result_value = before
            self.fail("security group %s (%s) cannot be deleted: %s"
                      % (group_id, before["security_group_name"], "; ".join(reasons)),
                      security_group=before, instances=instance_ids, network_interfaces=eni_ids, referencing_security_groups=referencing)


def main():
    SecurityGroupModule.run_module()


if __name__ == "__main__":
    main()
