# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time

import pytest

from ansible_collections.cloudwall.alicloud.plugins.modules import sg_info
from ansible_collections.cloudwall.alicloud.tests.unit.plugins.modules.fake_module import FailJson, SinglePageEcs, run_module_class


class FakeEcs(SinglePageEcs):
    """Answers the reads of sg_info and measures how many requests were in flight at once."""

    def __init__(self, group_count, delay=0.0):
        self.group_ids = ["sg-%020d" % i for i in range(group_count)]
        self.delay = delay
        self.calls = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()

    def call(self, action, params=None, mutating=None):
        params = dict(params or {})
        with self.lock:
            self.calls.append((action, params))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            return self.answer(action, params)
        finally:
            with self.lock:
                self.in_flight -= 1

    def answer(self, action, params):
        if action == "DescribeSecurityGroups":
            return {"SecurityGroups": {"SecurityGroup": [
                {"SecurityGroupId": gid, "SecurityGroupName": "web" if gid.endswith("1") else "other-" + gid[-2:],
                 "VpcId": "vpc-1"} for gid in self.group_ids]}}
        if action == "DescribeSecurityGroupAttribute":
            return {"SecurityGroupId": params["SecurityGroupId"], "VpcId": "vpc-1", "InnerAccessPolicy": "Drop",
                    "Permissions": {"Permission": [{"SecurityGroupRuleId": "sgr-" + params["SecurityGroupId"][-4:],
                                                    "IpProtocol": "TCP", "Policy": "Accept", "Priority": "1"}]}}
        if action == "DescribeInstances":
            return {"Instances": {"Instance": [{"InstanceId": "i-in-" + params["SecurityGroupId"][-4:]}]}}
        if action == "DescribeNetworkInterfaces":
            return {"NetworkInterfaceSets": {"NetworkInterfaceSet": []}}
        if action == "DescribeSecurityGroupReferences":
            return {"SecurityGroupReferences": {"SecurityGroupReference": []}}
        raise AssertionError("unexpected action %s" % action)

    def count(self, action):
        return len([1 for name, _params in self.calls if name == action])


def run_module(ecs, **params):
    return run_module_class(sg_info.SecurityGroupInfoModule, ecs, diff=True, **params)


@pytest.mark.parametrize("max_workers", [1, 2, 4])
def test_rules_are_read_with_bounded_concurrency_in_api_order(max_workers):
    ecs = FakeEcs(12, delay=0.02)
    result = run_module(ecs, max_workers=max_workers)
    assert ecs.max_in_flight <= max_workers
    if max_workers > 1:
        assert ecs.max_in_flight > 1, "requests were not run concurrently"
    assert [group["security_group_id"] for group in result["security_groups"]] == ecs.group_ids
    assert ecs.count("DescribeSecurityGroupAttribute") == 12
    rules = result["security_groups"][3]["rules"]
    assert rules[0]["security_group_rule_id"] == "sgr-0003"
    assert (rules[0]["ip_protocol"], rules[0]["policy"], rules[0]["priority"]) == ("tcp", "accept", 1)
    assert result["security_groups"][3]["inner_access_policy"] == "drop"
    assert "diff" not in result


def test_without_rules_or_members_only_the_list_is_read():
    ecs = FakeEcs(5)
    result = run_module(ecs, include_rules=False)
    assert [name for name, _params in ecs.calls] == ["DescribeSecurityGroups"]
    assert all("rules" not in group for group in result["security_groups"])
    assert all(group["inner_access_policy"] is None for group in result["security_groups"])


def test_members_and_references_are_attached_to_each_group():
    ecs = FakeEcs(3)
    result = run_module(ecs, include_rules=False, include_members=True, include_references=True)
    first = result["security_groups"][0]
    assert first["members"]["instances"][0]["instance_id"] == "i-in-0000"
    assert first["referencing_security_groups"] == []
    assert ecs.count("DescribeSecurityGroupReferences") == 1


def test_filters_are_sent_and_the_name_must_match_exactly():
    ecs = FakeEcs(3)
    result = run_module(ecs, include_rules=False, name="web", vpc_id="vpc-1", network_type="vpc",
                        security_group_type="normal", tags={"env": "prod"})
    assert [group["security_group_name"] for group in result["security_groups"]] == ["web"]
    assert ecs.calls[0][1] == {"SecurityGroupName": "web", "VpcId": "vpc-1", "NetworkType": "vpc",
                               "SecurityGroupType": "normal", "Tag": {"env": "prod"}}


@pytest.mark.parametrize("params, fragment", [
    pytest.param({"max_workers": 0}, "max_workers is 0; allowed: 1 to 16", id="workers-low"),
    pytest.param({"max_workers": 17}, "max_workers is 17", id="workers-high"),
    pytest.param({"tags": {"aliyun-x": "1"}}, "reserved prefix", id="bad-tag-filter"),
])
def test_bad_arguments_fail_before_any_call(params, fragment):
    ecs = FakeEcs(1)
    with pytest.raises(FailJson) as raised:
        run_module(ecs, **params)
    assert fragment in raised.value.result["msg"]
    assert ecs.calls == []
