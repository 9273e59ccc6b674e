# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault injection through /_emulator/faults, as the SDK sees it (emulator/README.md, ECS_API.md section 1)."""

from __future__ import annotations

import time

import pytest
from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
from aliyunsdkecs.request.v20140526.AuthorizeSecurityGroupRequest import AuthorizeSecurityGroupRequest
from aliyunsdkecs.request.v20140526.DescribeRegionsRequest import DescribeRegionsRequest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupsRequest import DescribeSecurityGroupsRequest

from ansible_collections.cloudwall.alicloud.tests.lib.emulator_harness import DEMO_SG_VPC, EcsApi, tcp_rule

THROTTLING_MESSAGE = "Request was denied due to request throttling."


def outcome(ecs, request_class, **setters):
    """"ok", a ServerException code, or the ClientException code."""
    try:
        ecs.call(request_class, **setters)
        return "ok"
    except ServerException as error:
        return error.get_error_code()
    except ClientException as error:
        return error.get_error_code()


def test_throttling_every_call(ecs, admin):
    admin.faults([{"kind": "throttling", "rate": 1.0, "actions": None}])
    error = ecs.error(DescribeRegionsRequest)
    assert (error.get_http_status(), error.get_error_code(), error.get_error_msg()) == (
        400, "Throttling", THROTTLING_MESSAGE)
    assert admin.calls(action="DescribeRegions")[-1]["code"] == "Throttling"


def test_throttling_by_action(ecs, admin):
    admin.faults([{"kind": "throttling", "rate": 1.0, "actions": ["AuthorizeSecurityGroup"]}])
    assert outcome(ecs, DescribeSecurityGroupsRequest) == "ok"
    assert outcome(ecs, AuthorizeSecurityGroupRequest, SecurityGroupId=DEMO_SG_VPC,
                   Permissions=[tcp_rule(22)]) == "Throttling"


def test_throttling_by_rate(ecs, admin):
    admin.faults([{"kind": "throttling", "rate": 0.5, "actions": None}], random_seed=7)
    outcomes = [outcome(ecs, DescribeRegionsRequest) for _index in range(40)]
    assert set(outcomes) == {"ok", "Throttling"}
    assert 5 <= outcomes.count("Throttling") <= 35


def test_rate_zero_never_fires(ecs, admin):
    admin.faults([{"kind": "throttling", "rate": 0.0, "actions": None}])
    assert {outcome(ecs, DescribeRegionsRequest) for _index in range(10)} == {"ok"}


def test_times_bounds_a_fault(ecs, admin):
    admin.faults([{"kind": "throttling", "rate": 1.0, "actions": None, "times": 2}])
    assert [outcome(ecs, DescribeRegionsRequest) for _index in range(4)] == ["Throttling", "Throttling", "ok", "ok"]


def test_server_errors(ecs, admin):
    admin.faults([{"kind": "5xx", "rate": 1.0, "actions": None}], random_seed=3)
    seen = set()
    for _index in range(12):
        error = ecs.error(DescribeRegionsRequest)
        seen.add((error.get_http_status(), error.get_error_code()))
    assert seen <= {(503, "ServiceUnavailable"), (500, "InternalError")}
    assert seen


def test_latency(ecs, admin):
    admin.faults([{"kind": "latency", "rate": 1.0, "actions": ["DescribeRegions"], "latency_ms": 300}])
    started = time.monotonic()
    ecs.call(DescribeRegionsRequest)
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    ecs.call(DescribeSecurityGroupsRequest)
    assert time.monotonic() - started < 0.3


def test_latency_beyond_read_timeout_is_http_error(emulator, admin):
    admin.faults([{"kind": "latency", "rate": 1.0, "actions": None, "latency_ms": 1500}])
    impatient = EcsApi(emulator.endpoint, timeout=1)
    with pytest.raises(ClientException) as raised:
        impatient.call(DescribeRegionsRequest)
    assert raised.value.get_error_code() == "SDK.HttpError"


def test_drop_is_sdk_http_error(ecs, admin):
    admin.faults([{"kind": "drop", "rate": 1.0, "actions": None}])
    with pytest.raises(ClientException) as raised:
        ecs.call(DescribeRegionsRequest)
    assert raised.value.get_error_code() == "SDK.HttpError"


@pytest.mark.parametrize("kind", ["throttling", "5xx", "drop"])
def test_faulted_mutating_call_changes_nothing(ecs, admin, kind):
    before = admin.state()
    admin.faults([{"kind": kind, "rate": 1.0, "actions": ["AuthorizeSecurityGroup"]}])
    assert outcome(ecs, AuthorizeSecurityGroupRequest, SecurityGroupId=DEMO_SG_VPC,
                   Permissions=[tcp_rule(22)]) != "ok"
    admin.clear_faults()
    assert admin.state() == before


def test_sdk_retries_describe_through_a_transient_fault(emulator, admin):
    admin.faults([{"kind": "5xx", "rate": 1.0, "actions": ["DescribeSecurityGroups"], "times": 1}])
    retrying = EcsApi(emulator.endpoint, auto_retry=True)
    assert retrying.call(DescribeSecurityGroupsRequest)["TotalCount"] == 2
    statuses = [c["http_status"] for c in admin.calls(action="DescribeSecurityGroups")]
    assert statuses[0] in (500, 503) and statuses[1:] == [200]


def test_sdk_never_retries_a_mutating_call(emulator, admin):
    admin.faults([{"kind": "5xx", "rate": 1.0, "actions": ["AuthorizeSecurityGroup"], "times": 1}])
    retrying = EcsApi(emulator.endpoint, auto_retry=True)
    with pytest.raises(ServerException):
        retrying.call(AuthorizeSecurityGroupRequest, SecurityGroupId=DEMO_SG_VPC, Permissions=[tcp_rule(22)])
    assert len(admin.calls(action="AuthorizeSecurityGroup")) == 1


def test_fault_set_is_readable_replaceable_and_clearable(admin):
    admin.faults([{"kind": "latency", "rate": 1.0, "actions": None, "latency_ms": 1}])
    admin.faults([{"kind": "throttling", "rate": 0.25, "actions": ["DescribeRegions"]}])
    faults = admin.current_faults()["faults"]
    assert [(f["kind"], f["rate"], f["actions"]) for f in faults] == [("throttling", 0.25, ["DescribeRegions"])]
    admin.clear_faults()
    assert admin.current_faults()["faults"] == []


def test_reset_clears_faults(ecs, admin):
    admin.faults([{"kind": "throttling", "rate": 1.0, "actions": None}])
    admin.reset("demo")
    assert outcome(ecs, DescribeRegionsRequest) == "ok"


def test_admin_api_is_never_faulted(admin):
    admin.faults([{"kind": "drop", "rate": 1.0, "actions": None}])
    assert admin.health() == {"status": "ok"}
    assert admin.state()
