# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""EcsApiError text, fields and secret scrubbing."""

from __future__ import annotations

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ConfigurationError, EcsApiError, connection_failure, scrub

SECRET = "s3cr3t/Key+With=Odd~Chars"
TOKEN = "CAIS+token/value=="


def test_str_has_action_code_message_and_request_id():
    error = EcsApiError("DeleteSecurityGroup", "DependencyViolation", "There is still instance(s) in the specified security group.",
                        request_id="540CFF28-407A-40B5-B6A5-74B0A1C2D3E4", http_status=403)
    assert str(error) == ("DeleteSecurityGroup failed: DependencyViolation: There is still instance(s) in the specified "
                          "security group. (RequestId: 540CFF28-407A-40B5-B6A5-74B0A1C2D3E4)")
    assert error.http_status == 403
    assert error.retryable is False
    assert error.to_dict() == {
        "action": "DeleteSecurityGroup",
        "code": "DependencyViolation",
        "message": "There is still instance(s) in the specified security group.",
        "request_id": "540CFF28-407A-40B5-B6A5-74B0A1C2D3E4",
        "http_status": 403,
        "attempts": 1,
    }


def test_str_without_request_id_omits_it():
    error = EcsApiError("DescribeSecurityGroups", "SDK.HttpError", "connection refused")
    assert str(error) == "DescribeSecurityGroups failed: SDK.HttpError: connection refused"
    assert error.retryable is True


@pytest.mark.parametrize(
    "code, http_status, explicit, expected",
    [
        ("Throttling.User", 400, None, True),
        ("InvalidParameter", 400, None, False),
        ("InvalidParameter", 400, True, True),
        ("Throttling", 400, False, False),
    ],
)
def test_retryable_follows_policy_unless_given(code, http_status, explicit, expected):
    assert EcsApiError("X", code, "m", http_status=http_status, retryable=explicit).retryable is expected


@pytest.mark.parametrize(
    "message, expected",
    [
        # Raw secret and token values.
        ("bad secret %s here" % SECRET, "bad secret *** here"),
        ("token %s expired" % TOKEN, "token *** expired"),
        # Percent-encoded forms, as they appear in URLs.
        ("value s3cr3t%2FKey%2BWith%3DOdd~Chars", "value ***"),
        # Every query string is dropped (AccessKeyId, Signature, SecurityToken ride in it).
        ("HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: "
         "/?AccessKeyId=LTAIabc&SecurityToken=zzz&Signature=abc%3D (Caused by x)",
         "HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: /?<query omitted> (Caused by x)"),
        # The server string-to-sign of SignatureDoesNotMatch is cut off.
        ("Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3DLTAI",
         "Specified signature is not matched with our calculation."),
        ("plain message", "plain message"),
        (None, ""),
    ],
)
def test_scrub(message, expected):
    assert scrub(message, (SECRET, TOKEN, None, "")) == expected


def test_error_message_is_scrubbed_of_given_secrets():
    error = EcsApiError("CreateSecurityGroup", "SignatureDoesNotMatch",
                        "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&x " + SECRET,
                        request_id="R1", http_status=400, secrets=(SECRET, TOKEN))
    text = str(error)
    assert SECRET not in text
    assert "string to sign" not in text
    assert text == "CreateSecurityGroup failed: SignatureDoesNotMatch: Specified signature is not matched with our calculation. (RequestId: R1)"


def test_missing_code_reads_unknown():
    assert EcsApiError("X", None, "m").code == "Unknown"


def test_configuration_error_keeps_option():
    error = ConfigurationError("No region set (option region)", option="region")
    assert error.option == "region"
    assert "region" in str(error)


# What urllib3/requests say through the SDK's SDK.HttpError, and the one line users get.
CONNECTION_CASES = [
    ("refused", "HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: /?Action=X (Caused by "
                "NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f>: Failed to establish a new connection: "
                "[Errno 111] Connection refused'))", "connection refused"),
    ("dns", "HTTPSConnectionPool(host='ecs.nowhere.invalid', port=443): Max retries exceeded (Caused by NameResolutionError("
            "\"<urllib3.connection.HTTPSConnection object at 0x7f>: Failed to resolve 'ecs.nowhere.invalid' ([Errno -2] Name or "
            "service not known)\"))", "its host name does not resolve"),
    ("timeout", "HTTPConnectionPool(host='10.0.0.1', port=80): Read timed out. (read timeout=10)", "the connection timed out"),
    ("tls", "SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed'))",
     "its TLS certificate could not be verified"),
    ("ca-bundle", "the CA bundle /etc/ca.pem could not be loaded ([X509: NO_CERTIFICATE_OR_CRL_FOUND] no certificate or crl "
                  "found (_ssl.c:4149))", "the CA bundle /etc/ca.pem could not be loaded"),
    ("other-errno", "Failed: [Errno 113] Host is down')", "Host is down"),
    ("nothing-known", "", "no answer"),
]


@pytest.mark.parametrize("sdk_message, reason", [case[1:] for case in CONNECTION_CASES], ids=[case[0] for case in CONNECTION_CASES])
def test_connection_failure_is_one_line_naming_the_endpoint_and_why(sdk_message, reason):
    text = connection_failure("http://127.0.0.1:1", sdk_message)
    assert text == "could not reach the ECS endpoint http://127.0.0.1:1: %s" % reason
    assert "0x7f" not in text and "\n" not in text
