"""Run one ECS action in a transaction, with ClientToken idempotency for the actions that change state."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .actions import ACTIONS, is_mutating
from .accounts import DEMO_ACCOUNT_ID
from .context import Context
from .errors import EcsError
from .ids import utc_now
from .store import Store
from .validation import Params, check_client_token

# Parameters that differ between two sendings of the same request (signing) and so are not part of its identity.
_VOLATILE = frozenset(("Signature", "SignatureNonce", "Timestamp", "AccessKeyId", "SecurityToken", "SignatureMethod",
                       "SignatureType", "SignatureVersion", "Format", "ClientToken"))


def request_fingerprint(params: dict[str, str]) -> str:
    stable = sorted((key, value) for key, value in params.items() if key not in _VOLATILE)
    return hashlib.sha256(json.dumps(stable).encode()).hexdigest()


def run_action(store: Store, action: str, region: str, raw: dict[str, str], account: str = DEMO_ACCOUNT_ID) -> dict[str, Any]:
    """The action's answer without RequestId; raises EcsError when ECS would refuse it."""
    handler = ACTIONS[action]
    params = Params(raw)
    if not is_mutating(action):
        with store.read() as conn:
            return handler(Context(conn, region, params, store.quotas(conn), utc_now(), account))
    token = params.get("ClientToken")
    if token:
        check_client_token(token)
    with store.write() as conn:
        if token:
            # A token is the caller's: another account's request with the same token is a request of its own.
            scope = f"{account}/{region}"
            previous = conn.execute("SELECT fingerprint, response FROM client_tokens WHERE action = ? AND region = ? AND token = ?",
                                    (action, scope, token)).fetchone()
            if previous is not None:
                if previous["fingerprint"] != request_fingerprint(raw):
                    raise EcsError("IdempotentParameterMismatch")
                return json.loads(previous["response"])
        answer = handler(Context(conn, region, params, store.quotas(conn), utc_now(), account))
        if token:
            conn.execute("INSERT INTO client_tokens VALUES (?, ?, ?, ?, ?)",
                         (action, scope, token, request_fingerprint(raw), json.dumps(answer)))
        return answer
