"""Checking `SDK-HMAC-SHA256` signatures the way the API gateway does.

Written from the API document's steps, apart from the client's signer, so that the two check each
other (and the official SDK checks both).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, quote, unquote

MAX_SKEW = timedelta(minutes=15)
_AUTHORIZATION = re.compile(r"^SDK-HMAC-SHA256 Access=([^,\s]+), SignedHeaders=([^,\s]+), Signature=([0-9a-f]{64})$")


class SignatureRejected(Exception):
    """Why a signed request is refused (401)."""


def check_signature(
    *,
    method: str,
    path: str,
    raw_query: bytes,
    headers: Mapping[str, str],
    body: bytes,
    secrets: Mapping[str, str],
    now: datetime,
) -> str:
    """The access key of a correctly signed request; `SignatureRejected` otherwise."""
    match = _AUTHORIZATION.match(headers.get("authorization", ""))
    if match is None:
        raise SignatureRejected("the Authorization header is missing or not SDK-HMAC-SHA256")
    access_key, signed, given = match.groups()
    if access_key not in secrets:
        raise SignatureRejected(f"the access key {access_key} is unknown")
    names = signed.split(";")
    if "x-sdk-date" not in names or any(name not in headers for name in names):
        raise SignatureRejected("a signed header is missing, or X-Sdk-Date is not signed")
    try:
        when = datetime.strptime(headers["x-sdk-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        raise SignatureRejected("X-Sdk-Date is not YYYYMMDDTHHMMSSZ") from None
    if abs(now - when) > MAX_SKEW:
        raise SignatureRejected("X-Sdk-Date is more than 15 minutes away from the server's clock")

    segments = [quote(unquote(segment), safe="~") for segment in path.split("/")]
    uri = "/".join(segments).rstrip("/") + "/"
    pairs = sorted(parse_qsl(raw_query.decode(), keep_blank_values=True))
    query = "&".join(quote(k, safe="~") + "=" + quote(v, safe="~") for k, v in pairs)
    header_lines = "".join(name + ":" + headers[name].strip() + "\n" for name in names)
    request_text = "\n".join([method, uri, query, header_lines, signed, hashlib.sha256(body).hexdigest()])
    to_sign = "SDK-HMAC-SHA256\n" + headers["x-sdk-date"] + "\n" + hashlib.sha256(request_text.encode()).hexdigest()
    expected = hmac.new(secrets[access_key].encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given):
        raise SignatureRejected("the signature does not match the request")
    return access_key
