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
