#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sg_membership
short_description: Put Alibaba Cloud ECS instances or network interfaces into security groups and take them out, safely
version_added: 0.1.0
description:
  - Makes instances (O(instance_ids)) or elastic network interfaces (O(network_interface_ids)) join or leave
    security groups, or makes their membership exactly a given list.
  - "Reads first: the targets 100 per DescribeInstances or DescribeNetworkInterfaces call (every page), then
    the wanted groups and the groups the targets are in, together, in one DescribeSecurityGroups call per 100
    ids (groups given by name are looked up one by one)."
  - "Then checks every target before any change, and fails listing every problem found, naming the target and
    the rule it would break: not found; not in a status that allows a change (instances must be C(Running)
    or C(Stopped), network interfaces C(Available) or C(InUse)); left without any group; in more than
    O(max_groups) groups; a classic instance with a VPC group or a VPC target with a classic group; a group of
    another VPC; normal and enterprise groups mixed. When any check fails, nothing is changed."
  - "Calls made: at most one per target, so that a target is either fully changed or not at all (ECS may refuse a
    change the checks cannot foresee, such as an account limit below O(max_groups)). A target that joins one
    group or leaves one group gets one JoinSecurityGroup or LeaveSecurityGroup; a target with any other change
    (several joins or leaves, or O(state=exact)) gets one ModifyInstanceAttribute (C(SecurityGroupIds.N)) or
    ModifyNetworkInterfaceAttribute (C(SecurityGroupId.N)), which replaces its whole set at once."
  - A target is never left without a group, not even between two calls. Leaving a target's last group is refused
    before any call, and several changes to one target are one atomic call.
  - Being already in a group (O(state=present)) or already out of it (O(state=absent)) is not an error and makes
    no call. A target that needs no change is not checked, whatever its status.
  - Targets are changed one after the other. If a call fails half way, the module fails with the API error and
    reports which targets were changed, which one failed (left as it was), and which were not attempted.
author:
  - cloudwall maintainers (@cloudwall)
options:
  instance_ids:
    description:
      - The instances (C(i-...)) whose membership to manage.
      - Exactly one of O(instance_ids) and O(network_interface_ids) is required.
    type: list
    elements: str
    aliases: [instance_id]
  network_interface_ids:
    description:
      - The elastic network interfaces (C(eni-...)) whose membership to manage.
      - A primary network interface shares its instance's groups; targeting the instance is clearer.
    type: list
    elements: str
    aliases: [network_interface_id, eni_ids]
  security_groups:
    description:
      - The groups, each by id (C(sg-...)) or by name. A name must match exactly one group (within O(vpc_id) when
        given); otherwise the module fails and lists the candidates.
    type: list
    elements: str
    required: true
    aliases: [security_group, security_group_ids]
  vpc_id:
    description:
      - VPC in which names in O(security_groups) are looked up, and in which every group must be.
    type: str
  state:
    description:
      - V(present) makes every target join every group of O(security_groups) it is not in yet.
      - V(absent) makes every target leave every group of O(security_groups) it is in.
      - V(exact) makes every target's groups exactly O(security_groups), in one call per target.
    type: str
    choices: [present, absent, exact]
    default: present
  max_groups:
    description:
      - How many groups a target may be in. The ECS default quota is 5 per instance or network interface; set
        this to the raised quota of the account (10 or 16) when it has one.
    type: int
    default: 5
notes:
  - Check mode reads the same, makes the same plan and the same checks, and makes no mutating call.
  - The returned C(after) lists are computed from the plan and the calls that succeeded; the targets are not read
    again after the change.
  - The status of a primary network interface's instance is checked by the API only; target the instance to have
    it checked before any call.
extends_documentation_fragment:
  - cloudwall.alicloud.auth
  - cloudwall.alicloud.attributes
"""

EXAMPLES = r"""
- name: The tier groups exist
  cloudwall.alicloud.sg:
    name: "{{ item }}"
    vpc_id: vpc-demo0000000000000001
    description: "{{ item }} of the demo"
  loop: [web-tier, redis-tier]

- name: Put the web servers in the web tier group as well (by name, in the demo VPC)
  cloudwall.alicloud.sg_membership:
    instance_ids:
      - i-demoweb0000000000001
      - i-demoweb0000000000002
    security_groups: [web-tier]
    vpc_id: vpc-demo0000000000000001

- name: Take the web servers out of the default group (refused if it is the last group of any of them)
  cloudwall.alicloud.sg_membership:
    instance_ids: [i-demoweb0000000000001, i-demoweb0000000000002]
    security_groups: [sg-demovpcdefault000001]
    state: absent

- name: Swap the Redis server's groups for the Redis tier group in one call per instance
  cloudwall.alicloud.sg_membership:
    instance_ids: [i-demoredis00000000001]
    security_groups: [redis-tier]
    vpc_id: vpc-demo0000000000000001
    state: exact

- name: Put a secondary network interface in two groups, on an account whose quota is 10 groups
  cloudwall.alicloud.sg_membership:
    network_interface_ids: [eni-demofree000000000001]
    security_groups: [sg-demovpcdefault000001, web-tier]
    vpc_id: vpc-demo0000000000000001
    max_groups: 10
"""

RETURN = r"""
targets:
  description:
    - One entry per target, in the order given. After a failed call, entries show what was really done.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Instance or network interface id.
      type: str
      returned: always
      sample: i-demoweb0000000000001
    type:
      description: V(instance) or V(network_interface).
      type: str
      returned: always
      sample: instance
    before:
      description: Its group ids before the run.
      type: list
      elements: str
      returned: always
      sample: [sg-demovpcdefault000001]
    after:
      description: Its group ids after the run (what they would be, in check mode).
      type: list
      elements: str
      returned: always
      sample: [sg-demovpcdefault000001, sg-webtier00000000000001]
    changed:
      description: Whether its groups changed (would change, in check mode).
      type: bool
      returned: always
      sample: true
    joined:
      description: Group ids it joined (would join).
      type: list
      elements: str
      returned: always
      sample: [sg-webtier00000000000001]
    left:
      description: Group ids it left (would leave).
      type: list
      elements: str
      returned: always
      sample: []
security_group_ids:
  description: Ids of the groups of O(security_groups), in the order given.
  returned: always
  type: list
  elements: str
  sample: [sg-webtier00000000000001]
problems:
  description: Every rule a change would break, found before any call; the module then fails and changes nothing.
  returned: when checks fail
  type: list
  elements: str
  sample: ["instance i-demoweb0000000000001 would be in 6 security groups (...); max_groups is 5"]
done:
  description: Ids of the targets fully changed before a call failed.
  returned: when a call failed after the checks
  type: list
  elements: str
  sample: [i-demoweb0000000000001]
failed_target:
  description: Id of the target whose call failed (C(failed) itself is the task's status); its C(after) in RV(targets) shows how far it got.
  returned: when a call failed after the checks
  type: str
  sample: i-demoweb0000000000002
not_attempted:
  description: Ids of the targets that needed a change and were not touched because an earlier call failed.
  returned: when a call failed after the checks
  type: list
  elements: str
  sample: [i-demoredis00000000001]
error:
  description: The failed API call.
  returned: when a call failed
  type: dict
  contains:
    action:
      description: The ECS action.
      type: str
      returned: when a call failed
      sample: JoinSecurityGroup
    code:
      description: The ECS error code.
      type: str
      returned: when a call failed
      sample: IncorrectInstanceStatus
    message:
      description: The ECS error message.
      type: str
      returned: when a call failed
    request_id:
      description: The RequestId of the failed call.
      type: str
      returned: when a call failed
    http_status:
      description: The HTTP status of the answer, if any.
      type: int
      returned: when a call failed
    attempts:
      description: How many times the call was tried.
      type: int
      returned: when a call failed
diff:
  description: The groups of every target before and after, by target id, each as C(name (id)).
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: Groups before the run.
      type: dict
      returned: when diff mode is on
      sample: {"i-demoweb0000000000001": ["default-vpc (sg-demovpcdefault000001)"]}
    after:
      description: Groups after the run.
      type: dict
      returned: when diff mode is on
      sample: {"i-demoweb0000000000001": ["web (sg-webtier00000000000001)"]}
"""

from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import EcsApiError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._groups import GroupLookupError, group_label
from ansible_collections.cloudwall.alicloud.plugins.module_utils._membership import (
    INSTANCE,
    NETWORK_INTERFACE,
    Progress,
    change_calls,
    group_from_api,
    membership_after_calls,
    plan_membership,
    problems_message,
    target_entry,
    target_from_instance,
    target_from_network_interface,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._membership_api import (
    apply_call,
    read_instances,
    read_network_interfaces,
    resolve_groups,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._lists import unique
from ansible_collections.cloudwall.alicloud.plugins.module_utils._module import AlicloudModule

ID_PREFIXES = {INSTANCE: ("i-", "instance_ids"), NETWORK_INTERFACE: ("eni-", "network_interface_ids")}


class SecurityGroupMembershipModule(AlicloudModule):
    result_key = "targets"

    @classmethod
    def define_module(cls):
        spec = cls.base_module_spec()
        spec["argument_spec"].update(
            instance_ids=dict(type="list", elements="str", aliases=["instance_id"]),
            network_interface_ids=dict(type="list", elements="str", aliases=["network_interface_id", "eni_ids"]),
            security_groups=dict(type="list", elements="str", required=True, aliases=["security_group", "security_group_ids"]),
            vpc_id=dict(type="str"),
            state=dict(type="str", choices=["present", "absent", "exact"], default="present"),
            max_groups=dict(type="int", default=5),
        )
        spec["mutually_exclusive"] = [["instance_ids", "network_interface_ids"]]
        spec["required_one_of"] = [["instance_ids", "network_interface_ids"]]
        return spec

    def __init__(self, module):
        super(SecurityGroupMembershipModule, self).__init__(module)
        self.result_value = []
        self.extra_results = {"security_group_ids": []}
        self.labels = {}

    def validate(self):
        """Check the options before any call; return (kind, target ids, group references)."""
        params = self.params
        kind = INSTANCE if params.get("instance_ids") is not None else NETWORK_INTERFACE
        prefix, option = ID_PREFIXES[kind]
        target_ids = unique(value.strip() for value in params[option] if value and value.strip())
        if not target_ids:
            self.fail("%s must name at least one target" % option)
        wrong = [value for value in target_ids if not value.startswith(prefix)]
        if wrong:
            self.fail("%s takes ids starting with %s; got %s" % (option, prefix, ", ".join(wrong)))
        refs = unique(ref.strip() for ref in params["security_groups"] if ref and ref.strip())
        if not refs:
            self.fail("security_groups must name at least one group (id or name)")
        if params["max_groups"] < 1:
            self.fail("max_groups must be at least 1, got %d" % params["max_groups"])
        return kind, target_ids, refs

    def read_targets(self, kind, target_ids):
        if kind == INSTANCE:
            raw = read_instances(self.client, target_ids)
            return dict((target_id, target_from_instance(item)) for target_id, item in raw.items())
        raw = read_network_interfaces(self.client, target_ids)
        return dict((target_id, target_from_network_interface(item)) for target_id, item in raw.items())

    def run(self):
        kind, target_ids, refs = self.validate()
        found = self.read_targets(kind, target_ids)
        current_ids = unique(group_id for target in found.values() for group_id in target.group_ids)
        try:
            wanted, raw_groups = resolve_groups(
                self.client, refs, current_ids, self.params["vpc_id"],
                missing=lambda ref, error: self.planned_or_fail("security_groups", ref, error, self.params["vpc_id"]))
        except GroupLookupError as error:
            self.fail_lookup("security_groups", error)
        wanted_ids = unique(group["SecurityGroupId"] for group in wanted)
        self.extra_results["security_group_ids"] = wanted_ids
        groups = dict((group_id, group_from_api(raw)) for group_id, raw in raw_groups.items())

        plan = plan_membership(kind, target_ids, found, wanted_ids, groups, self.params["state"], self.params["max_groups"])
        if plan.problems:
            self.fail(problems_message(plan.problems), problems=plan.problems)

        self.result_value = [target_entry(change, change.after) for change in plan.changes]
        self.labels = dict((group_id, group_label(group_id, group.name)) for group_id, group in groups.items())
        self.diff = {
            "before": dict((change.target_id, self.label_groups(change.before)) for change in plan.changes),
            "after": dict((change.target_id, self.label_groups(change.after)) for change in plan.changes),
        }
        pending = [change for change in plan.changes if change_calls(change)]
        if not pending:
            return
        self.changed = True
        if self.check_mode:
            return
        self.apply(plan.changes, pending)

    def label_groups(self, group_ids):
        """Groups as people know them in the diff: ``name (id)``."""
        return [self.labels.get(group_id, group_id) for group_id in group_ids]

    def apply(self, changes, pending):
        """Make the calls target after target; on a failure report what was done and what was not."""
        progress = Progress(changes, pending)
        for change in pending:
            calls = change_calls(change)
            for index, call in enumerate(calls):
                try:
                    apply_call(self.client, change.kind, change.target_id, call)
                except EcsApiError as error:
                    progress.fail_at(change, membership_after_calls(change.before, calls[:index]))
                    self.changed = progress.changed()
                    self.result_value = progress.targets()
                    self.diff["after"] = dict((entry["id"], self.label_groups(entry["after"])) for entry in self.result_value)
                    self.fail(security_group_ids=self.extra_results["security_group_ids"], **progress.failure(error))
            progress.done.append(change)


def main():
    SecurityGroupMembershipModule.run_module()


if __name__ == "__main__":
    main()
