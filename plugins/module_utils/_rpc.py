# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""The ECS RPC protocol for access-key and STS-token credentials, on the standard library alone.

What the SDK's AcsClient does for an RPC request (signature version 1: HMAC-SHA1 over the sorted, percent-encoded
parameters; every parameter in the query of a POST), without importing the SDK's ~200 modules on every module run.
tests/unit/plugins/module_utils/test_rpc.py proves the signed parameters equal the SDK's, byte for byte.
Connections are kept alive per thread, so a module's reads reuse one TLS session.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type  # pylint: disable=invalid-name

import base64
import hashlib
import hmac
import json
import os
import ssl
import threading
import time
import uuid

from http.client import HTTPConnection, HTTPException, HTTPSConnection, RemoteDisconnected
from urllib.parse import quote, unquote, urlsplit

SIGNATURE_METHOD = "HMAC-SHA1"
SIGNATURE_VERSION = "1.0"
USER_AGENT = "cloudwall.alicloud (Python RPC signer 1.0)"
# The SDK's variable for a CA bundle, honoured the same way when the ca_bundle option is not given.
CA_BUNDLE_ENV = "ALIBABA_CLOUD_CA_BUNDLE"
SIGNATURE_MISMATCH = "SignatureDoesNotMatch"
# No answer: worth another attempt (the retry policy retries it).
HTTP_ERROR = "SDK.HttpError"
# The certificate does not verify, or the CA bundle cannot be loaded: no retry can mend it, so none is made.
TLS_ERROR = "SDK.TLSError"
# What a SignatureDoesNotMatch means when the server signed the same text: the SDK says so too (as InvalidAccessKeySecret).
WRONG_SECRET_MESSAGE = ("The AccessKeySecret is wrong for this AccessKeyId: the server signed the same request text and "
                        "got another signature.")
# TLS failures that a connection cut mid-handshake also gives: worth another attempt, unlike other ssl.SSLErrors.
_TRANSIENT_TLS = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError, ssl.SSLWantReadError, ssl.SSLWantWriteError)
# A kept-alive connection the server closed while idle fails on reuse in one of these ways, before any answer.
_STALE_CONNECTION = (RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


class ServerError(Exception):
    """The API answered with an error (HTTP status >= 400). Accessors as the SDK's ServerException has them."""

    def __init__(self, code, message, http_status=None, request_id=None):
        super(ServerError, self).__init__("%s: %s" % (code, message))
        self.code, self.message, self.http_status, self.request_id = code, message, http_status, request_id

    def get_error_code(self):  # pylint: disable=missing-function-docstring
        return self.code

    def get_error_msg(self):  # pylint: disable=missing-function-docstring
        return self.message

    def get_http_status(self):  # pylint: disable=missing-function-docstring
        return self.http_status

    def get_request_id(self):  # pylint: disable=missing-function-docstring
        return self.request_id


class ClientError(Exception):
    """No answer: HTTP_ERROR (connection refused, timeout; the SDK's ClientException code) or TLS_ERROR."""

    def __init__(self, code, message):
        super(ClientError, self).__init__("%s: %s" % (code, message))
        self.code, self.message = code, message

    def get_error_code(self):  # pylint: disable=missing-function-docstring
        return self.code

    def get_error_msg(self):  # pylint: disable=missing-function-docstring
        return self.message


# ---------------------------------------------------------------------------------------------------------
# Signing: pure


def percent_encode(text):
    """RFC 3986 encoding as the RPC signature wants it: only letters, digits and ``-_.~`` stay as they are."""
    return quote(text, safe="~")


def canonical_query(params):
    """``key=value`` pairs sorted by key, both percent-encoded, joined by ``&``."""
    return "&".join("%s=%s" % (percent_encode(key), percent_encode(params[key])) for key in sorted(params))


def string_to_sign(method, params):
    """``METHOD&%2F&<encoded canonical query>``: what the signature signs."""
    return _text_to_sign(method, canonical_query(params))


def signature(method, params, secret):
    """Base64 HMAC-SHA1, keyed with ``secret + "&"``, of string_to_sign()."""
    return _signature(_text_to_sign(method, canonical_query(params)), secret)


def _text_to_sign(method, canonical):
    return "%s&%s&%s" % (method, percent_encode("/"), percent_encode(canonical))


def _signature(text, secret):
    digest = hmac.new((secret + "&").encode("utf-8"), text.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_params(action, version, query, access_key, secret, region=None, security_token=None, method="POST",
                  timestamp=None, nonce=None):
    """``query`` (flat strings) with the common parameters and its Signature, as the request sends them."""
    params = _common_params(action, version, query, access_key, region, security_token, timestamp, nonce)
    params["Signature"] = signature(method, params, secret)
    return params


def signed_query(action, version, query, access_key, secret, region=None, security_token=None, method="POST",
                 timestamp=None, nonce=None):
    """(the encoded query string of signed_params(), the parameters it signed): encoded once, to sign and to send."""
    params = _common_params(action, version, query, access_key, region, security_token, timestamp, nonce)
    canonical = canonical_query(params)
    return canonical + "&Signature=" + percent_encode(_signature(_text_to_sign(method, canonical), secret)), params


def _common_params(action, version, query, access_key, region, security_token, timestamp, nonce):
    params = dict(query)
    if region and "RegionId" not in params:
        params["RegionId"] = region
    params.update(
        Version=version,
        Action=action,
        Format="JSON",
        Timestamp=timestamp or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        SignatureMethod=SIGNATURE_METHOD,
        SignatureType="",
        SignatureVersion=SIGNATURE_VERSION,
        SignatureNonce=nonce or str(uuid.uuid4()),
        AccessKeyId=access_key,
    )
    if security_token:
        params["SecurityToken"] = security_token
    return params


# ---------------------------------------------------------------------------------------------------------
# Requests and the sender


class RpcRequest:
    """One call: its action and flat query parameters, with the accessors EcsClient and test fakes use."""

    def __init__(self, action, version):
        self.action = action
        self.version = version
        self.query = {}
        self.endpoint = None
        self.protocol = "https"

    def get_action_name(self):  # pylint: disable=missing-function-docstring
        return self.action

    def get_query_params(self):  # pylint: disable=missing-function-docstring
        return self.query

    def add_query_param(self, key, value):  # pylint: disable=missing-function-docstring
        self.query[key] = value

    def set_endpoint(self, endpoint):  # pylint: disable=missing-function-docstring
        self.endpoint = endpoint

    def set_protocol_type(self, protocol):  # pylint: disable=missing-function-docstring
        self.protocol = protocol


def proxy_for(scheme, host, env):
    """The proxy URL ``env`` sets for ``scheme://host`` (HTTPS_PROXY/HTTP_PROXY, upper or lower case), or None.

    NO_PROXY (comma-separated host names or ``.domain`` suffixes, each with an optional ``:port``; ``*`` for all)
    excludes a host.
    """
    names = ("HTTPS_PROXY", "https_proxy") if scheme == "https" else ("HTTP_PROXY", "http_proxy")
    proxy = next((env[name] for name in names if env.get(name)), None)
    if not proxy:
        return None
    target = urlsplit("//" + host)
    hostname, port = target.hostname or host, target.port or (443 if scheme == "https" else 80)
    for entry in (env.get("NO_PROXY") or env.get("no_proxy") or "").split(","):
        entry = entry.strip().lower()
        if entry == "*":
            return None
        excluded = urlsplit("//" + entry.lstrip(".")) if entry else None
        if excluded is None or excluded.port not in (None, port):
            continue
        if hostname == excluded.hostname or hostname.endswith("." + excluded.hostname):
            return None
    return proxy


class RpcSender:
    """Signs and sends RpcRequests; ``do_action_with_exception(request) -> bytes`` like the SDK's AcsClient.

    ``verify``: True (the default CA store, or ALIBABA_CLOUD_CA_BUNDLE), a CA bundle path, or False.
    ``use_proxy``: False for the local emulator, whose traffic must not go to a proxy set in the environment.
    """

    def __init__(self, access_key, secret_key, region, version, security_token=None, connect_timeout=5, read_timeout=10,
                 verify=True, use_proxy=True, env=None):
        self.access_key = access_key
        self._secret = secret_key
        self._security_token = security_token
        self.region = region
        self.version = version
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.verify = verify
        self.use_proxy = use_proxy
        self._env = os.environ if env is None else env
        self._local = threading.local()
        self._tls = None

    def new_request(self, action):
        """A request for ``action`` of this sender's API version."""
        return RpcRequest(action, self.version)

    def do_action_with_exception(self, request):
        """Send ``request``; the answer's body as bytes. Raises ServerError (status >= 400) or ClientError."""
        # The public endpoint the ECS API reference lists for every region (the old SDK table's legacy names aside).
        host = request.endpoint or "ecs.%s.aliyuncs.com" % self.region
        query, params = signed_query(request.action, request.version, request.query, self.access_key, self._secret,
                                     region=self.region, security_token=self._security_token)
        path = "/?" + query
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT, "Content-Length": "0",
                   "x-acs-action": request.action, "x-acs-version": request.version}
        try:
            status, body = self._exchange(request.protocol, host, path, headers)
        except _TRANSIENT_TLS as exc:
            raise ClientError(HTTP_ERROR, "%s: %s" % (type(exc).__name__, exc))
        except ssl.SSLError as exc:
            # A certificate that does not verify, a server that does not speak TLS, no common protocol: all the same
            # on the next attempt.
            raise ClientError(TLS_ERROR, "%s: %s" % (type(exc).__name__, exc))
        except (OSError, HTTPException) as exc:
            raise ClientError(HTTP_ERROR, "%s: %s" % (type(exc).__name__, exc))
        if status >= 400:
            error = _server_error(status, body)
            if error.code == SIGNATURE_MISMATCH and _signed_same_text(error.message, params):
                error.message = WRONG_SECRET_MESSAGE
            raise error
        return body

    def close(self):
        """Close this thread's kept-alive connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _exchange(self, scheme, host, path, headers):
        key = (scheme, host)
        reused = getattr(self._local, "key", None) == key and getattr(self._local, "conn", None) is not None
        if not reused:
            self.close()
            self._local.conn, self._local.key = self._connect(scheme, host), key
        conn = self._local.conn
        try:
            return self._round_trip(conn, scheme, host, path, headers)
        except _STALE_CONNECTION:
            self.close()
            if not reused:
                raise
        # The server closed the idle connection before reading this request: send it once more on a new one.
        self._local.conn = self._connect(scheme, host)
        return self._round_trip(self._local.conn, scheme, host, path, headers)

    def _round_trip(self, conn, scheme, host, path, headers):
        if conn.sock is None:
            conn.connect()
        conn.sock.settimeout(self.read_timeout)
        target = path if not getattr(conn, "absolute_form", False) else "%s://%s%s" % (scheme, host, path)
        try:
            conn.request("POST", target, headers=headers)
            response = conn.getresponse()
            body = response.read()
        except BaseException:
            self.close()
            raise
        if response.will_close:
            self.close()
        return response.status, body

    def _connect(self, scheme, host):
        proxy = proxy_for(scheme, host, self._env) if self.use_proxy else None
        if scheme == "https":
            if proxy:
                proxy_url = urlsplit(proxy if "://" in proxy else "http://" + proxy)
                conn = HTTPSConnection(proxy_url.hostname, proxy_url.port or 8080, timeout=self.connect_timeout,
                                       context=self._tls_context())
                conn.set_tunnel(host, headers=_proxy_headers(proxy_url))
                return conn
            return HTTPSConnection(host, timeout=self.connect_timeout, context=self._tls_context())
        if proxy:
            proxy_url = urlsplit(proxy if "://" in proxy else "http://" + proxy)
            conn = HTTPConnection(proxy_url.hostname, proxy_url.port or 8080, timeout=self.connect_timeout)
            conn.absolute_form = True
            return conn
        return HTTPConnection(host, timeout=self.connect_timeout)

    def _tls_context(self):
        if self._tls is None:
            if self.verify is False:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            else:
                cafile = self.verify if isinstance(self.verify, str) else self._env.get(CA_BUNDLE_ENV) or None
                try:
                    context = ssl.create_default_context(cafile=cafile)
                except (OSError, ValueError) as exc:
                    raise ClientError(TLS_ERROR, "the CA bundle %s could not be loaded (%s)" % (cafile, exc))
            self._tls = context
        return self._tls


def _proxy_headers(proxy_url):
    if proxy_url.username is None:
        return None
    credentials = "%s:%s" % (unquote(proxy_url.username), unquote(proxy_url.password or ""))
    return {"Proxy-Authorization": "Basic " + base64.b64encode(credentials.encode("utf-8")).decode("ascii")}


def _signed_same_text(message, params):
    """Whether the server's SignatureDoesNotMatch message quotes the string this request signed: then the text agrees
    and only the secret can differ (ECS appends ``server string to sign is:<text>``)."""
    _before, found, quoted = message.partition("string to sign is:")
    return bool(found) and quoted.strip() == string_to_sign("POST", params)


def _server_error(status, body):
    """ServerError from an error answer: its JSON Code, Message and RequestId, or the status when it is not JSON."""
    try:
        answer = json.loads(body.decode("utf-8"))
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not answer.get("Code"):
        return ServerError("SDK.UnknownServerError", "HTTP status %d with an answer that is not an ECS error" % status,
                           http_status=status)
    return ServerError(answer["Code"], answer.get("Message", ""), http_status=status, request_id=answer.get("RequestId"))
