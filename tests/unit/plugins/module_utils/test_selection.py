# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils._selection import (
    SELECTION_ARGUMENT_SPEC,
    describe_selection,
    select_groups,
    selection,
    selection_problems,
)

DEFAULTS = dict((name, option.get("default")) for name, option in SELECTION_ARGUMENT_SPEC.items())


def params(**given):
    return dict(DEFAULTS, **given)


@pytest.mark.parametrize("filters, expected", [
    pytest.param({"VpcId": "vpc-1"}, {"vpc_id": "vpc-1"}, id="api-name"),
    pytest.param({"vpc_id": "vpc-1"}, {"vpc_id": "vpc-1"}, id="snake-name"),
    pytest.param({"SecurityGroupIds": '["sg-1", "sg-2"]'}, {"security_group_ids": ["sg-1", "sg-2"]}, id="ids-json-array"),
    pytest.param({"SecurityGroupIds": "sg-1, sg-2"}, {"security_group_ids": ["sg-1", "sg-2"]}, id="ids-comma-list"),
    pytest.param({"Tag": [{"Key": "env", "Value": "prod"}]}, {"tags": {"env": "prod"}}, id="tag-list"),
    pytest.param({"NetworkType": "VPC", "SecurityGroupType": "Normal"}, {"network_type": "vpc", "security_group_type": "normal"},
                 id="choices-any-case"),
    pytest.param({"ResourceGroupId": "rg-1"}, {"resource_group_id": "rg-1"}, id="resource-group"),
])
def test_filters_fill_their_options(filters, expected):
    chosen, problems = selection(params(filters=filters))
    assert problems == []
    for key, value in expected.items():
        assert chosen[key] == value


@pytest.mark.parametrize("given, fragment", [
    pytest.param({"filters": {"InstanceId": "i-1"}}, "filters has InstanceId, which is not a DescribeSecurityGroups filter; allowed: "
                 "NetworkType, ResourceGroupId", id="unknown-filter"),
    pytest.param({"filters": {"VpcId": "vpc-2"}, "vpc_id": "vpc-1"}, "filters.VpcId is 'vpc-2' but vpc_id is 'vpc-1'", id="conflict"),
    pytest.param({"filters": {"NetworkType": "hybrid"}}, "NetworkType is 'hybrid'; allowed: vpc, classic", id="bad-choice"),
])
def test_bad_filters_name_the_filter_and_what_is_allowed(given, fragment):
    problems = selection(params(**given))[1]
    assert any(fragment in problem for problem in problems), problems


# The merged selection is checked: each filter takes what the API takes for it (a string, a list of group ids, tags),
# and a problem names the filter as written and its value.
@pytest.mark.parametrize("filters, fragments", [
    pytest.param({"VpcId": ["vpc-a", "vpc-b"]}, ["filters.VpcId is a list", "vpc-a", "allowed: a string"], id="vpc-list"),
    pytest.param({"vpc_id": {"x": 1}}, ["filters.vpc_id is a dictionary", "allowed: a string"], id="snake-vpc-dict"),
    pytest.param({"ResourceGroupId": {"x": 1}}, ["filters.ResourceGroupId is a dictionary", "{'x': 1}", "allowed: a string"],
                 id="resource-group-dict"),
    pytest.param({"SecurityGroupName": ["web"]}, ["filters.SecurityGroupName is a list", "['web']", "allowed: a string"],
                 id="name-list"),
    pytest.param({"NetworkType": True}, ["filters.NetworkType is a boolean", "allowed: a string"], id="network-type-bool"),
    pytest.param({"SecurityGroupType": "premium"}, ["filters.SecurityGroupType is 'premium'; allowed: normal, enterprise"],
                 id="group-type-choice"),
    pytest.param({"SecurityGroupIds": ["web"]}, ["filters.SecurityGroupIds holds 'web'", "not group ids", "filters.SecurityGroupName"],
                 id="ids-holding-a-name"),
    pytest.param({"SecurityGroupId": "sg-1, web"}, ["filters.SecurityGroupId holds 'web'"], id="comma-ids-holding-a-name"),
    pytest.param({"security_group_ids": '["sg-1", 7]'}, ["filters.security_group_ids holds 7"], id="json-ids-holding-a-number"),
    pytest.param({"SecurityGroupIds": '["sg-1"'}, ["filters.SecurityGroupIds is '[\"sg-1\"'", "not a JSON array"],
                 id="ids-bad-json"),
    pytest.param({"SecurityGroupIds": {"id": "sg-1"}}, ["filters.SecurityGroupIds is a dictionary", "allowed: a list of"],
                 id="ids-dict"),
    pytest.param({"Tag": [{"Key": "env", "Value": ["a", "b"]}]}, ["filters.Tag[0]", "['a', 'b']", "{Key: a string, Value: a string}"],
                 id="tag-list-value"),
    pytest.param({"Tag": [{"Key": ["env"], "Value": "prod"}]}, ["filters.Tag[0]", "['env']"], id="tag-list-key"),
    pytest.param({"Tag": ["env=prod"]}, ["filters.Tag[0] is 'env=prod'"], id="tag-item-a-string"),
    pytest.param({"Tag": "env"}, ["filters.Tag is a str", "allowed: a list of"], id="tag-a-string"),
    pytest.param({"tags": {"env": {"a": 1}}}, ["filters.tags: value of tag 'env'", "{'a': 1}"], id="tag-dict-value"),
    pytest.param({"Tag": [{"Key": "acs:x", "Value": "y"}]}, ["filters.Tag: tag key 'acs:x'", "reserved"], id="tag-reserved"),
])
def test_filters_take_what_the_api_takes(filters, fragments):
    problems = selection_problems(params(filters=filters))
    assert len(problems) == 1, problems
    for fragment in fragments:
        assert fragment in problems[0]


@pytest.mark.parametrize("given, fragment", [
    pytest.param({"security_group_ids": ["sg-1", "web"]}, "security_group_ids holds 'web'", id="option"),
    pytest.param({"tags": {"env": ["a"]}}, "tags: value of tag 'env'", id="tags-option"),
])
def test_options_are_checked_by_the_same_code(given, fragment):
    problems = selection_problems(params(**given))
    assert len(problems) == 1 and fragment in problems[0] and "filters." not in problems[0], problems


def test_a_refused_filter_selects_nothing_rather_than_something_else():
    chosen, problems = selection(params(filters={"SecurityGroupIds": ["web"], "VpcId": ["vpc-a"]}))
    assert len(problems) == 2
    assert chosen["security_group_ids"] is None and chosen["vpc_id"] is None


def test_describe_selection_lists_the_filters_in_use():
    chosen = selection(params(vpc_id="vpc-1", name_prefix="web", tags={"env": "prod"}))[0]
    assert describe_selection(chosen) == 'name_prefix="web", vpc_id="vpc-1", tags={"env": "prod"}'
    assert describe_selection(selection(params())[0]) == "no filter"


class FakeClient:
    def __init__(self, groups):
        self.groups = groups
        self.calls = []

    def paginate(self, action, request, items_path, style="token", page_size=None):
        self.calls.append((action, dict(request)))
        return list(self.groups)


def test_name_prefix_is_applied_after_the_api_filters():
    client = FakeClient([{"SecurityGroupId": "sg-1", "SecurityGroupName": "web-a"}, {"SecurityGroupId": "sg-2", "SecurityGroupName": "db"}])
    found = select_groups(client, params(name_prefix="web", filters={"VpcId": "vpc-1"}))
    assert [group["SecurityGroupId"] for group in found] == ["sg-1"]
    assert client.calls[0][1]["VpcId"] == "vpc-1"
