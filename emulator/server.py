"""The HTTP server: ECS RPC requests (parse, authenticate, fault, dispatch, answer, log) and the admin routes."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import API_VERSION
from .actions import ACTIONS, is_mutating
from .actions.regions import REGIONS
from .admin import Admin, AdminError
from .auth import CredentialRegistry, authenticate
from .dispatch import run_action
from .errors import EcsError, invalid, missing
from .faults import FaultInjector
from .ids import iso_seconds, request_id, utc_now
from .rawjson import dumps
from .seeds import SEEDS
from .store import Store

LOG = logging.getLogger("emulator")
HOST_ID = "ecs.aliyuncs.com"
ADMIN_PREFIX = "/_emulator/"
_SECRET_PARAMS = frozenset(("Signature", "SecurityToken"))
_SECRET_MARKERS = ("secret", "password")


def loggable_params(params: dict[str, str]) -> dict[str, str]:
    """Request parameters fit for the call log: no Signature, SecurityToken, secret or password."""
    return {key: value for key, value in params.items()
            if key not in _SECRET_PARAMS and not any(marker in key.lower() for marker in _SECRET_MARKERS)}


def error_body(rid: str, error: EcsError) -> dict[str, Any]:
    return {"RequestId": rid, "HostId": HOST_ID, "Code": error.code, "Message": error.message,
            "Recommend": f"https://api.aliyun.com/troubleshoot?q={error.code}&product=Ecs&requestId={rid}"}


class EmulatorServer(ThreadingHTTPServer):
    """ThreadingHTTPServer holding the store, the fault set and the admin API."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, store: Store, owned_state_path: str | None = None):
        self.store = store
        self.faults = FaultInjector()
        self.credentials = CredentialRegistry()
        self.admin = Admin(store, self.faults, self.credentials)
        self._owned_state_path = owned_state_path
        super().__init__((host, port), EcsRequestHandler)

    @property
    def endpoint(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def server_close(self) -> None:
        super().server_close()
        self.store.close()
        if self._owned_state_path:
            for suffix in ("", "-wal", "-shm"):
                try:
                    os.unlink(self._owned_state_path + suffix)
                except FileNotFoundError:
                    pass

    def handle_ecs(self, method: str, params: dict[str, str]) -> tuple[int, dict[str, Any] | None]:
        """(HTTP status, JSON body); a None body means: drop the connection without answering."""
        rid = request_id()
        action, region = params.get("Action", ""), params.get("RegionId", "")
        status, code, body = 200, "", None
        try:
            authenticate(self.store, self.credentials, method, params)
            self._check_request(action, region, params)
            outcome = self.faults.decide(action)
            if outcome.delay_seconds:
                time.sleep(outcome.delay_seconds)
            if outcome.drop:
                status, code = 0, "ConnectionDropped"
            elif outcome.error_code:
                raise EcsError(outcome.error_code)
            else:
                body = {"RequestId": rid, **run_action(self.store, action, region, params)}
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
            raise missing("RegionId")
        if region not in REGIONS:
            raise EcsError("InvalidRegionId.NotFound", f"The specified RegionId {region!r} does not exist.")


class EcsRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, delayed ACKs add 40 ms to every answer.
    disable_nagle_algorithm = True
    server: EmulatorServer

    def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        LOG.debug("%s - %s", self.address_string(), format % args)

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
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        if body and "application/x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        status, answer = self.server.handle_ecs(method, params)
        if answer is None:
            self.close_connection = True  # a "drop" fault: no answer at all
            return
        self._send_json(status, answer)

    def _admin(self, method: str, name: str, query: str, body: bytes) -> None:
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


def make_server(host: str, port: int, state_path: str | None, seed: str | None = None) -> EmulatorServer:
    """A ready server (not yet serving); without state_path a temporary file is used and removed at close."""
    owned = None
    if not state_path:
        handle, owned = tempfile.mkstemp(prefix="ecs-emulator-", suffix=".sqlite3")
        os.close(handle)
        state_path = owned
    if seed is not None and seed not in SEEDS:
        raise ValueError(f"unknown seed {seed!r}; known: {', '.join(SEEDS)}")
    store = Store(state_path)
    server = EmulatorServer(host, port, store, owned_state_path=owned)
    if seed and not store.has_resources():
        server.admin.load_seed(SEEDS[seed])
    return server
