# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the conformance checks run: the emulator (a fresh one, or CONFORMANCE_ENDPOINT) or a real account.

A Target speaks to ECS through the classic SDK (aliyun-python-sdk-core, as the collection does) with CommonRequest,
names everything it creates with one unique run prefix, and removes all of it in cleanup(), which the session calls
even when checks fail. Nothing here prints or logs a secret.
"""

from __future__ import annotations

import json
import os
import time
import uuid

from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.credentials import AccessKeyCredential, StsTokenCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

ECS_VERSION = "2014-05-26"
# check name -> target label -> observation (a short text, never a secret); conftest prints it as a table.
OBSERVATIONS = {}
VPC_VERSION = "2016-04-28"


def record(check, label, observation):
    OBSERVATIONS.setdefault(check, {})[label] = observation


def flatten(params):
    """ECS RPC parameters: lists of dicts become Name.N.Field, lists of strings Name.N, booleans True/False."""
    flat = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, list):
            for index, item in enumerate(value, 1):
                if isinstance(item, dict):
                    for field, inner in item.items():
                        flat["%s.%d.%s" % (name, index, field)] = str(inner)
                else:
                    flat["%s.%d" % (name, index)] = str(item)
        else:
            flat[name] = str(value)
    return flat


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__("%s %s: %s" % (status, code, message))
        self.status, self.code, self.message = status, code, message


class Target:
    """One ECS endpoint with credentials, a region, a VPC, maybe an instance, and the resources a run made."""

    def __init__(self, label, host, protocol, region, access_key_id, access_key_secret, security_token=None, vpc_id=None,
                 instance_id=None, peer=None, verify=None):
        self.label = label
        self.host = host
        self.protocol = protocol
        self.region = region
        self.vpc_id = vpc_id
        self.instance_id = instance_id
        self.peer = peer  # {"group_id", "account_id", "account_name"} of another account's group, when one is known
        self.prefix = "cw-conf-%s" % uuid.uuid4().hex[:8]
        credential = (StsTokenCredential(access_key_id, access_key_secret, security_token) if security_token
                      else AccessKeyCredential(access_key_id, access_key_secret))
        proxy = {"http": None, "https": None} if host.startswith(("127.", "localhost")) else None
        self.client = AcsClient(credential=credential, region_id=region, auto_retry=True, max_retry_time=3, timeout=30,
                                connect_timeout=10, proxy=proxy, verify=verify)
        self.groups = []  # ids of the groups this run created, oldest first
        self.own_vpc = False
        self.joined = []  # (group id, instance id) memberships to undo

    # --- calls -------------------------------------------------------------------------------------------------

    def _request(self, domain, version, action, params):
        request = CommonRequest(domain=domain, version=version, action_name=action)
        request.set_method("POST")
        request.set_protocol_type(self.protocol)
        request.set_accept_format("JSON")
        request.add_query_param("RegionId", self.region)
        for name, value in flatten(params).items():
            request.add_query_param(name, value)
        return request

    def call(self, action, **params):
        """The parsed answer; ApiError with status and code when ECS refuses."""
        try:
            return json.loads(self.client.do_action_with_exception(self._request(self.host, ECS_VERSION, action, params)))
        except ServerException as error:
            raise ApiError(error.get_http_status(), error.get_error_code(), error.get_error_msg()) from None

    def error(self, action, **params):
        """(status, code) of a call that must fail; AssertionError when it succeeds."""
        try:
            answer = self.call(action, **params)
        except ApiError as error:
            return error.status, error.code
        raise AssertionError("%s succeeded where an error was expected: %s" % (action, answer))

    def vpc_call(self, action, **params):
        domain = "vpc.%s.aliyuncs.com" % self.region
        return json.loads(self.client.do_action_with_exception(self._request(domain, VPC_VERSION, action, params)))

    # --- resources ---------------------------------------------------------------------------------------------

    def name(self, suffix):
        return "%s-%s" % (self.prefix, suffix)

    def create_group(self, suffix, **params):
        params.setdefault("VpcId", self.vpc_id)
        params.setdefault("Description", "conformance check %s" % self.prefix)
        group_id = self.call("CreateSecurityGroup", SecurityGroupName=self.name(suffix), **params)["SecurityGroupId"]
        self.groups.append(group_id)
        return group_id

    def rules(self, group_id, direction="all"):
        answer = self.call("DescribeSecurityGroupAttribute", SecurityGroupId=group_id, Direction=direction)
        return answer["Permissions"]["Permission"]

    def authorize(self, group_id, *permissions):
        return self.call("AuthorizeSecurityGroup", SecurityGroupId=group_id, Permissions=list(permissions))

    def missing_id(self, prefix):
        """An id of the real form that no resource has."""
        return "%s-%s" % (prefix, ("zz" + uuid.uuid4().hex)[:20])

    def ensure_vpc(self):
        """A VPC for the run's groups: the one given, or one created (and removed by cleanup)."""
        if self.vpc_id:
            return
        answer = self.vpc_call("CreateVpc", CidrBlock="192.168.0.0/16", VpcName=self.name("vpc"),
                               Description="conformance run %s" % self.prefix)
        self.vpc_id, self.own_vpc = answer["VpcId"], True
        for _attempt in range(60):
            vpcs = self.vpc_call("DescribeVpcs", VpcId=self.vpc_id)["Vpcs"]["Vpc"]
            if vpcs and vpcs[0]["Status"] == "Available":
                return
            time.sleep(2)
        raise RuntimeError("VPC %s never became Available" % self.vpc_id)

    def cleanup(self):
        """Undo memberships, revoke every rule of the run's groups (references block deletes), delete them, then the
        VPC the run created. Returns what could not be removed, for the report."""
        left = []
        for group_id, instance_id in reversed(self.joined):
            try:
                self.call("LeaveSecurityGroup", SecurityGroupId=group_id, InstanceId=instance_id)
            except ApiError as error:
                if error.code != "InvalidSecurityGroupAssociation.NotFound":
                    left.append("membership %s/%s: %s" % (instance_id, group_id, error.code))
        for group_id in self.groups:
            for direction, action in (("ingress", "RevokeSecurityGroup"), ("egress", "RevokeSecurityGroupEgress")):
                try:
                    ids = [rule["SecurityGroupRuleId"] for rule in self.rules(group_id, direction)]
                    if ids:
                        self.call(action, SecurityGroupId=group_id, SecurityGroupRuleId=ids)
                except ApiError:
                    pass  # the group may already be gone
        for group_id in reversed(self.groups):
            for attempt in range(5):
                try:
                    self.call("DeleteSecurityGroup", SecurityGroupId=group_id)
                    break
                except ApiError as error:
                    if error.code in ("InvalidSecurityGroup.NotFound", "InvalidSecurityGroupId.NotFound"):
                        break
                    if attempt == 4:
                        left.append("group %s: %s" % (group_id, error.code))
                    time.sleep(2)
        if self.own_vpc:
            try:
                self.vpc_call("DeleteVpc", VpcId=self.vpc_id)
            except ServerException as error:
                left.append("vpc %s: %s" % (self.vpc_id, error.get_error_code()))
        return left


def real_target_from_environment():
    """CONFORMANCE_REAL=1 with ALICLOUD_ACCESS_KEY, ALICLOUD_SECRET_KEY (ALICLOUD_SECURITY_TOKEN) and ALICLOUD_REGION
    (or the ALIBABA_CLOUD_* names); CONFORMANCE_VPC_ID and CONFORMANCE_INSTANCE_ID optional."""
    def env(*names):
        return next((os.environ[name] for name in names if os.environ.get(name)), None)
    key = env("ALICLOUD_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_ID")
    secret = env("ALICLOUD_SECRET_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    region = env("ALICLOUD_REGION", "ALIBABA_CLOUD_REGION_ID")
    if not (key and secret and region):
        raise RuntimeError("CONFORMANCE_REAL=1 needs ALICLOUD_ACCESS_KEY, ALICLOUD_SECRET_KEY and ALICLOUD_REGION")
    peer = None
    if os.environ.get("CONFORMANCE_PEER_GROUP_ID") and os.environ.get("CONFORMANCE_PEER_ACCOUNT_ID"):
        peer = {"group_id": os.environ["CONFORMANCE_PEER_GROUP_ID"], "account_id": os.environ["CONFORMANCE_PEER_ACCOUNT_ID"],
                "account_name": os.environ.get("CONFORMANCE_PEER_ACCOUNT_NAME") or os.environ["CONFORMANCE_PEER_ACCOUNT_ID"]}
    return Target("real", "ecs.%s.aliyuncs.com" % region, "https", region, key, secret,
                  security_token=env("ALICLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_SECURITY_TOKEN"),
                  vpc_id=os.environ.get("CONFORMANCE_VPC_ID") or None, instance_id=os.environ.get("CONFORMANCE_INSTANCE_ID") or None,
                  peer=peer)
