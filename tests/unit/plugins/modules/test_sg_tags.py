# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloudwall.alicloud.sg_tags through main() on the shared fake ECS."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

SG1 = "sg-aaaaaaaaaaaaaaaaaaa1"
SG2 = "sg-aaaaaaaaaaaaaaaaaaa2"


def seed(ecs, tags_by_group):
    # Group sg-...N is named "name-N".
    for group_id, tags in tags_by_group.items():
        ecs.add_group(group_id, "name-" + group_id[-1], vpc_id="vpc-1", tags=tags)


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
def test_plan_per_group(ecs, run_module, current, tags, purge, state, plan):
    seed(ecs, current)
    result = run_module("sg_tags", security_group=list(current), tags=tags, purge_tags=purge, state=state)
    assert result["changed"] is bool(plan)
    assert result["added"] == dict((group_id, added) for group_id, (added, _removed) in plan.items() if added)
    assert result["removed"] == dict((group_id, removed) for group_id, (_added, removed) in plan.items() if removed)
    written = set(params["ResourceId.1"] for _action, params in ecs.writes())
    assert written == set(plan)


def test_more_than_20_tags_after_merge_fails_before_writes(ecs, run_failing):
    seed(ecs, {SG1: dict(("k%d" % i, "") for i in range(19))})
    result = run_failing("sg_tags", security_group=[SG1], tags={"x": "1", "y": "2"})
    assert "%s would carry 21 tags" % SG1 in result["msg"]
    assert ecs.writes() == []


def test_same_change_on_two_groups_is_one_write(ecs, run_module):
    seed(ecs, {SG1: {}, SG2: {"old": "x"}})
    result = run_module("sg_tags", security_group=[SG1, SG2], tags={"env": "prod"}, purge_tags=True)
    writes = [(action, sorted(value for key, value in params.items() if key.startswith("ResourceId.")))
              for action, params in ecs.writes()]
    assert writes == [("UntagResources", [SG2]), ("TagResources", [SG1, SG2])]
    assert result["tags"] == {SG1: {"env": "prod"}, SG2: {"env": "prod"}}
    assert result["added"] == {SG1: {"env": "prod"}, SG2: {"env": "prod"}}
    assert result["removed"] == {SG2: ["old"]}
    assert (ecs.tags(SG1), ecs.tags(SG2)) == ({"env": "prod"}, {"env": "prod"})
    # Exact calls: the groups and their tags in one read, the two writes, and (purge_tags) one read of the tags after.
    assert ecs.actions() == ["DescribeSecurityGroups", "UntagResources", "TagResources", "DescribeSecurityGroups"]


def test_check_mode_reports_the_plan_without_writing(ecs, run_module):
    seed(ecs, {SG1: {"a": "1"}})
    result = run_module("sg_tags", check_mode=True, diff=True, security_group=[SG1], tags={"b": "2"}, purge_tags=True)
    assert ecs.writes() == []
    assert result["changed"] is True
    assert result["diff"] == {"before": {SG1: {"a": "1"}}, "after": {SG1: {"b": "2"}}}
    assert result["tags"] == {SG1: {"b": "2"}}


def test_second_run_changes_nothing(ecs, run_module):
    seed(ecs, {SG1: {"a": "1"}})
    first = run_module("sg_tags", security_group=[SG1], tags={"b": "2"}, purge_tags=True)
    second = run_module("sg_tags", security_group=[SG1], tags={"b": "2"}, purge_tags=True)
    assert (first["changed"], second["changed"]) == (True, False)
    assert ecs.write_actions() == ["UntagResources", "TagResources"]
    # The no-op is one read: DescribeSecurityGroups answers the tags too.
    assert ecs.actions()[4:] == ["DescribeSecurityGroups"]
    assert second["tags"] == {SG1: {"b": "2"}}


def test_names_and_duplicate_references_resolve_to_one_group(ecs, run_module):
    seed(ecs, {SG1: {}})
    result = run_module("sg_tags", security_group=[SG1, "name-1"], tags={"a": "1"})
    assert result["security_group_ids"] == [SG1]
    assert len(ecs.writes()) == 1


def test_a_single_group_may_be_given_as_a_string(ecs, run_module):
    seed(ecs, {SG1: {}})
    result = run_module("sg_tags", security_group=SG1, tags={"a": "1"})
    assert result["security_group_ids"] == [SG1] and ecs.tags(SG1) == {"a": "1"}


@pytest.mark.parametrize("args, fragment", [
    pytest.param({"security_group": [SG1], "tags": {"acs:x": "1"}}, "reserved prefix", id="bad-key"),
    pytest.param({"security_group": [SG1], "tags": {"k": None, "j": True}}, "value of tag 'j'", id="bool-value"),
    pytest.param({"security_group": ["  "], "tags": {"k": "v"}}, "at least one group", id="no-group"),
])
def test_validation_before_any_call(ecs, run_failing, args, fragment):
    seed(ecs, {SG1: {}})
    result = run_failing("sg_tags", **args)
    assert fragment in result["msg"]
    assert ecs.calls == []


def test_unknown_group_fails_without_writes(ecs, run_failing):
    seed(ecs, {SG1: {}})
    result = run_failing("sg_tags", security_group=["missing"], tags={"k": "v"})
    assert "no security group with id or name 'missing'" in result["msg"]
    assert ecs.writes() == []


def test_a_purging_run_ends_with_its_own_set_when_another_purging_run_wrote_meanwhile(ecs, run_module):
    # Both runs read {}; the other run declares {team: b} (purged) and tags right after our TagResources.
    seed(ecs, {SG1: {}})
    original = ecs.TagResources

    def tag(params):
        answer = original(params)
        if "team" not in ecs.tags(SG1):
            ecs.groups[SG1]["Tags"]["team"] = "b"
        return answer
    ecs.TagResources = tag
    result = run_module("sg_tags", security_group=[SG1], tags={"env": "a"}, purge_tags=True)
    assert ecs.tags(SG1) == {"env": "a"}, "the group must end with this run's set, not the union"
    assert result["tags"] == {SG1: {"env": "a"}}
    assert ecs.actions() == ["DescribeSecurityGroups", "TagResources", "DescribeSecurityGroups", "UntagResources",
                             "DescribeSecurityGroups"]


def test_without_purge_nothing_is_read_back(ecs, run_module):
    seed(ecs, {SG1: {}})
    run_module("sg_tags", security_group=[SG1], tags={"env": "a"})
    assert ecs.actions() == ["DescribeSecurityGroups", "TagResources"]
