# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""EcsClient: parameter flattening, endpoints, ClientToken, retries, errors, paging, SDK client wiring."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
from aliyunsdkcore.auth.signers.ecs_ram_role_signer import EcsRamRoleSigner
from aliyunsdkcore.auth.signers.ram_role_arn_signer import RamRoleArnSigner
from aliyunsdkcore.request import RpcRequest as SdkRpcRequest

from ansible_collections.cloudwall.alicloud.plugins.module_utils import _client as client_module
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rpc import RpcSender
from ansible_collections.cloudwall.alicloud.plugins.module_utils._client import (
    EcsClient,
    describe_identity,
    Endpoint,
    accepts_client_token,
    build_acs_client,
    flatten_params,
    is_mutating,
    parse_endpoint,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._credentials import Credentials
from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ConfigurationError, EcsApiError
from ansible_collections.cloudwall.alicloud.tests.lib.serving import serving

SECRET = "Secret/Value+1"


# ------------------------------------------------------------------------------------------------ fakes

class FakeAcs:
    """Stands in for AcsClient: records each request's query and plays scripted outcomes."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.queries = []
        self.requests = []

    def do_action_with_exception(self, request):
        self.requests.append(request)
        self.queries.append(dict(request.get_query_params()))
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        if isinstance(outcome, bytes):
            return outcome
        return json.dumps(outcome).encode("utf-8")


class FakeTime:
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class CapRng:
    """Full jitter drawing the maximum, so schedules are predictable."""

    @staticmethod
    def uniform(low, high):
        return high


def make_client(acs, endpoint=None, **kwargs):
    fake_time = FakeTime()
    tokens = iter("token-%d" % n for n in range(1, 100))
    options = dict(endpoint=endpoint, sleep=fake_time.sleep, clock=fake_time.clock, rng=CapRng(),
                   token_factory=lambda: next(tokens), secrets=(SECRET,))
    options.update(kwargs)
    return EcsClient(acs, "cn-hangzhou", **options), fake_time


def throttled():
    return ServerException("Throttling", "Request was denied due to request throttling.", http_status=400, request_id="R-T")


def unavailable():
    return ServerException("ServiceUnavailable", "The request has failed due to a temporary failure of the server.",
                           http_status=503, request_id="R-U")


def http_error():
    return ClientException("SDK.HttpError", "HTTPConnectionPool(host='127.0.0.1', port=9): Read timed out.")


# ------------------------------------------------------------------------------------------------ pure helpers

@pytest.mark.parametrize(
    "action, params, expected",
    [
        ("AuthorizeSecurityGroup",
         {"SecurityGroupId": "sg-1", "Permissions": [{"IpProtocol": "TCP", "PortRange": "22/22", "Priority": 1},
                                                     {"IpProtocol": "ALL", "PortRange": "-1/-1", "Description": None}]},
         {"SecurityGroupId": "sg-1", "Permissions.1.IpProtocol": "TCP", "Permissions.1.PortRange": "22/22",
          "Permissions.1.Priority": "1", "Permissions.2.IpProtocol": "ALL", "Permissions.2.PortRange": "-1/-1"}),
        ("RevokeSecurityGroup", {"SecurityGroupId": "sg-1", "SecurityGroupRuleId": ["sgr-1", "sgr-2"]},
         {"SecurityGroupId": "sg-1", "SecurityGroupRuleId.1": "sgr-1", "SecurityGroupRuleId.2": "sgr-2"}),
        ("CreateSecurityGroup", {"SecurityGroupName": "web", "Tag": {"env": "prod", "team": "", "owner": None}},
         {"SecurityGroupName": "web", "Tag.1.Key": "env", "Tag.1.Value": "prod", "Tag.2.Key": "team", "Tag.2.Value": "",
          "Tag.3.Key": "owner", "Tag.3.Value": ""}),
        ("ListTagResources", {"Tag": [{"Key": "env", "Value": "prod"}]}, {"Tag.1.Key": "env", "Tag.1.Value": "prod"}),
        ("DescribeSecurityGroups", {"SecurityGroupIds": ["sg-1", "sg-2"], "VpcId": None},
         {"SecurityGroupIds": '["sg-1","sg-2"]'}),
        ("DescribeSecurityGroups", {"SecurityGroupIds": "sg-1"}, {"SecurityGroupIds": '["sg-1"]'}),
        ("DescribeInstances", {"InstanceIds": ("i-1",), "SecurityGroupId": "sg-1"},
         {"InstanceIds": '["i-1"]', "SecurityGroupId": "sg-1"}),
        # the same names elsewhere are N-indexed, not JSON
        ("ModifyInstanceAttribute", {"InstanceId": "i-1", "SecurityGroupIds": ["sg-1", "sg-2"]},
         {"InstanceId": "i-1", "SecurityGroupIds.1": "sg-1", "SecurityGroupIds.2": "sg-2"}),
        ("UntagResources", {"All": True, "DryRun": False, "ResourceId": ["sg-1"]},
         {"All": "true", "DryRun": "false", "ResourceId.1": "sg-1"}),
        ("DescribeSecurityGroups", {"Empty": [], "Nothing": None}, {}),
        ("DescribeSecurityGroups", None, {}),
    ],
)
def test_flatten_params(action, params, expected):
    assert flatten_params(action, params) == expected


@pytest.mark.parametrize(
    "action, expected",
    [("DescribeSecurityGroups", False), ("ListTagResources", False), ("CreateSecurityGroup", True),
     ("AuthorizeSecurityGroup", True), ("TagResources", True), ("DeleteSecurityGroup", True)],
)
def test_is_mutating(action, expected):
    assert is_mutating(action) is expected


@pytest.mark.parametrize(
    "action, expected",
    [("AuthorizeSecurityGroup", True), ("AuthorizeSecurityGroupEgress", True), ("CreateSecurityGroup", True),
     ("RevokeSecurityGroup", True), ("ModifySecurityGroupPolicy", True), ("DeleteSecurityGroup", False),
     ("TagResources", False), ("JoinSecurityGroup", False), ("DescribeSecurityGroups", False), ("NoSuchActionAtAll", False)],
)
def test_accepts_client_token_follows_sdk_request_class(action, expected):
    assert accepts_client_token(action) is expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, None),
        ("", None),
        ("http://127.0.0.1:8765", Endpoint("http", "127.0.0.1:8765", True)),
        ("127.0.0.1:8765", Endpoint("http", "127.0.0.1:8765", True)),
        ("localhost:8765/", Endpoint("http", "localhost:8765", True)),
        ("https://127.0.0.1:8443", Endpoint("https", "127.0.0.1:8443", True)),
        ("[::1]:8765", Endpoint("http", "[::1]:8765", True)),
        ("::1", Endpoint("http", "[::1]", True)),
        ("https://ecs.private", Endpoint("https", "ecs.private", False)),
        ("ecs-vpc.cn-hangzhou.aliyuncs.com", Endpoint("https", "ecs-vpc.cn-hangzhou.aliyuncs.com", False)),
        ("10.0.0.5:8080", Endpoint("https", "10.0.0.5:8080", False)),
        ("HTTP://10.0.0.5:8080", Endpoint("http", "10.0.0.5:8080", False)),
    ],
)
def test_parse_endpoint(value, expected):
    assert parse_endpoint(value) == expected


@pytest.mark.parametrize(
    "value, fragment",
    [("ftp://host", "scheme ftp"), ("http://", "no host"), ("http://host/path", "paths"), ("host:99999", "port"),
     ("host:abc", "port"), ("[::1", "unclosed"), ("user@host", "user info"), (":80", "no host"), ("a:b:c", "not a host")],
)
def test_parse_endpoint_rejects(value, fragment):
    with pytest.raises(ConfigurationError) as caught:
        parse_endpoint(value)
    assert caught.value.option == "endpoint"
    assert fragment in str(caught.value)


# ------------------------------------------------------------------------------------------------ call()

def test_call_builds_post_json_request_for_the_action_and_endpoint():
    acs = FakeAcs({"RequestId": "R1", "SecurityGroupId": "sg-new"})
    client = make_client(acs, endpoint=parse_endpoint("127.0.0.1:8765"))[0]
    answer = client.call("CreateSecurityGroup", {"SecurityGroupName": "web", "VpcId": "vpc-1"})
    assert answer == {"RequestId": "R1", "SecurityGroupId": "sg-new"}
    request = acs.requests[0]
    assert type(request).__name__ == "CreateSecurityGroupRequest"
    assert request.get_method() == "POST"
    assert request.get_accept_format() == "JSON"
    assert request.endpoint == "127.0.0.1:8765"
    assert request.get_protocol_type() == "http"
    assert acs.queries[0] == {"SecurityGroupName": "web", "VpcId": "vpc-1", "ClientToken": "token-1"}
    assert client.calls_made == 1


def test_call_without_endpoint_uses_sdk_resolution_over_https():
    acs = FakeAcs({"RequestId": "R1"})
    client = make_client(acs)[0]
    client.call("DescribeSecurityGroups", {"VpcId": "vpc-1"})
    assert acs.requests[0].endpoint is None
    assert acs.requests[0].get_protocol_type() == "https"
    assert acs.queries[0] == {"VpcId": "vpc-1"}


def test_unknown_action_gets_a_generic_ecs_request():
    acs = FakeAcs({"RequestId": "R1"})
    client = make_client(acs)[0]
    client.call("DescribeBrandNewThings", {"X": 1})
    request = acs.requests[0]
    assert (request.get_product(), request.get_version(), request.get_action_name()) == ("Ecs", "2014-05-26", "DescribeBrandNewThings")
    assert request.get_method() == "POST"


def test_client_token_is_reused_across_retries_and_fresh_per_call():
    acs = FakeAcs(throttled(), unavailable(), http_error(), {"RequestId": "R1"}, {"RequestId": "R2"})
    client, fake_time = make_client(acs)
    permissions = [{"IpProtocol": "TCP", "PortRange": "6379/6379", "SourceGroupId": "sg-web"}]
    client.call("AuthorizeSecurityGroup", {"SecurityGroupId": "sg-redis", "Permissions": permissions})
    client.call("AuthorizeSecurityGroup", {"SecurityGroupId": "sg-redis", "Permissions": permissions})
    assert [query["ClientToken"] for query in acs.queries] == ["token-1"] * 4 + ["token-2"]
    assert all(query["Permissions.1.SourceGroupId"] == "sg-web" for query in acs.queries)
    assert fake_time.sleeps == [0.5, 1.0, 2.0]
    assert client.calls_made == 5


@pytest.mark.parametrize(
    "action, mutating, params, expected_token",
    [
        ("DeleteSecurityGroup", None, {}, None),       # the API takes no ClientToken
        ("TagResources", None, {}, None),
        ("JoinSecurityGroup", None, {}, None),
        ("DescribeSecurityGroups", None, {}, None),    # reads never get one
        ("CreateSecurityGroup", False, {}, None),      # caller says it is not mutating
        ("CreateSecurityGroup", None, {"ClientToken": "mine"}, "mine"),  # caller's own token is kept
        ("ModifySecurityGroupRule", None, {}, "token-1"),
    ],
)
def test_client_token_only_where_the_api_takes_it(action, mutating, params, expected_token):
    acs = FakeAcs({"RequestId": "R1"})
    client = make_client(acs)[0]
    client.call(action, params, mutating=mutating)
    assert acs.queries[0].get("ClientToken") == expected_token


def test_non_retryable_error_is_raised_at_once_with_fields():
    error = ServerException("InvalidSecurityGroupId.NotFound", "The specified SecurityGroupId does not exist.",
                            http_status=404, request_id="540CFF28-407A-40B5-B6A5-74B0A1C2D3E4")
    acs = FakeAcs(error)
    client, fake_time = make_client(acs)
    with pytest.raises(EcsApiError) as caught:
        client.call("ModifySecurityGroupAttribute", {"SecurityGroupId": "sg-x"})
    raised = caught.value
    assert (raised.action, raised.code, raised.http_status, raised.request_id, raised.retryable, raised.attempts) == (
        "ModifySecurityGroupAttribute", "InvalidSecurityGroupId.NotFound", 404, "540CFF28-407A-40B5-B6A5-74B0A1C2D3E4", False, 1)
    assert str(raised) == ("ModifySecurityGroupAttribute failed: InvalidSecurityGroupId.NotFound: The specified SecurityGroupId does not exist. "
                           "(RequestId: 540CFF28-407A-40B5-B6A5-74B0A1C2D3E4)")
    assert fake_time.sleeps == []
    assert client.calls_made == 1


@pytest.mark.parametrize("action, code, status", [
    ("DeleteSecurityGroup", "InvalidSecurityGroup.NotFound", 404),        # today's code
    ("DeleteSecurityGroup", "InvalidSecurityGroupId.NotFound", 404),      # the older one
    ("RevokeSecurityGroup", "InvalidParam.SecurityGroupRuleId", 400),     # since 2024-07-08
    ("RevokeSecurityGroup", "InvalidSecurityGroupRuleId.NotFound", 404),  # before
    ("RevokeSecurityGroupEgress", "InvalidParam.SecurityGroupRuleId", 400),
    ("JoinSecurityGroup", "InvalidInstanceId.AlreadyExists", 403),
    ("LeaveSecurityGroup", "InvalidSecurityGroupAssociation.NotFound", 400),
])
def test_a_write_whose_end_state_holds_is_already_done(action, code, status):
    acs = FakeAcs(ServerException(code, "gone or there", http_status=status, request_id="R-9"))
    client, fake_time = make_client(acs)
    assert client.call(action, {"SecurityGroupId": "sg-x"}) == {"AlreadyDone": code, "RequestId": "R-9"}
    assert client.calls_made == 1 and fake_time.sleeps == []


@pytest.mark.parametrize("action, code", [
    ("AuthorizeSecurityGroup", "InvalidSecurityGroupId.NotFound"),   # a missing group is no success for a write
    ("DeleteSecurityGroup", "DependencyViolation"),
    ("RevokeSecurityGroup", "InvalidSecurityGroupId.NotFound"),
    ("JoinSecurityGroup", "InvalidSecurityGroupAssociation.NotFound"),
])
def test_other_refusals_are_errors(action, code):
    acs = FakeAcs(ServerException(code, "refused", http_status=403, request_id="R-9"))
    client = make_client(acs)[0]
    with pytest.raises(EcsApiError, match=code):
        client.call(action, {"SecurityGroupId": "sg-x"})


def test_join_conflict_is_retried():
    acs = FakeAcs(ServerException("InvalidOperation.Conflict", "conflict", http_status=409, request_id="R-1"), {"RequestId": "R-2"})
    client, fake_time = make_client(acs)
    assert client.call("JoinSecurityGroup", {"SecurityGroupId": "sg-x", "InstanceId": "i-1"}) == {"RequestId": "R-2"}
    assert client.calls_made == 2 and fake_time.sleeps == [0.5]


def test_retries_are_bounded_by_count():
    acs = FakeAcs(*[throttled()] * 10)
    client, fake_time = make_client(acs, retries=2)
    with pytest.raises(EcsApiError) as caught:
        client.call("DescribeSecurityGroups")
    assert caught.value.code == "Throttling"
    assert caught.value.attempts == 3
    assert client.calls_made == 3
    assert fake_time.sleeps == [0.5, 1.0]


def test_retries_are_bounded_by_total_time():
    acs = FakeAcs(*[unavailable()] * 10)
    # Waits would be 0.5, 1, 2, 4 ...: after 0.5 + 1 + 2 = 3.5 s the next 4 s wait overshoots a 5 s budget.
    client, fake_time = make_client(acs, retries=8, retry_timeout=5.0)
    with pytest.raises(EcsApiError) as caught:
        client.call("DescribeSecurityGroups")
    assert caught.value.attempts == 4
    assert fake_time.sleeps == [0.5, 1.0, 2.0]


def test_single_wait_is_capped_by_retry_max_delay():
    acs = FakeAcs(*([throttled()] * 5 + [{"RequestId": "R"}]))
    client, fake_time = make_client(acs, retries=8, retry_max_delay=1.5)
    client.call("DescribeSecurityGroups")
    assert fake_time.sleeps == [0.5, 1.0, 1.5, 1.5, 1.5]


def test_zero_retries_means_one_attempt():
    acs = FakeAcs(throttled(), {"RequestId": "R"})
    client = make_client(acs, retries=0)[0]
    with pytest.raises(EcsApiError):
        client.call("DescribeSecurityGroups")
    assert client.calls_made == 1


def test_errors_never_carry_secrets_or_query_strings():
    signature_error = ServerException(
        "SignatureDoesNotMatch",
        "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3DLTAI",
        http_status=400, request_id="R-S")
    connection_error = ClientException(
        "SDK.HttpError", "HTTPConnectionPool(host='ecs.private', port=443): Max retries exceeded with url: "
        "/?SecurityToken=CAIS%2Ftoken&AccessKeyId=LTAI&Signature=abc (Caused by timeout) secret " + SECRET)
    for error in (signature_error, connection_error):
        client = make_client(FakeAcs(error), retries=0)[0]
        with pytest.raises(EcsApiError) as caught:
            client.call("DescribeSecurityGroups")
        text = str(caught.value) + json.dumps(caught.value.to_dict())
        for forbidden in (SECRET, "CAIS", "string to sign", "AccessKeyId", "Signature="):
            assert forbidden not in text


def test_wrong_secret_reports_the_ecs_error_code():
    # What aliyunsdkcore raises after rewriting the server's SignatureDoesNotMatch.
    renamed = ServerException("InvalidAccessKeySecret", "The AccessKeySecret is incorrect. Please check your AccessKeyId and AccessKeySecret.",
                              http_status=400, request_id="R-S")
    client = make_client(FakeAcs(renamed))[0]
    with pytest.raises(EcsApiError) as caught:
        client.call("DescribeSecurityGroups")
    assert (caught.value.code, caught.value.http_status, caught.value.retryable) == ("SignatureDoesNotMatch", 400, False)
    assert "AccessKeySecret is incorrect" in caught.value.message


@pytest.mark.parametrize(
    "outcome, code",
    [(b"<html>proxy error</html>", "SDK.InvalidResponse"), (b"[1, 2]", "SDK.InvalidResponse"),
     (OSError("metadata service unreachable"), "SDK.CredentialError")],
)
def test_unusable_answers_and_credential_failures_are_not_retried(outcome, code):
    acs = FakeAcs(outcome, {"RequestId": "R"})
    client = make_client(acs)[0]
    with pytest.raises(EcsApiError) as caught:
        client.call("DescribeSecurityGroups")
    assert caught.value.code == code
    assert caught.value.retryable is False
    assert client.calls_made == 1


# ------------------------------------------------------------------------------------------------ paginate()

def group_page(ids, next_token=None, total=None):
    answer = {"RequestId": "R", "SecurityGroups": {"SecurityGroup": [{"SecurityGroupId": sg} for sg in ids]}}
    if next_token is not None:
        answer["NextToken"] = next_token
    if total is not None:
        answer["TotalCount"] = total
    return answer


def test_paginate_by_token_reads_to_the_end():
    acs = FakeAcs(group_page(["sg-1", "sg-2"], "t1"), group_page(["sg-3"], "t2"), group_page([], ""))
    client = make_client(acs)[0]
    items = client.paginate("DescribeSecurityGroups", {"VpcId": "vpc-1"}, "SecurityGroups.SecurityGroup", page_size=100)
    assert [item["SecurityGroupId"] for item in items] == ["sg-1", "sg-2", "sg-3"]
    assert acs.queries == [
        {"VpcId": "vpc-1", "MaxResults": "100"},
        {"VpcId": "vpc-1", "MaxResults": "100", "NextToken": "t1"},
        {"VpcId": "vpc-1", "MaxResults": "100", "NextToken": "t2"},
    ]


def test_paginate_by_token_single_page_without_page_size():
    acs = FakeAcs(group_page(["sg-1"]))
    client = make_client(acs)[0]
    assert len(client.paginate("DescribeSecurityGroups", None, "SecurityGroups.SecurityGroup")) == 1
    assert acs.queries == [{}]


def test_paginate_stops_on_a_repeated_token():
    acs = FakeAcs(group_page(["sg-1"], "same"), group_page(["sg-2"], "same"))
    client = make_client(acs)[0]
    with pytest.raises(EcsApiError) as caught:
        client.paginate("DescribeSecurityGroups", {}, "SecurityGroups.SecurityGroup")
    assert caught.value.code == "SDK.PagingLoop"


@pytest.mark.parametrize(
    "pages, page_size, expected_calls",
    [
        # TotalCount reached exactly on a full page: no extra empty call
        ([group_page(["a", "b"], total=4), group_page(["c", "d"], total=4)], 2, 2),
        # short last page
        ([group_page(["a", "b"], total=5), group_page(["c", "d"], total=5), group_page(["e"], total=5)], 2, 3),
        # no TotalCount at all: a short page ends it
        ([group_page(["a", "b"]), group_page([])], 2, 2),
        ([group_page([], total=0)], 50, 1),
    ],
)
def test_paginate_by_page_number(pages, page_size, expected_calls):
    acs = FakeAcs(*pages)
    client = make_client(acs)[0]
    items = client.paginate("DescribeInstances", {"VpcId": "vpc-1"}, "SecurityGroups.SecurityGroup", style="page", page_size=page_size)
    assert len(acs.queries) == expected_calls
    assert [query["PageNumber"] for query in acs.queries] == [str(n) for n in range(1, expected_calls + 1)]
    assert all(query["PageSize"] == str(page_size) for query in acs.queries)
    assert len(items) == sum(len(page["SecurityGroups"]["SecurityGroup"]) for page in pages)


def test_paginate_rejects_unknown_style():
    client = make_client(FakeAcs())[0]
    with pytest.raises(ValueError):
        client.paginate("DescribeSecurityGroups", {}, "SecurityGroups.SecurityGroup", style="cursor")


# ------------------------------------------------------------------------------------------------ SDK wiring

def creds(mode, **fields):
    return Credentials(mode=mode, region="cn-hangzhou", source="test", **fields)


@pytest.mark.parametrize(
    "credentials, token",
    [
        (creds("AK", access_key="A", secret_key="S"), None),
        (creds("StsToken", access_key="STS.A", secret_key="S", security_token="T"), "T"),
    ],
)
def test_keys_and_sts_tokens_sign_with_the_rpc_sender_not_the_sdk(monkeypatch, credentials, token):
    # The SDK's signer factory would prefer these over the given credentials; the collection's sender never reads them.
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_ID", "ENV_AK")
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_SECRET", "ENV_SK")
    acs = build_acs_client(credentials)
    assert isinstance(acs, RpcSender)
    assert (acs.access_key, acs._security_token, acs.region) == (credentials.access_key, token, "cn-hangzhou")  # pylint: disable=protected-access
    assert acs.new_request("DescribeSecurityGroups").get_action_name() == "DescribeSecurityGroups"


@pytest.mark.parametrize(
    "credentials, signer_type",
    [
        (creds("RamRoleArn", access_key="A", secret_key="S", role_arn="acs:ram::1:role/x", session_name="n", session_expiration=1800),
         RamRoleArnSigner),
        (creds("EcsRamRole", ecs_role_name="Role"), EcsRamRoleSigner),
    ],
)
def test_build_acs_client_role_signer_per_mode_ignores_aliyun_env(monkeypatch, credentials, signer_type):
    # The SDK alone would sign with these instead of the credential object.
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_ID", "ENV_AK")
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_SECRET", "ENV_SK")
    acs = build_acs_client(credentials)
    signer = acs._signer  # pylint: disable=protected-access
    assert type(signer) is signer_type  # pylint: disable=unidiomatic-typecheck
    assert acs.get_region_id() == "cn-hangzhou"
    assert acs.is_auto_retry() is False
    if signer_type is RamRoleArnSigner:
        assert signer._SESSION_PERIOD == 1800  # pylint: disable=protected-access
        assert signer._credential.role_arn == "acs:ram::1:role/x"  # pylint: disable=protected-access
    # A client without new_request() gets the SDK's request objects.
    assert isinstance(EcsClient(acs, "cn-hangzhou").sdk_request("DescribeSecurityGroups", {}), SdkRpcRequest)


@pytest.mark.parametrize(
    "endpoint, validate_certs, use_proxy, verify",
    [
        (parse_endpoint("127.0.0.1:8765"), True, False, True),
        (parse_endpoint("https://ecs.private"), False, True, False),
        (None, True, True, True),
    ],
)
def test_build_acs_client_proxy_and_tls(endpoint, validate_certs, use_proxy, verify):
    acs = build_acs_client(creds("AK", access_key="A", secret_key="S"), endpoint, validate_certs, connect_timeout=3, read_timeout=7)
    assert acs.use_proxy is use_proxy
    assert acs.verify is verify
    assert (acs.connect_timeout, acs.read_timeout) == (3, 7)


BASE_PARAMS = {"access_key": "A", "secret_key": SECRET, "region": "cn-hangzhou"}


@pytest.mark.parametrize(
    "extra, option",
    [({"retries": -1}, "retries"), ({"retry_timeout": -1.0}, "retry_timeout"), ({"retry_max_delay": -0.1}, "retry_max_delay"),
     ({"connect_timeout": 0}, "connect_timeout"), ({"read_timeout": -5}, "read_timeout"), ({"endpoint": "ftp://x"}, "endpoint"),
     ({"region": None}, "region")],
)
def test_from_module_params_validates(extra, option):
    params = dict(BASE_PARAMS, **extra)
    with pytest.raises(ConfigurationError) as caught:
        EcsClient.from_module_params(params, env={})
    assert caught.value.option == option


def test_from_module_params_uses_defaults_and_endpoint_env():
    client = EcsClient.from_module_params(dict(BASE_PARAMS), env={"ALICLOUD_ECS_ENDPOINT": "127.0.0.1:9"})
    assert client.region == "cn-hangzhou"
    assert client.endpoint == Endpoint("http", "127.0.0.1:9", True)
    assert (client.retries, client.retry_max_delay, client.retry_timeout) == (8, 20.0, 120.0)
    assert client.acs_client.use_proxy is False
    explicit = EcsClient.from_module_params(dict(BASE_PARAMS, endpoint="https://ecs.private", retries=2),
                                            env={"ALICLOUD_ECS_ENDPOINT": "127.0.0.1:9"})
    assert explicit.endpoint == Endpoint("https", "ecs.private", False)
    assert explicit.retries == 2


@pytest.mark.parametrize("params, env, source", [
    ({"endpoint": "http://ecs.example.com"}, {}, "endpoint http://ecs.example.com"),
    ({"endpoint": "http://10.0.0.5:8080"}, {}, "endpoint http://10.0.0.5:8080"),
    ({"endpoint": "http://[2001:db8::1]:80"}, {}, "endpoint http://[2001:db8::1]:80"),
    # Names that only look local: a resolver may send them to DNS and its search domains.
    ({"endpoint": "http://ecs.localhost:8765"}, {}, "endpoint http://ecs.localhost:8765"),
    ({"endpoint": "http://localhost.localdomain:8765"}, {}, "endpoint http://localhost.localdomain:8765"),
    ({}, {"ALICLOUD_ECS_ENDPOINT": "http://ecs.example.com"}, "ALICLOUD_ECS_ENDPOINT (environment) http://ecs.example.com"),
])
def test_plain_http_to_a_remote_host_is_refused_before_anything(monkeypatch, params, env, source):
    def no_credentials(*_args):
        raise AssertionError("credentials resolved before the endpoint was found safe")
    monkeypatch.setattr(client_module, "resolve_credentials", no_credentials)
    monkeypatch.setattr(client_module, "build_acs_client", no_credentials)
    with pytest.raises(ConfigurationError) as caught:
        EcsClient.from_module_params(dict(BASE_PARAMS, **params), env=env)
    assert caught.value.option == "endpoint"
    message = str(caught.value)
    assert message.startswith(source)
    assert "unencrypted" in message and "allow_insecure_endpoint: true" in message
    assert SECRET not in message


@pytest.mark.parametrize("endpoint, allow, expected", [
    ("http://127.0.0.1:9", False, Endpoint("http", "127.0.0.1:9", True)),
    ("http://localhost:9", False, Endpoint("http", "localhost:9", True)),
    ("http://[::1]:9", False, Endpoint("http", "[::1]:9", True)),
    ("ecs.example.com", False, Endpoint("https", "ecs.example.com", False)),
    ("http://ecs.example.com", True, Endpoint("http", "ecs.example.com", False)),
])
def test_loopback_https_and_opted_in_endpoints_are_accepted(endpoint, allow, expected):
    client = EcsClient.from_module_params(dict(BASE_PARAMS, endpoint=endpoint, allow_insecure_endpoint=allow), env={})
    assert client.endpoint == expected


def test_ca_bundle_verifies_and_must_exist(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    client = EcsClient.from_module_params(dict(BASE_PARAMS, endpoint="https://ecs.private", ca_bundle=str(bundle)), env={})
    assert client.acs_client.verify == str(bundle)
    with pytest.raises(ConfigurationError) as caught:
        EcsClient.from_module_params(dict(BASE_PARAMS, ca_bundle=str(tmp_path / "missing.pem")), env={})
    assert caught.value.option == "ca_bundle" and "missing.pem" in str(caught.value)


# ------------------------------------------------------------------------------------------------ over real HTTP

class ScriptedEcs(BaseHTTPRequestHandler):
    """A tiny HTTP server that answers scripted (status, body) pairs and records each query."""

    script = []
    seen = []

    def do_POST(self):  # noqa: N802 - http.server naming
        query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        type(self).seen.append(query)
        status, body = type(self).script.pop(0)
        payload = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture
def scripted_server():
    ScriptedEcs.script = []
    ScriptedEcs.seen = []
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), ScriptedEcs)) as server:
        yield server


def test_a_certificate_failure_the_sdk_reports_is_not_retried():
    """RAM-role credentials go through the SDK, which names a TLS failure SDK.HttpError like any lost connection."""
    acs = FakeAcs(*[ClientException("SDK.HttpError", "HTTPSConnectionPool(host='ecs.private', port=443): Max retries "
                                    "exceeded (Caused by SSLError(SSLCertVerificationError(1, '[SSL: "
                                    "CERTIFICATE_VERIFY_FAILED] certificate verify failed')))")] * 3)
    client = EcsClient(acs, "cn-hangzhou", retries=3, retry_base_delay=0, sleep=lambda _s: None)
    with pytest.raises(EcsApiError) as caught:
        client.call("DescribeSecurityGroups", {})
    assert (caught.value.code, caught.value.attempts, len(acs.requests)) == ("SDK.TLSError", 1, 1)
    assert str(caught.value).endswith("its TLS certificate could not be verified")


def test_real_client_over_http_bypasses_proxy_retries_once_per_policy_and_keeps_token(scripted_server, monkeypatch):
    # A proxy that does not exist: the call only works if the loopback endpoint bypasses it.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:1")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:1")
    ScriptedEcs.script = [
        (503, {"RequestId": "R1", "Code": "ServiceUnavailable", "Message": "The request has failed due to a temporary failure of the server."}),
        (400, {"RequestId": "R2", "Code": "Throttling", "Message": "Request was denied due to request throttling."}),
        (200, {"RequestId": "R3", "SecurityGroupId": "sg-abc"}),
    ]
    host, port = scripted_server.server_address
    params = dict(BASE_PARAMS, endpoint="%s:%d" % (host, port), retry_max_delay=0.01)
    client = EcsClient.from_module_params(params, env={})
    answer = client.call("CreateSecurityGroup", {"SecurityGroupName": "web", "Tag": {"env": "prod"}})
    assert answer["SecurityGroupId"] == "sg-abc"
    seen = ScriptedEcs.seen
    assert len(seen) == 3 == client.calls_made
    assert len({query["ClientToken"] for query in seen}) == 1
    assert len({query["SignatureNonce"] for query in seen}) == 3
    assert seen[0]["Action"] == "CreateSecurityGroup"
    assert (seen[0]["Tag.1.Key"], seen[0]["Tag.1.Value"], seen[0]["RegionId"]) == ("env", "prod", "cn-hangzhou")
    assert all(SECRET not in json.dumps(query) for query in seen)


def test_real_client_does_not_retry_on_its_own(scripted_server):
    ScriptedEcs.script = [(503, {"RequestId": "R1", "Code": "ServiceUnavailable", "Message": "down"})] * 5
    host, port = scripted_server.server_address
    client = EcsClient.from_module_params(dict(BASE_PARAMS, endpoint="http://%s:%d" % (host, port), retries=0), env={})
    with pytest.raises(EcsApiError) as caught:
        client.call("DescribeSecurityGroups", {"SecurityGroupIds": ["sg-1"]})
    assert (caught.value.code, caught.value.http_status, caught.value.request_id) == ("ServiceUnavailable", 503, "R1")
    assert len(ScriptedEcs.seen) == 1
    assert ScriptedEcs.seen[0]["SecurityGroupIds"] == '["sg-1"]'


def test_sdk_missing_is_a_configuration_error_for_role_credentials_only(monkeypatch):
    monkeypatch.setattr(client_module, "HAS_SDK", False)
    with pytest.raises(ConfigurationError) as caught:
        EcsClient.from_module_params(dict(region="cn-hangzhou", ecs_role_name="ops-role"), env={})
    assert "aliyun-python-sdk-core" in str(caught.value)
    assert isinstance(EcsClient.from_module_params(dict(BASE_PARAMS), env={}).acs_client, RpcSender)


def test_client_token_actions_are_those_whose_sdk_request_takes_one():
    actions = ["AuthorizeSecurityGroup", "AuthorizeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup",
               "DescribeInstances", "DescribeNetworkInterfaces", "DescribeSecurityGroupAttribute",
               "DescribeSecurityGroupReferences", "DescribeSecurityGroups", "JoinSecurityGroup", "LeaveSecurityGroup",
               "ListTagResources", "ModifyInstanceAttribute", "ModifyNetworkInterfaceAttribute",
               "ModifySecurityGroupAttribute", "ModifySecurityGroupEgressRule", "ModifySecurityGroupPolicy",
               "ModifySecurityGroupRule", "RevokeSecurityGroup", "RevokeSecurityGroupEgress", "TagResources",
               "UntagResources"]
    for action in actions:
        request_class = client_module.sdk_request_class(action)
        assert request_class is not None, action
        assert accepts_client_token(action) is hasattr(request_class, "set_ClientToken"), action
    assert client_module.CLIENT_TOKEN_ACTIONS <= set(actions)


@pytest.mark.parametrize("credentials, expected", [
    pytest.param(Credentials("AK", "cn-hangzhou", "options", access_key="LTAIone", secret_key=SECRET),
                 "access_key LTAIone from options", id="key-from-options"),
    pytest.param(Credentials("StsToken", "cn-hangzhou", "profile 'ops' in /x (mode StsToken)", access_key="STS.two",
                             secret_key=SECRET, security_token="token"),
                 "access_key STS.two from profile 'ops' in /x (mode StsToken)", id="sts-key-from-profile"),
    pytest.param(Credentials("EcsRamRole", "cn-hangzhou", "options", ecs_role_name="ops-role"),
                 "ecs_role_name ops-role from options", id="ecs-ram-role"),
])
def test_describe_identity_names_the_key_or_role_never_a_secret(credentials, expected):
    assert describe_identity(credentials) == expected
    assert SECRET not in describe_identity(credentials)
