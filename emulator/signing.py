"""Signature v1.0 (HMAC-SHA1) of the Alibaba Cloud RPC protocol, as aliyun-python-sdk-core computes it."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote


def percent_encode(value: str) -> str:
    """RFC 3986 encoding with only A-Za-z0-9-_.~ left as is (space is %20, * is %2A)."""
    return quote(str(value), safe="~")


def canonical_query(params: dict[str, str]) -> str:
    """Every parameter except Signature, sorted by key, encoded and joined as k=v&k=v."""
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in pairs)


def string_to_sign(method: str, params: dict[str, str]) -> str:
    """METHOD&%2F&percentEncode(canonical query)."""
    return f"{method.upper()}&%2F&{percent_encode(canonical_query(params))}"


def compute_signature(method: str, params: dict[str, str], secret: str) -> str:
    """base64(HMAC-SHA1(secret + "&", StringToSign))."""
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature_matches(method: str, params: dict[str, str], secret: str) -> bool:
    """Whether params["Signature"] is the signature of the request, compared in constant time."""
    return hmac.compare_digest(compute_signature(method, params, secret), params.get("Signature", ""))
