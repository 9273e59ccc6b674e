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
