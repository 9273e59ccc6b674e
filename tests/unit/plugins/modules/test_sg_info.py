# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloudwall.alicloud.sg_info through main() on the shared fake ECS."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudwall.alicloud.tests.unit.plugins.modules.fake_ecs import permission


def seed(ecs, count, members=False):
    """``count`` groups in vpc-1, one rule each; group ...01 is named "web", the others "other-NN"."""
    group_ids = ["sg-%020d" % i for i in range(count)]
    for group_id in group_ids:
        ecs.add_group(group_id, "web" if group_id.endswith("01") else "other-" + group_id[-2:], vpc_id="vpc-1",
                      policy="Drop", permissions=[permission("sgr-" + group_id[-4:], 22)])
        if members:
            ecs.add_instance("i-in-" + group_id[-4:], [group_id], vpc_id="vpc-1")
    return group_ids


@pytest.mark.parametrize("max_workers", [1, 2, 4])
def test_rules_are_read_with_bounded_concurrency_in_api_order(ecs, run_module, max_workers):
    group_ids = seed(ecs, 12)
    ecs.delay = 0.02
    result = run_module("sg_info", diff=True, max_workers=max_workers)
    assert ecs.max_in_flight <= max_workers
    if max_workers > 1:
        assert ecs.max_in_flight > 1, "requests were not run concurrently"
    assert [group["security_group_id"] for group in result["security_groups"]] == group_ids
    assert ecs.count("DescribeSecurityGroupAttribute") == 12
    rules = result["security_groups"][3]["rules"]
    assert rules[0]["security_group_rule_id"] == "sgr-0003"
    assert (rules[0]["ip_protocol"], rules[0]["policy"], rules[0]["priority"]) == ("tcp", "accept", 1)
    assert result["security_groups"][3]["inner_access_policy"] == "drop"
    assert "diff" not in result
    assert result["changed"] is False


def test_every_page_of_groups_is_read(ecs, run_module):
    group_ids = seed(ecs, 120)
    result = run_module("sg_info", include_rules=False)
    assert [group["security_group_id"] for group in result["security_groups"]] == group_ids
    assert ecs.count("DescribeSecurityGroups") > 1


def test_without_rules_or_members_only_the_list_is_read(ecs, run_module):
    seed(ecs, 5)
    result = run_module("sg_info", include_rules=False)
    assert ecs.actions() == ["DescribeSecurityGroups"]
    assert all("rules" not in group for group in result["security_groups"])
    assert all(group["inner_access_policy"] is None for group in result["security_groups"])


def test_members_and_references_are_attached_to_each_group(ecs, run_module):
    seed(ecs, 3, members=True)
    result = run_module("sg_info", include_rules=False, include_members=True, include_references=True)
    first = result["security_groups"][0]
    assert first["members"]["instances"][0]["instance_id"] == "i-in-0000"
    assert first["referencing_security_groups"] == []
    assert ecs.count("DescribeSecurityGroupReferences") == 1


def test_filters_are_sent_and_the_name_must_match_exactly(ecs, run_module):
    seed(ecs, 3)
    ecs.add_group("sg-aaaaaaaaaaaaaaaaaaa9", "web-2", vpc_id="vpc-1")
    result = run_module("sg_info", include_rules=False, name="web", vpc_id="vpc-1", network_type="vpc",
                        security_group_type="normal", tags={"env": "prod"})
    sent = ecs.calls[0][1]
    # Exactly these filters, besides paging.
    assert dict((key, value) for key, value in sent.items() if key not in ("MaxResults", "NextToken")) == {
        "SecurityGroupName": "web", "VpcId": "vpc-1", "NetworkType": "vpc", "SecurityGroupType": "normal",
        "Tag.1.Key": "env", "Tag.1.Value": "prod"}
    # The fake filters by tag: no group has env=prod.
    assert result["security_groups"] == []


def test_a_name_that_is_only_a_prefix_does_not_match(ecs, run_module, monkeypatch):
    seed(ecs, 3)
    ecs.add_group("sg-aaaaaaaaaaaaaaaaaaa9", "web-2", vpc_id="vpc-1")
    # ECS matches SecurityGroupName loosely; the module must keep exact matches only.
    loose = ecs.DescribeSecurityGroups
    monkeypatch.setattr(ecs, "DescribeSecurityGroups",
                        lambda params: loose(dict((k, v) for k, v in params.items() if k != "SecurityGroupName")))
    result = run_module("sg_info", include_rules=False, name="web", vpc_id="vpc-1")
    assert [group["security_group_name"] for group in result["security_groups"]] == ["web"]


@pytest.mark.parametrize("args, fragment", [
    pytest.param({"max_workers": 0}, "max_workers is 0; allowed: 1 to 16", id="workers-low"),
    pytest.param({"max_workers": 17}, "max_workers is 17", id="workers-high"),
    pytest.param({"tags": {"aliyun-x": "1"}}, "reserved prefix", id="bad-tag-filter"),
])
def test_bad_arguments_fail_before_any_call(ecs, run_failing, args, fragment):
    seed(ecs, 1)
    result = run_failing("sg_info", **args)
    assert fragment in result["msg"]
    assert ecs.calls == []
