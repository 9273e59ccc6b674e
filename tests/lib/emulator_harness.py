# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drive the ECS emulator the way a user does: a subprocess, its admin API, the real SDK, raw signed HTTP.

Used by the emulator test suite (conftest.py) and by benchmarks/emulator_bench.py. It knows the emulator
only through its documented contract (emulator/README.md) and the wire protocol (shared ECS_API.md).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid

from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.credentials import AccessKeyCredential, StsTokenCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.AuthorizeSecurityGroupEgressRequest import AuthorizeSecurityGroupEgressRequest
from aliyunsdkecs.request.v20140526.AuthorizeSecurityGroupRequest import AuthorizeSecurityGroupRequest
from aliyunsdkecs.request.v20140526.CreateSecurityGroupRequest import CreateSecurityGroupRequest
from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import DescribeInstancesRequest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupAttributeRequest import DescribeSecurityGroupAttributeRequest

# The process and admin API are shared with the integration tests, benchmarks and the demo; the suite's
# modules import them from here with the rest of the harness.
from .emulator_process import (  # noqa: F401  pylint: disable=unused-import
    DEMO_ACCESS_KEY, DEMO_REGION, DEMO_SECRET_KEY, NO_PROXY_OPENER, REPO_ROOT, AdminClient, AdminError, EmulatorProcess,
    fixed_id, no_proxy_opener,
)

DEMO_ACCESS_KEY_ID = DEMO_ACCESS_KEY
DEMO_ACCESS_KEY_SECRET = DEMO_SECRET_KEY

DEMO_VPC = "vpc-demo0000000000000001"
DEMO_VSWITCH = "vsw-demo0000000000000001"
DEMO_SG_VPC = "sg-demovpcdefault000001"
DEMO_SG_CLASSIC = "sg-democlassic000000001"
DEMO_WEB1 = "i-demoweb0000000000001"
DEMO_WEB2 = "i-demoweb0000000000002"
DEMO_REDIS = "i-demoredis00000000001"
DEMO_CLASSIC_INSTANCE = "i-democlassic000000001"
DEMO_ENI_WEB1 = "eni-demoweb0000000000001"
DEMO_ENI_FREE = "eni-demofree000000000001"
DEMO_PREFIX_LIST = "pl-demo0000000000000001"
# The demo seed's two accounts (emulator/README.md): the demo account signs with the demo key pair; the partner
# account has its own key pair and one group, invisible to the demo account.
DEMO_ACCOUNT_ID = "1234567890123456"
DEMO_ACCOUNT_NAME = "cloudwall-demo"
PARTNER_ACCOUNT_ID = "1111222233334444"
PARTNER_ACCOUNT_NAME = "cloudwall-partner"
PARTNER_ACCESS_KEY_ID = "LTAI5tEmuPartnerAccessKey1"
PARTNER_ACCESS_KEY_SECRET = "EmuPartnerSecretDoNotUseInProd0"
PARTNER_GROUP = "sg-otheraccount000000001"

# Every key a Permission carries in DescribeSecurityGroupAttribute (ECS_API.md section 3).
PERMISSION_KEYS = frozenset((
    "SecurityGroupRuleId", "Direction", "IpProtocol", "PortRange", "SourcePortRange", "SourceCidrIp",
    "Ipv6SourceCidrIp", "SourceGroupId", "SourceGroupName", "SourceGroupOwnerAccount", "SourcePrefixListId",
    "SourcePrefixListName", "DestCidrIp", "Ipv6DestCidrIp", "DestGroupId", "DestGroupName",
    "DestGroupOwnerAccount", "DestPrefixListId", "DestPrefixListName", "Policy", "Priority", "NicType",
    "Description", "CreateTime", "PortRangeListId", "PortRangeListName",
))


class EcsApi:
    """The real SDK (AcsClient + aliyunsdkecs request classes) aimed at one emulator."""

    def __init__(self, endpoint, access_key_id=DEMO_ACCESS_KEY_ID, access_key_secret=DEMO_ACCESS_KEY_SECRET,
                 security_token=None, region=DEMO_REGION, auto_retry=False, timeout=None, verify=None):
        self.endpoint = endpoint
        self.host_port = endpoint.split("://", 1)[-1]
        if security_token is None:
            credential = AccessKeyCredential(access_key_id, access_key_secret)
        else:
            credential = StsTokenCredential(access_key_id, access_key_secret, security_token)
        # Without proxy=None entries the SDK would send loopback traffic to any HTTP(S)_PROXY.
        self.client = AcsClient(credential=credential, region_id=region, auto_retry=auto_retry,
                                timeout=timeout, pool_size=16, proxy={"http": None, "https": None}, verify=verify)

    def build(self, request_class, query=None, **setters):
        """A request with each keyword applied through its SDK setter, `query` added as raw query params."""
        request = request_class()
        for name, value in setters.items():
            getattr(request, "set_" + name)(value)
        for name, value in (query or {}).items():
            request.add_query_param(name, value)
        request.set_endpoint(self.host_port)
        return request

    def send(self, request):
        return json.loads(self.client.do_action_with_exception(request))

    def call(self, request_class, query=None, **setters):
        """Parsed JSON response; raises ServerException / ClientException as the SDK does."""
        return self.send(self.build(request_class, query=query, **setters))

    def error(self, request_class, query=None, **setters):
        """The ServerException the call raises; an AssertionError if it succeeds."""
        try:
            response = self.call(request_class, query=query, **setters)
        except ServerException as error:
            return error
        raise AssertionError("%s succeeded, an error was expected: %s" % (request_class.__name__, response))

    def with_credentials(self, access_key_id, access_key_secret, security_token=None, **options):
        return EcsApi(self.endpoint, access_key_id, access_key_secret, security_token, **options)


def percent_encode(text):
    """RFC 3986 encoding with the unreserved set A-Za-z0-9-_.~ (Alibaba RPC signature v1.0)."""
    return urllib.parse.quote(str(text), safe="-_.~")


def string_to_sign(method, params):
    canonical = "&".join(
        "%s=%s" % (percent_encode(key), percent_encode(value))
        for key, value in sorted(params.items()) if key != "Signature"
    )
    return "%s&%s&%s" % (method.upper(), percent_encode("/"), percent_encode(canonical))


def rpc_signature(method, params, secret):
    """base64(HMAC-SHA1(secret + "&", StringToSign)): written apart from the SDK and the emulator."""
    digest = hmac.new((secret + "&").encode(), string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def utc_timestamp(offset_seconds=0):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def common_params(action, access_key_id=DEMO_ACCESS_KEY_ID, region=DEMO_REGION):
    """The parameters the SDK adds to every RPC call, with a fresh timestamp and nonce."""
    return {
        "Action": action, "Version": "2014-05-26", "Format": "JSON", "RegionId": region,
        "Timestamp": utc_timestamp(), "SignatureMethod": "HMAC-SHA1", "SignatureType": "",
        "SignatureVersion": "1.0", "SignatureNonce": uuid.uuid4().hex, "AccessKeyId": access_key_id,
    }


class RawResponse:
    def __init__(self, status, body):
        self.status = status
        self.raw = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    @property
    def code(self):
        return (self.json or {}).get("Code")


class RawEcs:
    """Hand-signed HTTP requests, for what the SDK never sends: stale timestamps, reused nonces, bad signatures."""

    def __init__(self, endpoint):
        self.endpoint = endpoint.rstrip("/")

    def send(self, params, method="POST", secret=DEMO_ACCESS_KEY_SECRET, sign=True, body_params=None):
        """Signs query + body params together (as the SDK does), sends query in the URL, body form-encoded."""
        query = dict(params)
        body_params = dict(body_params or {})
        if sign:
            query["Signature"] = rpc_signature(method, dict(query, **body_params), secret)
        url = "%s/?%s" % (self.endpoint, urllib.parse.urlencode(query, quote_via=urllib.parse.quote))
        data = urllib.parse.urlencode(body_params).encode() if body_params else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body_params else {}
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with NO_PROXY_OPENER.open(request, timeout=10) as response:
                return RawResponse(response.status, response.read())
        except urllib.error.HTTPError as error:
            return RawResponse(error.code, error.read())


class World:
    """Resources seeded on top of the demo seed, with fixed ids, for tests that need more than the demo."""

    OTHER_VPC = fixed_id("vpc", "other")
    OTHER_VSWITCH = fixed_id("vsw", "other")
    SG_WEB = fixed_id("sg", "web")
    SG_DB = fixed_id("sg", "db")
    SG_ENTERPRISE = fixed_id("sg", "enterprise")
    SG_OTHER_VPC = fixed_id("sg", "othervpc")
    SG_CLASSIC2 = fixed_id("sg", "classictwo")
    I_OTHER_VPC = fixed_id("i", "othervpc")
    I_STARTING = fixed_id("i", "starting")
    I_STOPPED = fixed_id("i", "stopped")
    MISSING_SG = fixed_id("sg", "missing")
    MISSING_RULE = fixed_id("sgr", "missing")
    MISSING_INSTANCE = fixed_id("i", "missing")
    MISSING_ENI = fixed_id("eni", "missing")
    MISSING_VPC = fixed_id("vpc", "missing")
    MISSING_PREFIX_LIST = fixed_id("pl", "missing")

    def __init__(self, ecs, admin):
        self.ecs = ecs
        self.admin = admin

    def seed(self):
        self.admin.seed(
            vpcs=[{"VpcId": self.OTHER_VPC, "CidrBlock": "10.0.0.0/8", "VpcName": "other-vpc"}],
            vswitches=[{"VSwitchId": self.OTHER_VSWITCH, "VpcId": self.OTHER_VPC, "ZoneId": "cn-hangzhou-h",
                        "CidrBlock": "10.1.0.0/24"}],
            security_groups=[
                {"SecurityGroupId": self.SG_WEB, "SecurityGroupName": "web", "Description": "web tier", "VpcId": DEMO_VPC},
                {"SecurityGroupId": self.SG_DB, "SecurityGroupName": "db", "Description": "db tier", "VpcId": DEMO_VPC},
                {"SecurityGroupId": self.SG_ENTERPRISE, "SecurityGroupName": "enterprise", "Description": "ent",
                 "VpcId": DEMO_VPC, "SecurityGroupType": "enterprise"},
                {"SecurityGroupId": self.SG_OTHER_VPC, "SecurityGroupName": "other", "Description": "other vpc",
                 "VpcId": self.OTHER_VPC},
                {"SecurityGroupId": self.SG_CLASSIC2, "SecurityGroupName": "classic-two", "Description": "classic",
                 "VpcId": ""},
            ],
            instances=[
                {"InstanceId": self.I_OTHER_VPC, "InstanceName": "other-1", "VpcId": self.OTHER_VPC,
                 "VSwitchId": self.OTHER_VSWITCH, "Status": "Running", "SecurityGroupIds": [self.SG_OTHER_VPC],
                 "PrivateIpAddress": "10.1.0.5"},
                {"InstanceId": self.I_STARTING, "InstanceName": "starting-1", "VpcId": DEMO_VPC,
                 "VSwitchId": DEMO_VSWITCH, "Status": "Starting", "SecurityGroupIds": [self.SG_WEB, self.SG_DB],
                 "PrivateIpAddress": "172.16.1.31"},
                {"InstanceId": self.I_STOPPED, "InstanceName": "stopped-1", "VpcId": DEMO_VPC,
                 "VSwitchId": DEMO_VSWITCH, "Status": "Stopped", "SecurityGroupIds": [self.SG_WEB],
                 "PrivateIpAddress": "172.16.1.32"},
            ],
        )
        return self

    def seed_groups(self, count, vpc_id=DEMO_VPC, prefix="bulk"):
        """`count` empty groups seeded in one admin call; their ids."""
        groups = [{"SecurityGroupName": "%s-%d" % (prefix, n), "Description": "seeded", "VpcId": vpc_id}
                  for n in range(count)]
        return self.admin.seed(security_groups=groups)["security_groups"]

    # SDK shortcuts used across the suite.

    def create_group(self, name="test-group", vpc_id=DEMO_VPC, **setters):
        if vpc_id:
            setters["VpcId"] = vpc_id
        return self.ecs.call(CreateSecurityGroupRequest, SecurityGroupName=name, **setters)["SecurityGroupId"]

    def authorize(self, group_id, *permissions, egress=False, **setters):
        request_class = AuthorizeSecurityGroupEgressRequest if egress else AuthorizeSecurityGroupRequest
        return self.ecs.call(request_class, SecurityGroupId=group_id, Permissions=list(permissions), **setters)

    def rules(self, group_id, direction="all", **setters):
        """Every Permission of a group, following NextToken to the end."""
        permissions, token = [], None
        while True:
            page_setters = dict(setters, SecurityGroupId=group_id, Direction=direction)
            if token:
                page_setters["NextToken"] = token
            page = self.ecs.call(DescribeSecurityGroupAttributeRequest, **page_setters)
            permissions += page["Permissions"]["Permission"]
            token = page.get("NextToken")
            if not token:
                return permissions

    def instance(self, instance_id):
        found = self.ecs.call(DescribeInstancesRequest, InstanceIds=json.dumps([instance_id]))["Instances"]["Instance"]
        assert len(found) == 1, found
        return found[0]

    def instance_groups(self, instance_id):
        return self.instance(instance_id)["SecurityGroupIds"]["SecurityGroupId"]


def tcp_rule(port, cidr="10.0.0.0/8", **fields):
    """One ingress Permission dict for set_Permissions."""
    permission = {"IpProtocol": "tcp", "PortRange": "%s/%s" % (port, port), "SourceCidrIp": cidr}
    permission.update(fields)
    return permission


# --- Signature v3 (ACS3-HMAC-SHA256) and the Tea SDK -------------------------------------------------------------

def acs3_sign(method, path, query, headers, body, access_key_id, secret):
    """The Authorization header of a v3 request, written apart from the SDK and the emulator from the "request syntax
    and signature method V3" page: every given header is signed (lower-case, sorted), the query sorted and encoded."""
    canonical_query = "&".join("%s=%s" % (percent_encode(k), percent_encode(v)) for k, v in sorted(query.items()))
    lowered = {name.lower(): str(value).strip() for name, value in headers.items()}
    names = sorted(lowered)
    canonical_headers = "".join("%s:%s\n" % (name, lowered[name]) for name in names)
    payload_hash = hashlib.sha256(body).hexdigest()
    canonical_request = "\n".join((method, path, canonical_query, canonical_headers, ";".join(names), payload_hash))
    string_to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical_request.encode()).hexdigest()
    signature = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
    return "ACS3-HMAC-SHA256 Credential=%s,SignedHeaders=%s,Signature=%s" % (access_key_id, ";".join(names), signature)


class RawAcs3:
    """Hand-signed v3 requests, for what the Tea SDK never sends: stale dates, reused nonces, tampered requests."""

    def __init__(self, endpoint, cafile=None):
        self.endpoint = endpoint.rstrip("/")
        self.host_port = self.endpoint.split("://", 1)[1]
        self.opener = no_proxy_opener(cafile)

    def headers(self, action, body=b"", date_offset_seconds=0, nonce=None, security_token=None):
        headers = {
            "host": self.host_port, "x-acs-action": action, "x-acs-version": "2014-05-26",
            "x-acs-date": utc_timestamp(date_offset_seconds), "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
            "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
        }
        if security_token is not None:
            headers["x-acs-security-token"] = security_token
        return headers

    def send(self, query, headers, body=b"", access_key_id=DEMO_ACCESS_KEY_ID, secret=DEMO_ACCESS_KEY_SECRET, tamper=None,
             authorization=None):
        """Sign query + headers + body, then apply `tamper(query, headers)` (changes after signing) and send."""
        query, headers = dict(query), dict(headers)
        if authorization is None:
            authorization = acs3_sign("POST", "/", query, headers, body, access_key_id, secret)
        if tamper:
            tamper(query, headers)
        sent = {name: value for name, value in headers.items() if name != "host"}
        sent["Authorization"] = authorization
        url = "%s/?%s" % (self.endpoint, urllib.parse.urlencode(query, quote_via=urllib.parse.quote))
        request = urllib.request.Request(url, data=body or None, method="POST", headers=sent)
        try:
            with self.opener.open(request, timeout=10) as response:
                return RawResponse(response.status, response.read())
        except urllib.error.HTTPError as error:
            return RawResponse(error.code, error.read())


def tea_client(endpoint, access_key_id=DEMO_ACCESS_KEY_ID, access_key_secret=DEMO_ACCESS_KEY_SECRET, security_token=None,
               region=DEMO_REGION, ca=None):
    """The modern SDK (alibabacloud_ecs20140526 on alibabacloud_tea_openapi) with its default signature (ACS3-HMAC-SHA256)
    and retry settings; only where it connects is set. Its default protocol, HTTPS, is kept for an https endpoint."""
    from alibabacloud_ecs20140526.client import Client  # pylint: disable=import-outside-toplevel
    from alibabacloud_tea_openapi.models import Config  # pylint: disable=import-outside-toplevel

    scheme, host_port = endpoint.split("://", 1)
    config = Config(access_key_id=access_key_id, access_key_secret=access_key_secret, security_token=security_token,
                    endpoint=host_port, region_id=region, ca=ca)
    if scheme == "http":
        config.protocol = "http"
    # Like the classic SDK's proxy={"http": None}: a loopback endpoint is never sent through HTTP(S)_PROXY.
    config.no_proxy = host_port.rsplit(":", 1)[0]
    return Client(config)
