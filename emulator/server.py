"""The HTTP server: ECS RPC requests (parse, authenticate, fault, dispatch, answer, log) and the admin routes."""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import re
import ssl
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from . import API_VERSION
from .actions import ACTIONS, is_mutating
from .actions.regions import REGIONS
from .admin import Admin, AdminError
from .auth import CredentialRegistry, authenticate, authenticate_acs3
from .dispatch import run_action
from .errors import EcsError, invalid, missing
from .faults import FaultInjector
from .ids import iso_seconds, request_id, utc_now
from .rawjson import dumps
from .seeds import SEEDS
from .signing import RequestParts
from .store import Store

LOG = logging.getLogger("emulator")
HOST_ID = "ecs.aliyuncs.com"
ADMIN_PREFIX = "/_emulator/"
ADMIN_TOKEN_HEADER = "X-Emulator-Admin-Token"
_SECRET_PARAMS = frozenset(("Signature", "SecurityToken"))
_SECRET_MARKERS = ("secret", "password", "token")
# ClientToken is an idempotency key, not a secret: the call log keeps it.
_NOT_SECRET = frozenset(("ClientToken", "NextToken"))
_QUERY_PAIR = re.compile(r"(?P<key>[^&=?]+)=(?P<value>[^&]*)")


def is_secret_param(key: str) -> bool:
    return key not in _NOT_SECRET and (key in _SECRET_PARAMS or any(marker in key.lower() for marker in _SECRET_MARKERS))


def loggable_params(params: dict[str, str]) -> dict[str, str]:
    """Request parameters fit for the call log: no Signature, SecurityToken, secret or password."""
    return {key: value for key, value in params.items() if not is_secret_param(key)}


def masked_path(path: str) -> str:
    """A request path fit for the emulator's own log: the values of secret query parameters replaced by ***."""
    def mask(match: re.Match) -> str:
        key = match["key"]
        return f"{key}=***" if is_secret_param(unquote(key)) else match[0]
    return _QUERY_PAIR.sub(mask, path)


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach an address (0.0.0.0 and "" listen on every interface)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def error_body(rid: str, error: EcsError) -> dict[str, Any]:
    return {"RequestId": rid, "HostId": HOST_ID, "Code": error.code, "Message": error.message,
            "Recommend": f"https://api.aliyun.com/troubleshoot?q={error.code}&product=Ecs&requestId={rid}"}


class EmulatorServer(ThreadingHTTPServer):
    """ThreadingHTTPServer holding the store, the fault set and the admin API."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, store: Store, owned_state_path: str | None = None, admin_token: str | None = None,
                 ssl_context: ssl.SSLContext | None = None):
        self.store = store
        self.faults = FaultInjector()
        self.credentials = CredentialRegistry()
        self.admin = Admin(store, self.faults, self.credentials)
        self.admin_token = admin_token
        self.ssl_context = ssl_context
        self._owned_state_path = owned_state_path
        super().__init__((host, port), EcsRequestHandler)
        if ssl_context is not None:
            # The handshake runs in the handler's thread (EcsRequestHandler.setup), never in the accepting one.
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    @property
    def endpoint(self) -> str:
        host, port = self.server_address[:2]
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{host}:{port}"

    def admin_allowed(self, given: str) -> bool:
        """Without a token (loopback) anyone local may use the admin API; with one, only who sends it."""
        return self.admin_token is None or hmac.compare_digest(given.encode(), self.admin_token.encode())

    def server_close(self) -> None:
        super().server_close()
        self.store.close()
        if self._owned_state_path:
            for suffix in ("", "-wal", "-shm"):
                try:
                    os.unlink(self._owned_state_path + suffix)
                except FileNotFoundError:
                    pass

    def handle_ecs(self, method: str, params: dict[str, str], request: RequestParts | None = None) -> tuple[int, dict[str, Any] | None]:
        """(HTTP status, JSON body); a None body means: drop the connection without answering.

        A request with an Authorization header is signature v3: its action and version travel in headers."""
        rid = request_id()
        acs3 = request is not None and bool(request.header("authorization"))
        if acs3:
            params = {**params, "Action": request.header("x-acs-action"), "Version": request.header("x-acs-version")}
        action, region = params.get("Action", ""), params.get("RegionId", "")
        status, code, body = 200, "", None
        try:
            if acs3:
                account = authenticate_acs3(self.store, self.credentials, request)
            else:
                account = authenticate(self.store, self.credentials, method, params)
            self._check_request(action, region, params)
            outcome = self.faults.decide(action)
            if outcome.delay_seconds:
                time.sleep(outcome.delay_seconds)
            if outcome.drop:
                status, code = 0, "ConnectionDropped"
            elif outcome.error_code:
                raise EcsError(outcome.error_code)
            else:
                body = {"RequestId": rid, **run_action(self.store, action, region, params, account)}
        except EcsError as error:
            status, code, body = error.status, error.code, error_body(rid, error)
        except Exception:  # pylint: disable=broad-exception-caught  # a bug must still answer like ECS, and be logged
            LOG.exception("action %s failed", action)
            error = EcsError("InternalError")
            status, code, body = error.status, error.code, error_body(rid, error)
        self.store.log_call(iso_seconds(utc_now()), action, region, loggable_params(params), status, code, is_mutating(action))
        return status, body

    @staticmethod
    def _check_request(action: str, region: str, params: dict[str, str]) -> None:
        if not action:
            raise missing("Action")
        if params.get("Version") != API_VERSION:
            raise invalid("Version", params.get("Version", ""), f"ECS answers API version {API_VERSION}")
        if action not in ACTIONS:
            raise EcsError("InvalidAction", f"Specified api {action!r} is not found, please check your url and method.")
        if not region:
            if action == "DescribeRegions":
                return  # it takes no RegionId (API reference; the Tea model DescribeRegionsRequest has no region_id)
            raise missing("RegionId")
        if region not in REGIONS:
            raise EcsError("InvalidRegionId.NotFound", f"The specified RegionId {region!r} does not exist.")


class EcsRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, delayed ACKs add 40 ms to every answer.
    disable_nagle_algorithm = True
    server: EmulatorServer

    def setup(self) -> None:
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.settimeout(30)
            self.connection.do_handshake()
            self.connection.settimeout(None)

    def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        # The request line holds the query string, Signature and SecurityToken included: mask them as the call log does.
        LOG.debug("%s - %s", self.address_string(), masked_path(format % args))

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        self.log_message('"%s %s %s" %s %s', self.command, masked_path(self.path), self.request_version, str(code), str(size))

    def do_GET(self) -> None:  # pylint: disable=invalid-name
        self._dispatch("GET")

    def do_POST(self) -> None:  # pylint: disable=invalid-name
        self._dispatch("POST")

    def do_DELETE(self) -> None:  # pylint: disable=invalid-name
        self._dispatch("DELETE")

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        body = self._read_body()
        if parts.path.startswith(ADMIN_PREFIX):
            self._admin(method, parts.path[len(ADMIN_PREFIX):].strip("/"), parts.query, body)
            return
        query = parse_qsl(parts.query, keep_blank_values=True)
        params = dict(query)
        if body and "application/x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        headers: dict[str, list[str]] = {}
        for name, value in self.headers.items():
            headers.setdefault(name.lower(), []).append(value)
        request = RequestParts(method, parts.path or "/", tuple(query), headers, body)
        status, answer = self.server.handle_ecs(method, params, request)
        if answer is None:
            self.close_connection = True  # a "drop" fault: no answer at all
            return
        self._send_json(status, answer)

    def _admin(self, method: str, name: str, query: str, body: bytes) -> None:
        if not self.server.admin_allowed(self.headers.get(ADMIN_TOKEN_HEADER) or ""):
            self._send_json(401, {"error": f"the admin API needs the {ADMIN_TOKEN_HEADER} header printed at start (admin_token)"})
            return
        try:
            document = json.loads(body) if body.strip() else None
        except ValueError:
            self._send_json(400, {"error": "the body is not JSON"})
            return
        try:
            status, answer = self.server.admin.handle(method, name, dict(parse_qsl(query)), document)
        except AdminError as exc:
            status, answer = exc.status, {"error": str(exc)}
        self._send_json(status, answer)

    def _send_json(self, status: int, document: dict[str, Any]) -> None:
        payload = dumps(document).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def make_server(host: str, port: int, state_path: str | None, seed: str | None = None, seed_document: dict | None = None,
                admin_token: str | None = None, ssl_context: ssl.SSLContext | None = None) -> EmulatorServer:
    """A ready server (not yet serving); without state_path a temporary file is used and removed at close.

    `seed` names a built-in seed, `seed_document` is a user's own (--seed-file); either is loaded only when the state
    holds no resources yet, but the access keys of its accounts are registered on every start (they live in memory)."""
    if not is_loopback(host) and not admin_token:
        # Off loopback anyone on the network could seed, reset or read the call log: the CLI makes a token, and so must
        # any other caller.
        raise ValueError(f"host {host!r} is not a loopback address: give an admin_token to protect the admin API")
    owned = None
    if not state_path:
        handle, owned = tempfile.mkstemp(prefix="ecs-emulator-", suffix=".sqlite3")
        os.close(handle)
        state_path = owned
    if seed is not None and seed not in SEEDS:
        raise ValueError(f"unknown seed {seed!r}; known: {', '.join(SEEDS)}")
    store = Store(state_path)
    server = EmulatorServer(host, port, store, owned_state_path=owned, admin_token=admin_token, ssl_context=ssl_context)
    fresh = not store.has_resources()
    for document in ([SEEDS[seed]] if seed else []) + ([seed_document] if seed_document is not None else []):
        if fresh:
            server.admin.load_seed(document)
        else:
            server.admin.register_seed_keys(document)
    return server
