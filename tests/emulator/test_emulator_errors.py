"""Each error of the emulator spec, over real HTTP, in its documented shape, with a request ID."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pulumi_cloudimages import BadRequestError
from pulumi_cloudimages.emulator import PROJECT_A, Emulator


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with Emulator() as emulator:
        yield f"{emulator.url}/v2/cloudimages"


@pytest.mark.parametrize(
    ("params", "code", "named"),
    [
        ({"__imagetype": "golden"}, "IMG.0024", "golden"),
        ({"__platform": "ubuntu"}, "IMG.0001", "__platform"),
        ({"visibility": "everyone"}, "IMG.0001", "visibility"),
        ({"sort_key": "owner"}, "IMG.0001", "sort_key"),
        ({"sort_dir": "up"}, "IMG.0001", "sort_dir"),
        ({"architecture": "mips"}, "IMG.0001", "architecture"),
        ({"protected": "yes"}, "IMG.0001", "protected"),
        ({"min_ram": "lots"}, "IMG.0001", "min_ram"),
        ({"created_at": "after:2020-01-01T00:00:00Z"}, "IMG.0001", "created_at"),
        ({"updated_at": "gt:2020-01-01"}, "IMG.0001", "updated_at"),
        ({"limit": "0"}, "IMG.0001", "limit"),
        ({"limit": "1001"}, "IMG.0001", "limit"),
        ({"limit": "ten"}, "IMG.0001", "limit"),
        ({"marker": "not-an-image"}, "IMG.0027", "not-an-image"),
        ({"member_status": "accepted"}, "IMG.0001", "member_status"),
        ({"member_status": "accepted", "visibility": "private"}, "IMG.0001", "member_status"),
    ],
)
def test_bad_values_are_400_in_the_ims_shape(url: str, params: dict[str, str], code: str, named: str) -> None:
    response = httpx.get(url, params=params, headers={"X-Project-Id": PROJECT_A})
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == code
    assert named in body["error"]["message"]
    assert response.headers["X-Request-Id"]


def test_the_client_reports_an_emulator_error_with_code_and_request_id() -> None:
    with Emulator() as emulator, emulator.client() as ims, pytest.raises(BadRequestError) as caught:
        ims.list_images(marker="not-an-image")
    error = caught.value
    assert error.code == "IMG.0027" and error.status == 400
    assert error.request_id is not None and len(error.request_id) == 32
    assert "marker=not-an-image" in str(error)
