# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sg_rule through main() with another writer changing the same group between its read and its writes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rpc import ServerError as ServerException

from ansible_collections.cloudwall.alicloud.plugins.modules import sg_rule
from ansible_collections.cloudwall.alicloud.tests.unit.plugins.modules.fake_ecs import REQUEST_ID, indexed, permission

GROUP_ID = "sg-aaaaaaaaaaaaaaaaaace"
READ = "DescribeSecurityGroupAttribute"


def ports(ecs, direction="ingress"):
    return sorted(int(item["PortRange"].split("/")[0]) for item in ecs.groups[GROUP_ID]["Permissions"]
                  if item["Direction"] == direction)


def add_rule(ecs, port, direction="ingress"):
    ecs.groups[GROUP_ID]["Permissions"].append(permission("sgr-other%05d" % port, port, direction=direction))


def racing(ecs, other_writer):
    """After each of this run's writes, ``other_writer(ecs, action)`` acts as a concurrent run would; a revoke of a
    rule already gone is refused as ECS does (400 InvalidParam.SecurityGroupRuleId, since 2024-07-08)."""
    for action in ("AuthorizeSecurityGroup", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroup", "RevokeSecurityGroupEgress"):
        def write(params, action=action, original=getattr(ecs, action)):
            if action.startswith("Revoke"):
                held = set(item["SecurityGroupRuleId"] for item in ecs.groups[GROUP_ID]["Permissions"])
                if not set(indexed(params, "SecurityGroupRuleId")) <= held:
                    raise ServerException("InvalidParam.SecurityGroupRuleId", "The specified rule does not exist.",
                                          http_status=400, request_id=REQUEST_ID)
            answer = original(params)
            if other_writer:
                other_writer(ecs, action)
            return answer
        setattr(ecs, action, write)


def declared(port_list, direction="ingress"):
    return [{"protocol": "tcp", "ports": [str(port) for port in port_list], "cidr": "0.0.0.0/0", "direction": direction}]


@pytest.mark.parametrize("direction, purge", [("ingress", "purge_rules"), ("egress", "purge_rules_egress")])
def test_a_purging_run_finishes_its_plan_after_another_writer_added_its_set(ecs, run_module, direction, purge):
    # Both runs read {22}; the other run declares {8080} and authorizes it right after our first write.
    ecs.add_group(GROUP_ID, "app", permissions=[permission("sgr-old", 22, direction=direction)])

    def other_run(fake, action):
        if action.startswith("Authorize") and 8080 not in ports(fake, direction):
            add_rule(fake, 8080, direction)

    racing(ecs, other_run)
    result = run_module("sg_rule", security_group=GROUP_ID, rules=declared([443], direction), **{purge: True})
    assert not result.get("failed"), result
    assert ports(ecs, direction) == [443], "the group must end with this run's set, not the union"
    suffix = "Egress" if direction == "egress" else ""
    assert ecs.actions() == [READ, "DescribeSecurityGroups", "AuthorizeSecurityGroup" + suffix, "RevokeSecurityGroup" + suffix,
                             READ, "RevokeSecurityGroup" + suffix, READ]
    assert result["changed"] is True
    assert sorted(item["port_range"] for item in result["removed"]) == ["22/22", "8080/8080"]


def test_a_rule_the_other_writer_revoked_first_is_no_failure(ecs, run_module):
    ecs.add_group(GROUP_ID, "app", permissions=[permission("sgr-old", 22)])

    def other_run(fake, action):
        if action == "AuthorizeSecurityGroup":
            held = fake.groups[GROUP_ID]["Permissions"]
            fake.groups[GROUP_ID]["Permissions"] = [item for item in held if item["SecurityGroupRuleId"] != "sgr-old"]

    racing(ecs, other_run)
    result = run_module("sg_rule", security_group=GROUP_ID, rules=declared([443]), purge_rules=True)
    assert not result.get("failed"), result
    assert result["changed"] is True and ports(ecs) == [443]


def test_without_another_writer_a_purging_run_adds_one_read(ecs, run_module):
    ecs.add_group(GROUP_ID, "app", permissions=[permission("sgr-old", 22)])
    run_module("sg_rule", security_group=GROUP_ID, rules=declared([443]), purge_rules=True)
    assert ecs.actions() == [READ, "DescribeSecurityGroups", "AuthorizeSecurityGroup", "RevokeSecurityGroup", READ]
    # Nothing to write: no read after.
    ecs.calls[:] = []
    assert run_module("sg_rule", security_group=GROUP_ID, rules=declared([443]), purge_rules=True)["changed"] is False
    assert ecs.actions() == [READ]


def test_non_purging_runs_do_not_read_again(ecs, run_module):
    ecs.add_group(GROUP_ID, "app", permissions=[permission("sgr-old", 22)])
    run_module("sg_rule", security_group=GROUP_ID, rules=declared([443]))
    assert ecs.actions() == [READ, "DescribeSecurityGroups", "AuthorizeSecurityGroup"]


def test_a_writer_that_never_stops_makes_a_clear_failure_not_an_endless_run(ecs, run_failing):
    ecs.add_group(GROUP_ID, "app", permissions=[permission("sgr-old", 22)])

    def relentless(fake, action):
        if action.startswith("Revoke"):
            add_rule(fake, 9000 + len(fake.calls))

    racing(ecs, relentless)
    result = run_failing("sg_rule", security_group=GROUP_ID, rules=declared([443]), purge_rules=True)
    assert "kept changing under concurrent writers" in result["msg"] and GROUP_ID in result["msg"]
    assert ecs.count(READ) == sg_rule.MAX_CONVERGENCE_ROUNDS + 2


def other_writer_between_read_and_write(ecs, act):
    """``act(ecs)`` once, right after this run's first read: another run wrote after we read."""
    original = ecs.DescribeSecurityGroupAttribute

    def read(params):
        answer = original(params)
        if ecs.count(READ) == 1:
            act(ecs)
        return answer
    ecs.DescribeSecurityGroupAttribute = read


def revoke_by_id(rule_id):
    def act(ecs):
        ecs.groups[GROUP_ID]["Permissions"] = [item for item in ecs.groups[GROUP_ID]["Permissions"]
                                               if item["SecurityGroupRuleId"] != rule_id]
    return act


def test_a_revoke_batch_refused_for_one_rule_already_gone_finishes_the_others(ecs, run_module):
    # ECS refuses the whole batch when one id is unknown (and "already done" only says that one is gone):
    # the run reads again and revokes what is left, instead of reporting both gone while one stays.
    ecs.add_group(GROUP_ID, "app", permissions=[permission("sgr-22", 22), permission("sgr-23", 23)])
    other_writer_between_read_and_write(ecs, revoke_by_id("sgr-22"))
    racing(ecs, None)
    result = run_module("sg_rule", security_group=GROUP_ID, rules=declared([22, 23]), state="absent")
    assert not result.get("failed"), result
    assert ports(ecs) == []
    assert ecs.actions() == [READ, "DescribeSecurityGroups", "RevokeSecurityGroup", READ, "RevokeSecurityGroup", READ]
    assert result["changed"] is True


def test_a_rule_to_modify_that_another_writer_revoked_is_added_again_not_a_failure(ecs, run_module):
    ecs.add_group(GROUP_ID, "app", permissions=[permission("sgr-22", 22, description="old")])
    other_writer_between_read_and_write(ecs, revoke_by_id("sgr-22"))
    rules = [dict(declared([22])[0], description="new")]
    result = run_module("sg_rule", security_group=GROUP_ID, rules=rules)
    assert not result.get("failed"), result
    assert [(item["PortRange"], item["Description"]) for item in ecs.groups[GROUP_ID]["Permissions"]] == [("22/22", "new")]
    assert ecs.actions() == [READ, "DescribeSecurityGroups", "ModifySecurityGroupRule", READ, "AuthorizeSecurityGroup", READ]
