# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml

from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import EcsApiError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import RuleContext, parse_rules, rule_to_result
from ansible_collections.cloudwall.alicloud.plugins.modules import sg_rule
from ansible_collections.cloudwall.alicloud.tests.unit.plugins.modules.fake_module import FailJson, SinglePageEcs, default_params, run_module_class
from ansible_collections.cloudwall.alicloud.tests.unit.plugins.rule_samples import GROUP_ID, VPC, WEB_ID, permission, rule

class FakeEcs(SinglePageEcs):
    """Just enough of ECS for sg_rule: groups, their rules, and scripted failures by action."""

    def __init__(self, groups=None, permissions=None, failures=None):
        self.groups = groups if groups is not None else [
            {"SecurityGroupId": GROUP_ID, "SecurityGroupName": "app", "VpcId": VPC, "SecurityGroupType": "normal"},
            {"SecurityGroupId": WEB_ID, "SecurityGroupName": "web", "VpcId": VPC, "SecurityGroupType": "normal"},
        ]
        self.permissions = list(permissions or [])
        self.failures = dict(failures or {})
        self.calls = []
        self.next_id = 0

    def actions(self):
        return [call[0] for call in self.calls]

    def mutating(self):
        return [action for action in self.actions() if not action.startswith(("Describe", "List"))]

    def call(self, action, params=None, mutating=None):
        params = dict(params or {})
        self.calls.append((action, params))
        if action in self.failures:
            raise self.failures[action]
        return getattr(self, action)(params)

    def _group(self, group_id):
        for group in self.groups:
            if group["SecurityGroupId"] == group_id:
                return group
        raise EcsApiError("DescribeSecurityGroupAttribute", "InvalidSecurityGroupId.NotFound", "The specified SecurityGroupId does not exist.")

    def DescribeSecurityGroups(self, params):
        found = list(self.groups)
        if "SecurityGroupIds" in params:
            found = [group for group in found if group["SecurityGroupId"] in params["SecurityGroupIds"]]
        for field in ("SecurityGroupName", "VpcId"):
            if field in params:
                found = [group for group in found if group[field] == params[field]]
        return {"SecurityGroups": {"SecurityGroup": found}}

    def DescribeSecurityGroupAttribute(self, params):
        group = self._group(params["SecurityGroupId"])
        return {"SecurityGroupId": group["SecurityGroupId"], "SecurityGroupName": group["SecurityGroupName"],
                "VpcId": group["VpcId"], "NextToken": "", "Permissions": {"Permission": [dict(item) for item in self.permissions]}}

    def _authorize(self, params, direction):
        for fields in params["Permissions"]:
            self.next_id += 1
            item = permission("sgr-new%d" % self.next_id, 1, direction=direction)
            item.update(dict((key, value) for key, value in fields.items() if key != "IpProtocol"))
            item.update(IpProtocol=fields["IpProtocol"].upper(), Policy=fields["Policy"].capitalize(), Priority=int(fields["Priority"]))
            self.permissions.append(item)
        return {}

    def AuthorizeSecurityGroup(self, params):
        return self._authorize(params, "ingress")

    def AuthorizeSecurityGroupEgress(self, params):
        return self._authorize(params, "egress")

    def _revoke(self, params):
        self.permissions = [item for item in self.permissions if item["SecurityGroupRuleId"] not in params["SecurityGroupRuleId"]]
        return {}

    RevokeSecurityGroup = RevokeSecurityGroupEgress = _revoke

    def _modify(self, params):
        for item in self.permissions:
            if item["SecurityGroupRuleId"] == params["SecurityGroupRuleId"]:
                item["Description"] = params["Description"]
        return {}

    ModifySecurityGroupRule = ModifySecurityGroupEgressRule = _modify


def with_group(params):
    """The module's parameters aimed at GROUP_ID unless a test names another group."""
    return dict({"security_group": GROUP_ID}, **params)


def module_params(**overrides):
    return default_params(sg_rule.SecurityGroupRuleModule, **with_group(overrides))


def run_module(ecs, check_mode=False, diff=False, **params):
    return run_module_class(sg_rule.SecurityGroupRuleModule, ecs, check_mode, diff, **with_group(params))


def run_failing(ecs, **params):
    with pytest.raises(FailJson) as raised:
        run_module(ecs, **params)
    return raised.value.result


# --- the documentation is the argument spec ----------------------------------------------------------------------

def _doc_spec(options):
    """The argument-spec view of documented options: what validate-modules compares."""
    spec = {}
    for name, doc in options.items():
        entry = dict((key, doc[key]) for key in ("type", "elements", "choices", "default", "aliases") if key in doc)
        if doc.get("required"):
            entry["required"] = True
        if "suboptions" in doc:
            entry["options"] = _doc_spec(doc["suboptions"])
        spec[name] = entry
    return spec


def _code_spec(options):
    spec = {}
    for name, option in options.items():
        entry = dict((key, option[key]) for key in ("type", "elements", "choices", "default", "aliases", "required") if option.get(key) is not None)
        if option.get("options"):
            entry["options"] = _code_spec(option["options"])
        spec[name] = entry
    return spec


def test_documented_options_match_the_argument_spec():
    documented = _doc_spec(yaml.safe_load(sg_rule.DOCUMENTATION)["options"])
    module_options = dict((name, option) for name, option in sg_rule.SecurityGroupRuleModule.define_module()["argument_spec"].items()
                          if name in ("security_group", "vpc_id", "rules", "purge_rules", "purge_rules_egress", "state", "rule_quota"))
    assert documented == _code_spec(module_options)


def test_documented_rule_keys_are_those_the_module_returns():
    contains = yaml.safe_load(sg_rule.RETURN)["rules"]["contains"]
    assert sorted(contains) == sorted(rule_to_result(parse_rules([rule(protocol="tcp", ports=80, cidr="0.0.0.0/0")],
                                                                           RuleContext()).rules[0]))


# --- the module on a fake ECS ----------------------------------------------------------------------------------

def test_group_by_id_with_cidr_rules_reads_rules_and_group_then_only_writes():
    ecs = FakeEcs()
    result = run_module(ecs, rules=[rule(protocol="tcp", ports=["80", "443"], cidr="0.0.0.0/0")])
    # DescribeSecurityGroups only because the plan writes: it tells a service-managed group, which refuses writes.
    assert ecs.actions() == ["DescribeSecurityGroupAttribute", "DescribeSecurityGroups", "AuthorizeSecurityGroup"]
    assert result["changed"] is True and result["security_group_id"] == GROUP_ID
    # The plan's result: new rules have no id yet (the API does not return them).
    assert [(item["port_range"], item["security_group_rule_id"]) for item in result["added"]] == [("80/80", ""), ("443/443", "")]
    assert result["rules"] == result["added"]


def test_no_change_costs_one_read():
    ecs = FakeEcs(permissions=[permission("sgr-80", 80)])
    result = run_module(ecs, rules=[rule(protocol="tcp", ports=80, cidr="0.0.0.0/0")])
    assert ecs.actions() == ["DescribeSecurityGroupAttribute"]
    assert result["changed"] is False
    assert [item["security_group_rule_id"] for item in result["rules"]] == ["sgr-80"]


def test_peer_names_and_ids_are_resolved_with_one_describe():
    ecs = FakeEcs()
    run_module(ecs, rules=[rule(protocol="tcp", ports=80, group="web"), rule(protocol="tcp", ports=81, group=WEB_ID)])
    assert ecs.actions() == ["DescribeSecurityGroupAttribute", "DescribeSecurityGroups", "AuthorizeSecurityGroup"]
    assert ecs.calls[1][1] == {"VpcId": VPC}
    assert [fields["SourceGroupId"] for fields in ecs.calls[2][1]["Permissions"]] == [WEB_ID, WEB_ID]


def test_drop_rules_read_the_group_type_and_enterprise_groups_refuse_them():
    ecs = FakeEcs()
    ecs.groups[0]["SecurityGroupType"] = "enterprise"
    result = run_failing(ecs, rules=[rule(protocol="tcp", ports=22, cidr="0.0.0.0/0", policy="drop", priority=100)])
    assert "enterprise" in result["msg"]
    assert ecs.actions() == ["DescribeSecurityGroupAttribute", "DescribeSecurityGroups"]
    assert ecs.calls[1][1]["SecurityGroupIds"] == [GROUP_ID]


def test_group_by_name_is_found_then_read():
    ecs = FakeEcs()
    result = run_module(ecs, security_group="app", vpc_id=VPC, rules=[])
    assert ecs.actions() == ["DescribeSecurityGroups", "DescribeSecurityGroupAttribute"]
    assert result["security_group_id"] == GROUP_ID


def test_group_in_another_vpc_than_vpc_id_fails_before_writes():
    ecs = FakeEcs()
    result = run_failing(ecs, vpc_id="vpc-2", rules=[rule(protocol="tcp", ports=80, cidr="0.0.0.0/0")])
    assert "is in vpc-1, not in vpc_id vpc-2" in result["msg"]
    assert ecs.mutating() == []


def test_a_bad_rule_fails_before_any_call_naming_every_problem():
    ecs = FakeEcs()
    result = run_failing(ecs, rules=[rule(protocol="tcp", ports=80, cidr="0.0.0.0/0"),
                                     rule(protocol="tcp", ports="0-10", cidr="0.0.0.0/0"),
                                     rule(protocol="udp", ports=53, cidr="300.0.0.0/8", priority=0)])
    assert ecs.calls == []
    assert result["msg"].startswith("invalid rules: rules[1]")
    assert len(result["problems"]) == 3
    assert 'ports="0-10"' in result["problems"][0] and 'cidr="300.0.0.0/8"' in result["problems"][1]
    assert "priority=0" in result["problems"][2]


def test_check_mode_predicts_without_writing():
    ecs = FakeEcs(permissions=[permission("sgr-22", 22), permission("sgr-443", 443, description="old")])
    result = run_module(ecs, check_mode=True, diff=True, purge_rules=True,
                        rules=[rule(protocol="tcp", ports=["80", "443"], cidr="0.0.0.0/0", description="web")])
    assert ecs.mutating() == [] and ecs.actions() == ["DescribeSecurityGroupAttribute", "DescribeSecurityGroups"]
    assert result["changed"] is True
    assert [item["port_range"] for item in result["added"]] == ["80/80"]
    assert [item["security_group_rule_id"] for item in result["removed"]] == ["sgr-22"]
    assert [(item["security_group_rule_id"], item["description"]) for item in result["modified"]] == [("sgr-443", "web")]
    assert result["diff"]["before"] == ('ingress accept tcp 22/22 from 0.0.0.0/0 (intranet) priority 1\n'
                                        'ingress accept tcp 443/443 from 0.0.0.0/0 (intranet) priority 1 "old"\n')
    assert result["diff"]["after"] == ('ingress accept tcp 443/443 from 0.0.0.0/0 (intranet) priority 1 "web"\n'
                                       'ingress accept tcp 80/80 from 0.0.0.0/0 (intranet) priority 1 "web"\n')


def test_state_absent_revokes_only_existing_listed_rules():
    ecs = FakeEcs(permissions=[permission("sgr-22", 22), permission("sgr-443", 443)])
    result = run_module(ecs, state="absent", rules=[rule(protocol="tcp", ports=["22", "8080"], cidr="0.0.0.0/0")])
    assert ecs.mutating() == ["RevokeSecurityGroup"]
    assert ecs.calls[-1][1]["SecurityGroupRuleId"] == ["sgr-22"]
    assert [item["security_group_rule_id"] for item in result["rules"]] == ["sgr-443"]


def test_vpc_group_warns_about_internet_nic_type():
    result = run_module(FakeEcs(), check_mode=True, rules=[rule(protocol="tcp", ports=80, cidr="0.0.0.0/0", nic_type="internet")])
    assert any("using intranet" in warning for warning in result["warnings"])
    assert result["added"][0]["nic_type"] == "intranet"


def test_failure_in_the_middle_reports_applied_and_not_applied():
    failure = EcsApiError("RevokeSecurityGroup", "Throttling", "Request was denied due to request throttling.", request_id="R-1",
                          http_status=400, attempts=9)
    ecs = FakeEcs(permissions=[permission("sgr-22", 22)], failures={"RevokeSecurityGroup": failure})
    result = run_failing(ecs, purge_rules=True, rules=[rule(protocol="tcp", ports=80, cidr="0.0.0.0/0")])
    assert result["changed"] is True
    assert result["applied"] == ["authorize ingress accept tcp 80/80 from 0.0.0.0/0 (intranet) priority 1"]
    assert result["not_applied"] == ["revoke ingress accept tcp 22/22 from 0.0.0.0/0 (intranet) priority 1"]
    assert result["error"]["code"] == "Throttling" and result["error"]["request_id"] == "R-1"
    assert result["msg"].startswith("RevokeSecurityGroup failed: Throttling")
    assert "1 of 2 changes were applied" in result["msg"]


def test_failure_of_the_first_call_reports_nothing_applied():
    failure = EcsApiError("AuthorizeSecurityGroup", "AuthorizationLimitExceed", "quota", http_status=403)
    ecs = FakeEcs(failures={"AuthorizeSecurityGroup": failure})
    result = run_failing(ecs, rules=[rule(protocol="tcp", ports=80, cidr="0.0.0.0/0")])
    assert result["changed"] is False and result["applied"] == []
    assert len(result["not_applied"]) == 1


def test_id_like_name_falls_back_to_a_name_lookup():
    ecs = FakeEcs(groups=[{"SecurityGroupId": GROUP_ID, "SecurityGroupName": "sg-legacy", "VpcId": VPC, "SecurityGroupType": "normal"}])
    result = run_module(ecs, security_group="sg-legacy", rules=[])
    assert result["security_group_id"] == GROUP_ID
    assert ecs.actions()[0] == "DescribeSecurityGroupAttribute" and ecs.actions()[-1] == "DescribeSecurityGroupAttribute"
