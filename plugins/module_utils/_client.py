# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""The only door to the ECS API: common options, the client, one call() with retries, paging.

Access-key and STS-token credentials (the common case) sign and send with _rpc.py, on the standard library. RAM
role credentials (assume_role_arn, ecs_role_name) need the SDK's credential providers: this is the only file that
imports aliyunsdkcore / aliyunsdkecs, and only for them. Everything that is pure (parameter flattening, endpoint
parsing, paging arithmetic) is a plain function here or lives in _retry.py and _credentials.py.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type  # pylint: disable=invalid-name

import collections
import importlib
import importlib.util
import ipaddress
import json
import os
import random
import re
import sys
import threading
import time
import traceback
import uuid

from ansible_collections.cloudwall.alicloud.plugins.module_utils._lists import items_at
from ansible_collections.cloudwall.alicloud.plugins.module_utils._credentials import (
    MODE_ACCESS_KEY,
    MODE_ECS_RAM_ROLE,
    MODE_RAM_ROLE_ARN,
    MODE_STS_TOKEN,
    resolve_credentials,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import (
    ConfigurationError,
    EcsApiError,
    connection_failure,
    is_already_done,
    is_tls_failure,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._retry import DEFAULT_BASE_DELAY, backoff_delays
from ansible_collections.cloudwall.alicloud.plugins.module_utils import _rpc

# The SDK is imported by load_sdk() when a RAM-role client is built, not with this file: access keys, STS tokens,
# argument validation and check-mode failures need none of its ~200 modules. HAS_SDK is None until then.
HAS_SDK = None
SDK_IMPORT_ERROR = None
# The SDK module that imports ``cryptography`` (RSA key-pair signing). AcsClient imports it through its signer
# factory, although HMAC signing never uses it: load_sdk() registers it lazily so it runs on first use only.
_RSA_SIGNING_MODULE = "aliyunsdkcore.auth.algorithm.sha_hmac256"


class ClientException(Exception):  # pylint: disable=missing-class-docstring
    """Replaced by the SDK's class in load_sdk()."""


class ServerException(Exception):  # pylint: disable=missing-class-docstring
    """Replaced by the SDK's class in load_sdk()."""


class _Sdk:
    """The SDK names this file uses, filled by load_sdk()."""


sdk = _Sdk()


def _import_lazily(name):
    """Register module ``name`` so that its code runs when one of its attributes is first used."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _dot, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)


def load_sdk():
    """Import the SDK once; True when it is installed (SDK_IMPORT_ERROR holds the traceback when not)."""
    global HAS_SDK, SDK_IMPORT_ERROR, ClientException, ServerException  # pylint: disable=global-statement
    if HAS_SDK is not None:
        return HAS_SDK
    try:
        _import_lazily(_RSA_SIGNING_MODULE)
        from aliyunsdkcore.acs_exception import exceptions as sdk_exceptions
        from aliyunsdkcore.auth import credentials as sdk_credentials
        from aliyunsdkcore.auth.signers.ecs_ram_role_signer import EcsRamRoleSigner
        from aliyunsdkcore.auth.signers.ram_role_arn_signer import RamRoleArnSigner
        from aliyunsdkcore.client import AcsClient
        from aliyunsdkcore.request import RpcRequest
        from aliyunsdkecs.endpoint import endpoint_data as ecs_endpoint_data
    except ImportError:
        HAS_SDK = False
        SDK_IMPORT_ERROR = traceback.format_exc()
        return False
    ClientException, ServerException = sdk_exceptions.ClientException, sdk_exceptions.ServerException
    sdk.credentials, sdk.AcsClient, sdk.RpcRequest, sdk.ecs_endpoint_data = sdk_credentials, AcsClient, RpcRequest, ecs_endpoint_data
    sdk.EcsRamRoleSigner, sdk.RamRoleArnSigner = EcsRamRoleSigner, RamRoleArnSigner
    HAS_SDK = True
    return True


SDK_PACKAGES = "aliyun-python-sdk-core and aliyun-python-sdk-ecs"
ECS_API_VERSION = "2014-05-26"
ECS_ENDPOINT_ENV = "ALICLOUD_ECS_ENDPOINT"
SDK_RENAMED_SIGNATURE_ERROR = "InvalidAccessKeySecret"

# Options common to every module. Environment fallbacks are applied by credentials.resolve_credentials
# (and ALICLOUD_ECS_ENDPOINT by EcsClient.from_module_params), not by ``fallback=``, so that their order is
# one tested function. Aliases match the alibaba.alicloud collection so playbooks can migrate.
AUTH_ARGUMENT_SPEC = dict(
    # An AccessKeyId is an identifier, not a secret (the API logs it); errors name it so users can see which key failed.
    access_key=dict(type="str", no_log=False, aliases=["alicloud_access_key", "access_key_id"]),
    secret_key=dict(type="str", no_log=True, aliases=["alicloud_secret_key", "access_key_secret", "secret_access_key"]),
    security_token=dict(type="str", no_log=True, aliases=["alicloud_security_token"]),
    region=dict(type="str", aliases=["alicloud_region", "region_id"]),
    profile=dict(type="str", aliases=["alicloud_profile"]),
    shared_credentials_file=dict(type="path", aliases=["alicloud_shared_credentials_file"]),
    assume_role_arn=dict(type="str", aliases=["alicloud_assume_role_arn"]),
    assume_role_session_name=dict(type="str", aliases=["alicloud_assume_role_session_name"]),
    assume_role_session_expiration=dict(type="int", aliases=["alicloud_assume_role_session_expiration"]),
    ecs_role_name=dict(type="str", aliases=["alicloud_ecs_role_name", "role_name"]),
    endpoint=dict(type="str"),
    allow_insecure_endpoint=dict(type="bool", default=False),
    validate_certs=dict(type="bool", default=True),
    ca_bundle=dict(type="path"),
    retries=dict(type="int", default=8),
    retry_max_delay=dict(type="float", default=20.0),
    retry_timeout=dict(type="float", default=120.0),
    connect_timeout=dict(type="int", default=5),
    read_timeout=dict(type="int", default=10),
)

# Filters the API takes as ONE string holding a JSON array instead of Name.N parameters.
JSON_ARRAY_PARAMS = frozenset([
    ("DescribeSecurityGroups", "SecurityGroupIds"),
    ("DescribeInstances", "InstanceIds"),
])

READ_ONLY_ACTION_PREFIXES = ("Describe", "List")
DEFAULT_PAGE_SIZE = 50  # the largest PageSize DescribeSecurityGroups accepts

_ACTION_NAME = re.compile(r"^[A-Z][A-Za-z0-9]+$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://(.*)$")

Endpoint = collections.namedtuple("Endpoint", ["scheme", "host", "loopback"])


# ---------------------------------------------------------------------------------------------------------
# Pure helpers


def is_mutating(action):
    """Describe*/List* actions read; every other action writes."""
    return not action.startswith(READ_ONLY_ACTION_PREFIXES)


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _flatten_into(flat, prefix, value):
    if value is None:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten_into(flat, "%s.%s" % (prefix, key), item)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value, 1):
            _flatten_into(flat, "%s.%d" % (prefix, index), item)
    else:
        flat[prefix] = _text(value)


def flatten_params(action, params):
    """Turn nested API parameters into the flat ``Name.N.Field`` strings the RPC protocol sends.

    - a list of dicts ``{"Permissions": [{"IpProtocol": "TCP"}]}`` -> ``Permissions.1.IpProtocol``;
    - a list of scalars ``{"SecurityGroupRuleId": ["sgr-1"]}`` -> ``SecurityGroupRuleId.1``;
    - a dict under ``Tag`` -> ``Tag.N.Key`` / ``Tag.N.Value`` (a list of Key/Value dicts works too);
    - ``JSON_ARRAY_PARAMS`` -> one JSON array string; booleans -> ``true``/``false``; None is dropped.
    """
    flat = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if (action, key) in JSON_ARRAY_PARAMS:
            values = [value] if isinstance(value, str) else list(value)
            flat[key] = json.dumps([_text(item) for item in values], separators=(",", ":"))
        elif key == "Tag" and isinstance(value, dict):
            tags = [{"Key": tag_key, "Value": "" if tag_value is None else tag_value} for tag_key, tag_value in value.items()]
            _flatten_into(flat, key, tags)
        else:
            _flatten_into(flat, key, value)
    return flat


def _endpoint_error(value, why):
    return ConfigurationError(
        "endpoint %r is not usable: %s. Give host[:port] or http(s)://host[:port], e.g. http://127.0.0.1:8765" % (value, why),
        option="endpoint")


def _is_loopback(hostname):
    # "localhost" only: another name (x.localhost, localhost.localdomain) may go to DNS and its search domains.
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def parse_endpoint(value):
    """Parse the ``endpoint`` option into Endpoint(scheme, host[:port], loopback), or None when unset.

    The scheme is https unless ``http://`` is given or the host is a loopback address (the local emulator).
    """
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    match = _SCHEME.match(text)
    scheme, rest = (match.group(1).lower(), match.group(2)) if match else (None, text)
    if scheme not in (None, "http", "https"):
        raise _endpoint_error(value, "scheme %s is not supported" % scheme)
    rest = rest.rstrip("/")
    if not rest:
        raise _endpoint_error(value, "no host")
    if any(char in rest for char in "/?#@ "):
        raise _endpoint_error(value, "paths, queries and user info are not supported")

    port = None
    if rest.startswith("["):
        closing = rest.find("]")
        if closing < 0:
            raise _endpoint_error(value, "unclosed [ in IPv6 address")
        hostname, tail = rest[1:closing], rest[closing + 1:]
        if tail:
            if not tail.startswith(":"):
                raise _endpoint_error(value, "unexpected text after ]")
            port = tail[1:]
    elif rest.count(":") > 1:
        # A bare IPv6 address: bracket it so it can carry a port in a URL.
        hostname = rest
        try:
            ipaddress.IPv6Address(hostname)
        except ValueError:
            raise _endpoint_error(value, "not a host name or address")
        rest = "[%s]" % hostname
    elif ":" in rest:
        hostname, port = rest.split(":", 1)
    else:
        hostname = rest
    if not hostname:
        raise _endpoint_error(value, "no host")
    # ASCII digits only: str.isdigit() takes "²", which int() then refuses.
    if port is not None and (not re.match(r"^[0-9]+$", port) or not 1 <= int(port) <= 65535):
        raise _endpoint_error(value, "port %r is not a number from 1 to 65535" % port)

    loopback = _is_loopback(hostname)
    if scheme is None:
        scheme = "http" if loopback else "https"
    return Endpoint(scheme=scheme, host=rest, loopback=loopback)


def check_endpoint_security(endpoint, source="endpoint", allow_insecure=False):
    """Refuse plain http to a host that is not loopback: every request carries the AccessKeyId, its signature and
    any STS token, which would travel unencrypted. Loopback (the emulator) stays allowed; ``allow_insecure`` opts in."""
    if endpoint is None or endpoint.scheme != "http" or endpoint.loopback or allow_insecure:
        return
    raise ConfigurationError(
        "%s %s://%s uses plain http to a host that is not loopback: the AccessKeyId, the request signatures and any "
        "STS token would travel unencrypted. Use https:// (or host[:port], which means https), or set "
        "allow_insecure_endpoint: true to accept that risk" % (source, endpoint.scheme, endpoint.host), option="endpoint")


# ---------------------------------------------------------------------------------------------------------
# SDK glue

_REQUEST_CLASS_CACHE = {}


def sdk_request_class(action):
    """The aliyun-python-sdk-ecs request class of ``action``, or None when the installed SDK lacks it."""
    if not _ACTION_NAME.match(action or ""):
        raise ValueError("not an ECS action name: %r" % (action,))
    if action not in _REQUEST_CLASS_CACHE:
        try:
            module = importlib.import_module("aliyunsdkecs.request.v20140526.%sRequest" % action)
            _REQUEST_CLASS_CACHE[action] = getattr(module, "%sRequest" % action, None)
        except ImportError:
            _REQUEST_CLASS_CACHE[action] = None
    return _REQUEST_CLASS_CACHE[action]


# The actions the collection calls whose API reference (and the SDK's request class) takes ClientToken, i.e. the
# API deduplicates on it. test_client.py checks this set against aliyun-python-sdk-ecs.
CLIENT_TOKEN_ACTIONS = frozenset([
    "AuthorizeSecurityGroup", "AuthorizeSecurityGroupEgress", "CreateSecurityGroup", "ModifySecurityGroupEgressRule",
    "ModifySecurityGroupPolicy", "ModifySecurityGroupRule", "RevokeSecurityGroup", "RevokeSecurityGroupEgress",
])


def accepts_client_token(action):
    """True when ``action`` takes a ClientToken (CLIENT_TOKEN_ACTIONS)."""
    return action in CLIENT_TOKEN_ACTIONS


def new_sdk_request(action):
    """A fresh request object for ``action`` (POST, JSON). Actions newer than the SDK get a generic one."""
    load_sdk()  # a client may be built by a caller that did not load the SDK (tests, a fake AcsClient)
    request_class = sdk_request_class(action)
    if request_class is not None:
        request = request_class()
    else:
        request = sdk.RpcRequest("Ecs", ECS_API_VERSION, action, "ecs")
        request.endpoint_map = sdk.ecs_endpoint_data.getEndpointMap()
        request.endpoint_regional = sdk.ecs_endpoint_data.getEndpointRegional()
    request.set_method("POST")
    request.set_accept_format("JSON")
    return request


def build_acs_client(credentials, endpoint=None, validate_certs=True, connect_timeout=5, read_timeout=10, ca_bundle=None):
    """The sender for the resolved credentials: an _rpc.RpcSender for an access key or an STS token, else an AcsClient
    with the SDK's own retries off (call() retries)."""
    if credentials.mode in (MODE_ACCESS_KEY, MODE_STS_TOKEN):
        return _rpc.RpcSender(
            credentials.access_key, credentials.secret_key, credentials.region, ECS_API_VERSION,
            security_token=credentials.security_token if credentials.mode == MODE_STS_TOKEN else None,
            connect_timeout=connect_timeout, read_timeout=read_timeout,
            verify=(ca_bundle or True) if validate_certs else False,
            # A proxy set in the environment must not get the local emulator's traffic.
            use_proxy=endpoint is None or not endpoint.loopback)
    if not load_sdk():
        raise ConfigurationError("%s are required on the host that runs the module" % SDK_PACKAGES)
    AcsClient = sdk.AcsClient  # pylint: disable=invalid-name
    sdk_credentials = sdk.credentials
    options = dict(
        region_id=credentials.region,
        auto_retry=False,
        max_retry_time=0,
        connect_timeout=connect_timeout,
        timeout=read_timeout,
        # A CA bundle file verifies a private endpoint; None lets the SDK use ALIBABA_CLOUD_CA_BUNDLE or the default CA store.
        verify=(ca_bundle or None) if validate_certs else False,
    )
    if endpoint is not None and endpoint.loopback:
        # The SDK ignores NO_PROXY: without this a proxy set in the environment would get emulator traffic.
        options["proxy"] = {"http": None, "https": None}

    if credentials.mode == MODE_RAM_ROLE_ARN:
        credential = sdk_credentials.RamRoleArnCredential(credentials.access_key, credentials.secret_key,
                                                          credentials.role_arn, credentials.session_name)
    elif credentials.mode == MODE_ECS_RAM_ROLE:
        credential = sdk_credentials.EcsRamRoleCredential(credentials.ecs_role_name)
    else:
        raise ConfigurationError("unknown credential mode %r" % (credentials.mode,), option="profile")
    client = AcsClient(credential=credential, **options)
    # The SDK's signer factory prefers ALIYUN_ACCESS_KEY_ID/SECRET from the environment over a credential
    # object, which would silently sign as another identity: set the signer for our credential explicitly.
    client._signer = _signer_for(credential, credentials, client)  # pylint: disable=protected-access
    return client


def _signer_for(credential, credentials, client):
    if credentials.mode == MODE_RAM_ROLE_ARN:
        signer = sdk.RamRoleArnSigner(credential, client._implementation_of_do_action)  # pylint: disable=protected-access
        # The SDK asks STS for a fixed 3600 s session; this instance attribute carries the configured length.
        signer._SESSION_PERIOD = credentials.session_expiration  # pylint: disable=protected-access
        return signer
    return sdk.EcsRamRoleSigner(credential)


def _option(params, name):
    """The option's value, or its AUTH_ARGUMENT_SPEC default when the caller did not pass it."""
    value = params.get(name)
    return AUTH_ARGUMENT_SPEC[name].get("default") if value is None else value


def _check_number(params, name, minimum, allow_equal=True):
    value = _option(params, name)
    if value < minimum or (value == minimum and not allow_equal):
        raise ConfigurationError("%s must be %s %s, got %s" % (name, ">=" if allow_equal else ">", minimum, value), option=name)
    return value


# ---------------------------------------------------------------------------------------------------------
# The client


def _new_client_token():
    return str(uuid.uuid4())


def describe_identity(credentials):
    """Which credentials a client signs with, for messages: the access key id or role name and its source."""
    if credentials.access_key:
        return "access_key %s from %s" % (credentials.access_key, credentials.source)
    if credentials.ecs_role_name:
        return "ecs_role_name %s from %s" % (credentials.ecs_role_name, credentials.source)
    return "credentials from %s" % credentials.source


class EcsClient:
    """ECS API calls for one region: flattening, ClientToken, retries with backoff, errors, paging.

    ``acs_client`` is anything with ``do_action_with_exception(request) -> bytes``: an _rpc.RpcSender, an AcsClient,
    or a fake in tests. Requests come from its ``new_request(action)`` when it has one, else from the SDK.
    ``sleep``, ``clock``, ``rng`` and ``token_factory`` are injectable for tests.
    """

    def __init__(self, acs_client, region, endpoint=None, retries=8, retry_max_delay=20.0, retry_timeout=120.0,
                 retry_base_delay=DEFAULT_BASE_DELAY, secrets=(), sleep=time.sleep, clock=time.monotonic, rng=None,
                 token_factory=_new_client_token, request_factory=None, identity=""):
        self.acs_client = acs_client
        # Which credentials sign the calls, for error messages (never a secret).
        self.identity = identity
        self.region = region
        self.endpoint = endpoint
        self.retries = retries
        self.retry_max_delay = retry_max_delay
        self.retry_timeout = retry_timeout
        self.retry_base_delay = retry_base_delay
        self.calls_made = 0
        self._secrets = tuple(secret for secret in secrets if secret)
        self._sleep = sleep
        self._clock = clock
        self._rng = rng if rng is not None else random.Random()
        self._token_factory = token_factory
        sender_requests = getattr(acs_client, "new_request", None)
        self._request_factory = request_factory or sender_requests or new_sdk_request
        self._lock = threading.Lock()  # sg_info reads groups from several threads

    @classmethod
    def from_module_params(cls, params, env=None):
        """Build a client from module options (AUTH_ARGUMENT_SPEC names) and the environment.

        Raises ConfigurationError naming the option when settings are missing or wrong.
        """
        env = os.environ if env is None else env
        # The endpoint first: nothing, not even a credential provider, is contacted before it is found safe.
        endpoint = parse_endpoint(params.get("endpoint") or env.get(ECS_ENDPOINT_ENV))
        source = "endpoint" if params.get("endpoint") else "%s (environment)" % ECS_ENDPOINT_ENV
        check_endpoint_security(endpoint, source, _option(params, "allow_insecure_endpoint"))
        ca_bundle = params.get("ca_bundle")
        if ca_bundle and not os.path.isfile(ca_bundle):
            raise ConfigurationError("ca_bundle %s is not a file; allowed: a PEM file of CA certificates" % ca_bundle,
                                     option="ca_bundle")
        credentials = resolve_credentials(params, env)
        retries = _check_number(params, "retries", 0)
        retry_max_delay = _check_number(params, "retry_max_delay", 0)
        retry_timeout = _check_number(params, "retry_timeout", 0)
        connect_timeout = _check_number(params, "connect_timeout", 0, allow_equal=False)
        read_timeout = _check_number(params, "read_timeout", 0, allow_equal=False)
        acs_client = build_acs_client(credentials, endpoint, _option(params, "validate_certs"), connect_timeout, read_timeout,
                                      ca_bundle=ca_bundle)
        return cls(acs_client, credentials.region, endpoint=endpoint, retries=retries, retry_max_delay=retry_max_delay,
                   retry_timeout=retry_timeout, secrets=credentials.secrets(), identity=describe_identity(credentials))

    def call(self, action, params=None, mutating=None):
        """Call ``action`` with ``params`` (nested dicts/lists, see flatten_params); return the JSON answer.

        A mutating call whose action takes a ClientToken gets one token reused by all its retries, so a
        retry after a lost answer cannot apply the change twice. A write refused because its end state already
        holds (``_errors.ALREADY_DONE_CODES``) answers ``{"AlreadyDone": code}``. Raises EcsApiError.
        """
        if mutating is None:
            mutating = is_mutating(action)
        query = flatten_params(action, params)
        if mutating and "ClientToken" not in query and accepts_client_token(action):
            query["ClientToken"] = self._token_factory()

        deadline = self._clock() + self.retry_timeout
        delays = backoff_delays(self.retries, self.retry_base_delay, self.retry_max_delay, self._rng)
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._send(action, query)
            except EcsApiError as error:
                error.attempts = attempt
                if is_already_done(action, error.code):
                    return {"AlreadyDone": error.code, "RequestId": error.request_id}
                if not error.retryable:
                    raise
                delay = next(delays, None)
                if delay is None or self._clock() + delay > deadline:
                    raise
            self._sleep(delay)

    def _error(self, action, code, message, request_id=None, http_status=None, retryable=None):
        return EcsApiError(action, code, message, request_id=request_id, http_status=http_status,
                           retryable=retryable, secrets=self._secrets)

    def endpoint_text(self):
        """Where requests go, for messages: the endpoint option, or the public ECS host of the region."""
        if self.endpoint is not None:
            return "%s://%s" % (self.endpoint.scheme, self.endpoint.host)
        return "https://ecs.%s.aliyuncs.com" % self.region

    def sdk_request(self, action, query):
        """The request object (the sender's, or the SDK's) that sends ``query`` (flat strings) to this client's endpoint."""
        request = self._request_factory(action)
        if self.endpoint is not None:
            request.set_endpoint(self.endpoint.host)
            request.set_protocol_type(self.endpoint.scheme)
        else:
            request.set_protocol_type("https")
        for key, value in query.items():
            request.add_query_param(key, value)
        return request

    def _send(self, action, query):
        request = self.sdk_request(action, query)
        with self._lock:
            self.calls_made += 1
        try:
            body = self.acs_client.do_action_with_exception(request)
        except (_rpc.ServerError, ServerException) as exc:
            code = exc.get_error_code()
            if code == SDK_RENAMED_SIGNATURE_ERROR:
                # The SDK renames the server's SignatureDoesNotMatch when its own string-to-sign equals the
                # server's (the secret is wrong); report the ECS code, keep the SDK's clearer message.
                code = "SignatureDoesNotMatch"
            raise self._error(action, code, exc.get_error_msg(), exc.get_request_id(), exc.get_http_status())
        except (_rpc.ClientError, ClientException) as exc:
            code, message = exc.get_error_code(), exc.get_error_msg()
            if code == _rpc.HTTP_ERROR and is_tls_failure(message):
                code = _rpc.TLS_ERROR  # the SDK's name for it; retrying would fail the same way
            if code in (_rpc.HTTP_ERROR, _rpc.TLS_ERROR):
                message = connection_failure(self.endpoint_text(), message)
            raise self._error(action, code, message)
        except (IOError, OSError) as exc:
            # Only credential providers fail this way (the ECS metadata service for an ECS RAM role):
            # the SDK turns HTTP failures of the call itself into ClientException.
            raise self._error(action, "SDK.CredentialError", "could not obtain credentials: %s" % exc, retryable=False)
        try:
            text = body.decode("utf-8") if isinstance(body, bytes) else body
            answer = json.loads(text)
        except ValueError:
            raise self._error(action, "SDK.InvalidResponse", "the answer is not JSON", retryable=False)
        if not isinstance(answer, dict):
            raise self._error(action, "SDK.InvalidResponse", "the answer is not a JSON object", retryable=False)
        return answer

    def paginate(self, action, params, items_path, style="token", page_size=None):
        """Every item of a paged Describe*/List*, following pages to the end.

        ``style="token"``: MaxResults (``page_size`` when given) and NextToken until NextToken is empty.
        ``style="page"``: PageNumber/PageSize (default 50) until TotalCount is reached or a page is short.
        """
        params = dict(params or {})
        items = []
        if style == "token":
            if page_size:
                params["MaxResults"] = page_size
            seen_tokens = set()
            while True:
                answer = self.call(action, params)
                items.extend(items_at(answer, items_path))
                token = answer.get("NextToken")
                if not token:
                    return items
                if token in seen_tokens:
                    raise self._error(action, "SDK.PagingLoop", "the API returned NextToken %s twice" % token, retryable=False)
                seen_tokens.add(token)
                params["NextToken"] = token
        if style == "page":
            size = page_size or DEFAULT_PAGE_SIZE
            page = 1
            while True:
                params.update(PageNumber=page, PageSize=size)
                answer = self.call(action, params)
                batch = items_at(answer, items_path)
                items.extend(batch)
                total = answer.get("TotalCount")
                if len(batch) < size or (total is not None and len(items) >= int(total)):
                    return items
                page += 1
        raise ValueError("paging style must be 'token' or 'page', got %r" % (style,))
