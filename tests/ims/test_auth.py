"""Signing: byte-identical to the official SDK's signer (vectors it produced), and sent as signed."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from pulumi_cloudimages import ImsClient, SignatureAuth, TokenAuth
from pulumi_cloudimages.ims.auth import canonical_request, sign, string_to_sign

VECTORS: dict[str, Any] = json.loads((Path(__file__).parents[1] / "data" / "sdk-hmac-sha256.json").read_text())
AK, SK = VECTORS["access_key"], VECTORS["secret_key"]
VECTOR_TIME = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def _unsigned(vector: dict[str, Any]) -> dict[str, str]:
    return {name: value for name, value in vector["headers"].items() if name != "Authorization"}


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["vector"][:1])
def test_each_step_matches_the_official_signer(vector: dict[str, Any]) -> None:
    url = httpx.URL(vector["url"])
    headers = _unsigned(vector)
    params = url.params.multi_items()
    canonical = canonical_request(vector["method"], url.path, params, headers, b"")
    assert canonical == vector["canonical_request"]
    assert string_to_sign(canonical, headers["X-Sdk-Date"]) == vector["string_to_sign"]
    assert sign(vector["method"], url.path, params, headers, b"", AK, SK) == vector["headers"]["Authorization"]


@pytest.mark.parametrize("vector", VECTORS["vectors"][1:], ids=lambda v: v["vector"][:1])
def test_the_httpx_auth_reproduces_the_sdk_pipeline(vector: dict[str, Any]) -> None:
    headers = _unsigned(vector)
    auth = SignatureAuth(
        AK,
        SK,
        security_token=headers.get("X-Security-Token"),
        project=headers["X-Project-Id"],
        clock=lambda: VECTOR_TIME,
    )
    extra = {name: headers[name] for name in ("User-Agent", "Content-Type") if name in headers}
    request = httpx.Request("GET", vector["url"], headers=extra)
    signed = next(auth.auth_flow(request))
    assert signed.headers["Authorization"] == vector["headers"]["Authorization"]
    assert signed.headers["X-Sdk-Date"] == "20240102T030405Z"


def test_the_query_sent_is_the_query_signed() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"images": []})

    with ImsClient(
        endpoint="https://ims.example.com",
        access_key=AK,
        secret_key=SK,
        project_id="p1",
        transport=httpx.MockTransport(handler),
    ) as ims:
        ims.list_images(name="Ubuntu 22.04 server 64bit", tag="role=web", platform="Ubuntu")
    (request,) = seen
    wire_query = request.url.query.decode()
    # Sorted, space as %20 and '=' inside a value encoded, exactly as the SDK signs it.
    assert wire_query == "__platform=Ubuntu&limit=500&name=Ubuntu%2022.04%20server%2064bit&tag=role%3Dweb"
    signed_headers = {n: request.headers[n] for n in ("host", "user-agent", "x-project-id", "x-sdk-date")}
    expected = sign("GET", request.url.path, request.url.params.multi_items(), signed_headers, b"", AK, SK)
    assert request.headers["Authorization"] == expected
    assert "SignedHeaders=host;user-agent;x-project-id;x-sdk-date," in expected


def test_token_auth_sends_the_token_and_no_signature() -> None:
    request = next(TokenAuth("TOKEN-VALUE", project_id="p9").auth_flow(httpx.Request("GET", "https://x/v2/a")))
    assert request.headers["X-Auth-Token"] == "TOKEN-VALUE"
    assert request.headers["X-Project-Id"] == "p9"
    assert "Authorization" not in request.headers


def test_reprs_hide_secrets() -> None:
    assert SK not in repr(SignatureAuth(AK, SK, security_token="SECRET-TOKEN"))
    assert "SECRET-TOKEN" not in repr(SignatureAuth(AK, SK, security_token="SECRET-TOKEN"))
    assert "TOKEN-VALUE" not in repr(TokenAuth("TOKEN-VALUE"))
