# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Signature v1.0, timestamps, nonces, access keys and STS tokens (ECS_API.md sections 1 and 2)."""

from __future__ import annotations

import datetime
import uuid

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.composer import rpc_signature_composer
from aliyunsdkecs.request.v20140526.CreateSecurityGroupRequest import CreateSecurityGroupRequest
from aliyunsdkecs.request.v20140526.DescribeRegionsRequest import DescribeRegionsRequest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupsRequest import DescribeSecurityGroupsRequest

from ansible_collections.cloudwall.alicloud.tests.lib.emulator_harness import (
    DEMO_ACCESS_KEY_ID,
    DEMO_ACCESS_KEY_SECRET,
    common_params,
    rpc_signature,
    string_to_sign,
)

# Alibaba's published example request for signature v1.0.
OFFICIAL_VECTOR_PARAMS = {
    "Action": "DescribeRegions",
    "AccessKeyId": "testid",
    "Format": "XML",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    "SignatureVersion": "1.0",
    "Timestamp": "2016-02-23T12:46:24Z",
    "Version": "2014-05-26",
}
OFFICIAL_VECTOR_SECRET = "testsecret"
OFFICIAL_VECTOR_SIGNATURE = "OLeaidS1JvxuMvnyHOwuJ+uX5qY="

SIGNATURE_MISMATCH_PREFIX = "Specified signature is not matched with our calculation. server string to sign is:"


def test_independent_signer_reproduces_official_vector():
    assert rpc_signature("GET", OFFICIAL_VECTOR_PARAMS, OFFICIAL_VECTOR_SECRET) == OFFICIAL_VECTOR_SIGNATURE


def test_emulator_signing_reproduces_official_vector():
    from emulator.signing import compute_signature

    assert compute_signature("GET", dict(OFFICIAL_VECTOR_PARAMS), OFFICIAL_VECTOR_SECRET) == OFFICIAL_VECTOR_SIGNATURE


def test_emulator_signing_ignores_signature_param():
    from emulator.signing import compute_signature

    params = dict(OFFICIAL_VECTOR_PARAMS, Signature="anything")
    assert compute_signature("GET", params, OFFICIAL_VECTOR_SECRET) == OFFICIAL_VECTOR_SIGNATURE


def test_official_vector_depends_on_method():
    assert rpc_signature("POST", OFFICIAL_VECTOR_PARAMS, OFFICIAL_VECTOR_SECRET) != OFFICIAL_VECTOR_SIGNATURE


# Values that exercise the encoding rules: space is %20, * is %2A, ~ stays, / and : are encoded, UTF-8 bytes.
AWKWARD_VALUES = [
    "plain",
    "with space",
    "star*and~tilde",
    "slash/colon:plus+",
    "json [\"sg-1\",\"sg-2\"]",
    "中文描述",
    "",
]


@pytest.mark.parametrize("value", AWKWARD_VALUES)
def test_independent_signer_agrees_with_sdk_composer(value):
    params = {"Action": "DescribeSecurityGroups", "Version": "2014-05-26", "RegionId": "cn-hangzhou",
              "SecurityGroupName": value}
    # The composer fills in Timestamp, nonce, key id and format in place, then adds Signature.
    _url, sdk_string_to_sign = rpc_signature_composer.get_signed_url(
        params, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, "JSON", "POST", {})
    sdk_signature = params.pop("Signature")
    assert string_to_sign("POST", params) == sdk_string_to_sign
    assert rpc_signature("POST", params, DEMO_ACCESS_KEY_SECRET) == sdk_signature


@pytest.mark.parametrize("value", AWKWARD_VALUES)
def test_independent_signer_agrees_with_emulator(value):
    from emulator.signing import compute_signature

    params = dict(common_params("DescribeSecurityGroups"), SecurityGroupName=value)
    assert rpc_signature("POST", params, "s3cr*t key") == compute_signature("POST", params, "s3cr*t key")


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_hand_signed_request_is_accepted(raw, method):
    response = raw.send(common_params("DescribeRegions"), method=method)
    assert response.status == 200, response.raw
    assert response.json["Regions"]["Region"]


def test_form_body_params_are_signed_and_read(raw, ecs):
    """The server merges query and form body, for signing and for reading."""
    response = raw.send(common_params("CreateSecurityGroup"),
                        body_params={"SecurityGroupName": "from-body", "VpcId": "vpc-demo0000000000000001"})
    assert response.status == 200, response.raw
    group_id = response.json["SecurityGroupId"]
    groups = ecs.call(DescribeSecurityGroupsRequest, SecurityGroupIds='["%s"]' % group_id)
    assert groups["SecurityGroups"]["SecurityGroup"][0]["SecurityGroupName"] == "from-body"


def test_wrong_secret_is_signature_does_not_match_with_server_string(raw):
    params = common_params("DescribeRegions")
    response = raw.send(params, secret="not-the-secret")
    assert (response.status, response.code) == (400, "SignatureDoesNotMatch")
    assert response.json["Message"] == SIGNATURE_MISMATCH_PREFIX + string_to_sign("POST", params)


def test_wrong_secret_through_sdk_raises_server_exception_cleanly(ecs):
    """The SDK splits the message on ':' and, when the server's StringToSign equals its own, reports a bad secret."""
    wrong = ecs.with_credentials(DEMO_ACCESS_KEY_ID, "not-the-secret")
    error = wrong.error(DescribeRegionsRequest)
    assert isinstance(error, ServerException)
    assert error.get_http_status() == 400
    # InvalidAccessKeySecret is the SDK's rewrite of SignatureDoesNotMatch after it compared string-to-sign.
    assert error.get_error_code() == "InvalidAccessKeySecret"


def test_tampered_parameter_breaks_signature(raw):
    params = common_params("DescribeRegions")
    params["Signature"] = rpc_signature("POST", params, DEMO_ACCESS_KEY_SECRET)
    params["RegionId"] = "cn-shanghai"
    response = raw.send(params, sign=False)
    assert (response.status, response.code) == (400, "SignatureDoesNotMatch")


def test_unknown_access_key(ecs):
    error = ecs.with_credentials("LTAI5tNoSuchKey000000000", "whatever").error(DescribeRegionsRequest)
    assert (error.get_http_status(), error.get_error_code()) == (400, "InvalidAccessKeyId.NotFound")


# Alibaba Cloud common error codes (API Error Center): a Timestamp more than 15 minutes from the server's clock is
# 400 InvalidTimeStamp.Expired "Specified time stamp or date value is expired."; one not supplied (or not a UTC time
# in the documented form) is 400 IllegalTimestamp.
@pytest.mark.parametrize("offset_seconds", [-3600, 3600, -86400 * 30, -16 * 60, 16 * 60])
def test_stale_or_future_timestamp_is_expired(raw, offset_seconds):
    params = common_params("DescribeRegions")
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_seconds)
    params["Timestamp"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    response = raw.send(params)
    assert (response.status, response.code) == (400, "InvalidTimeStamp.Expired")
    assert response.json["Message"] == "Specified time stamp or date value is expired."


@pytest.mark.parametrize("timestamp", [None, "", "yesterday", "2026-01-01 00:00:00", "1767225600"],
                         ids=["absent", "empty", "word", "no-T-no-Z", "epoch"])
def test_missing_or_malformed_timestamp_is_illegal(raw, timestamp):
    params = common_params("DescribeRegions")
    if timestamp is None:
        del params["Timestamp"]
    else:
        params["Timestamp"] = timestamp
    response = raw.send(params)
    assert (response.status, response.code) == (400, "IllegalTimestamp")


def test_timestamp_within_the_window_is_accepted(raw):
    params = common_params("DescribeRegions")
    moment = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=14)
    params["Timestamp"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert raw.send(params).status == 200


def test_reused_nonce_is_refused(raw):
    params = common_params("DescribeRegions")
    assert raw.send(params).status == 200
    response = raw.send(params)
    assert (response.status, response.code) == (400, "SignatureNonceUsed")


def test_reused_nonce_on_mutating_call_changes_nothing(raw, admin):
    params = dict(common_params("CreateSecurityGroup"), SecurityGroupName="once", VpcId="vpc-demo0000000000000001")
    assert raw.send(params).status == 200
    before = admin.state()
    assert raw.send(params).code == "SignatureNonceUsed"
    assert admin.state() == before


def test_missing_signature_is_refused(raw):
    response = raw.send(common_params("DescribeRegions"), sign=False)
    assert response.status == 400
    assert response.code in ("IncompleteSignature", "MissingParameter")  # the spec leaves the choice open


def test_unknown_action_is_invalid_action(raw):
    response = raw.send(common_params("DescribeNothingAtAll"))
    assert (response.status, response.code) == (403, "InvalidAction")


def test_error_body_shape(raw):
    response = raw.send(common_params("DescribeNothingAtAll"))
    assert set(response.json) >= {"RequestId", "HostId", "Code", "Message", "Recommend"}
    request_id = response.json["RequestId"]
    assert request_id == request_id.upper() and str(uuid.UUID(request_id)).upper() == request_id


def test_unknown_region_through_sdk(ecs):
    error = ecs.error(DescribeSecurityGroupsRequest, query={"RegionId": "xx-nowhere-1"})
    assert (error.get_http_status(), error.get_error_code()) == (404, "InvalidRegionId.NotFound")


def test_added_access_key_is_accepted_until_reset(ecs, admin):
    admin.add_credentials("LTAI5tTestExtraKey000001", "extra-secret-value")
    extra = ecs.with_credentials("LTAI5tTestExtraKey000001", "extra-secret-value")
    assert extra.call(DescribeRegionsRequest)["Regions"]["Region"]
    admin.reset("demo")
    assert extra.error(DescribeRegionsRequest).get_error_code() == "InvalidAccessKeyId.NotFound"


class TestStsCredentials:
    KEY_ID = "STS.TestKey0000000000001"
    SECRET = "sts-secret-value"
    TOKEN = "CAIS-test-security-token-value-0001"

    def _future(self, hours=1):
        moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=hours)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def test_sts_token_credential_is_accepted(self, ecs, admin):
        admin.add_credentials(self.KEY_ID, self.SECRET, security_token=self.TOKEN, expiration=self._future())
        sts = ecs.with_credentials(self.KEY_ID, self.SECRET, self.TOKEN)
        assert sts.call(DescribeRegionsRequest)["Regions"]["Region"]
        group_id = sts.call(CreateSecurityGroupRequest, SecurityGroupName="via-sts")["SecurityGroupId"]
        assert group_id.startswith("sg-")

    def test_sts_without_expiration_is_accepted(self, ecs, admin):
        admin.add_credentials(self.KEY_ID, self.SECRET, security_token=self.TOKEN)
        assert ecs.with_credentials(self.KEY_ID, self.SECRET, self.TOKEN).call(DescribeRegionsRequest)

    def test_wrong_token_is_refused(self, ecs, admin):
        admin.add_credentials(self.KEY_ID, self.SECRET, security_token=self.TOKEN, expiration=self._future())
        error = ecs.with_credentials(self.KEY_ID, self.SECRET, "CAIS-some-other-token").error(DescribeRegionsRequest)
        assert error.get_http_status() in (400, 403)  # ECS_API.md names no code here
        assert error.get_error_code().startswith("InvalidSecurityToken")

    def test_sts_key_without_token_is_refused(self, ecs, admin):
        admin.add_credentials(self.KEY_ID, self.SECRET, security_token=self.TOKEN, expiration=self._future())
        error = ecs.with_credentials(self.KEY_ID, self.SECRET).error(DescribeRegionsRequest)
        assert error.get_http_status() in (400, 403)  # ECS_API.md names no code here

    def test_expired_token_is_refused(self, ecs, admin):
        admin.add_credentials(self.KEY_ID, self.SECRET, security_token=self.TOKEN, expiration=self._future(hours=-1))
        error = ecs.with_credentials(self.KEY_ID, self.SECRET, self.TOKEN).error(DescribeRegionsRequest)
        assert (error.get_http_status(), error.get_error_code()) == (403, "InvalidSecurityToken.Expired")

    def test_token_is_part_of_the_signature(self, raw, admin):
        admin.add_credentials(self.KEY_ID, self.SECRET, security_token=self.TOKEN, expiration=self._future())
        params = common_params("DescribeRegions", access_key_id=self.KEY_ID)
        params["Signature"] = rpc_signature("POST", params, self.SECRET)
        params["SecurityToken"] = self.TOKEN  # sent, but left out of the signature
        response = raw.send(params, sign=False)
        assert (response.status, response.code) == (400, "SignatureDoesNotMatch")

    def test_hand_signed_sts_request_is_accepted(self, raw, admin):
        admin.add_credentials(self.KEY_ID, self.SECRET, security_token=self.TOKEN, expiration=self._future())
        params = dict(common_params("DescribeRegions", access_key_id=self.KEY_ID), SecurityToken=self.TOKEN)
        response = raw.send(params, secret=self.SECRET)
        assert response.status == 200, response.raw


@pytest.mark.parametrize("description", [
    "with space", "star*and~tilde", "slash/colon:plus+", "中文描述", "quote\" & ampersand=equals%25",
])
def test_sdk_signed_awkward_values_round_trip(ecs, description):
    """The server decodes the SDK's query string and canonicalises it exactly as the SDK signed it."""
    group_id = ecs.call(CreateSecurityGroupRequest, SecurityGroupName="awkward", Description=description)[
        "SecurityGroupId"]
    found = ecs.call(DescribeSecurityGroupsRequest, SecurityGroupIds='["%s"]' % group_id)
    assert found["SecurityGroups"]["SecurityGroup"][0]["Description"] == description
