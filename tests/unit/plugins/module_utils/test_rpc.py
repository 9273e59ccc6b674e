# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_rpc: the collection's own RPC signer and sender sign exactly as the SDK's AcsClient does, and send over kept-alive
connections without importing the SDK."""

from __future__ import annotations

import json
import os
import shutil
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from aliyunsdkcore.auth.credentials import StsTokenCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.utils import parameter_helper
from aliyunsdkecs.request.v20140526.AuthorizeSecurityGroupRequest import AuthorizeSecurityGroupRequest

from ansible_collections.cloudwall.alicloud.plugins.module_utils import _client as client_module
from ansible_collections.cloudwall.alicloud.plugins.module_utils import _rpc
from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import EcsApiError
from ansible_collections.cloudwall.alicloud.tests.lib.serving import serving

SECRET = "Secret/Value+1"
TIMESTAMP = "2026-11-26T09:00:00Z"
NONCE = "fixed-nonce-1"
# Characters the encoding must treat as the SDK does: space, +, /, *, ~, %, =, &, non-ASCII.
QUERY = {"RegionId": "cn-hangzhou", "SecurityGroupId": "sg-1", "Permissions.1.IpProtocol": "tcp",
         "Permissions.1.PortRange": "443/443", "Permissions.1.SourceCidrIp": "10.0.0.0/24",
         "Permissions.1.Description": "a b+c/d*e~f%g=h&i \u00e9\u4e2d", "ClientToken": "token-1"}


def sdk_signed(monkeypatch, token=None, query=None):
    """The parameters the plain SDK (AcsClient and the ECS request class, as its documentation shows) sends."""
    monkeypatch.setattr(parameter_helper, "get_iso_8061_date", lambda: TIMESTAMP)
    monkeypatch.setattr(parameter_helper, "get_uuid", lambda: NONCE)
    options = dict(region_id="cn-hangzhou", auto_retry=False, max_retry_time=0, proxy={"http": None, "https": None})
    if token:
        acs = AcsClient(credential=StsTokenCredential("STS.key", SECRET, token), **options)
    else:
        acs = AcsClient("LTAIkey", SECRET, **options)
    request = AuthorizeSecurityGroupRequest()
    request.set_method("POST")
    request.set_accept_format("JSON")
    request.set_endpoint("127.0.0.1:8765")
    request.set_protocol_type("http")
    for key, value in (query or QUERY).items():
        request.add_query_param(key, value)
    response = acs._make_http_response("127.0.0.1:8765", request, 10, 5)  # pylint: disable=protected-access
    return dict(parse_qsl(urlsplit(response.get_url()).query, keep_blank_values=True))


@pytest.mark.parametrize("token", [None, "token/with+chars"], ids=["access-key", "sts-token"])
def test_signed_parameters_equal_the_sdks(monkeypatch, token):
    ours = _rpc.signed_params("AuthorizeSecurityGroup", "2014-05-26", QUERY, "STS.key" if token else "LTAIkey", SECRET,
                              region="cn-hangzhou", security_token=token, timestamp=TIMESTAMP, nonce=NONCE)
    assert ours == sdk_signed(monkeypatch, token)
    assert ours["Signature"] and SECRET not in json.dumps(ours)


@pytest.mark.parametrize("token", [None, "CAIS-token"])
def test_the_query_sent_is_the_signed_parameters_encoded_once(token):
    query, params = _rpc.signed_query("AuthorizeSecurityGroup", "2014-05-26", QUERY, "LTAIkey", SECRET, region="r",
                                      security_token=token, timestamp=TIMESTAMP, nonce=NONCE)
    expected = _rpc.signed_params("AuthorizeSecurityGroup", "2014-05-26", QUERY, "LTAIkey", SECRET, region="r",
                                  security_token=token, timestamp=TIMESTAMP, nonce=NONCE)
    assert dict(parse_qsl(query, keep_blank_values=True)) == expected
    assert params == dict((key, value) for key, value in expected.items() if key != "Signature")


def test_region_is_added_only_when_the_query_has_none(monkeypatch):
    query = dict(QUERY)
    del query["RegionId"]
    ours = _rpc.signed_params("AuthorizeSecurityGroup", "2014-05-26", query, "LTAIkey", SECRET, region="cn-hangzhou",
                              timestamp=TIMESTAMP, nonce=NONCE)
    assert ours["RegionId"] == "cn-hangzhou"
    assert ours == sdk_signed(monkeypatch, query=query)


def test_signature_changes_with_every_signed_part():
    base = _rpc.signed_params("DescribeSecurityGroups", "2014-05-26", {}, "K", SECRET, region="r", timestamp=TIMESTAMP,
                              nonce=NONCE)["Signature"]
    for changed in (dict(region="r2"), dict(nonce="n2"), dict(timestamp="2026-11-26T09:00:01Z"), dict(security_token="t")):
        arguments = dict(region="r", timestamp=TIMESTAMP, nonce=NONCE)
        arguments.update(changed)
        assert _rpc.signed_params("DescribeSecurityGroups", "2014-05-26", {}, "K", SECRET, **arguments)["Signature"] != base


@pytest.mark.parametrize("scheme, host, env, expected", [
    ("https", "ecs.cn-hangzhou.aliyuncs.com", {}, None),
    ("https", "ecs.cn-hangzhou.aliyuncs.com", {"HTTPS_PROXY": "http://proxy:3128"}, "http://proxy:3128"),
    ("https", "ecs.cn-hangzhou.aliyuncs.com", {"https_proxy": "proxy:3128"}, "proxy:3128"),
    ("https", "ecs.cn-hangzhou.aliyuncs.com", {"HTTP_PROXY": "http://proxy:3128"}, None),
    ("http", "ecs.example.com:80", {"HTTP_PROXY": "http://proxy:3128"}, "http://proxy:3128"),
    ("https", "ecs.cn-hangzhou.aliyuncs.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "example.com,.aliyuncs.com"}, None),
    ("https", "ecs.cn-hangzhou.aliyuncs.com", {"HTTPS_PROXY": "http://p:1", "no_proxy": "ecs.cn-hangzhou.aliyuncs.com"}, None),
    ("https", "ecs.cn-hangzhou.aliyuncs.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"}, None),
    ("https", "notaliyuncs.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "aliyuncs.com"}, "http://p:1"),
    # An entry with a port excludes that port only (443 and 80 when the host names none).
    ("https", "ecs.example.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "ecs.example.com:443"}, None),
    ("https", "ecs.example.com:8443", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".example.com:8443"}, None),
    ("https", "ecs.example.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "ecs.example.com:8443"}, "http://p:1"),
    ("http", "ecs.example.com", {"HTTP_PROXY": "http://p:1", "NO_PROXY": "ecs.example.com:80"}, None),
    ("https", "ecs.example.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": " , "}, "http://p:1"),
])
def test_proxy_for(scheme, host, env, expected):
    assert _rpc.proxy_for(scheme, host, env) == expected


# ------------------------------------------------------------------------------------------------ over real HTTP

class KeepAliveEcs(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; records each request's client port (one port = one connection) and query."""

    protocol_version = "HTTP/1.1"
    script = []
    seen = []

    def do_POST(self):  # noqa: N802 - http.server naming
        cls = type(self)
        cls.seen.append((self.client_address[1], dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True)),
                         dict(self.headers)))
        status, body = cls.script.pop(0) if cls.script else (200, {"RequestId": "R"})
        if callable(body):
            body = body(cls.seen[-1][1])
        payload = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    KeepAliveEcs.script, KeepAliveEcs.seen = [], []
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), KeepAliveEcs)) as httpd:
        yield httpd


def sender(**kwargs):
    return _rpc.RpcSender("LTAIkey", SECRET, "cn-hangzhou", "2014-05-26", use_proxy=False, **kwargs)


def request_to(httpd, action="DescribeSecurityGroups", **query):
    request = _rpc.RpcRequest(action, "2014-05-26")
    request.set_endpoint("%s:%d" % httpd.server_address)
    request.set_protocol_type("http")
    for key, value in query.items():
        request.add_query_param(key, value)
    return request


def test_calls_share_one_kept_alive_connection_and_are_signed(server):
    client = sender()
    for number in range(3):
        assert json.loads(client.do_action_with_exception(request_to(server, PageNumber=str(number)))) == {"RequestId": "R"}
    ports = {port for port, _query, _headers in KeepAliveEcs.seen}
    assert len(KeepAliveEcs.seen) == 3 and len(ports) == 1
    _port, query, headers = KeepAliveEcs.seen[0]
    signed = dict(query)
    expected = _rpc.signature("POST", {key: value for key, value in signed.items() if key != "Signature"}, SECRET)
    assert signed["Signature"] == expected
    assert (query["Action"], query["AccessKeyId"], query["RegionId"], query["PageNumber"]) == (
        "DescribeSecurityGroups", "LTAIkey", "cn-hangzhou", "0")
    assert headers["x-acs-action"] == "DescribeSecurityGroups"
    assert SECRET not in json.dumps(KeepAliveEcs.seen)


def test_a_connection_the_server_closed_is_replaced_once(server):
    client = sender()
    client.do_action_with_exception(request_to(server))
    # The server drops the idle connection; the next call must still go through, on a new one.
    client._local.conn.sock.close()  # pylint: disable=protected-access
    client._local.conn.sock = _ClosedSocket()  # pylint: disable=protected-access
    client.do_action_with_exception(request_to(server))
    assert len(KeepAliveEcs.seen) == 2


class _ClosedSocket:
    """A socket whose peer is gone: sending fails as it does after the server closed an idle keep-alive connection."""

    def settimeout(self, _timeout):
        pass

    def sendall(self, _data):
        raise BrokenPipeError(32, "Broken pipe")

    def close(self):
        pass


@pytest.mark.parametrize("status, body, code, request_id", [
    (400, {"RequestId": "R1", "Code": "InvalidParameter", "Message": "bad"}, "InvalidParameter", "R1"),
    (503, {"RequestId": "R2", "Code": "ServiceUnavailable", "Message": "down"}, "ServiceUnavailable", "R2"),
    (502, b"<html>bad gateway</html>", "SDK.UnknownServerError", None),
])
def test_error_answers_become_server_errors(server, status, body, code, request_id):
    KeepAliveEcs.script = [(status, body)]
    with pytest.raises(_rpc.ServerError) as caught:
        sender().do_action_with_exception(request_to(server))
    error = caught.value
    assert (error.get_error_code(), error.get_http_status(), error.get_request_id()) == (code, status, request_id)


def test_no_answer_is_an_http_error_the_client_retries_and_names():
    client = client_module.EcsClient(sender(connect_timeout=1), "cn-hangzhou",
                                     endpoint=client_module.parse_endpoint("127.0.0.1:1"), retries=1,
                                     retry_base_delay=0, sleep=lambda _s: None)
    with pytest.raises(EcsApiError) as caught:
        client.call("DescribeSecurityGroups", {})
    assert caught.value.code == "SDK.HttpError" and caught.value.attempts == 2
    assert "could not reach the ECS endpoint http://127.0.0.1:1: connection refused" in str(caught.value)


# Six levels up from .../ansible_collections/cloudwall/alicloud/plugins/module_utils/_rpc.py.
COLLECTIONS_ROOT = os.path.abspath(os.path.join(os.path.dirname(_rpc.__file__), *[os.pardir] * 5))
MODULE_RUN = r'''
import json, sys
from ansible_collections.cloudwall.alicloud.plugins.module_utils import _client
client = _client.EcsClient.from_module_params({"access_key": "LTAIkey", "secret_key": "s", "region": "cn-hangzhou",
                                               "endpoint": sys.argv[1], "security_token": sys.argv[2] or None}, env={})
answer = client.call("DescribeSecurityGroups", {"VpcId": "vpc-1"})
print(json.dumps({"answer": answer, "sdk": sorted(name for name in sys.modules if name.startswith("aliyunsdk")),
                  "cryptography": "cryptography" in sys.modules}))
'''


@pytest.mark.parametrize("token", ["", "sts-token"], ids=["access-key", "sts-token"])
def test_a_module_run_imports_neither_the_sdk_nor_cryptography(server, token):
    # A fresh interpreter, as a module run is: what this test process has imported cannot hide an import.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([COLLECTIONS_ROOT] + sys.path))
    endpoint = "http://%s:%d" % server.server_address
    proc = subprocess.run([sys.executable, "-c", MODULE_RUN, endpoint, token], env=env, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result == {"answer": {"RequestId": "R"}, "sdk": [], "cryptography": False}
    assert KeepAliveEcs.seen[0][1].get("SecurityToken") == (token or None)


def _mismatch(text_of):
    def answer(query):
        unsigned = dict((key, value) for key, value in query.items() if key != "Signature")
        return {"RequestId": "R9", "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature is not matched with our calculation. server string to sign is:%s" % text_of(unsigned)}
    return answer


@pytest.mark.parametrize("text_of, wrong_secret", [
    (lambda unsigned: _rpc.string_to_sign("POST", unsigned), True),
    (lambda unsigned: _rpc.string_to_sign("GET", unsigned), False),
], ids=["same-text-so-the-secret", "another-text"])
def test_a_signature_mismatch_over_the_same_text_says_the_secret_is_wrong(server, text_of, wrong_secret):
    KeepAliveEcs.script = [(400, _mismatch(text_of))]
    with pytest.raises(_rpc.ServerError) as caught:
        sender().do_action_with_exception(request_to(server))
    assert caught.value.get_error_code() == "SignatureDoesNotMatch"
    assert (caught.value.get_error_msg() == _rpc.WRONG_SECRET_MESSAGE) is wrong_secret


# ------------------------------------------------------------------------------------------------ HTTPS and proxies

@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (made with the openssl command, as the emulator's --tls does)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = str(directory / "cert.pem"), str(directory / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_server(server, certificate):  # pylint: disable=redefined-outer-name
    """The keep-alive ECS of ``server``, also over HTTPS on another port."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), KeepAliveEcs)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    with serving(httpd):
        yield httpd


def https_request(httpd):
    request = request_to(httpd)
    request.set_protocol_type("https")
    return request


def test_https_verifies_the_certificate_against_the_bundle_given(tls_server, certificate):
    cert, _key = certificate
    assert json.loads(sender(verify=cert).do_action_with_exception(https_request(tls_server))) == {"RequestId": "R"}
    assert json.loads(sender(verify=False).do_action_with_exception(https_request(tls_server))) == {"RequestId": "R"}
    with pytest.raises(_rpc.ClientError) as caught:
        sender(verify=True, env={}).do_action_with_exception(https_request(tls_server))
    assert caught.value.get_error_code() == _rpc.TLS_ERROR
    assert "certificate verify failed" in caught.value.get_error_msg()


def test_tls_failures_are_not_retried_and_say_why(server, tls_server, tmp_path):
    """A certificate that does not verify, or a CA bundle that is not one, fails at the first attempt (no retry can
    mend it), in one line naming the endpoint."""
    not_pem = tmp_path / "bundle.pem"
    not_pem.write_text("not a certificate\n")
    endpoint = client_module.parse_endpoint("https://%s:%d" % tls_server.server_address)
    plain = client_module.parse_endpoint("https://%s:%d" % server.server_address)  # HTTP only, asked in HTTPS
    cases = ((sender(verify=True, env={}), "its TLS certificate could not be verified"),
             (sender(verify=True, env={}), "it does not answer in TLS, is it a plain http endpoint"),
             (sender(verify=str(not_pem)), "the CA bundle %s could not be loaded" % not_pem),
             (sender(verify=True, env={_rpc.CA_BUNDLE_ENV: str(not_pem)}), "the CA bundle %s could not be loaded" % not_pem))
    for rpc_sender, reason in cases:
        target = plain if "does not answer in TLS" in reason else endpoint
        client = client_module.EcsClient(rpc_sender, "cn-hangzhou", endpoint=target, retries=3, retry_base_delay=0,
                                         sleep=lambda _s: None)
        with pytest.raises(EcsApiError) as caught:
            client.call("DescribeSecurityGroups", {})
        assert (caught.value.code, caught.value.attempts, client.calls_made) == (_rpc.TLS_ERROR, 1, 1)
        assert "could not reach the ECS endpoint https://%s: %s" % (target.host, reason) in str(caught.value)


class ConnectProxy(socketserver.ThreadingTCPServer):
    """An HTTP proxy that only tunnels (CONNECT), recording each target and request header block."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.tunnels = []
        socketserver.ThreadingTCPServer.__init__(self, ("127.0.0.1", 0), _ConnectHandler)


class _ConnectHandler(socketserver.StreamRequestHandler):
    def handle(self):
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            head += self.rfile.read(1)
        request_line = head.split(b"\r\n", 1)[0].decode("ascii")
        self.server.tunnels.append(head.decode("ascii"))
        target = request_line.split()[1]
        host, port = target.rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)))
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()

        def pump(source, sink):
            try:
                while True:
                    data = source.recv(65536)
                    if not data:
                        break
                    sink.sendall(data)
            except OSError:
                pass
            finally:
                sink.close()

        threading.Thread(target=pump, args=(upstream, self.connection), daemon=True).start()
        pump(self.connection, upstream)


def test_https_goes_through_the_proxy_the_environment_names_with_its_credentials(tls_server, certificate):
    cert, _key = certificate
    with serving(ConnectProxy()) as proxy:
        env = {"HTTPS_PROXY": "http://ops:p%%40ss@127.0.0.1:%d" % proxy.server_address[1]}
        client = _rpc.RpcSender("LTAIkey", SECRET, "cn-hangzhou", "2014-05-26", verify=cert, env=env)
        for _call in range(2):
            assert json.loads(client.do_action_with_exception(https_request(tls_server))) == {"RequestId": "R"}
    # One tunnel for both calls (kept alive), to the ECS endpoint, with the proxy's basic credentials.
    assert len(proxy.tunnels) == 1
    assert proxy.tunnels[0].startswith("CONNECT 127.0.0.1:%d HTTP/1.1" % tls_server.server_address[1])
    assert "Proxy-Authorization: Basic b3BzOnBAc3M=" in proxy.tunnels[0]
    assert SECRET not in proxy.tunnels[0]
