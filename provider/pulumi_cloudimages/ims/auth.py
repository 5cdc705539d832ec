"""Request authentication, as `httpx.Auth` classes shared by the sync and async clients.

`SignatureAuth` signs with AK/SK (`SDK-HMAC-SHA256`), byte-identical to the official SDK's signer.
The functions below follow the steps of the API document's "Authentication" section one by one, so
each can be checked against its line there. `TokenAuth` sends an IAM token instead.

The query string that is signed is the one that is sent: `SignatureAuth` rewrites the request's
query to the canonical form before signing it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Callable, Generator, Iterable, Mapping
from datetime import datetime, timezone
from urllib.parse import quote

import httpx

from .project import ProjectLookup

log = logging.getLogger(__name__)
_SECURITY_TOKEN = re.compile(r"^(x-security-token:).*$", re.MULTILINE)  # a credential: never logged

ALGORITHM = "SDK-HMAC-SHA256"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()

# The headers this package puts on a request and signs (as the SDK does); transport headers such as
# Accept-Encoding or Connection are left unsigned so a proxy that touches them breaks nothing.
SIGNED_HEADER_NAMES = ("content-type", "host", "user-agent", "x-project-id", "x-sdk-date", "x-security-token")


def sdk_date(now: datetime) -> str:
    """Step 1: the `X-Sdk-Date` value, `YYYYMMDDTHHMMSSZ` in UTC."""
    return now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def signed_headers(headers: Mapping[str, str]) -> list[str]:
    """Step 2: every header name lower-cased, except names containing `_`, sorted."""
    return sorted(name.lower() for name in headers if "_" not in name)


def canonical_headers(headers: Mapping[str, str], names: Iterable[str]) -> str:
    """Step 3: `name:value.strip()` and a newline, per signed header."""
    by_lower = {name.lower(): value for name, value in headers.items()}
    return "".join(f"{name}:{by_lower[name].strip()}\n" for name in names)


def canonical_uri(path: str) -> str:
    """Step 4: each segment percent-encoded, with a trailing `/` added."""
    encoded = "/".join(quote(segment, safe="~") for segment in path.split("/"))
    return encoded if encoded.endswith("/") else encoded + "/"


def canonical_query(params: Iterable[tuple[str, str]]) -> str:
    """Step 5: pairs sorted on the raw strings, both sides percent-encoded, joined by `&`."""
    return "&".join(f"{quote(key, safe='~')}={quote(value, safe='~')}" for key, value in sorted(params))


def payload_hash(body: bytes) -> str:
    """Step 6: SHA-256 hex of the body."""
    return hashlib.sha256(body).hexdigest()


def canonical_request(
    method: str, path: str, params: Iterable[tuple[str, str]], headers: Mapping[str, str], body: bytes
) -> str:
    """Step 7: method, URI, query, headers (each ending in a newline), signed header names, payload hash."""
    names = signed_headers(headers)
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query(params),
            canonical_headers(headers, names),
            ";".join(names),
            payload_hash(body),
        ]
    )


def string_to_sign(canonical: str, date: str) -> str:
    """Step 8a: algorithm, date and the hash of the canonical request."""
    return f"{ALGORITHM}\n{date}\n{hashlib.sha256(canonical.encode()).hexdigest()}"


def signature(secret_key: str, to_sign: str) -> str:
    """Step 8b: hex HMAC-SHA256 of the string to sign, keyed with the secret key."""
    return hmac.new(secret_key.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def authorization(access_key: str, names: Iterable[str], sig: str) -> str:
    """Step 9: the `Authorization` header value."""
    return f"{ALGORITHM} Access={access_key}, SignedHeaders={';'.join(names)}, Signature={sig}"


def sign(
    method: str,
    path: str,
    params: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
    access_key: str,
    secret_key: str,
) -> str:
    """Steps 2-9 over headers that already carry `X-Sdk-Date` and `Host`: the `Authorization` value."""
    canonical = canonical_request(method, path, params, headers, body)
    to_sign = string_to_sign(canonical, headers.get("X-Sdk-Date") or headers["x-sdk-date"])
    if log.isEnabledFor(logging.DEBUG):  # the two things that explain a refused signature
        log.debug("canonical request:\n%s", _SECURITY_TOKEN.sub(r"\1***", canonical))
        log.debug("string to sign:\n%s", to_sign)
    return authorization(access_key, signed_headers(headers), signature(secret_key, to_sign))


class SignatureAuth(httpx.Auth):
    """AK/SK signing (`SDK-HMAC-SHA256`), with `X-Project-Id` and, for temporary credentials, `X-Security-Token`.

    With no project ID yet, the flow first resolves it (see `ProjectLookup`), then signs the request.
    """

    requires_response_body = True

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        *,
        security_token: str | None = None,
        project: str | ProjectLookup | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.access_key = access_key
        self._secret_key = secret_key
        self._security_token = security_token
        self._project = project
        self._clock = clock

    def __repr__(self) -> str:
        return f"SignatureAuth(access_key={self.access_key!r}, secret_key=***)"

    @property
    def project_id(self) -> str | None:
        """The project requests are signed for: the one configured, or the one discovered (None until then)."""
        project = self._project
        return project.project_id if isinstance(project, ProjectLookup) else project

    def pending_lookup(self) -> ProjectLookup | None:
        """The project discovery still to be made before a request can be signed, if any. The clients make it
        first, with retries and their own errors; used alone with httpx, this flow makes it inline."""
        project = self._project
        return project if isinstance(project, ProjectLookup) and project.project_id is None else None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        project = self._project
        if isinstance(project, ProjectLookup):
            if project.project_id is None:
                lookup = project.request()
                self.sign_request(lookup, project_id=None)
                project.accept((yield lookup))
            project = project.project_id
        self.sign_request(request, project_id=project)
        yield request

    def sign_request(self, request: httpx.Request, *, project_id: str | None) -> None:
        """Sign `request` in place; its query is rewritten to the canonical form that is signed."""
        params = request.url.params.multi_items()
        request.url = request.url.copy_with(query=canonical_query(params).encode() or None)
        headers = {"X-Sdk-Date": sdk_date(self._clock())}
        if project_id:
            headers["X-Project-Id"] = project_id
        if self._security_token:
            headers["X-Security-Token"] = self._security_token
        request.headers.update(headers)
        to_sign = {name: request.headers[name] for name in SIGNED_HEADER_NAMES if name in request.headers}
        request.headers["Authorization"] = sign(
            request.method,
            request.url.path,
            params,
            to_sign,
            request.content,
            self.access_key,
            self._secret_key,
        )


class TokenAuth(httpx.Auth):
    """An IAM token in `X-Auth-Token`; the token's own project applies, `X-Project-Id` is sent when known."""

    def __init__(self, token: str, *, project_id: str | None = None) -> None:
        self._token = token
        self._project_id = project_id

    def __repr__(self) -> str:
        return "TokenAuth(token=***)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["X-Auth-Token"] = self._token
        if self._project_id:
            request.headers["X-Project-Id"] = self._project_id
        yield request
