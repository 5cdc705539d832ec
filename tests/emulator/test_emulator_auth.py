"""Signatures and tokens over real HTTP: what the emulator accepts and refuses (401, gateway shape)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from pulumi_cloudimages import AsyncImsClient, AuthenticationError, ConfigurationError, SignatureAuth
from pulumi_cloudimages.emulator import PROJECT_A, PROJECT_B, Emulator
from pulumi_cloudimages.ims.project import ProjectLookup

AK, SK = "AKEXAMPLE", "SK-EXAMPLE-SECRET"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(credentials=[f"{AK}:{SK}:{PROJECT_A}", "AKNOPROJECT:SK2"], tokens={"TOKEN-A": PROJECT_A}) as emu:
        yield emu


def _get(emulator: Emulator, auth: httpx.Auth | None = None, **headers: str) -> httpx.Response:
    with httpx.Client(base_url=emulator.url, auth=auth, headers=headers) as http:
        return http.get("/v2/cloudimages", params={"__imagetype": "private", "limit": "5"})


def _refusal(response: httpx.Response) -> str:
    assert response.status_code == 401
    body = response.json()
    assert body["error_code"] == "APIGW.0301" and body["request_id"] == response.headers["X-Request-Id"]
    return str(body["error_msg"])


def test_a_signed_client_sees_its_project(emulator: Emulator) -> None:
    with emulator.client(access_key=AK, secret_key=SK, project_id=PROJECT_A) as ims:
        names = {image.name for image in ims.list_images(tag="role=web")}
    assert "web-server-2025-01-15" in names and "platform-secret" not in names


def test_a_wrong_secret_key_is_refused(emulator: Emulator) -> None:
    with (
        emulator.client(access_key=AK, secret_key="WRONG", project_id=PROJECT_A) as ims,
        pytest.raises(AuthenticationError) as caught,
    ):
        ims.list_images()
    assert caught.value.code == "APIGW.0301" and "signature does not match" in caught.value.message
    assert "WRONG" not in str(caught.value)


def test_an_unknown_access_key_is_refused(emulator: Emulator) -> None:
    assert "access key NOBODY is unknown" in _refusal(_get(emulator, SignatureAuth("NOBODY", SK, project=PROJECT_A)))


@pytest.mark.parametrize("minutes", [-16, 16])
def test_a_skewed_date_is_refused(emulator: Emulator, minutes: int) -> None:
    skewed = SignatureAuth(
        AK, SK, project=PROJECT_A, clock=lambda: datetime.now(timezone.utc) + timedelta(minutes=minutes)
    )
    assert "15 minutes" in _refusal(_get(emulator, skewed))
    near = SignatureAuth(AK, SK, project=PROJECT_A, clock=lambda: datetime.now(timezone.utc) + timedelta(minutes=14))
    assert _get(emulator, near).status_code == 200


def test_a_tampered_query_is_refused(emulator: Emulator) -> None:
    request = httpx.Request("GET", f"{emulator.url}/v2/cloudimages", params={"__imagetype": "gold"})
    SignatureAuth(AK, SK).sign_request(request, project_id=PROJECT_A)
    request.url = request.url.copy_with(query=b"__imagetype=private")
    with httpx.Client() as http:
        assert "does not match" in _refusal(http.send(request))


def test_unsigned_requests_and_a_missing_project_are_refused(emulator: Emulator) -> None:
    assert "Authorization" in _refusal(_get(emulator, **{"X-Project-Id": PROJECT_A}))
    assert "X-Project-Id is missing" in _refusal(_get(emulator, SignatureAuth(AK, SK)))


def test_a_key_cannot_read_another_project(emulator: Emulator) -> None:
    assert "does not belong" in _refusal(_get(emulator, SignatureAuth(AK, SK, project=PROJECT_B)))


def test_tokens(emulator: Emulator) -> None:
    with emulator.client(auth_token="TOKEN-A") as ims:
        assert any(image.owner == PROJECT_A for image in ims.list_images(imagetype="private"))
    with emulator.client(auth_token="TOKEN-STALE") as ims, pytest.raises(AuthenticationError, match="token"):
        ims.list_images()


def test_the_callers_project_is_the_one_configured_or_the_one_its_access_key_discovers(emulator: Emulator) -> None:
    ProjectLookup.forget_all()
    emulator.requests.clear()
    discovering = {"region": "cn-north-4", "iam_endpoint": emulator.url, "access_key": AK, "secret_key": SK}
    with emulator.client(**discovering) as ims:
        assert ims.own_project() == PROJECT_A
    with emulator.client(**discovering, project_id=PROJECT_B) as ims:
        assert ims.own_project() == PROJECT_B  # configured: IAM is not asked
    with emulator.client(auth_token="TOKEN-A") as ims:
        assert ims.own_project() is None  # a token names no project
    assert [r.path for r in emulator.requests].count("/v3/projects") == 1

    async def asynchronously() -> str | None:
        async with AsyncImsClient(endpoint=emulator.url, **discovering) as ims:
            return await ims.own_project()

    ProjectLookup.forget_all()
    assert asyncio.run(asynchronously()) == PROJECT_A
    assert [r.path for r in emulator.requests].count("/v3/projects") == 2
    ProjectLookup.forget_all()


def test_project_discovery_through_the_emulated_iam(emulator: Emulator) -> None:
    ProjectLookup.forget_all()
    with emulator.client(region="cn-north-4", iam_endpoint=emulator.url, access_key=AK, secret_key=SK) as ims:
        assert ims.list_images(owner=PROJECT_A, max_results=1)[0].owner == PROJECT_A
    lookups = [r for r in emulator.requests if r.path == "/v3/projects"]
    assert lookups[-1].params == {"name": "cn-north-4"}
    ProjectLookup.forget_all()
    with (
        emulator.client(
            region="cn-north-4", iam_endpoint=emulator.url, access_key="AKNOPROJECT", secret_key="SK2"
        ) as ims,
        pytest.raises(ConfigurationError, match="0 projects"),
    ):
        ims.list_images()
    ProjectLookup.forget_all()
