# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import EcsApiError
from ansible_collections.cloudwall.alicloud.plugins.modules import sg_membership
from ansible_collections.cloudwall.alicloud.tests.unit.plugins.modules.fake_module import FailJson, SinglePageEcs, run_module_class

VPC = "vpc-aaaaaaaaaaaaaaaaaaaa"
SG1 = "sg-aaaaaaaaaaaaaaaaaaa1"
SG2 = "sg-aaaaaaaaaaaaaaaaaaa2"
SG3 = "sg-aaaaaaaaaaaaaaaaaaa3"


class FakeEcs(SinglePageEcs):
    """Instances, ENIs and groups in one VPC; ``errors`` maps (action, target id, group id) to an error code."""

    def __init__(self, instances=None, enis=None, groups=(SG1, SG2, SG3), errors=None):
        self.members = dict(instances or {})
        self.members.update(enis or {})
        self.enis = set(enis or {})
        self.groups = list(groups)
        self.errors = dict(errors or {})
        self.calls = []

    def writes(self):
        return [(action, params) for action, params in self.calls if not action.startswith("Describe")]

    def _fail(self, action, target_id, group_id):
        code = self.errors.get((action, target_id, group_id))
        if code:
            raise EcsApiError(action, code, "refused by the fake", http_status=400)

    def call(self, action, params=None, mutating=None):
        params = dict(params or {})
        self.calls.append((action, params))
        target_id = params.get("InstanceId") or params.get("NetworkInterfaceId")
        if action == "DescribeSecurityGroups":
            ids = params.get("SecurityGroupIds", [])
            ids = json.loads(ids) if isinstance(ids, str) else ids
            return {"SecurityGroups": {"SecurityGroup": [
                {"SecurityGroupId": gid, "SecurityGroupName": "n" + gid[-1], "VpcId": VPC, "SecurityGroupType": "normal"}
                for gid in ids if gid in self.groups]}}
        if action == "DescribeInstances":
            return {"Instances": {"Instance": [
                {"InstanceId": iid, "Status": "Running", "InstanceNetworkType": "vpc", "VpcAttributes": {"VpcId": VPC},
                 "SecurityGroupIds": {"SecurityGroupId": list(self.members[iid])}}
                for iid in params["InstanceIds"] if iid in self.members]}, "NextToken": ""}
        if action == "DescribeNetworkInterfaces":
            return {"NetworkInterfaceSets": {"NetworkInterfaceSet": [
                {"NetworkInterfaceId": eid, "Status": "Available", "VpcId": VPC,
                 "SecurityGroupIds": {"SecurityGroupId": list(self.members[eid])}}
                for eid in params["NetworkInterfaceId"] if eid in self.members]}, "NextToken": ""}
        if action in ("JoinSecurityGroup", "LeaveSecurityGroup"):
            self._fail(action, target_id, params["SecurityGroupId"])
        if action in ("ModifyInstanceAttribute", "ModifyNetworkInterfaceAttribute"):
            self._fail(action, target_id, None)
        if action == "JoinSecurityGroup":
            self.members[target_id].append(params["SecurityGroupId"])
        elif action == "LeaveSecurityGroup":
            self.members[target_id].remove(params["SecurityGroupId"])
        elif action == "ModifyInstanceAttribute":
            self.members[target_id] = list(params["SecurityGroupIds"])
        elif action == "ModifyNetworkInterfaceAttribute":
            self.members[target_id] = list(params["SecurityGroupId"])
        return {}


def run_module(ecs, check_mode=False, diff=False, **params):
    return run_module_class(sg_membership.SecurityGroupMembershipModule, ecs, check_mode, diff, **params)


def test_a_target_that_ecs_refuses_is_left_whole_and_the_report_says_so():
    # The account's real limit is below max_groups: ECS refuses i-2's change, which is one call, so i-2 keeps its groups.
    ecs = FakeEcs(instances={"i-1": [SG1], "i-2": [SG1], "i-3": [SG1]},
                  errors={("ModifyInstanceAttribute", "i-2", None): "InstanceSecurityGroupLimitExceeded"})
    with pytest.raises(FailJson) as raised:
        run_module(ecs, instance_ids=["i-1", "i-2", "i-3"], security_groups=[SG2, SG3])
    result = raised.value.result
    assert [action for action, _params in ecs.writes()] == ["ModifyInstanceAttribute"] * 2
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
    assert ecs.members == {"i-1": [SG1, SG2, SG3], "i-2": [SG1], "i-3": [SG1]}


def test_a_failure_on_the_first_call_reports_no_change():
    ecs = FakeEcs(instances={"i-1": [SG1]}, errors={("JoinSecurityGroup", "i-1", SG2): "Forbidden.RAM"})
    with pytest.raises(FailJson) as raised:
        run_module(ecs, instance_ids=["i-1"], security_groups=[SG2])
    assert raised.value.result["changed"] is False
    assert raised.value.result["done"] == [] and raised.value.result["not_attempted"] == []


def test_exact_on_network_interfaces_is_one_modify_call_each():
    ecs = FakeEcs(enis={"eni-1": [SG1], "eni-2": [SG2, SG3]})
    result = run_module(ecs, diff=True, network_interface_ids=["eni-1", "eni-2"], security_groups=[SG3, SG2], state="exact")
    assert ecs.writes() == [("ModifyNetworkInterfaceAttribute", {"NetworkInterfaceId": "eni-1", "SecurityGroupId": [SG3, SG2]})]
    assert result["diff"] == {"before": {"eni-1": [SG1], "eni-2": [SG2, SG3]}, "after": {"eni-1": [SG3, SG2], "eni-2": [SG2, SG3]}}
    assert [t["changed"] for t in result["targets"]] == [True, False]


def test_check_mode_reads_and_plans_but_never_writes():
    ecs = FakeEcs(instances={"i-1": [SG1]})
    result = run_module(ecs, check_mode=True, instance_ids=["i-1"], security_groups=[SG2], state="exact")
    assert ecs.writes() == []
    assert result["changed"] is True and result["targets"][0]["after"] == [SG2]


@pytest.mark.parametrize("params, fragment", [
    pytest.param({"instance_ids": [" "], "security_groups": [SG1]}, "instance_ids must name at least one target", id="no-target"),
    pytest.param({"instance_ids": ["eni-1"], "security_groups": [SG1]}, "instance_ids takes ids starting with i-; got eni-1",
                 id="swapped-kind"),
    pytest.param({"network_interface_ids": ["i-1"], "security_groups": [SG1]}, "starting with eni-", id="swapped-kind-eni"),
    pytest.param({"instance_ids": ["i-1"], "security_groups": [""]}, "security_groups must name at least one group", id="no-group"),
    pytest.param({"instance_ids": ["i-1"], "security_groups": [SG1], "max_groups": 0}, "max_groups must be at least 1",
                 id="max-groups"),
])
def test_options_are_checked_before_any_call(params, fragment):
    ecs = FakeEcs(instances={"i-1": [SG1]})
    with pytest.raises(FailJson) as raised:
        run_module(ecs, **params)
    assert fragment in raised.value.result["msg"]
    assert ecs.calls == []


def test_unknown_group_fails_with_the_lookup_message():
    ecs = FakeEcs(instances={"i-1": [SG1]})
    with pytest.raises(FailJson) as raised:
        run_module(ecs, instance_ids=["i-1"], security_groups=["sg-nosuchgroup000000001"])
    assert "no security group with id or name 'sg-nosuchgroup000000001'" in raised.value.result["msg"]
    assert ecs.writes() == []
