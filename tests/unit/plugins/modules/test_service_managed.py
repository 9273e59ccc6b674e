# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service-managed groups (DescribeSecurityGroups ``ServiceManaged: true``) refuse every write with 403
InvalidOperation.ResourceManagedByCloudProduct (ECS_API.md section 6): no module plans a write to one, sg_audit
reports nothing its owner cannot act on, and priority-110 rules of system-made groups are read as they are.
Recorded answers stand in for the API (the emulator on main cannot seed such groups yet)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils import _membership as membership
from ansible_collections.cloudwall.alicloud.plugins.module_utils._audit import actionable_findings, audit_groups, default_settings
from ansible_collections.cloudwall.alicloud.plugins.module_utils._audit import new_audit_group
from ansible_collections.cloudwall.alicloud.plugins.module_utils._groups import is_service_managed, snake_group
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import RuleContext, parse_rules, plan_rules, rules_from_permissions
from ansible_collections.cloudwall.alicloud.plugins.modules import sg, sg_audit, sg_membership, sg_rule, sg_tags
from ansible_collections.cloudwall.alicloud.tests.unit.plugins.modules.fake_module import FailJson, SinglePageEcs, run_module_class
from ansible_collections.cloudwall.alicloud.tests.unit.plugins.rule_samples import permission, rule

VPC = "vpc-bp1managed000000000"
MANAGED = "sg-bp1managed0000000001"
INSTANCE = "i-bp1managedmember00001"

# A DescribeSecurityGroups item as ECS answers it for a group that a cloud service (here ACK) created and owns.
MANAGED_GROUP = {
    "SecurityGroupId": MANAGED, "SecurityGroupName": "k8s-node-managed", "Description": "", "VpcId": VPC,
    "SecurityGroupType": "normal", "ServiceManaged": True, "CreationTime": "2026-01-01T00:00:00Z", "ResourceGroupId": "",
    "EcsCount": 1, "RuleCount": 2, "GroupToGroupRuleCount": 0, "Tags": {"Tag": []},
}


class RecordedEcs(SinglePageEcs):
    """Answers reads from recordings; any write is what these modules must never make."""

    def __init__(self, groups, permissions=(), instances=(), tags=()):
        self.groups = [dict(group) for group in groups]
        self.permissions = list(permissions)
        self.instances = list(instances)
        self.tags = list(tags)
        self.calls = []

    def call(self, action, params=None, mutating=None):
        params = dict(params or {})
        self.calls.append(action)
        if not action.startswith(("Describe", "List")):
            raise AssertionError("a write reached the API: %s %s" % (action, params))
        if action == "DescribeSecurityGroups":
            ids = params.get("SecurityGroupIds")
            ids = json.loads(ids) if isinstance(ids, str) else ids
            found = [group for group in self.groups if ids is None or group["SecurityGroupId"] in ids]
            if "SecurityGroupName" in params:
                found = [group for group in found if group["SecurityGroupName"] == params["SecurityGroupName"]]
            return {"SecurityGroups": {"SecurityGroup": found}, "NextToken": ""}
        if action == "DescribeSecurityGroupAttribute":
            return {"SecurityGroupId": params["SecurityGroupId"], "VpcId": VPC, "InnerAccessPolicy": "Accept",
                    "SecurityGroupName": "k8s-node-managed", "Description": "", "NextToken": "",
                    "Permissions": {"Permission": list(self.permissions)}}
        if action == "DescribeInstances":
            return {"Instances": {"Instance": list(self.instances)}, "NextToken": ""}
        if action == "DescribeNetworkInterfaces":
            return {"NetworkInterfaceSets": {"NetworkInterfaceSet": []}, "NextToken": ""}
        if action == "ListTagResources":
            return {"TagResources": {"TagResource": list(self.tags)}, "NextToken": ""}
        if action == "DescribeSecurityGroupReferences":
            return {"SecurityGroupReferences": {"SecurityGroupReference": []}}
        raise AssertionError("unexpected read %s" % action)


def refused(module_class, ecs, **params):
    with pytest.raises(FailJson) as raised:
        run_module_class(module_class, ecs, **params)
    result = raised.value.result
    assert result["changed"] is False
    assert MANAGED in result["msg"] and "k8s-node-managed" in result["msg"] and "ServiceManaged" in result["msg"]
    return result


@pytest.mark.parametrize("value, managed", [(True, True), ("true", True), ("True", True), (False, False),
                                            ("false", False), ("", False), (None, False)])
def test_service_managed_is_read_from_a_boolean_or_its_text(value, managed):
    assert is_service_managed({"ServiceManaged": value}) is managed
    assert snake_group(dict(MANAGED_GROUP, ServiceManaged=value))["service_managed"] is managed


@pytest.mark.parametrize("check_mode", [False, True])
def test_sg_refuses_to_change_or_delete_a_service_managed_group(check_mode):
    refused(sg.SecurityGroupModule, RecordedEcs([MANAGED_GROUP]), check_mode=check_mode,
            security_group_id=MANAGED, description="mine now")
    ecs = RecordedEcs([MANAGED_GROUP])
    refused(sg.SecurityGroupModule, ecs, check_mode=check_mode, security_group_id=MANAGED, state="absent")
    assert "DescribeInstances" not in ecs.calls  # refused before reading members
    # Nothing to change is no write and no failure.
    result = run_module_class(sg.SecurityGroupModule, RecordedEcs([MANAGED_GROUP]), security_group_id=MANAGED)
    assert result["changed"] is False and result["security_group"]["service_managed"] is True


@pytest.mark.parametrize("check_mode", [False, True])
def test_sg_rule_refuses_rule_changes_before_any_write(check_mode):
    ecs = RecordedEcs([MANAGED_GROUP])
    refused(sg_rule.SecurityGroupRuleModule, ecs, check_mode=check_mode, security_group=MANAGED,
            rules=[rule(protocol="tcp", ports=22, cidr="10.0.0.0/8")])
    assert ecs.calls == ["DescribeSecurityGroupAttribute", "DescribeSecurityGroups"]
    # Declaring what it already holds is no write and no failure.
    held = RecordedEcs([MANAGED_GROUP], permissions=[permission("sgr-1", 22, cidr="10.0.0.0/8")])
    result = run_module_class(sg_rule.SecurityGroupRuleModule, held, security_group=MANAGED,
                              rules=[rule(protocol="tcp", ports=22, cidr="10.0.0.0/8")])
    assert result["changed"] is False


def test_sg_rule_by_name_refuses_a_purge_of_a_service_managed_group():
    ecs = RecordedEcs([MANAGED_GROUP], permissions=[permission("sgr-1", 22)])
    refused(sg_rule.SecurityGroupRuleModule, ecs, security_group="k8s-node-managed", vpc_id=VPC, rules=[], purge_rules=True)
    assert ecs.calls.count("DescribeSecurityGroups") == 1  # the lookup by name already told


def test_sg_tags_refuses_tag_changes():
    refused(sg_tags.SecurityGroupTagsModule, RecordedEcs([MANAGED_GROUP]), security_group=[MANAGED], tags={"team": "web"})


def test_sg_membership_refuses_joining_or_leaving_a_service_managed_group():
    other = dict(MANAGED_GROUP, SecurityGroupId="sg-bp1plain000000000001", SecurityGroupName="plain", ServiceManaged=False)
    instance = {"InstanceId": INSTANCE, "Status": "Running", "InstanceNetworkType": "vpc", "VpcAttributes": {"VpcId": VPC},
                "SecurityGroupIds": {"SecurityGroupId": [other["SecurityGroupId"]]}}
    for state, groups in (("present", [MANAGED]), ("exact", [MANAGED])):
        ecs = RecordedEcs([MANAGED_GROUP, other], instances=[instance])
        with pytest.raises(FailJson) as raised:
            run_module_class(sg_membership.SecurityGroupMembershipModule, ecs, instance_ids=[INSTANCE],
                             security_groups=groups, state=state)
        assert "join group %s, which a cloud service manages" % MANAGED in raised.value.result["msg"]
    member = dict(instance, SecurityGroupIds={"SecurityGroupId": [MANAGED, other["SecurityGroupId"]]})
    with pytest.raises(FailJson) as raised:
        run_module_class(sg_membership.SecurityGroupMembershipModule, RecordedEcs([MANAGED_GROUP, other], instances=[member]),
                         instance_ids=[INSTANCE], security_groups=[MANAGED], state="absent")
    assert "leave group %s" % MANAGED in raised.value.result["msg"]


def test_membership_planner_names_the_service_managed_group():
    target = membership.Target(INSTANCE, membership.INSTANCE, VPC, "Running", ["sg-a"])
    groups = {"sg-a": membership.Group("sg-a", "a", VPC, "normal"),
              MANAGED: membership.Group(MANAGED, "k8s", VPC, "normal", service_managed=True)}
    problems = membership.check_change(target, ["sg-a", MANAGED], groups, 5)
    assert problems == ["security_groups: instance %s would join group %s, which a cloud service manages "
                        "(ServiceManaged); ECS refuses to change its members" % (INSTANCE, MANAGED)]


def test_sg_audit_reports_nothing_about_a_service_managed_group_and_lists_it():
    wide_open = dict(permission("sgr-ssh", 22, cidr="0.0.0.0/0"), NicType="intranet")
    result = run_module_class(sg_audit.SecurityGroupAuditModule, RecordedEcs([MANAGED_GROUP], permissions=[wide_open]),
                              security_group_ids=[MANAGED])
    assert result["findings"] == []
    assert result["summary"]["service_managed_groups"] == [MANAGED] and result["summary"]["findings"] == 0


def test_actionable_findings_keep_other_groups_and_members():
    groups = [new_audit_group(group_id, group_id, "", VPC, "normal", "accept", {}, [], []) for group_id in ("sg-mine", MANAGED)]
    findings = audit_groups(groups, [], default_settings())
    assert {finding.security_group_id for finding in findings} == {"sg-mine", MANAGED}
    assert {finding.security_group_id for finding in actionable_findings(findings, [MANAGED])} == {"sg-mine"}


# --- priority 110 (system-made default groups) -----------------------------------------------------------------

def test_a_priority_110_rule_is_read_as_110_and_never_matches_a_declared_rule():
    described = rules_from_permissions([permission("sgr-110", 22, cidr="0.0.0.0/0", priority=110),
                                        permission("sgr-str", 443, cidr="0.0.0.0/0", priority="110")], is_vpc=True)
    assert [item.priority for item in described] == [110, 110]
    declared = parse_rules([rule(protocol="tcp", ports=22, cidr="0.0.0.0/0")], RuleContext()).rules
    plan = plan_rules(declared, described)
    # The declared priority-1 rule is not the priority-110 one: it is added, and the 110 rule is not touched.
    assert [item.priority for item in plan.add["ingress"]] == [1] and plan.modify == [] and plan.remove["ingress"] == []


def test_a_priority_110_rule_is_left_alone_and_cannot_be_declared():
    described = rules_from_permissions([permission("sgr-110", 22, cidr="0.0.0.0/0", priority=110)], is_vpc=True)
    declared = parse_rules([rule(protocol="tcp", ports=22, cidr="0.0.0.0/0", priority=1)], RuleContext()).rules
    assert plan_rules(declared, described).modify == []
    with pytest.raises(ValueError):
        parse_rules([rule(protocol="tcp", ports=22, cidr="0.0.0.0/0", priority=110)], RuleContext())
