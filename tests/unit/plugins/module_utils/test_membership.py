# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils import _membership as m

VPC_A = "vpc-aaaaaaaaaaaaaaaaaaaa"
VPC_B = "vpc-bbbbbbbbbbbbbbbbbbbb"

GROUPS = dict((group.id, group) for group in [
    m.Group("sg-a1", "a1", VPC_A, "normal"),
    m.Group("sg-a2", "a2", VPC_A, "normal"),
    m.Group("sg-a3", "a3", VPC_A, "normal"),
    m.Group("sg-a4", "a4", VPC_A, "normal"),
    m.Group("sg-a5", "a5", VPC_A, "normal"),
    m.Group("sg-a6", "a6", VPC_A, "normal"),
    m.Group("sg-ae", "ae", VPC_A, "enterprise"),
    m.Group("sg-b1", "b1", VPC_B, "normal"),
    m.Group("sg-c1", "c1", "", "normal"),
    m.Group("sg-c2", "c2", "", "normal"),
])


def vm(target_id, groups, vpc_id=VPC_A, status="Running"):
    return m.Target(target_id, m.INSTANCE, vpc_id, status, list(groups))


def eni(target_id, groups, vpc_id=VPC_A, status="Available"):
    return m.Target(target_id, m.NETWORK_INTERFACE, vpc_id, status, list(groups))


def plan(targets, wanted, state, max_groups=5, kind=m.INSTANCE, requested=None):
    found = dict((target.id, target) for target in targets)
    ids = requested if requested is not None else [target.id for target in targets]
    return m.plan_membership(kind, ids, found, wanted, GROUPS, state, max_groups)


@pytest.mark.parametrize("before, wanted, state, after", [
    pytest.param(["sg-a1"], ["sg-a2"], "present", ["sg-a1", "sg-a2"], id="present-adds-at-end"),
    pytest.param(["sg-a1", "sg-a2"], ["sg-a2"], "present", ["sg-a1", "sg-a2"], id="present-member-is-noop"),
    pytest.param(["sg-a1"], ["sg-a2", "sg-a3", "sg-a2"], "present", ["sg-a1", "sg-a2", "sg-a3"], id="present-dedupes"),
    pytest.param(["sg-a1", "sg-a2"], ["sg-a1"], "absent", ["sg-a2"], id="absent-removes"),
    pytest.param(["sg-a1", "sg-a2"], ["sg-a3"], "absent", ["sg-a1", "sg-a2"], id="absent-non-member-is-noop"),
    pytest.param(["sg-a1"], ["sg-a1"], "absent", [], id="absent-can-empty"),
    pytest.param(["sg-a1", "sg-a2"], ["sg-a3"], "exact", ["sg-a3"], id="exact-swaps"),
    pytest.param(["sg-a1", "sg-a2"], ["sg-a2", "sg-a1"], "exact", ["sg-a1", "sg-a2"], id="exact-same-set-keeps-order"),
    pytest.param(["sg-a1"], ["sg-a1", "sg-a2"], "exact", ["sg-a1", "sg-a2"], id="exact-grows"),
])
def test_membership_after(before, wanted, state, after):
    assert m.membership_after(before, wanted, state) == after


def test_membership_after_rejects_unknown_state():
    with pytest.raises(ValueError, match="state must be one of present, absent, exact"):
        m.membership_after([], [], "replace")


@pytest.mark.parametrize("targets, wanted, state, expected", [
    pytest.param([vm("i-1", ["sg-a1"]), vm("i-2", ["sg-a1", "sg-a2"])], ["sg-a2"], "present",
                 {"i-1": (["sg-a2"], [], ["sg-a1", "sg-a2"]), "i-2": ([], [], ["sg-a1", "sg-a2"])}, id="present"),
    pytest.param([vm("i-1", ["sg-a1", "sg-a2"]), vm("i-2", ["sg-a1"])], ["sg-a2"], "absent",
                 {"i-1": ([], ["sg-a2"], ["sg-a1"]), "i-2": ([], [], ["sg-a1"])}, id="absent"),
    pytest.param([vm("i-1", ["sg-a1", "sg-a2"]), vm("i-2", ["sg-a3"])], ["sg-a3"], "exact",
                 {"i-1": (["sg-a3"], ["sg-a1", "sg-a2"], ["sg-a3"]), "i-2": ([], [], ["sg-a3"])}, id="exact"),
    pytest.param([vm("i-1", ["sg-c1"], vpc_id="")], ["sg-c2"], "present",
                 {"i-1": (["sg-c2"], [], ["sg-c1", "sg-c2"])}, id="classic-to-classic"),
])
def test_plan_changes(targets, wanted, state, expected):
    result = plan(targets, wanted, state)
    assert result.problems == []
    assert dict((c.target_id, (c.joins, c.leaves, c.after)) for c in result.changes) == expected
    assert [c.target_id for c in result.changes] == [t.id for t in targets]


@pytest.mark.parametrize("targets, wanted, state, max_groups, fragments", [
    pytest.param([vm("i-1", ["sg-a1"])], ["sg-a1"], "absent", 5,
                 ["instance i-1 would be left without a security group (leaving sg-a1)"], id="last-group"),
    pytest.param([vm("i-1", ["sg-a1", "sg-a2"])], ["sg-a1", "sg-a2"], "absent", 5,
                 ["instance i-1 would be left without a security group (leaving sg-a1, sg-a2)"], id="all-groups"),
    pytest.param([eni("eni-1", ["sg-a1"])], ["sg-a1"], "absent", 5,
                 ["network interface eni-1 would be left without a security group"], id="eni-last-group"),
    pytest.param([vm("i-1", ["sg-a1", "sg-a2", "sg-a3", "sg-a4", "sg-a5"])], ["sg-a6"], "present", 5,
                 ["instance i-1 would be in 6 security groups (sg-a1, sg-a2, sg-a3, sg-a4, sg-a5, sg-a6); max_groups is 5"],
                 id="limit"),
    pytest.param([vm("i-1", ["sg-a1"])], ["sg-a2", "sg-a3"], "exact", 1,
                 ["instance i-1 would be in 2 security groups (sg-a2, sg-a3); max_groups is 1"], id="limit-exact"),
    pytest.param([vm("i-1", ["sg-c1"], vpc_id="")], ["sg-a1"], "present", 5,
                 ["instance i-1 is in the classic network and cannot join VPC group sg-a1 (of %s)" % VPC_A], id="classic-to-vpc"),
    pytest.param([vm("i-1", ["sg-a1"])], ["sg-c1"], "present", 5,
                 ["instance i-1 is in %s and cannot join classic group sg-c1" % VPC_A], id="vpc-to-classic"),
    pytest.param([vm("i-1", ["sg-a1"])], ["sg-b1"], "exact", 5,
                 ["instance i-1 is in %s and cannot join group sg-b1 of another VPC (%s)" % (VPC_A, VPC_B)], id="other-vpc"),
    pytest.param([vm("i-1", ["sg-a1"])], ["sg-ae"], "present", 5,
                 ["instance i-1 would mix normal groups (sg-a1) and enterprise groups (sg-ae)"], id="mix-types"),
    pytest.param([vm("i-1", ["sg-a1"], status="Starting")], ["sg-a2"], "present", 5,
                 ["instance i-1 is Starting: its security groups can change only while it is Running or Stopped"], id="status"),
    pytest.param([eni("eni-1", ["sg-a1"], status="Attaching")], ["sg-a2"], "present", 5,
                 ["network interface eni-1 is Attaching: its security groups can change only while it is Available or InUse"],
                 id="eni-status"),
    pytest.param([], ["sg-a1"], "present", 5, ["instance i-9 was not found"], id="not-found"),
])
def test_each_broken_rule_is_reported(targets, wanted, state, max_groups, fragments):
    requested = [t.id for t in targets] or ["i-9"]
    result = plan(targets, wanted, state, max_groups=max_groups, requested=requested)
    assert len(result.problems) == len(fragments), result.problems
    for problem, fragment in zip(result.problems, fragments):
        assert fragment in problem


def test_all_problems_are_collected_across_targets():
    targets = [
        vm("i-ok", ["sg-a1"]),
        vm("i-last", ["sg-a2"]),
        vm("i-classic", ["sg-c1"], vpc_id=""),
        vm("i-stopping", ["sg-a1", "sg-a2"], status="Stopping"),
    ]
    result = plan(targets, ["sg-a2"], "absent", requested=["i-ok", "i-last", "i-missing", "i-classic", "i-stopping"])
    assert result.problems == [
        "security_groups: instance i-last would be left without a security group (leaving sg-a2); every instance needs at least one",
        "instance_ids: instance i-missing was not found",
        "instance_ids: instance i-stopping is Stopping: its security groups can change only while it is Running or Stopped",
    ]
    # One target breaking several rules gets every one of them.
    many = plan([vm("i-1", ["sg-c1"], vpc_id="", status="Pending")], ["sg-a1", "sg-ae"], "exact")
    assert len(many.problems) == 4, many.problems


def test_a_target_that_needs_no_change_is_never_a_problem():
    # Already in the group: the status and the limit do not matter.
    full = vm("i-1", ["sg-a1", "sg-a2", "sg-a3", "sg-a4", "sg-a5", "sg-a6"], status="Starting")
    result = plan([full], ["sg-a1"], "present")
    assert result.problems == []
    assert m.change_calls(result.changes[0]) == []


def test_the_limit_counts_groups_after_the_change():
    at_limit = vm("i-1", ["sg-a1", "sg-a2", "sg-a3", "sg-a4", "sg-a5"])
    assert plan([at_limit], ["sg-a6"], "exact").problems == []
    assert plan([at_limit], ["sg-a1"], "absent").problems == []
    assert len(plan([at_limit], ["sg-a6"], "present").problems) == 1
    assert plan([at_limit], ["sg-a6"], "present", max_groups=10).problems == []


def test_exact_swaps_an_enterprise_set_for_a_normal_one_without_mixing():
    result = plan([vm("i-1", ["sg-ae"])], ["sg-a1"], "exact")
    assert result.problems == []
    assert m.change_calls(result.changes[0]) == [(m.REPLACE, ["sg-a1"])]


def test_duplicate_targets_are_planned_once():
    result = plan([vm("i-1", ["sg-a1"])], ["sg-a2"], "present", requested=["i-1", "i-1"])
    assert [c.target_id for c in result.changes] == ["i-1"]


@pytest.mark.parametrize("before, wanted, state, calls", [
    pytest.param(["sg-a1"], ["sg-a2"], "present", [(m.JOIN, "sg-a2")], id="present-one-join"),
    pytest.param(["sg-a1", "sg-a2"], ["sg-a1"], "absent", [(m.LEAVE, "sg-a1")], id="absent-one-leave"),
    # Several changes to one target are one call, so ECS refusing one of them cannot leave it half-changed.
    pytest.param(["sg-a1"], ["sg-a2", "sg-a3"], "present",
                 [(m.REPLACE, ["sg-a1", "sg-a2", "sg-a3"])], id="present-several-joins-one-replace"),
    pytest.param(["sg-a1", "sg-a2", "sg-a3"], ["sg-a3", "sg-a1"], "absent",
                 [(m.REPLACE, ["sg-a2"])], id="absent-several-leaves-one-replace"),
    pytest.param(["sg-a1"], ["sg-a2"], "exact", [(m.REPLACE, ["sg-a2"])], id="exact-one-replace"),
    pytest.param(["sg-a1", "sg-a2"], ["sg-a2", "sg-a1"], "exact", [], id="exact-noop"),
])
def test_change_calls(before, wanted, state, calls):
    change = plan([vm("i-1", before)], wanted, state).changes[0]
    assert m.change_calls(change) == calls


def test_a_mixed_change_is_one_replace():
    change = m.Change("i-1", m.INSTANCE, ["sg-a1"], ["sg-a2"], ["sg-a2"], ["sg-a1"], False)
    calls = m.change_calls(change)
    assert calls == [(m.REPLACE, ["sg-a2"])]
    # No prefix of the calls leaves the target without a group.
    for count in range(len(calls) + 1):
        assert m.membership_after_calls(["sg-a1"], calls[:count])


@pytest.mark.parametrize("before, calls, after", [
    pytest.param(["sg-a1"], [], ["sg-a1"], id="nothing-done"),
    pytest.param(["sg-a1"], [(m.JOIN, "sg-a2")], ["sg-a1", "sg-a2"], id="one-join"),
    pytest.param(["sg-a1", "sg-a2"], [(m.LEAVE, "sg-a1")], ["sg-a2"], id="one-leave"),
    pytest.param(["sg-a1"], [(m.REPLACE, ["sg-a3", "sg-a4"])], ["sg-a3", "sg-a4"], id="replace"),
])
def test_membership_after_calls(before, calls, after):
    assert m.membership_after_calls(before, calls) == after


def test_targets_and_groups_from_api():
    instance = {"InstanceId": "i-1", "Status": "Stopped", "InstanceNetworkType": "vpc",
                "VpcAttributes": {"VpcId": VPC_A}, "SecurityGroupIds": {"SecurityGroupId": ["sg-a1", "sg-a2"]}}
    assert m.target_from_instance(instance) == vm("i-1", ["sg-a1", "sg-a2"], status="Stopped")
    classic = {"InstanceId": "i-2", "Status": "Running", "InstanceNetworkType": "classic",
               "VpcAttributes": {"VpcId": ""}, "SecurityGroupIds": {"SecurityGroupId": ["sg-c1"]}}
    assert m.target_from_instance(classic) == vm("i-2", ["sg-c1"], vpc_id="")
    interface = {"NetworkInterfaceId": "eni-1", "Status": "InUse", "VpcId": VPC_A,
                 "SecurityGroupIds": {"SecurityGroupId": ["sg-a1"]}}
    assert m.target_from_network_interface(interface) == eni("eni-1", ["sg-a1"], status="InUse")
    group = {"SecurityGroupId": "sg-x", "SecurityGroupName": "x", "VpcId": "", "SecurityGroupType": "Enterprise"}
    assert m.group_from_api(group) == m.Group("sg-x", "x", "", "enterprise")
    assert m.group_from_api({"SecurityGroupId": "sg-y"}) == m.Group("sg-y", "", "", "normal")


@pytest.mark.parametrize("problems, text", [
    pytest.param(["a"], "nothing was changed: 1 problem found before any change: a", id="one"),
    pytest.param(["a", "b"], "nothing was changed: 2 problems found before any change: a; b", id="two"),
])
def test_problems_message(problems, text):
    assert m.problems_message(problems) == text
