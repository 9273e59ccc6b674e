# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service-managed groups (DescribeSecurityGroups ``ServiceManaged: true``) refuse every write with 403
InvalidOperation.ResourceManagedByCloudProduct (ECS_API.md section 6): no module plans a write to one, sg_audit
reports nothing its owner cannot act on, and priority-110 rules of system-made groups are read as they are.
These unit tests answer from recorded ECS replies on the shared fake ECS, to keep them fast and pure. The emulator seeds
both kinds of group too (``ServiceManaged``, ``SystemDefault`` and priority-110 ``Permissions``, emulator/README.md):
tests/integration/test_today_ecs.py runs sg_audit, sg_rule and sg_membership against them, and
tests/integration/test_roles.py the sg_cleanup role."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils import _membership as membership
from ansible_collections.cloudwall.alicloud.plugins.module_utils._audit import actionable_findings, audit_groups, default_settings
from ansible_collections.cloudwall.alicloud.plugins.module_utils._audit import new_audit_group
from ansible_collections.cloudwall.alicloud.plugins.module_utils._groups import is_service_managed, snake_group
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import RULE_OPTIONS, RuleContext, parse_rules, plan_rules
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import rules_from_permissions
from ansible_collections.cloudwall.alicloud.tests.unit.plugins.modules.fake_ecs import VPC, permission

MANAGED = "sg-bp1managed0000000001"
PLAIN = "sg-bp1plain000000000001"
INSTANCE = "i-bp1managedmember00001"
RULE = {"protocol": "tcp", "ports": ["22"], "cidr": "10.0.0.0/8"}


def seed_managed(ecs, permissions=()):
    """A group a cloud service (here ACK) created and owns, as DescribeSecurityGroups answers it."""
    ecs.add_group(MANAGED, "k8s-node-managed", permissions=permissions)
    ecs.groups[MANAGED]["ServiceManaged"] = True
    ecs.add_group(PLAIN, "plain")
    ecs.groups[PLAIN]["ServiceManaged"] = False


def assert_refused(ecs, result):
    assert result.get("failed") is True and result["changed"] is False
    assert MANAGED in result["msg"] and "k8s-node-managed" in result["msg"] and "ServiceManaged" in result["msg"]
    assert ecs.writes() == []


def as_given(**given):
    """A rule as the argument spec hands it to the module (every suboption present)."""
    item = dict((name, option.get("default")) for name, option in RULE_OPTIONS.items())
    item.update(given)
    return item


@pytest.mark.parametrize("value, managed", [(True, True), ("true", True), ("True", True), (False, False),
                                            ("false", False), ("", False), (None, False)])
def test_service_managed_is_read_from_a_boolean_or_its_text(value, managed):
    assert is_service_managed({"ServiceManaged": value}) is managed
    assert snake_group({"SecurityGroupId": MANAGED, "ServiceManaged": value})["service_managed"] is managed


@pytest.mark.parametrize("check_mode", [False, True])
def test_sg_refuses_to_change_or_delete_a_service_managed_group(ecs, run_module, check_mode):
    seed_managed(ecs)
    assert_refused(ecs, run_module("sg", check_mode=check_mode, security_group_id=MANAGED, description="mine now"))
    result = run_module("sg", check_mode=check_mode, security_group_id=MANAGED, state="absent")
    assert_refused(ecs, result)
    assert "DescribeInstances" not in ecs.actions()  # refused before reading members
    # Nothing to change is no write and no failure.
    result = run_module("sg", security_group_id=MANAGED)
    assert result["changed"] is False and result["security_group"]["service_managed"] is True


@pytest.mark.parametrize("check_mode", [False, True])
def test_sg_rule_refuses_rule_changes_before_any_write(ecs, run_module, check_mode):
    seed_managed(ecs)
    assert_refused(ecs, run_module("sg_rule", check_mode=check_mode, security_group=MANAGED, rules=[RULE]))
    assert ecs.actions() == ["DescribeSecurityGroupAttribute", "DescribeSecurityGroups"]


def test_sg_rule_declaring_what_a_service_managed_group_holds_is_no_failure(ecs, run_module):
    seed_managed(ecs, permissions=[permission("sgr-1", 22, cidr="10.0.0.0/8")])
    result = run_module("sg_rule", security_group=MANAGED, rules=[RULE])
    assert result["changed"] is False and not result.get("failed")


def test_sg_rule_by_name_refuses_a_purge_with_the_lookup_it_made_anyway(ecs, run_module):
    seed_managed(ecs, permissions=[permission("sgr-1", 22)])
    assert_refused(ecs, run_module("sg_rule", security_group="k8s-node-managed", vpc_id=VPC, rules=[], purge_rules=True))
    assert ecs.count("DescribeSecurityGroups") == 1


def test_sg_tags_refuses_tag_changes(ecs, run_module):
    seed_managed(ecs)
    assert_refused(ecs, run_module("sg_tags", security_group=[MANAGED, PLAIN], tags={"team": "web"}))


@pytest.mark.parametrize("before, wanted, state, verb", [
    ([PLAIN], [MANAGED], "present", "join"),
    ([PLAIN], [MANAGED], "exact", "join"),
    ([MANAGED, PLAIN], [MANAGED], "absent", "leave"),
])
def test_sg_membership_refuses_joining_or_leaving_a_service_managed_group(ecs, run_module, before, wanted, state, verb):
    seed_managed(ecs)
    ecs.add_instance(INSTANCE, before)
    result = run_module("sg_membership", instance_ids=[INSTANCE], security_groups=wanted, state=state)
    assert result.get("failed") is True and ecs.writes() == []
    assert "%s group %s, which a cloud service manages" % (verb, MANAGED) in result["msg"]


def test_membership_planner_names_the_service_managed_group():
    target = membership.Target(INSTANCE, membership.INSTANCE, VPC, "Running", ["sg-a"])
    groups = {"sg-a": membership.Group("sg-a", "a", VPC, "normal"),
              MANAGED: membership.Group(MANAGED, "k8s", VPC, "normal", service_managed=True)}
    problems = membership.check_change(target, ["sg-a", MANAGED], groups, 5)
    assert problems == ["security_groups: instance %s would join group %s, which a cloud service manages "
                        "(ServiceManaged); ECS refuses to change its members" % (INSTANCE, MANAGED)]


def test_sg_audit_reports_nothing_about_a_service_managed_group_and_lists_it(ecs, run_module):
    seed_managed(ecs, permissions=[permission("sgr-ssh", 22, cidr="0.0.0.0/0")])
    result = run_module("sg_audit", security_group_ids=[MANAGED, PLAIN])
    assert result["findings"] and all(finding["security_group_id"] == PLAIN for finding in result["findings"])
    assert result["summary"]["service_managed_groups"] == [MANAGED]


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
    declared = parse_rules([as_given(protocol="tcp", ports=["22"], cidr=["0.0.0.0/0"])], RuleContext()).rules
    plan = plan_rules(declared, described)
    # The declared priority-1 rule is not the priority-110 one: it is added, and the 110 rule is not touched.
    assert [item.priority for item in plan.add["ingress"]] == [1] and plan.modify == [] and plan.remove["ingress"] == []


def test_a_priority_110_rule_is_left_alone_and_cannot_be_declared():
    described = rules_from_permissions([permission("sgr-110", 22, cidr="0.0.0.0/0", priority=110)], is_vpc=True)
    declared = parse_rules([as_given(protocol="tcp", ports=["22"], cidr=["0.0.0.0/0"], priority=1)], RuleContext()).rules
    assert plan_rules(declared, described).modify == []
    with pytest.raises(ValueError):
        parse_rules([as_given(protocol="tcp", ports=["22"], cidr=["0.0.0.0/0"], priority=110)], RuleContext())
