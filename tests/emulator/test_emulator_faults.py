"""Faults on demand, and the client's retries through them, over real HTTP."""

from __future__ import annotations

import httpx
import pytest

from pulumi_cloudimages import RateLimitedError, ServerError, TransportError
from pulumi_cloudimages.emulator import PROJECT_A, Emulator
from pulumi_cloudimages.emulator.faults import Fault


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_status_faults_are_retried(ims_emulator: Emulator, status: int) -> None:
    ims_emulator.inject("status", status=status, times=2, retry_after=0)
    with ims_emulator.client(project_id=PROJECT_A, backoff=0) as ims:
        assert ims.list_images(name="Fedora 38 64bit 20231117")[0].name == "Fedora 38 64bit 20231117"
    assert len(ims_emulator.requests) == 3


@pytest.mark.parametrize("kind", ["html", "truncated", "drop"])
def test_broken_answers_are_retried(ims_emulator: Emulator, kind: str) -> None:
    ims_emulator.inject(kind)  # type: ignore[arg-type]
    with ims_emulator.client(backoff=0) as ims:
        assert len(ims.list_images(platform="Fedora")) == 4
    assert len(ims_emulator.requests) == 2


def test_a_slow_answer_times_out_and_is_retried(ims_emulator: Emulator) -> None:
    ims_emulator.inject("delay", seconds=1.0)
    with ims_emulator.client(backoff=0, timeout=0.3) as ims:
        assert len(ims.list_images(platform="Fedora")) == 4
    assert len(ims_emulator.requests) == 2


def test_faults_outlasting_the_retries_surface(ims_emulator: Emulator) -> None:
    ims_emulator.inject("status", status=429, times=3, retry_after=0)
    with ims_emulator.client(backoff=0, max_retries=2) as ims, pytest.raises(RateLimitedError) as caught:
        ims.list_images()
    assert caught.value.status == 429 and len(ims_emulator.requests) == 3
    ims_emulator.inject("html", times=2)
    with ims_emulator.client(backoff=0, max_retries=1) as ims, pytest.raises(ServerError, match="text/html"):
        ims.list_images()
    ims_emulator.inject("drop", times=2)
    with ims_emulator.client(backoff=0, max_retries=1) as ims, pytest.raises(TransportError, match="after 2 tries"):
        ims.list_images()


def test_retry_after_reaches_the_client(ims_emulator: Emulator) -> None:
    ims_emulator.inject("status", status=429, retry_after=7)
    response = httpx.get(f"{ims_emulator.url}/v2/cloudimages")
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    assert response.json()["error"]["code"] == "IMG.429"


def test_fault_definitions_are_checked() -> None:
    with pytest.raises(ValueError, match="fault status 404"):
        Fault("status", 404)
    with pytest.raises(ValueError, match="fault kind 'boom'"):
        Fault("boom")  # type: ignore[arg-type]
