# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudwall.alicloud.plugins.modules import sg
from ansible_collections.cloudwall.alicloud.tests.unit.plugins.modules.fake_module import FailJson, SinglePageEcs, default_params, run_module_class

GROUP_ID = "sg-aaaaaaaaaaaaaaaaaaa1"


class FakeEcs(SinglePageEcs):
    """Just enough of ECS for the sg module: groups with tags and policy, members, references."""

    def __init__(self, groups=None, instances=None, references=None):
        self.groups = dict((group["SecurityGroupId"], group) for group in (groups or []))
        self.instances = instances or []
        self.references = references or {}
        self.calls = []

    def mutating(self):
        return [action for action, _params in self.calls if not action.startswith(("Describe", "List"))]

    def call(self, action, params=None, mutating=None):
        params = dict(params or {})
        self.calls.append((action, params))
        return getattr(self, action)(params)

    def DescribeSecurityGroups(self, params):
        found = list(self.groups.values())
        if "SecurityGroupIds" in params:
            found = [x for x in found if x["SecurityGroupId"] in params["SecurityGroupIds"]]
        for field in ("SecurityGroupName", "VpcId"):
            if field in params:
                found = [x for x in found if x[field] == params[field]]
        return {"SecurityGroups": {"SecurityGroup": [dict(x) for x in found]}}

    def DescribeSecurityGroupAttribute(self, params):
        group = self.groups[params["SecurityGroupId"]]
        return {"SecurityGroupId": group["SecurityGroupId"], "VpcId": group["VpcId"],
                "InnerAccessPolicy": group.get("InnerAccessPolicy", "Accept"), "Permissions": {"Permission": []}}

    def CreateSecurityGroup(self, params):
        group_id = "sg-new0000000000000000001"
        self.groups[group_id] = {
            "SecurityGroupId": group_id, "SecurityGroupName": params.get("SecurityGroupName"),
            "Description": params.get("Description", ""), "VpcId": params.get("VpcId", ""),
            "SecurityGroupType": params.get("SecurityGroupType", "normal"), "CreationTime": "2026-01-01T00:00:00Z",
            "ResourceGroupId": params.get("ResourceGroupId", ""),
            "Tags": {"Tag": [{"TagKey": k, "TagValue": v} for k, v in (params.get("Tag") or {}).items()]},
        }
        return {"SecurityGroupId": group_id}

    def ModifySecurityGroupAttribute(self, params):
        group = self.groups[params["SecurityGroupId"]]
        group["SecurityGroupName"] = params.get("SecurityGroupName", group["SecurityGroupName"])
        group["Description"] = params.get("Description", group["Description"])
        return {}

    def ModifySecurityGroupPolicy(self, params):
        self.groups[params["SecurityGroupId"]]["InnerAccessPolicy"] = params["InnerAccessPolicy"]
        return {}

    def _tags(self, group_id):
        return dict((t["TagKey"], t["TagValue"]) for t in self.groups[group_id]["Tags"]["Tag"])

    def _set_tags(self, group_id, tags):
        self.groups[group_id]["Tags"] = {"Tag": [{"TagKey": k, "TagValue": v} for k, v in tags.items()]}

    def TagResources(self, params):
        for group_id in params["ResourceId"]:
            tags = self._tags(group_id)
            tags.update(params["Tag"])
            self._set_tags(group_id, tags)
        return {}

    def UntagResources(self, params):
        for group_id in params["ResourceId"]:
            self._set_tags(group_id, dict((k, v) for k, v in self._tags(group_id).items()
                                          if k not in params["TagKey"]))
        return {}

    def DescribeInstances(self, params):
        return {"Instances": {"Instance": [i for i in self.instances
                                           if params["SecurityGroupId"] in i["SecurityGroupIds"]["SecurityGroupId"]]}}

    def DescribeNetworkInterfaces(self, params):
        return {"NetworkInterfaceSets": {"NetworkInterfaceSet": []}}

    def DescribeSecurityGroupReferences(self, params):
        return {"SecurityGroupReferences": {"SecurityGroupReference": [
            {"SecurityGroupId": gid, "ReferencingSecurityGroups": {"ReferencingSecurityGroup": [
                {"SecurityGroupId": ref} for ref in self.references.get(gid, [])]}}
            for gid in params["SecurityGroupId"]]}}

    def DeleteSecurityGroup(self, params):
        del self.groups[params["SecurityGroupId"]]
        return {}


def existing_group(**overrides):
    group = {"SecurityGroupId": GROUP_ID, "SecurityGroupName": "web", "Description": "Web tier", "VpcId": "vpc-1",
             "SecurityGroupType": "normal", "CreationTime": "2026-01-01T00:00:00Z", "ResourceGroupId": "",
             "InnerAccessPolicy": "Accept", "Tags": {"Tag": [{"TagKey": "tier", "TagValue": "web"}]}}
    group.update(overrides)
    return group


def module_params(**overrides):
    return default_params(sg.SecurityGroupModule, **overrides)


def run_module(ecs, check_mode=False, diff=False, **params):
    return run_module_class(sg.SecurityGroupModule, ecs, check_mode, diff, **params)


# --- pure validation ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["ab", "web-tier", "Web_1.prod:blue", "a" * 128, "数据库组", "sg-legacy"])
def test_validate_name_accepts(name):
    sg.validate_name(name)


@pytest.mark.parametrize("name, fragment", [
    ("a", "has 1 characters"),
    ("a" * 129, "has 129 characters"),
    ("1web", "starts with '1'"),
    ("-web", "starts with '-'"),
    ("http://web", "starts with http://"),
    ("web tier", "contains ' '"),
    ("web/tier", "contains '/'"),
    ("web,tier!", "contains '!', ','"),
])
def test_validate_name_rejects_naming_value_and_rule(name, fragment):
    with pytest.raises(ValueError) as raised:
        sg.validate_name(name)
    assert str(raised.value).startswith("name %r" % name)
    assert fragment in str(raised.value)
    assert "allowed: 2 to 128 characters" in str(raised.value)


@pytest.mark.parametrize("description, fragment", [
    ("x", "has 1 characters; allowed: 2 to 256"),
    ("x" * 257, "has 257 characters"),
    ("https://wiki/page", "starts with http:// or https://"),
    ("HTTP://wiki/page", "starts with http:// or https://"),
])
def test_validate_description_rejects(description, fragment):
    with pytest.raises(ValueError, match=r"^description"):
        sg.validate_description(description)
    with pytest.raises(ValueError) as raised:
        sg.validate_description(description)
    assert fragment in str(raised.value)


@pytest.mark.parametrize("description", [None, "ok", "x" * 256, "see http://wiki"])
def test_validate_description_accepts(description):
    sg.validate_description(description)


# --- pure planning --------------------------------------------------------------------------------------------

CURRENT = {"security_group_id": GROUP_ID, "security_group_name": "web", "description": "Web tier", "vpc_id": "vpc-1",
           "security_group_type": "normal", "inner_access_policy": "accept", "resource_group_id": "",
           "tags": {"tier": "web", "owner": "a"}}


@pytest.mark.parametrize("params, steps", [
    pytest.param({}, {}, id="nothing-given"),
    pytest.param({"name": "web", "description": "Web tier", "inner_access_policy": "accept", "vpc_id": "vpc-1"}, {},
                 id="all-equal"),
    pytest.param({"name": "web2"}, {"attribute": {"name": "web2"}}, id="rename"),
    pytest.param({"description": "New text"}, {"attribute": {"description": "New text"}}, id="description"),
    pytest.param({"inner_access_policy": "drop"}, {"policy": "drop"}, id="policy"),
    pytest.param({"tags": {"tier": "web"}, "purge_tags": True}, {"tags_remove": ["owner"]}, id="purge-tag"),
    pytest.param({"tags": {"tier": "app"}, "purge_tags": False}, {"tags_set": {"tier": "app"}}, id="change-tag"),
    pytest.param({"tags": None, "purge_tags": True}, {}, id="tags-unmanaged"),
])
def test_plan_update(params, steps):
    assert sg.plan_update(CURRENT, params) == steps


@pytest.mark.parametrize("params, current, fragment", [
    pytest.param({"vpc_id": "vpc-2"}, CURRENT, "vpc_id of %s is 'vpc-1' and cannot change to 'vpc-2'" % GROUP_ID,
                 id="vpc"),
    pytest.param({"security_group_type": "enterprise"}, CURRENT, "security_group_type", id="type"),
    pytest.param({"resource_group_id": "rg-9"}, CURRENT, "resource_group_id", id="resource-group"),
    pytest.param({"inner_access_policy": "accept"},
                 dict(CURRENT, security_group_type="enterprise", inner_access_policy="drop"),
                 "enterprise group", id="enterprise-accept"),
])
def test_plan_update_refuses_impossible_changes(params, current, fragment):
    with pytest.raises(ValueError) as raised:
        sg.plan_update(current, params)
    assert fragment in str(raised.value)


def test_apply_update_plan_predicts_every_step():
    steps = sg.plan_update(CURRENT, {"name": "web2", "description": "Other", "inner_access_policy": "drop",
                                     "tags": {"tier": "app"}, "purge_tags": True})
    after = sg.apply_update_plan(CURRENT, steps)
    assert after == dict(CURRENT, security_group_name="web2", description="Other", inner_access_policy="drop",
                         tags={"tier": "app"})
    assert sg.plan_update(after, {"name": "web2", "tags": {"tier": "app"}, "purge_tags": True}) == {}


@pytest.mark.parametrize("params, expected", [
    pytest.param({"name": "web"}, {"network_type": "classic", "inner_access_policy": "accept", "vpc_id": ""},
                 id="classic-default-accept"),
    pytest.param({"name": "web", "vpc_id": "vpc-1", "security_group_type": "enterprise"},
                 {"network_type": "vpc", "inner_access_policy": "drop"}, id="enterprise-drop"),
    pytest.param({"name": "web", "tags": {"port": 80}}, {"tags": {"port": "80"}, "security_group_id": None},
                 id="tags-as-text"),
])
def test_predicted_new_group(params, expected):
    predicted = sg.predicted_new_group(params)
    for key, value in expected.items():
        assert predicted[key] == value


# --- the module class on a fake ECS ---------------------------------------------------------------------------

def test_create_sends_tags_with_the_create_and_sets_a_non_default_policy():
    ecs = FakeEcs()
    result = run_module(ecs, name="web", vpc_id="vpc-1", description="Web tier", inner_access_policy="drop",
                        tags={"tier": "web"})
    assert result["changed"] is True
    assert ecs.mutating() == ["CreateSecurityGroup", "ModifySecurityGroupPolicy"]
    assert result["security_group"]["inner_access_policy"] == "drop"
    assert result["security_group"]["tags"] == {"tier": "web"}


def test_create_with_default_policy_makes_one_write():
    ecs = FakeEcs()
    run_module(ecs, name="web", vpc_id="vpc-1", inner_access_policy="accept")
    assert ecs.mutating() == ["CreateSecurityGroup"]


def test_check_mode_create_makes_no_write_and_reports_unknown_id():
    ecs = FakeEcs()
    result = run_module(ecs, check_mode=True, diff=True, name="web", vpc_id="vpc-1", tags={"a": "1"})
    assert ecs.mutating() == []
    assert result["changed"] is True
    assert result["security_group"]["security_group_id"] is None
    assert result["diff"] == {"before": {}, "after": result["security_group"]}


def test_unchanged_group_makes_no_write():
    ecs = FakeEcs([existing_group()])
    result = run_module(ecs, name="web", vpc_id="vpc-1", description="Web tier", tags={"tier": "web"})
    assert result["changed"] is False
    assert ecs.mutating() == []


def test_update_removes_tags_before_setting_new_ones():
    ecs = FakeEcs([existing_group()])
    result = run_module(ecs, security_group_id=GROUP_ID, name="web2", tags={"env": "prod"}, purge_tags=True)
    assert ecs.mutating() == ["ModifySecurityGroupAttribute", "UntagResources", "TagResources"]
    assert result["security_group"]["tags"] == {"env": "prod"}
    assert result["security_group"]["security_group_name"] == "web2"


def test_validation_fails_before_any_call():
    ecs = FakeEcs([existing_group()])
    with pytest.raises(FailJson) as raised:
        run_module(ecs, name="9lives", vpc_id="vpc-1")
    assert "name '9lives'" in raised.value.result["msg"]
    assert ecs.calls == []


def test_ambiguous_name_fails_with_candidates():
    ecs = FakeEcs([existing_group(), existing_group(SecurityGroupId="sg-aaaaaaaaaaaaaaaaaaa2", VpcId="vpc-2")])
    with pytest.raises(FailJson) as raised:
        run_module(ecs, name="web")
    assert raised.value.result["candidates"] == ["web (sg-aaaaaaaaaaaaaaaaaaa1, vpc-1)",
                                                 "web (sg-aaaaaaaaaaaaaaaaaaa2, vpc-2)"]
    assert ecs.mutating() == []


@pytest.mark.parametrize("instances, references, fragment", [
    pytest.param([{"InstanceId": "i-1", "SecurityGroupIds": {"SecurityGroupId": [GROUP_ID]}}], {},
                 "instances i-1 are members", id="member"),
    pytest.param([], {GROUP_ID: ["sg-other"]}, "rules of groups sg-other reference it", id="referenced"),
])
def test_delete_refused_before_any_write(instances, references, fragment):
    ecs = FakeEcs([existing_group()], instances=instances, references=references)
    with pytest.raises(FailJson) as raised:
        run_module(ecs, security_group_id=GROUP_ID, state="absent")
    assert fragment in raised.value.result["msg"]
    assert ecs.mutating() == []
    assert GROUP_ID in ecs.groups


@pytest.mark.parametrize("check_mode, writes", [(False, ["DeleteSecurityGroup"]), (True, [])])
def test_delete_unused_group(check_mode, writes):
    ecs = FakeEcs([existing_group()], references={GROUP_ID: [GROUP_ID]})  # a self-reference does not block
    result = run_module(ecs, check_mode=check_mode, security_group_id=GROUP_ID, state="absent")
    assert result["changed"] is True
    assert ecs.mutating() == writes


def test_delete_of_missing_group_is_a_no_op():
    ecs = FakeEcs()
    result = run_module(ecs, name="web", vpc_id="vpc-1", state="absent")
    assert result["changed"] is False
    assert ecs.mutating() == []
