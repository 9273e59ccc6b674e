# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sg_rule with another writer changing the same group between its read and its writes (recorded answers)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudwall.alicloud.plugins.modules import sg_rule
from ansible_collections.cloudwall.alicloud.tests.unit.plugins.modules.fake_module import FailJson, SinglePageEcs, run_module_class
from ansible_collections.cloudwall.alicloud.tests.unit.plugins.rule_samples import GROUP_ID, VPC, permission, rule


class RacingEcs(SinglePageEcs):
    """One group's rules; ``other_writer(ecs, action)`` runs after each of our writes, as a concurrent run would."""

    def __init__(self, permissions, other_writer=None):
        self.permissions = list(permissions)
        self.other_writer = other_writer
        self.calls = []
        self.next_id = 0

    def actions(self):
        return [action for action, _params in self.calls]

    def ports(self, direction="ingress"):
        return sorted(int(item["PortRange"].split("/")[0]) for item in self.permissions if item["Direction"] == direction)

    def add(self, port, direction="ingress"):
        self.next_id += 1
        self.permissions.append(permission("sgr-%s%d" % (direction, self.next_id), port, direction=direction))

    def call(self, action, params=None, mutating=None):
        params = dict(params or {})
        self.calls.append((action, params))
        if action == "DescribeSecurityGroups":
            return {"SecurityGroups": {"SecurityGroup": [{"SecurityGroupId": GROUP_ID, "SecurityGroupName": "app",
                                                          "VpcId": VPC, "ServiceManaged": False}]}}
        if action == "DescribeSecurityGroupAttribute":
            return {"SecurityGroupId": GROUP_ID, "SecurityGroupName": "app", "VpcId": VPC, "NextToken": "",
                    "Permissions": {"Permission": [dict(item) for item in self.permissions]}}
        if action.startswith("Authorize"):
            direction = "egress" if action.endswith("Egress") else "ingress"
            for fields in params["Permissions"]:
                # An identical existing rule: success, nothing created (ECS_API.md section 3).
                if int(fields["PortRange"].split("/")[0]) not in self.ports(direction):
                    self.add(int(fields["PortRange"].split("/")[0]), direction)
            answer = {}
        elif action.startswith("Revoke"):
            gone = [rule_id for rule_id in params["SecurityGroupRuleId"]
                    if rule_id not in [item["SecurityGroupRuleId"] for item in self.permissions]]
            self.permissions = [item for item in self.permissions if item["SecurityGroupRuleId"] not in params["SecurityGroupRuleId"]]
            # What EcsClient.call() answers for a rule another writer revoked first.
            answer = {"AlreadyDone": "InvalidParam.SecurityGroupRuleId"} if gone else {}
        else:
            raise AssertionError("unexpected call %s" % action)
        if self.other_writer:
            self.other_writer(self, action)
        return answer


def declared(ports, direction="ingress"):
    return [rule(protocol="tcp", ports=port, cidr="0.0.0.0/0", direction=direction) for port in ports]


@pytest.mark.parametrize("direction, purge", [("ingress", "purge_rules"), ("egress", "purge_rules_egress")])
def test_a_purging_run_finishes_its_plan_after_another_writer_added_its_set(direction, purge):
    # Both runs read {22}; the other run declares {8080} and authorizes it right after our first write.
    def other_run(ecs, action):
        if action.startswith("Authorize") and 8080 not in ecs.ports(direction):
            ecs.add(8080, direction)

    ecs = RacingEcs([permission("sgr-old", 22, direction=direction)], other_run)
    result = run_module_class(sg_rule.SecurityGroupRuleModule, ecs, security_group=GROUP_ID,
                              rules=declared([443], direction), **{purge: True})
    assert ecs.ports(direction) == [443], "the group must end with this run's set, not the union"
    revoke = "RevokeSecurityGroupEgress" if direction == "egress" else "RevokeSecurityGroup"
    authorize = "AuthorizeSecurityGroupEgress" if direction == "egress" else "AuthorizeSecurityGroup"
    read = "DescribeSecurityGroupAttribute"
    assert ecs.actions() == [read, "DescribeSecurityGroups", authorize, revoke, read, revoke, read]
    assert result["changed"] is True
    assert sorted(item["port_range"] for item in result["removed"]) == ["22/22", "8080/8080"]


def test_a_rule_the_other_writer_revoked_first_is_no_failure():
    def other_run(ecs, action):
        if action == "AuthorizeSecurityGroup":
            ecs.permissions = [item for item in ecs.permissions if item["SecurityGroupRuleId"] != "sgr-old"]

    ecs = RacingEcs([permission("sgr-old", 22)], other_run)
    result = run_module_class(sg_rule.SecurityGroupRuleModule, ecs, security_group=GROUP_ID, rules=declared([443]),
                              purge_rules=True)
    assert result["changed"] is True and ecs.ports() == [443]


def test_without_another_writer_the_purging_run_adds_one_read_only():
    ecs = RacingEcs([permission("sgr-old", 22)])
    run_module_class(sg_rule.SecurityGroupRuleModule, ecs, security_group=GROUP_ID, rules=declared([443]), purge_rules=True)
    assert ecs.actions() == ["DescribeSecurityGroupAttribute", "DescribeSecurityGroups", "AuthorizeSecurityGroup",
                             "RevokeSecurityGroup", "DescribeSecurityGroupAttribute"]
    # Nothing to write: no read after.
    again = RacingEcs(list(ecs.permissions))
    assert run_module_class(sg_rule.SecurityGroupRuleModule, again, security_group=GROUP_ID, rules=declared([443]),
                            purge_rules=True)["changed"] is False
    assert again.actions() == ["DescribeSecurityGroupAttribute"]


def test_non_purging_runs_do_not_read_again():
    ecs = RacingEcs([permission("sgr-old", 22)])
    run_module_class(sg_rule.SecurityGroupRuleModule, ecs, security_group=GROUP_ID, rules=declared([443]))
    assert ecs.actions() == ["DescribeSecurityGroupAttribute", "DescribeSecurityGroups", "AuthorizeSecurityGroup"]


def test_a_writer_that_never_stops_makes_a_clear_failure_not_an_endless_run():
    def relentless(ecs, action):
        if action.startswith("Revoke"):
            ecs.add(9000 + ecs.next_id)

    ecs = RacingEcs([permission("sgr-old", 22)], relentless)
    with pytest.raises(FailJson) as raised:
        run_module_class(sg_rule.SecurityGroupRuleModule, ecs, security_group=GROUP_ID, rules=declared([443]), purge_rules=True)
    assert "kept changing under concurrent writers" in raised.value.result["msg"]
    assert GROUP_ID in raised.value.result["msg"]
    assert ecs.actions().count("DescribeSecurityGroupAttribute") == sg_rule.MAX_CONVERGENCE_ROUNDS + 2
