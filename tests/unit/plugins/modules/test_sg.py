# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloudwall.alicloud.sg through main() on the shared fake ECS."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

GROUP_ID = "sg-aaaaaaaaaaaaaaaaaaa1"
OTHER_ID = "sg-aaaaaaaaaaaaaaaaaaa2"


def add_web(ecs, group_id=GROUP_ID, vpc_id="vpc-1", tags=None, **overrides):
    ecs.add_group(group_id, overrides.pop("name", "web"), vpc_id=vpc_id, description=overrides.pop("description", "Web tier"),
                  tags={"tier": "web"} if tags is None else tags, **overrides)


# --- validation: before any call ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["ab", "web-tier", "Web_1.prod:blue", "a" * 128, "数据库组", "sg-Legacy", "sg_legacy"])
def test_valid_names_are_accepted(ecs, run_module, name):
    result = run_module("sg", check_mode=True, name=name, vpc_id="vpc-1")
    assert result["changed"] is True and result["security_group"]["security_group_name"] == name


# The whole table of name rules is in module_utils/test_validation.py; these prove the module applies them first.
@pytest.mark.parametrize("name, fragment", [
    ("1web", "starts with '1'"),
    ("web,tier!", "contains '!', ','"),
])
def test_bad_name_fails_naming_value_and_rule(ecs, run_failing, name, fragment):
    result = run_failing("sg", name=name, vpc_id="vpc-1")
    assert result["msg"].startswith("name %r" % name)
    assert fragment in result["msg"]
    assert "allowed: 2 to 128 characters" in result["msg"]
    assert ecs.calls == []


@pytest.mark.parametrize("description, fragment", [
    ("x", "has 1 characters; allowed: 2 to 256"),
    ("HTTP://wiki/page", "starts with http:// or https://"),
])
def test_bad_description_fails(ecs, run_failing, description, fragment):
    result = run_failing("sg", name="web", vpc_id="vpc-1", description=description)
    assert result["msg"].startswith("description")
    assert fragment in result["msg"]
    assert ecs.calls == []


@pytest.mark.parametrize("description", [None, "ok", "x" * 256, "see http://wiki"])
def test_good_description_is_accepted(ecs, run_module, description):
    result = run_module("sg", check_mode=True, name="web", vpc_id="vpc-1", description=description)
    assert result["changed"] is True


def test_validation_fails_before_any_call(ecs, run_failing):
    add_web(ecs)
    result = run_failing("sg", name="9lives", vpc_id="vpc-1")
    assert "name '9lives'" in result["msg"]
    assert ecs.calls == []


def test_enterprise_group_with_accept_policy_fails_before_any_call(ecs, run_failing):
    result = run_failing("sg", name="web", vpc_id="vpc-1", security_group_type="enterprise", inner_access_policy="accept")
    assert result["msg"] == ("inner_access_policy accept is not allowed with security_group_type enterprise; "
                             "enterprise groups always isolate their members (drop)")
    assert result["changed"] is False
    assert ecs.calls == []


# --- updates: one write per kind of change --------------------------------------------------------------------

@pytest.mark.parametrize("args, writes", [
    pytest.param({}, [], id="nothing-given"),
    pytest.param({"name": "web", "description": "Web tier", "inner_access_policy": "accept", "vpc_id": "vpc-1"}, [],
                 id="all-equal"),
    pytest.param({"name": "web2"}, [("ModifySecurityGroupAttribute", {"SecurityGroupName": "web2"})], id="rename"),
    pytest.param({"description": "New text"}, [("ModifySecurityGroupAttribute", {"Description": "New text"})],
                 id="description"),
    pytest.param({"inner_access_policy": "drop"}, [("ModifySecurityGroupPolicy", {"InnerAccessPolicy": "Drop"})],
                 id="policy"),
    pytest.param({"tags": {"tier": "web"}, "purge_tags": True}, [("UntagResources", {"TagKey.1": "owner"})],
                 id="purge-tag"),
    pytest.param({"tags": {"tier": "app"}, "purge_tags": False},
                 [("TagResources", {"Tag.1.Key": "tier", "Tag.1.Value": "app"})], id="change-tag"),
    pytest.param({"tags": None, "purge_tags": True}, [], id="tags-unmanaged"),
])
def test_update_writes_only_what_differs(ecs, run_module, args, writes):
    add_web(ecs, tags={"tier": "web", "owner": "a"})
    result = run_module("sg", security_group_id=GROUP_ID, **args)
    assert result["changed"] is bool(writes)
    assert [action for action, _params in ecs.writes()] == [action for action, _fields in writes]
    for (_action, params), (_same, fields) in zip(ecs.writes(), writes):
        assert dict((key, params.get(key)) for key in fields) == fields
        assert GROUP_ID in params.values()


@pytest.mark.parametrize("args, overrides, fragment", [
    pytest.param({"vpc_id": "vpc-2"}, {}, "vpc_id of %s is 'vpc-1' and cannot change to 'vpc-2'" % GROUP_ID, id="vpc"),
    pytest.param({"security_group_type": "enterprise"}, {}, "security_group_type", id="type"),
    pytest.param({"resource_group_id": "rg-9"}, {}, "resource_group_id", id="resource-group"),
    pytest.param({"inner_access_policy": "accept"}, {"group_type": "enterprise", "policy": "Drop"}, "enterprise group",
                 id="enterprise-accept"),
])
def test_impossible_changes_fail_without_writes(ecs, run_failing, args, overrides, fragment):
    add_web(ecs, **overrides)
    result = run_failing("sg", security_group_id=GROUP_ID, **args)
    assert fragment in result["msg"]
    assert ecs.writes() == []


def test_check_mode_predicts_every_step_of_the_real_run(ecs, run_module):
    add_web(ecs, tags={"tier": "web", "owner": "a"})
    args = dict(security_group_id=GROUP_ID, name="web2", description="Other", inner_access_policy="drop",
                tags={"tier": "app"}, purge_tags=True)
    predicted = run_module("sg", check_mode=True, diff=True, **args)
    assert ecs.writes() == []
    done = run_module("sg", diff=True, **args)
    assert predicted["security_group"] == done["security_group"]
    assert predicted["diff"] == done["diff"]
    after = done["security_group"]
    assert (after["security_group_name"], after["description"], after["inner_access_policy"], after["tags"]) == (
        "web2", "Other", "drop", {"tier": "app"})
    again = run_module("sg", security_group_id=GROUP_ID, name="web2", tags={"tier": "app"}, purge_tags=True)
    assert again["changed"] is False


# --- creation -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, expected", [
    pytest.param({"name": "web"}, {"network_type": "classic", "inner_access_policy": "accept", "vpc_id": ""},
                 id="classic-default-accept"),
    pytest.param({"name": "web", "vpc_id": "vpc-1", "security_group_type": "enterprise"},
                 {"network_type": "vpc", "inner_access_policy": "drop"}, id="enterprise-drop"),
    pytest.param({"name": "web", "tags": {"port": 80}}, {"tags": {"port": "80"}, "security_group_id": None},
                 id="tags-as-text"),
])
def test_check_mode_predicts_the_new_group(ecs, run_module, args, expected):
    predicted = run_module("sg", check_mode=True, **args)["security_group"]
    for key, value in expected.items():
        assert predicted[key] == value
    assert ecs.writes() == []


def test_create_sends_tags_with_the_create_and_sets_a_non_default_policy(ecs, run_module):
    result = run_module("sg", name="web", vpc_id="vpc-1", description="Web tier", inner_access_policy="drop",
                        tags={"tier": "web"})
    assert result["changed"] is True
    assert ecs.write_actions() == ["CreateSecurityGroup", "ModifySecurityGroupPolicy"]
    create = ecs.writes()[0][1]
    assert (create["Tag.1.Key"], create["Tag.1.Value"], create["VpcId"]) == ("tier", "web", "vpc-1")
    assert result["security_group"]["inner_access_policy"] == "drop"
    assert result["security_group"]["tags"] == {"tier": "web"}
    # Exact calls: one lookup, then the writes; the new group is not read back, so its creation time is unknown.
    assert ecs.actions() == ["DescribeSecurityGroups", "CreateSecurityGroup", "ModifySecurityGroupPolicy"]
    assert result["security_group"]["security_group_id"] in ecs.groups
    assert result["security_group"]["creation_time"] is None


def test_create_with_default_policy_makes_one_write(ecs, run_module):
    run_module("sg", name="web", vpc_id="vpc-1", inner_access_policy="accept")
    assert ecs.write_actions() == ["CreateSecurityGroup"]


def test_create_is_idempotent(ecs, run_module):
    first = run_module("sg", name="web", vpc_id="vpc-1", description="Web tier", tags={"tier": "web"})
    second = run_module("sg", name="web", vpc_id="vpc-1", description="Web tier", tags={"tier": "web"})
    assert (first["changed"], second["changed"]) == (True, False)
    assert ecs.write_actions() == ["CreateSecurityGroup"]
    assert second["security_group"]["security_group_id"] == first["security_group"]["security_group_id"]


def test_check_mode_create_makes_no_write_and_reports_unknown_id(ecs, run_module):
    result = run_module("sg", check_mode=True, diff=True, name="web", vpc_id="vpc-1", tags={"a": "1"})
    assert ecs.writes() == []
    assert result["changed"] is True
    assert result["security_group"]["security_group_id"] is None
    assert result["diff"] == {"before": {}, "after": result["security_group"]}


def test_unchanged_group_makes_no_write(ecs, run_module):
    add_web(ecs)
    result = run_module("sg", name="web", vpc_id="vpc-1", description="Web tier", tags={"tier": "web"})
    assert result["changed"] is False
    assert ecs.actions() == ["DescribeSecurityGroups", "DescribeSecurityGroupAttribute"]


def test_update_removes_tags_before_setting_new_ones(ecs, run_module):
    add_web(ecs)
    result = run_module("sg", security_group_id=GROUP_ID, name="web2", tags={"env": "prod"}, purge_tags=True)
    assert ecs.write_actions() == ["ModifySecurityGroupAttribute", "UntagResources", "TagResources"]
    # The two reads, the writes, and (purged tags: another purging run may have written its set) one read of the tags.
    assert ecs.actions() == ["DescribeSecurityGroups", "DescribeSecurityGroupAttribute", "ModifySecurityGroupAttribute",
                             "UntagResources", "TagResources", "DescribeSecurityGroups"]
    assert result["security_group"]["tags"] == {"env": "prod"}
    assert result["security_group"]["security_group_name"] == "web2"
    assert ecs.tags(GROUP_ID) == {"env": "prod"}


def test_ambiguous_name_fails_with_candidates(ecs, run_failing):
    add_web(ecs)
    add_web(ecs, group_id=OTHER_ID, vpc_id="vpc-2")
    result = run_failing("sg", name="web")
    assert result["candidates"] == ["web (sg-aaaaaaaaaaaaaaaaaaa1, vpc-1)", "web (sg-aaaaaaaaaaaaaaaaaaa2, vpc-2)"]
    assert ecs.writes() == []


def test_argument_spec_refuses_an_unknown_choice_before_any_call(ecs, run_failing):
    result = run_failing("sg", name="web", state="gone")
    assert "state" in result["msg"] and "gone" in result["msg"]
    assert ecs.calls == []


# --- deletion -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("member, referenced_by, fragment", [
    pytest.param("i-1", None, "instances i-1 are members", id="member"),
    pytest.param(None, "sg-other", "rules of groups sg-other reference it", id="referenced"),
])
@pytest.mark.parametrize("check_mode", [False, True])
def test_delete_refused_lists_what_keeps_the_group(ecs, run_failing, member, referenced_by, fragment, check_mode):
    add_web(ecs)
    if member:
        ecs.add_instance(member, [GROUP_ID])
    if referenced_by:
        ecs.add_reference(GROUP_ID, referenced_by)
    result = run_failing("sg", check_mode=check_mode, security_group_id=GROUP_ID, state="absent")
    assert fragment in result["msg"]
    assert result["changed"] is False
    # The real run tries the delete (the API refuses it, changing nothing), then reads why; check mode only reads.
    assert ecs.write_actions() == ([] if check_mode else ["DeleteSecurityGroup"])
    assert GROUP_ID in ecs.groups


@pytest.mark.parametrize("check_mode, writes", [(False, ["DeleteSecurityGroup"]), (True, [])])
def test_delete_unused_group(ecs, run_module, check_mode, writes):
    add_web(ecs)
    ecs.add_reference(GROUP_ID, GROUP_ID)  # a self-reference does not block
    result = run_module("sg", check_mode=check_mode, security_group_id=GROUP_ID, state="absent")
    assert result["changed"] is True
    assert ecs.write_actions() == writes
    assert (GROUP_ID in ecs.groups) is check_mode
    # Exact calls: one lookup and the delete; check mode reads members and references instead.
    assert ecs.actions() == (["DescribeSecurityGroups", "DescribeInstances", "DescribeNetworkInterfaces", "DescribeSecurityGroupReferences"]
                             if check_mode else ["DescribeSecurityGroups", "DeleteSecurityGroup"])


def test_delete_of_missing_group_is_a_no_op(ecs, run_module):
    result = run_module("sg", name="web", vpc_id="vpc-1", state="absent")
    assert result["changed"] is False
    assert ecs.writes() == []
