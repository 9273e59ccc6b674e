"""Who may call: timestamps, access keys, STS tokens, signatures and nonces, checked in the order ECS checks them."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from .errors import EcsError, invalid, missing
from .ids import parse_iso, utc_now
from .signing import signature_matches, string_to_sign
from .store import Store

DEMO_ACCESS_KEY_ID = "LTAI5tEmuDemoAccessKey01"
DEMO_ACCESS_KEY_SECRET = "EmuDemoSecretDoNotUseInProd000"
TIMESTAMP_TOLERANCE = dt.timedelta(minutes=15)
_REQUIRED_SIGNING_PARAMS = ("AccessKeyId", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp")


@dataclass(frozen=True)
class Credential:
    secret: str
    security_token: str = ""
    expiration: dt.datetime | None = None


class CredentialRegistry:
    """Access keys added through the admin API. Kept in memory only, so no secret or token ever reaches the state file;
    the demo key pair is always accepted."""

    def __init__(self) -> None:
        self._keys: dict[str, Credential] = {}
        self._lock = threading.Lock()

    def add(self, access_key_id: str, credential: Credential) -> None:
        with self._lock:
            self._keys[access_key_id] = credential

    def get(self, access_key_id: str) -> Credential | None:
        if access_key_id == DEMO_ACCESS_KEY_ID:
            return Credential(DEMO_ACCESS_KEY_SECRET)
        with self._lock:
            return self._keys.get(access_key_id)

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()


def authenticate(store: Store, credentials: CredentialRegistry, method: str, params: dict[str, str]) -> None:
    """Raise the ECS error that refuses the request, or return when its caller is who it claims to be."""
    if not params.get("Signature"):
        raise EcsError("IncompleteSignature", "The request carries no Signature.")
    for name in _REQUIRED_SIGNING_PARAMS:
        if not params.get(name):
            raise missing(name)
    if params["SignatureMethod"] != "HMAC-SHA1":
        raise invalid("SignatureMethod", params["SignatureMethod"], "HMAC-SHA1")
    if params["SignatureVersion"] != "1.0":
        raise invalid("SignatureVersion", params["SignatureVersion"], "1.0")
    stamp = parse_iso(params["Timestamp"])
    if stamp is None or abs(utc_now() - stamp) > TIMESTAMP_TOLERANCE:
        raise EcsError("IllegalTimestamp", f"The Timestamp {params['Timestamp']!r} is not a UTC time (yyyy-MM-ddTHH:mm:ssZ) "
                                           "within 15 minutes of the server's clock.")
    secret = _secret_for(credentials, params)
    if not signature_matches(method, params, secret):
        raise EcsError("SignatureDoesNotMatch", string_to_sign=string_to_sign(method, params))
    if not store.use_nonce(params["SignatureNonce"]):
        raise EcsError("SignatureNonceUsed", f"The SignatureNonce {params['SignatureNonce']!r} has been used within the last 15 minutes.")


def _secret_for(credentials: CredentialRegistry, params: dict[str, str]) -> str:
    """The secret of the access key, after checking its STS token and expiration."""
    credential = credentials.get(params["AccessKeyId"])
    if credential is None:
        raise EcsError("InvalidAccessKeyId.NotFound")
    token = params.get("SecurityToken", "")
    if credential.security_token or token:
        if token != credential.security_token:
            raise EcsError("InvalidSecurityToken.Malformed")
        if credential.expiration is not None and utc_now() >= credential.expiration:
            raise EcsError("InvalidSecurityToken.Expired")
    return credential.secret
