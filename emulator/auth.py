"""Who may call: timestamps, access keys, STS tokens, signatures and nonces, checked in the order ECS checks them.

Two signature generations are served side by side: v1 (HMAC-SHA1 over the query, aliyun-python-sdk-core) and v3
(ACS3-HMAC-SHA256 in the Authorization header, the Tea SDK's default). Each request is authenticated as an account.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import threading
from dataclasses import dataclass

from .accounts import DEMO_ACCOUNT_ID
from .errors import EcsError, invalid, missing
from .ids import parse_iso, utc_now
from .signing import ACS3_ALGORITHM, RequestParts, acs3_signature, acs3_string_to_sign, parse_authorization, signature_matches, string_to_sign
from .store import Store

DEMO_ACCESS_KEY_ID = "LTAI5tEmuDemoAccessKey01"
DEMO_ACCESS_KEY_SECRET = "EmuDemoSecretDoNotUseInProd000"
TIMESTAMP_TOLERANCE = dt.timedelta(minutes=15)
_REQUIRED_SIGNING_PARAMS = ("AccessKeyId", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp")
# Headers every v3 request carries and signs (Alibaba Cloud "Request syntax and signature method V3": every common
# request header except Authorization is signed).
ACS3_REQUIRED_HEADERS = ("host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256")


@dataclass(frozen=True)
class Credential:
    secret: str
    security_token: str = ""
    expiration: dt.datetime | None = None
    account_id: str = DEMO_ACCOUNT_ID


class CredentialRegistry:
    """Access keys added through the admin API or a seed's accounts. Kept in memory only, so no secret or token ever
    reaches the state file; the demo key pair is always accepted and signs as the demo account."""

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


def _check_timestamp(text: str, name: str) -> dt.datetime:
    """The request's time, or the error of Alibaba Cloud's common error codes (API Error Center, "Common error codes"):
    400 IllegalTimestamp when the Timestamp is not supplied or not a UTC time in the documented form, and 400
    InvalidTimeStamp.Expired ("Specified time stamp or date value is expired.") when it is one but more than 15
    minutes from the server's clock, in the past or the future. Both signature versions answer alike."""
    stamp = parse_iso(text) if text else None
    if stamp is None:
        raise EcsError("IllegalTimestamp", f"The {name} {text!r} is not a UTC time in the form yyyy-MM-ddTHH:mm:ssZ.")
    if abs(utc_now() - stamp) > TIMESTAMP_TOLERANCE:
        raise EcsError("InvalidTimeStamp.Expired")  # the service's own message, word for word
    return stamp


def _use_nonce(store: Store, nonce: str, stamp: dt.datetime) -> None:
    if not store.use_nonce(nonce, stamp.timestamp()):
        raise EcsError("SignatureNonceUsed", f"The signature nonce {nonce!r} has already been used.")


def authenticate(store: Store, credentials: CredentialRegistry, method: str, params: dict[str, str]) -> str:
    """v1: raise the ECS error that refuses the request, or return the caller's account id."""
    if not params.get("Signature"):
        raise EcsError("IncompleteSignature", "The request carries no Signature.")
    for name in _REQUIRED_SIGNING_PARAMS:
        if name == "Timestamp" and not params.get(name):
            raise EcsError("IllegalTimestamp")  # "... Timestamp ... is not supplied" (common error codes)
        if not params.get(name):
            raise missing(name)
    if params["SignatureMethod"] != "HMAC-SHA1":
        raise invalid("SignatureMethod", params["SignatureMethod"], "HMAC-SHA1")
    if params["SignatureVersion"] != "1.0":
        raise invalid("SignatureVersion", params["SignatureVersion"], "1.0")
    stamp = _check_timestamp(params["Timestamp"], "Timestamp")
    credential = _credential_for(credentials, params["AccessKeyId"], params.get("SecurityToken", ""))
    if not signature_matches(method, params, credential.secret):
        raise EcsError("SignatureDoesNotMatch", string_to_sign=string_to_sign(method, params))
    _use_nonce(store, params["SignatureNonce"], stamp)
    return credential.account_id


def authenticate_acs3(store: Store, credentials: CredentialRegistry, request: RequestParts) -> str:
    """v3 (ACS3-HMAC-SHA256): raise the ECS error that refuses the request, or return the caller's account id.

    Canonical request as alibabacloud_tea_openapi's signer builds it and the "signature method V3" page describes:
    method, path, sorted percent-encoded query, the signed headers `name:value` sorted, their names, the hex SHA-256
    of the body; the signature is hex HMAC-SHA256(secret, "ACS3-HMAC-SHA256\\n" + hex SHA-256(canonical request)).
    """
    authorization = parse_authorization(request.header("authorization"))
    if authorization is None:
        raise EcsError("IncompleteSignature", "The Authorization header is not "
                                              "'ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=...'.")
    if authorization.algorithm != ACS3_ALGORITHM:
        raise EcsError("IncompleteSignature", f"The signature algorithm {authorization.algorithm!r} is not supported here; "
                                              f"use {ACS3_ALGORITHM}.")
    for name in ACS3_REQUIRED_HEADERS:
        if not request.header(name):
            raise missing(name)
    token = request.header("x-acs-security-token")
    unsigned = [name for name in ACS3_REQUIRED_HEADERS + (("x-acs-security-token",) if token else ())
                if name not in authorization.signed_headers]
    if unsigned:
        raise EcsError("IncompleteSignature", f"The headers {', '.join(unsigned)} must be signed (SignedHeaders).")
    stamp = _check_timestamp(request.header("x-acs-date"), "x-acs-date")
    credential = _credential_for(credentials, authorization.access_key_id, token)
    if hashlib.sha256(request.body).hexdigest() != request.header("x-acs-content-sha256").lower():
        raise EcsError("SignatureDoesNotMatch", "The x-acs-content-sha256 header is not the SHA-256 of the request body.")
    expected = acs3_signature(request, authorization.signed_headers, credential.secret)
    if not hmac.compare_digest(expected.encode(), authorization.signature.lower().encode()):
        raise EcsError("SignatureDoesNotMatch",
                       string_to_sign=acs3_string_to_sign(request, authorization.signed_headers).replace("\n", "\\n"))
    _use_nonce(store, request.header("x-acs-signature-nonce"), stamp)
    return credential.account_id


def _credential_for(credentials: CredentialRegistry, access_key_id: str, token: str) -> Credential:
    """The credential of the access key, after checking its STS token and expiration."""
    credential = credentials.get(access_key_id)
    if credential is None:
        raise EcsError("InvalidAccessKeyId.NotFound")
    if credential.security_token or token:
        if token != credential.security_token:
            raise EcsError("InvalidSecurityToken.Malformed")
        if credential.expiration is not None and utc_now() >= credential.expiration:
            raise EcsError("InvalidSecurityToken.Expired")
    return credential
