# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudwall.alicloud.plugins.modules import sg_tags
from ansible_collections.cloudwall.alicloud.tests.unit.plugins.modules.fake_module import FailJson, SinglePageEcs, run_module_class

SG1 = "sg-aaaaaaaaaaaaaaaaaaa1"
SG2 = "sg-aaaaaaaaaaaaaaaaaaa2"


class FakeEcs(SinglePageEcs):
    """Groups and their tags; answers DescribeSecurityGroups (with tags), ListTagResources, TagResources, UntagResources."""

    def __init__(self, tags_by_group):
        self.tags = dict((gid, dict(tags)) for gid, tags in tags_by_group.items())
        self.calls = []

    def mutating(self):
        return [(action, params) for action, params in self.calls if not action.startswith(("Describe", "List"))]

    def call(self, action, params=None, mutating=None):
        params = dict(params or {})
        self.calls.append((action, params))
        if action == "TagResources":
            for gid in params["ResourceId"]:
                self.tags[gid].update(params["Tag"])
        elif action == "UntagResources":
            for gid in params["ResourceId"]:
                for key in params["TagKey"]:
                    self.tags[gid].pop(key, None)
        elif action == "ListTagResources":
            return {"TagResources": {"TagResource": [
                {"ResourceId": gid, "TagKey": k, "TagValue": v}
                for gid in params["ResourceId"] for k, v in self.tags[gid].items()]}}
        elif action == "DescribeSecurityGroups":
            # Group sg-...N is named "name-N".
            groups = [{"SecurityGroupId": gid, "SecurityGroupName": "name-" + gid[-1], "VpcId": "vpc-1",
                       "Tags": {"Tag": [{"TagKey": k, "TagValue": v} for k, v in self.tags[gid].items()]}}
                      for gid in params.get("SecurityGroupIds") or list(self.tags) if gid in self.tags]
            wanted = params.get("SecurityGroupName")
            return {"SecurityGroups": {"SecurityGroup": [
                group for group in groups if wanted in (None, group["SecurityGroupName"])]}}
        return {}


def run_module(ecs, check_mode=False, diff=False, **params):
    return run_module_class(sg_tags.SecurityGroupTagsModule, ecs, check_mode, diff, **params)


@pytest.mark.parametrize("current, tags, purge, state, plan", [
    pytest.param({SG1: {}}, {"a": "1"}, False, "present", {SG1: ({"a": "1"}, [])}, id="add"),
    pytest.param({SG1: {"a": "1"}}, {"a": "1"}, False, "present", {}, id="unchanged-omitted"),
    pytest.param({SG1: {"a": "1", "b": "2"}}, {"a": "1"}, True, "present", {SG1: ({}, ["b"])}, id="purge"),
    pytest.param({SG1: {"a": "1"}, SG2: {"a": "2"}}, {"a": "2"}, False, "present", {SG1: ({"a": "2"}, [])},
                 id="only-groups-that-differ"),
    pytest.param({SG1: {"a": "1", "b": "2"}}, {"a": None, "b": "9"}, True, "absent", {SG1: ({}, ["a"])},
                 id="absent-ignores-purge-and-other-values"),
    pytest.param({SG1: {}}, {"a": None}, False, "absent", {}, id="absent-missing-key"),
])
def test_plan_tags(current, tags, purge, state, plan):
    assert sg_tags.plan_tags(current, tags, purge, state) == plan


def test_plan_tags_refuses_more_than_20_after_merge():
    current = {SG1: dict(("k%d" % i, "") for i in range(19))}
    with pytest.raises(ValueError, match="%s would carry 21 tags" % SG1):
        sg_tags.plan_tags(current, {"x": "1", "y": "2"}, False, "present")


def test_same_change_on_two_groups_is_one_write():
    ecs = FakeEcs({SG1: {}, SG2: {"old": "x"}})
    result = run_module(ecs, security_group=[SG1, SG2], tags={"env": "prod"}, purge_tags=True)
    writes = ecs.mutating()
    assert [(action, sorted(params["ResourceId"])) for action, params in writes] == [
        ("UntagResources", [SG2]), ("TagResources", [SG1, SG2])]
    assert result["tags"] == {SG1: {"env": "prod"}, SG2: {"env": "prod"}}
    assert result["added"] == {SG1: {"env": "prod"}, SG2: {"env": "prod"}}
    assert result["removed"] == {SG2: ["old"]}
    # Exact calls: the groups and their tags in one read, the two writes, nothing read back.
    assert [action for action, _params in ecs.calls] == ["DescribeSecurityGroups", "UntagResources", "TagResources"]


def test_no_op_is_one_read():
    ecs = FakeEcs({SG1: {"a": "1"}, SG2: {"a": "1", "b": "2"}})
    result = run_module(ecs, security_group=[SG1, SG2], tags={"a": "1"})
    assert result["changed"] is False
    assert result["tags"] == {SG1: {"a": "1"}, SG2: {"a": "1", "b": "2"}}
    assert [action for action, _params in ecs.calls] == ["DescribeSecurityGroups"]


def test_check_mode_reports_the_plan_without_writing():
    ecs = FakeEcs({SG1: {"a": "1"}})
    result = run_module(ecs, check_mode=True, diff=True, security_group=[SG1], tags={"b": "2"}, purge_tags=True)
    assert ecs.mutating() == []
    assert result["changed"] is True
    assert result["diff"] == {"before": {SG1: {"a": "1"}}, "after": {SG1: {"b": "2"}}}
    assert result["tags"] == {SG1: {"b": "2"}}


def test_names_and_duplicate_references_resolve_to_one_group():
    ecs = FakeEcs({SG1: {}})
    result = run_module(ecs, security_group=[SG1, "name-1"], tags={"a": "1"})
    assert result["security_group_ids"] == [SG1]
    assert len(ecs.mutating()) == 1


@pytest.mark.parametrize("params, fragment", [
    pytest.param({"security_group": [SG1], "tags": {"acs:x": "1"}}, "reserved prefix", id="bad-key"),
    pytest.param({"security_group": [SG1], "tags": {"k": None, "j": True}}, "value of tag 'j'", id="bool-value"),
    pytest.param({"security_group": ["  "], "tags": {"k": "v"}}, "at least one group", id="no-group"),
])
def test_validation_before_any_call(params, fragment):
    ecs = FakeEcs({SG1: {}})
    with pytest.raises(FailJson) as raised:
        run_module(ecs, **params)
    assert fragment in raised.value.result["msg"]
    assert ecs.calls == []


def test_unknown_group_fails_without_writes():
    ecs = FakeEcs({SG1: {}})
    with pytest.raises(FailJson) as raised:
        run_module(ecs, security_group=["missing"], tags={"k": "v"})
    assert "no security group with id or name 'missing'" in raised.value.result["msg"]
    assert ecs.mutating() == []
