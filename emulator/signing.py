"""Signatures of the Alibaba Cloud RPC protocol: v1.0 (HMAC-SHA1, aliyun-python-sdk-core) and v3 (ACS3-HMAC-SHA256, the Tea SDK)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
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


# --- v3: ACS3-HMAC-SHA256 ----------------------------------------------------------------------------------------

ACS3_ALGORITHM = "ACS3-HMAC-SHA256"


@dataclass(frozen=True)
class RequestParts:
    """What a v3 signature covers: method, path, the decoded query pairs, the headers (lower-case names, all values)
    and the raw body."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: dict[str, list[str]]
    body: bytes

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0].strip() if values else ""


@dataclass(frozen=True)
class Authorization:
    algorithm: str
    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(text: str) -> Authorization | None:
    """`ALGORITHM Credential=AK,SignedHeaders=a;b,Signature=hex`; None when it is not of that form."""
    algorithm, _sep, rest = text.strip().partition(" ")
    fields = {}
    for part in rest.split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            fields[key] = value
    if not algorithm or not fields.get("Credential") or not fields.get("SignedHeaders") or not fields.get("Signature"):
        return None
    return Authorization(algorithm, fields["Credential"], tuple(fields["SignedHeaders"].split(";")), fields["Signature"])


def acs3_canonical_request(request: RequestParts, signed_headers: tuple[str, ...]) -> str:
    """Method, canonical URI, sorted encoded query, `name:value` lines of the signed headers, their names, body hash."""
    query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(request.query))
    names = sorted(name.lower() for name in signed_headers)
    header_lines = "".join(f"{name}:{','.join(sorted(value.strip() for value in request.headers.get(name, [])))}\n"
                           for name in names)
    return "\n".join((request.method.upper(), request.path or "/", query, header_lines, ";".join(names),
                      request.header("x-acs-content-sha256") or hashlib.sha256(request.body).hexdigest()))


def acs3_string_to_sign(request: RequestParts, signed_headers: tuple[str, ...]) -> str:
    digest = hashlib.sha256(acs3_canonical_request(request, signed_headers).encode("utf-8")).hexdigest()
    return f"{ACS3_ALGORITHM}\n{digest}"


def acs3_signature(request: RequestParts, signed_headers: tuple[str, ...], secret: str) -> str:
    """hex HMAC-SHA256(secret, StringToSign)."""
    return hmac.new(secret.encode("utf-8"), acs3_string_to_sign(request, signed_headers).encode("utf-8"), hashlib.sha256).hexdigest()
