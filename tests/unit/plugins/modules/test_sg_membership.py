# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloudwall.alicloud.sg_membership through main() on the shared fake ECS."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

SG1 = "sg-aaaaaaaaaaaaaaaaaaa1"
SG2 = "sg-aaaaaaaaaaaaaaaaaaa2"
SG3 = "sg-aaaaaaaaaaaaaaaaaaa3"


def seed(ecs, instances=None, enis=None):
    """Groups SG1..SG3 (named n1..n3) in one VPC, and the given members."""
    for group_id in (SG1, SG2, SG3):
        ecs.add_group(group_id, "n" + group_id[-1])
    for instance_id, groups in (instances or {}).items():
        ecs.add_instance(instance_id, groups)
    for eni_id, groups in (enis or {}).items():
        ecs.add_eni(eni_id, groups)


def refuse(ecs, action, target_id, group_id, code):
    """``action`` on ``target_id`` with ``group_id`` fails with ``code``."""
    ecs.fail(action, code, when=lambda params: (params.get("InstanceId") or params.get("NetworkInterfaceId")) == target_id
             and params.get("SecurityGroupId") == group_id)


def test_a_target_that_ecs_refuses_is_left_whole_and_the_report_says_so(ecs, run_failing):
    # The account's real limit is below max_groups: ECS refuses i-2's change, which is one call, so i-2 keeps its groups.
    seed(ecs, instances={"i-1": [SG1], "i-2": [SG1], "i-3": [SG1]})
    ecs.fail("ModifyInstanceAttribute", "InstanceSecurityGroupLimitExceeded", when=lambda params: params.get("InstanceId") == "i-2")
    result = run_failing("sg_membership", instance_ids=["i-1", "i-2", "i-3"], security_groups=[SG2, SG3])
    assert ecs.write_actions() == ["ModifyInstanceAttribute"] * 2
    assert result["changed"] is True
    assert result["done"] == ["i-1"] and result["failed_target"] == "i-2" and result["not_attempted"] == ["i-3"]
    assert [(t["id"], t["after"], t["joined"]) for t in result["targets"]] == [
        ("i-1", [SG1, SG2, SG3], [SG2, SG3]),
        ("i-2", [SG1], []),
        ("i-3", [SG1], []),
    ]
    assert "at instance i-2 (change 2 of 3)" in result["msg"]
    assert "i-2 was left unchanged (each target changes in one call, fully or not at all) and has %s" % SG1 in result["msg"]
    assert result["error"]["code"] == "InstanceSecurityGroupLimitExceeded"
    # What the report says is what the fake holds.
    assert dict((i, ecs.members(i)) for i in ("i-1", "i-2", "i-3")) == {"i-1": [SG1, SG2, SG3], "i-2": [SG1], "i-3": [SG1]}


def test_a_failure_on_the_first_call_reports_no_change(ecs, run_failing):
    seed(ecs, instances={"i-1": [SG1]})
    refuse(ecs, "JoinSecurityGroup", "i-1", SG2, "Forbidden.RAM")
    result = run_failing("sg_membership", instance_ids=["i-1"], security_groups=[SG2])
    assert result["changed"] is False
    assert result["done"] == [] and result["not_attempted"] == []
    assert ecs.members("i-1") == [SG1]


@pytest.mark.parametrize("state, members, code", [
    pytest.param("present", [SG1], "InvalidInstanceId.AlreadyExists", id="join-already-member"),
    pytest.param("absent", [SG1, SG2], "InvalidSecurityGroupAssociation.NotFound", id="leave-already-gone"),
])
def test_a_retried_call_that_had_succeeded_counts_as_done(ecs, run_module, state, members, code):
    # Join/Leave take no ClientToken: a retry after a lost answer meets these codes.
    seed(ecs, instances={"i-1": members})
    for action in ("JoinSecurityGroup", "LeaveSecurityGroup"):
        refuse(ecs, action, "i-1", SG2, code)
    result = run_module("sg_membership", instance_ids=["i-1"], security_groups=[SG2], state=state)
    assert result["changed"] is True


def test_exact_on_an_instance_is_one_modify_call_and_a_second_run_changes_nothing(ecs, run_module):
    seed(ecs, instances={"i-1": [SG1]})
    first = run_module("sg_membership", instance_ids=["i-1"], security_groups=[SG2, SG3], state="exact")
    assert first["changed"] is True and ecs.members("i-1") == [SG2, SG3]
    assert ecs.writes() == [("ModifyInstanceAttribute",
                             {"InstanceId": "i-1", "SecurityGroupIds.1": SG2, "SecurityGroupIds.2": SG3})]
    again = run_module("sg_membership", instance_ids=["i-1"], security_groups=[SG2, SG3], state="exact")
    assert again["changed"] is False
    assert len(ecs.writes()) == 1


def test_leaving_the_last_group_is_refused_before_any_write(ecs, run_failing):
    seed(ecs, instances={"i-1": [SG1]})
    result = run_failing("sg_membership", instance_ids=["i-1"], security_groups=[SG1], state="absent")
    assert "i-1" in result["msg"]
    assert ecs.writes() == [] and ecs.members("i-1") == [SG1]


def test_exact_on_network_interfaces_is_one_modify_call_each(ecs, run_module):
    seed(ecs, enis={"eni-1": [SG1], "eni-2": [SG2, SG3]})
    result = run_module("sg_membership", diff=True, network_interface_ids=["eni-1", "eni-2"], security_groups=[SG3, SG2],
                        state="exact")
    assert ecs.writes() == [("ModifyNetworkInterfaceAttribute",
                             {"NetworkInterfaceId": "eni-1", "SecurityGroupId.1": SG3, "SecurityGroupId.2": SG2})]
    # The diff names groups as people know them: name (id).
    n1, n2, n3 = "n1 (%s)" % SG1, "n2 (%s)" % SG2, "n3 (%s)" % SG3
    assert result["diff"] == {"before": {"eni-1": [n1], "eni-2": [n2, n3]},
                              "after": {"eni-1": [n3, n2], "eni-2": [n2, n3]}}
    assert [t["changed"] for t in result["targets"]] == [True, False]


def test_check_mode_reads_and_plans_but_never_writes(ecs, run_module):
    seed(ecs, instances={"i-1": [SG1]})
    result = run_module("sg_membership", check_mode=True, instance_ids=["i-1"], security_groups=[SG2], state="exact")
    assert ecs.writes() == []
    assert result["changed"] is True and result["targets"][0]["after"] == [SG2]


@pytest.mark.parametrize("args, fragment", [
    pytest.param({"instance_ids": [" "], "security_groups": [SG1]}, "instance_ids must name at least one target", id="no-target"),
    pytest.param({"instance_ids": ["eni-1"], "security_groups": [SG1]}, "instance_ids takes ids starting with i-; got eni-1",
                 id="swapped-kind"),
    pytest.param({"network_interface_ids": ["i-1"], "security_groups": [SG1]}, "starting with eni-", id="swapped-kind-eni"),
    pytest.param({"instance_ids": ["i-1"], "security_groups": [""]}, "security_groups must name at least one group", id="no-group"),
    pytest.param({"instance_ids": ["i-1"], "security_groups": [SG1], "max_groups": 0}, "max_groups must be at least 1",
                 id="max-groups"),
    pytest.param({"instance_ids": ["i-1"], "network_interface_ids": ["eni-1"], "security_groups": [SG1]},
                 "mutually exclusive", id="both-kinds"),
])
def test_options_are_checked_before_any_call(ecs, run_failing, args, fragment):
    seed(ecs, instances={"i-1": [SG1]})
    result = run_failing("sg_membership", **args)
    assert fragment in result["msg"]
    assert ecs.calls == []


def test_unknown_group_fails_with_the_lookup_message(ecs, run_failing):
    seed(ecs, instances={"i-1": [SG1]})
    result = run_failing("sg_membership", instance_ids=["i-1"], security_groups=["sg-nosuchgroup000000001"])
    assert "no security group with id or name 'sg-nosuchgroup000000001'" in result["msg"]
    assert ecs.writes() == []
