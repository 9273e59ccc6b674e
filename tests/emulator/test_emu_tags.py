# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TagResources / UntagResources / ListTagResources on security groups (ECS_API.md section 3)."""

from __future__ import annotations

import json

from aliyunsdkecs.request.v20140526.DescribeSecurityGroupsRequest import DescribeSecurityGroupsRequest
from aliyunsdkecs.request.v20140526.ListTagResourcesRequest import ListTagResourcesRequest
from aliyunsdkecs.request.v20140526.TagResourcesRequest import TagResourcesRequest
from aliyunsdkecs.request.v20140526.UntagResourcesRequest import UntagResourcesRequest

from ansible_collections.cloudwall.alicloud.tests.lib.emulator_harness import World

WEB = World.SG_WEB
DB = World.SG_DB


def tag(ecs, resource_ids, **tags):
    return ecs.call(TagResourcesRequest, ResourceType="securitygroup", ResourceIds=list(resource_ids),
                    Tags=[{"Key": key, "Value": value} for key, value in tags.items()])


def listed(ecs, **filters):
    """Every TagResource entry as (ResourceId, TagKey, TagValue), following NextToken to the end."""
    entries, token = [], None
    while True:
        params = dict(filters, ResourceType="securitygroup")
        if token:
            params["NextToken"] = token
        page = ecs.call(ListTagResourcesRequest, **params)
        for entry in page["TagResources"]["TagResource"]:
            assert entry["ResourceType"] == "securitygroup"
            entries.append((entry["ResourceId"], entry["TagKey"], entry["TagValue"]))
        token = page.get("NextToken")
        if not token:
            return sorted(entries)


def described_tags(ecs, group_id):
    group = ecs.call(DescribeSecurityGroupsRequest, SecurityGroupIds=json.dumps([group_id]))[
        "SecurityGroups"]["SecurityGroup"][0]
    return {t["TagKey"]: t["TagValue"] for t in group["Tags"]["Tag"]}


def test_tag_and_list(ecs, world):
    assert set(tag(ecs, [WEB], env="prod", tier="web")) == {"RequestId"}
    assert listed(ecs, ResourceIds=[WEB]) == [(WEB, "env", "prod"), (WEB, "tier", "web")]
    assert described_tags(ecs, WEB) == {"env": "prod", "tier": "web"}


def test_tag_several_resources_at_once(ecs, world):
    tag(ecs, [WEB, DB], env="prod")
    assert listed(ecs, ResourceIds=[WEB, DB]) == sorted([(WEB, "env", "prod"), (DB, "env", "prod")])


def test_existing_key_is_overwritten(ecs, world):
    tag(ecs, [WEB], env="dev")
    tag(ecs, [WEB], env="prod")
    assert described_tags(ecs, WEB) == {"env": "prod"}


def test_empty_value_allowed(ecs, world):
    tag(ecs, [WEB], marker="")
    assert described_tags(ecs, WEB) == {"marker": ""}


def test_untag_by_keys(ecs, world):
    tag(ecs, [WEB], env="prod", tier="web", owner="ops")
    response = ecs.call(UntagResourcesRequest, ResourceType="securitygroup", ResourceIds=[WEB], TagKeys=["env", "owner"])
    assert set(response) == {"RequestId"}
    assert described_tags(ecs, WEB) == {"tier": "web"}


def test_untag_absent_key_is_a_no_op(ecs, world):
    tag(ecs, [WEB], env="prod")
    ecs.call(UntagResourcesRequest, ResourceType="securitygroup", ResourceIds=[WEB], TagKeys=["nothing-here"])
    assert described_tags(ecs, WEB) == {"env": "prod"}


def test_untag_all(ecs, world):
    """The SDK sends the boolean as the string "True"."""
    tag(ecs, [WEB], env="prod", tier="web")
    tag(ecs, [DB], env="prod")
    ecs.call(UntagResourcesRequest, ResourceType="securitygroup", ResourceIds=[WEB], All=True)
    assert described_tags(ecs, WEB) == {}
    assert described_tags(ecs, DB) == {"env": "prod"}


def test_list_by_tag_filter(ecs, world):
    tag(ecs, [WEB], env="prod", tier="web")
    tag(ecs, [DB], env="dev", tier="db")
    by_env = listed(ecs, Tags=[{"Key": "env", "Value": "prod"}])
    assert {entry[0] for entry in by_env} == {WEB}


def test_list_pages_to_the_end(ecs, world):
    groups = [world.create_group("tagged-%d" % n) for n in range(6)]
    many = {"key%02d" % n: "value%02d" % n for n in range(20)}
    for group_id in groups:
        tag(ecs, [group_id], **many)
    entries = listed(ecs, ResourceIds=groups)
    assert len(entries) == len(set(entries)) == 6 * 20


def test_twenty_tags_fit_the_quota(ecs, world):
    tag(ecs, [WEB], **{"k%02d" % n: "v" for n in range(10)})
    tag(ecs, [WEB], **{"k%02d" % n: "v" for n in range(10, 20)})
    assert len(described_tags(ecs, WEB)) == 20
    error = ecs.error(TagResourcesRequest, ResourceType="securitygroup", ResourceIds=[WEB],
                      Tags=[{"Key": "one-more", "Value": "v"}])
    assert (error.get_http_status(), error.get_error_code()) == (400, "OperationDenied.QuotaExceed")
    tag(ecs, [WEB], k00="overwrite-is-fine")
    assert described_tags(ecs, WEB)["k00"] == "overwrite-is-fine"


def test_refused_tagging_is_atomic_across_resources(ecs, world):
    error = ecs.error(TagResourcesRequest, ResourceType="securitygroup", ResourceIds=[WEB, World.MISSING_SG],
                      Tags=[{"Key": "env", "Value": "prod"}])
    assert error.get_error_code() == "InvalidResourceId.NotFound"
    assert described_tags(ecs, WEB) == {}
