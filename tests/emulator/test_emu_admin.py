# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The admin API: call log (and that it never holds a secret), state dump, reset, seed, quotas (emulator/README.md)."""

from __future__ import annotations

import glob
import json
import re

import pytest
from aliyunsdkecs.request.v20140526.AuthorizeSecurityGroupRequest import AuthorizeSecurityGroupRequest
from aliyunsdkecs.request.v20140526.DescribeRegionsRequest import DescribeRegionsRequest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupsRequest import DescribeSecurityGroupsRequest
from aliyunsdkecs.request.v20140526.ListTagResourcesRequest import ListTagResourcesRequest

from ansible_collections.cloudwall.alicloud.tests.lib.emulator_harness import (
    DEMO_ACCESS_KEY_SECRET,
    DEMO_SG_VPC,
    DEMO_VPC,
    AdminError,
    common_params,
    tcp_rule,
)

CALL_KEYS = {"id", "time", "action", "region", "params", "http_status", "code", "mutating"}
DEFAULT_QUOTAS = {"rules_per_group": 200, "groups_per_instance": 5, "groups_per_region": 100,
                  "group_references": 20, "tags_per_resource": 20}
GENERATED_ID = re.compile(r"^(sg|i|eni|vpc|vsw|pl)-[a-z0-9]{20}$")


def without_times(value):
    """The state dump minus timestamps, which a re-seed legitimately renews."""
    if isinstance(value, dict):
        return {k: without_times(v) for k, v in value.items() if "time" not in k.lower()}
    if isinstance(value, list):
        return [without_times(v) for v in value]
    return value


class TestCallLog:
    def test_entries(self, ecs, admin, world):
        admin.clear_calls()
        ecs.call(DescribeSecurityGroupsRequest, VpcId=DEMO_VPC)
        world.authorize(DEMO_SG_VPC, tcp_rule(22))
        ecs.error(AuthorizeSecurityGroupRequest, SecurityGroupId="sg-nothere00000000000000", Permissions=[tcp_rule(1)])
        calls = admin.calls()
        assert [c["action"] for c in calls] == ["DescribeSecurityGroups", "AuthorizeSecurityGroup",
                                                "AuthorizeSecurityGroup"]
        for call in calls:
            assert set(call) >= CALL_KEYS
            assert call["region"] == "cn-hangzhou"
        assert [(c["http_status"], c["code"], c["mutating"]) for c in calls] == [
            (200, "", False), (200, "", True), (404, "InvalidSecurityGroupId.NotFound", True)]
        assert calls[0]["params"]["VpcId"] == DEMO_VPC
        assert calls[1]["params"]["Permissions.1.PortRange"] == "22/22"
        assert calls[0]["id"] < calls[1]["id"] < calls[2]["id"]

    def test_since_and_action_filters(self, ecs, admin):
        ecs.call(DescribeRegionsRequest)
        marker = admin.calls()[-1]["id"]
        ecs.call(DescribeSecurityGroupsRequest)
        ecs.call(DescribeRegionsRequest)
        assert [c["action"] for c in admin.calls(since=marker)] == ["DescribeSecurityGroups", "DescribeRegions"]
        assert len(admin.calls(action="DescribeRegions")) == 2

    def test_list_actions_are_not_mutating(self, ecs, admin, world):
        ecs.call(ListTagResourcesRequest, ResourceType="securitygroup", ResourceIds=[DEMO_SG_VPC])
        assert admin.calls(action="ListTagResources")[-1]["mutating"] is False

    def test_refused_signature_is_logged(self, raw, admin):
        raw.send(common_params("DescribeRegions"), secret="wrong")
        last = admin.calls()[-1]
        assert (last["action"], last["http_status"], last["code"]) == ("DescribeRegions", 400, "SignatureDoesNotMatch")

    def test_clear(self, ecs, admin):
        ecs.call(DescribeRegionsRequest)
        admin.clear_calls()
        assert admin.calls() == []

    def test_reset_empties_the_log(self, ecs, admin):
        ecs.call(DescribeRegionsRequest)
        admin.reset("demo")
        assert admin.calls() == []

    def test_signature_is_not_logged(self, ecs, admin):
        ecs.call(DescribeRegionsRequest)
        assert "Signature" not in admin.calls()[-1]["params"]


SECRET_PROBE = "RecognisableSecret-7Q2W9E4R"
TOKEN_PROBE = "RecognisableStsToken-Z8X6C4V2B0N"


@pytest.fixture
def secret_traffic(ecs, admin, raw):
    """Calls made with a recognisable secret and an STS token: successes, refusals, a leaky client."""
    admin.add_credentials("LTAI5tSecretProbeKey0001", SECRET_PROBE)
    admin.add_credentials("STS.SecretProbeKey000001", SECRET_PROBE + "-sts", security_token=TOKEN_PROBE)
    plain = ecs.with_credentials("LTAI5tSecretProbeKey0001", SECRET_PROBE)
    sts = ecs.with_credentials("STS.SecretProbeKey000001", SECRET_PROBE + "-sts", TOKEN_PROBE)
    plain.call(DescribeRegionsRequest)
    sts.call(DescribeRegionsRequest)
    sts.call(AuthorizeSecurityGroupRequest, SecurityGroupId=DEMO_SG_VPC, Permissions=[tcp_rule(22)])
    sts.error(AuthorizeSecurityGroupRequest, SecurityGroupId="sg-nothere00000000000000", Permissions=[tcp_rule(1)])
    ecs.with_credentials("STS.SecretProbeKey000001", SECRET_PROBE + "-sts", TOKEN_PROBE + "-wrong").error(
        DescribeRegionsRequest)
    raw.send(dict(common_params("DescribeRegions"), AccessKeySecret=SECRET_PROBE))  # a client leaking it as a param
    assert len(admin.calls()) == 6


def assert_no_secrets(haystacks):
    for needle in (SECRET_PROBE, TOKEN_PROBE, DEMO_ACCESS_KEY_SECRET):
        for name, haystack in haystacks.items():
            assert needle.encode() not in haystack, "%r found in %s" % (needle, name)


def test_no_secret_or_token_in_call_log_or_state_dump(admin, secret_traffic):
    assert_no_secrets({"calls": admin.calls_raw(), "state": json.dumps(admin.state()).encode()})


def test_no_secret_or_token_in_state_files(emulator, secret_traffic):
    haystacks = {}
    for path in glob.glob(emulator.state_path + "*"):  # the database and its -wal / -journal companions
        if not path.endswith(".log"):
            with open(path, "rb") as handle:
                haystacks[path] = handle.read()
    assert haystacks
    assert_no_secrets(haystacks)


class TestStateAndReset:
    def test_state_is_stable(self, admin):
        assert admin.state() == admin.state()

    def test_state_reflects_changes(self, admin, world):
        before = admin.state()
        world.authorize(DEMO_SG_VPC, tcp_rule(22))
        assert admin.state() != before

    def test_reset_to_demo_restores_the_same_state(self, admin, world):
        world.create_group("temporary")
        admin.reset("demo")
        first = without_times(admin.state())
        world.create_group("temporary")
        admin.reset("demo")
        assert without_times(admin.state()) == first

    def test_empty_reset(self, ecs, admin):
        admin.reset(None)
        assert ecs.call(DescribeSecurityGroupsRequest)["TotalCount"] == 0

    def test_reset_forgets_used_nonces(self, raw, admin):
        params = common_params("DescribeRegions")
        assert raw.send(params).status == 200
        admin.reset("demo")
        assert raw.send(params).status == 200


class TestSeed:
    def test_generated_ids(self, admin):
        created = admin.seed(
            vpcs=[{"CidrBlock": "10.0.0.0/8", "VpcName": "gen"}],
            security_groups=[{"SecurityGroupName": "gen-classic", "Description": "d", "VpcId": ""}],
            prefix_lists=[{"PrefixListName": "gen-list", "AddressFamily": "IPv4"}],
        )
        ids = created["vpcs"] + created["security_groups"] + created["prefix_lists"]
        assert len(ids) == 3 and all(GENERATED_ID.match(i) for i in ids)

    def test_seeded_group_is_visible(self, ecs, admin):
        created = admin.seed(security_groups=[{"SecurityGroupName": "seeded", "Description": "d", "VpcId": DEMO_VPC,
                                               "Tags": {"env": "test"}}])
        group_id = created["security_groups"][0]
        found = ecs.call(DescribeSecurityGroupsRequest, SecurityGroupName="seeded")["SecurityGroups"]["SecurityGroup"]
        assert [g["SecurityGroupId"] for g in found] == [group_id]
        assert found[0]["Tags"]["Tag"] == [{"TagKey": "env", "TagValue": "test"}]

    def test_instance_without_group_refused(self, admin):
        with pytest.raises(AdminError) as raised:
            admin.seed(instances=[{"InstanceName": "lonely", "VpcId": DEMO_VPC, "SecurityGroupIds": []}])
        assert 400 <= raised.value.status < 500


def documented_quotas(quotas):
    """The quotas README names; the emulator may report more."""
    return {key: quotas[key] for key in DEFAULT_QUOTAS}


class TestQuotas:
    def test_defaults(self, admin):
        assert documented_quotas(admin.quotas()) == DEFAULT_QUOTAS

    def test_change_and_reset(self, admin):
        quotas = admin.quotas(rules_per_group=3)
        assert documented_quotas(quotas) == dict(DEFAULT_QUOTAS, rules_per_group=3)
        admin.reset("demo")
        assert documented_quotas(admin.quotas()) == DEFAULT_QUOTAS


def test_health(admin):
    assert admin.health() == {"status": "ok"}
