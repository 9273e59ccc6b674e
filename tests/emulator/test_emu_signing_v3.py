# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Signature v3 (ACS3-HMAC-SHA256), the Tea SDK's default, beside v1 (ECS_API.md section 6).

Source: Alibaba Cloud "Request syntax and signature method V3" and alibabacloud_tea_openapi's signer
(Utils.get_authorization). The classic SDK's v1 tests stay in test_emu_signing.py.
"""

from __future__ import annotations

import uuid

import pytest

pytest.importorskip("alibabacloud_ecs20140526")

from alibabacloud_ecs20140526 import models  # noqa: E402  pylint: disable=wrong-import-position
from alibabacloud_tea_openapi.exceptions import ClientException  # noqa: E402  pylint: disable=wrong-import-position
from alibabacloud_tea_openapi.utils import Utils  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.cloudwall.alicloud.tests.lib.emulator_harness import (  # noqa: E402  pylint: disable=wrong-import-position
    DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_REGION, DEMO_SG_VPC, DEMO_VPC, PARTNER_ACCESS_KEY_ID,
    PARTNER_ACCESS_KEY_SECRET, PARTNER_GROUP, RawAcs3, acs3_sign, tea_client,
)


@pytest.fixture(scope="session")
def tea(emulator):
    return tea_client(emulator.endpoint)


@pytest.fixture(scope="session")
def raw3(emulator):
    return RawAcs3(emulator.endpoint)


def tea_error(call):
    with pytest.raises(ClientException) as caught:
        call()
    return caught.value


class _Request:
    """The part of a darabonba request the Tea signer reads."""

    def __init__(self, query, headers):
        self.method, self.pathname, self.query, self.headers = "POST", "/", query, headers


@pytest.mark.parametrize("value", ["plain", "with space", "star*and~tilde", "slash/colon:plus+", '["sg-1","sg-2"]', "中文描述"])
def test_independent_signer_agrees_with_tea_signer(value):
    query = {"RegionId": "cn-hangzhou", "SecurityGroupName": value}
    headers = {"host": "127.0.0.1:1", "x-acs-action": "DescribeSecurityGroups", "x-acs-version": "2014-05-26",
               "x-acs-date": "2026-01-01T00:00:00Z", "x-acs-signature-nonce": "n1",
               "x-acs-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
               "user-agent": "AlibabaCloud", "accept": "application/json"}
    tea_authorization = Utils.get_authorization(_Request(dict(query), dict(headers)), "ACS3-HMAC-SHA256",
                                                headers["x-acs-content-sha256"], "ak", "sk")
    assert acs3_sign("POST", "/", query, headers, b"", "ak", "sk") == tea_authorization


def test_tea_sdk_default_configuration_reads_and_writes(tea, admin):
    mark = admin.mark()
    groups = tea.describe_security_groups(models.DescribeSecurityGroupsRequest(region_id=DEMO_REGION)).body
    assert {group.security_group_id for group in groups.security_groups.security_group} == {DEMO_SG_VPC, "sg-democlassic000000001"}
    created = tea.create_security_group(models.CreateSecurityGroupRequest(
        region_id=DEMO_REGION, vpc_id=DEMO_VPC, security_group_name="tea-made", description="made by the Tea SDK")).body
    tea.authorize_security_group(models.AuthorizeSecurityGroupRequest(
        region_id=DEMO_REGION, security_group_id=created.security_group_id, permissions=[
            models.AuthorizeSecurityGroupRequestPermissions(ip_protocol="tcp", port_range="443/443", source_cidr_ip="0.0.0.0/0")]))
    rules = tea.describe_security_group_attribute(models.DescribeSecurityGroupAttributeRequest(
        region_id=DEMO_REGION, security_group_id=created.security_group_id)).body.permissions.permission
    assert [(rule.ip_protocol, rule.port_range, rule.source_cidr_ip) for rule in rules] == [("TCP", "443/443", "0.0.0.0/0")]
    calls = admin.calls(since=mark)
    assert [call["action"] for call in calls] == ["DescribeSecurityGroups", "CreateSecurityGroup", "AuthorizeSecurityGroup",
                                                  "DescribeSecurityGroupAttribute"]
    # These came in signed by v3: no v1 signature parameters at all.
    assert all("SignatureMethod" not in call["params"] and call["http_status"] == 200 for call in calls)


def test_tea_sdk_signs_as_the_partner_account(emulator):
    partner = tea_client(emulator.endpoint, PARTNER_ACCESS_KEY_ID, PARTNER_ACCESS_KEY_SECRET)
    groups = partner.describe_security_groups(models.DescribeSecurityGroupsRequest(region_id=DEMO_REGION)).body
    assert [group.security_group_id for group in groups.security_groups.security_group] == [PARTNER_GROUP]


def test_tea_sdk_error_carries_code_and_status(tea):
    error = tea_error(lambda: tea.delete_security_group(models.DeleteSecurityGroupRequest(
        region_id=DEMO_REGION, security_group_id="sg-missing00000000000000")))
    assert (error.status_code, error.code) == (404, "InvalidSecurityGroup.NotFound")


def test_tea_sdk_wrong_secret(emulator):
    wrong = tea_client(emulator.endpoint, DEMO_ACCESS_KEY_ID, "not-the-secret")
    error = tea_error(lambda: wrong.describe_regions(models.DescribeRegionsRequest()))
    assert (error.status_code, error.code) == (400, "SignatureDoesNotMatch")
    assert "not-the-secret" not in str(error)


def test_tea_sdk_sts_token(emulator, admin):
    admin.add_credentials("STS.teakey", "tea-sts-secret", security_token="tea-token-1", expiration="2099-01-01T00:00:00Z")
    sts = tea_client(emulator.endpoint, "STS.teakey", "tea-sts-secret", security_token="tea-token-1")
    assert sts.describe_regions(models.DescribeRegionsRequest()).body.regions.region
    other = tea_client(emulator.endpoint, "STS.teakey", "tea-sts-secret", security_token="another-token")
    error = tea_error(lambda: other.describe_regions(models.DescribeRegionsRequest()))
    assert (error.status_code, error.code) == (403, "InvalidSecurityToken.Malformed")
    # The token is a secret: the call log never holds it.
    assert b"tea-token-1" not in admin.calls_raw()


QUERY = {"RegionId": DEMO_REGION}


def test_hand_signed_v3_request_is_accepted(raw3):
    response = raw3.send(QUERY, raw3.headers("DescribeRegions"))
    assert response.status == 200, response.raw
    assert response.json["Regions"]["Region"]


@pytest.mark.parametrize("tamper", [
    lambda query, headers: headers.update({"x-acs-action": "DescribeSecurityGroups"}),
    # Another second than the signed one (a fixed "59" left the date unchanged one time in sixty).
    lambda query, headers: headers.update({"x-acs-date": headers["x-acs-date"][:-3] + ("58Z" if headers["x-acs-date"].endswith("59Z") else "59Z")}),
    lambda query, headers: query.update({"RegionId": "cn-shanghai"}),
    lambda query, headers: query.update({"SecurityGroupName": "added-after-signing"}),
], ids=["changed-action-header", "changed-date-header", "changed-parameter", "added-parameter"])
def test_a_changed_request_is_refused(raw3, tamper):
    response = raw3.send(QUERY, raw3.headers("DescribeRegions"), tamper=tamper)
    assert (response.status, response.code) == (400, "SignatureDoesNotMatch")


def test_wrong_secret_is_refused(raw3):
    response = raw3.send(QUERY, raw3.headers("DescribeRegions"), secret="not-the-secret")
    assert (response.status, response.code) == (400, "SignatureDoesNotMatch")


def test_body_not_matching_its_hash_is_refused(raw3):
    headers = raw3.headers("DescribeRegions", body=b"")
    response = raw3.send(QUERY, dict(headers, **{"content-type": "application/x-www-form-urlencoded"}), body=b"RegionId=cn-shanghai")
    assert (response.status, response.code) == (400, "SignatureDoesNotMatch")


# Alibaba Cloud common error codes (API Error Center): a date more than 15 minutes from the server's clock is 400
# InvalidTimeStamp.Expired, as in v1 (test_emu_signing.py); a malformed one is 400 IllegalTimestamp.
@pytest.mark.parametrize("offset", [-16 * 60, 16 * 60], ids=["stale", "future"])
def test_date_out_of_window_is_expired(raw3, offset):
    response = raw3.send(QUERY, raw3.headers("DescribeRegions", date_offset_seconds=offset))
    assert (response.status, response.code) == (400, "InvalidTimeStamp.Expired")


def test_malformed_date_is_illegal(raw3):
    headers = dict(raw3.headers("DescribeRegions"), **{"x-acs-date": "Thu, 01 Jan 2026 00:00:00 GMT"})
    response = raw3.send(QUERY, headers)
    assert (response.status, response.code) == (400, "IllegalTimestamp")


def test_reused_nonce_is_refused(raw3):
    nonce = uuid.uuid4().hex
    assert raw3.send(QUERY, raw3.headers("DescribeRegions", nonce=nonce)).status == 200
    response = raw3.send(QUERY, raw3.headers("DescribeRegions", nonce=nonce))
    assert (response.status, response.code) == (400, "SignatureNonceUsed")


def test_unknown_access_key_is_refused(raw3):
    response = raw3.send(QUERY, raw3.headers("DescribeRegions"), access_key_id="LTAI-nobody")
    assert (response.status, response.code) == (400, "InvalidAccessKeyId.NotFound")


def test_required_header_left_unsigned_is_incomplete(raw3):
    headers = raw3.headers("DescribeRegions")
    signed = {name: value for name, value in headers.items() if name != "x-acs-signature-nonce"}
    authorization = acs3_sign("POST", "/", QUERY, signed, b"", DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET)
    response = raw3.send(QUERY, headers, authorization=authorization)
    assert (response.status, response.code) == (400, "IncompleteSignature")


@pytest.mark.parametrize("authorization", ["ACS3-HMAC-SHA256 Credential=x", "HMAC Credential=a,SignedHeaders=host,Signature=00"],
                         ids=["incomplete", "other-algorithm"])
def test_malformed_authorization_is_incomplete(raw3, authorization):
    response = raw3.send(QUERY, raw3.headers("DescribeRegions"), authorization=authorization)
    assert (response.status, response.code) == (400, "IncompleteSignature")


def test_sts_token_header_must_match(raw3, admin):
    admin.add_credentials("STS.rawkey", "raw-sts-secret", security_token="raw-token")
    ok = raw3.send(QUERY, raw3.headers("DescribeRegions", security_token="raw-token"), access_key_id="STS.rawkey", secret="raw-sts-secret")
    assert ok.status == 200, ok.raw
    missing = raw3.send(QUERY, raw3.headers("DescribeRegions"), access_key_id="STS.rawkey", secret="raw-sts-secret")
    assert (missing.status, missing.code) == (403, "InvalidSecurityToken.Malformed")
