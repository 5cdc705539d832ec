"""Sorting and marker paging over real HTTP: every sort key, both directions, many pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, get_args

import pytest

from pulumi_cloudimages import BadRequestError, Image, ImsClient
from pulumi_cloudimages.emulator import PROJECT_A, Catalog, Emulator
from pulumi_cloudimages.ims.query import SortKey


def _catalog(count: int) -> Catalog:
    """`count` images whose values repeat, so every sort key has ties for the id to break."""
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    images = [
        {
            "id": f"{(i * 7919) % 100000:05d}-img",
            "name": f"image-{i % 37:02d}",
            "status": ("active", "queued")[i % 2],
            "visibility": "public",
            "container_format": "bare",
            "disk_format": ("zvhd2", "qcow2", "raw")[i % 3],
            "size": (i % 5) * 1000,
            "created_at": (start + timedelta(hours=i // 3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "__isregistered": "true",
        }
        for i in range(count)
    ]
    return Catalog.from_data({"images": images}, "test")


@pytest.fixture(scope="module")
def ims() -> Iterator[ImsClient]:
    with Emulator(_catalog(523)) as emulator, emulator.client(project_id=PROJECT_A) as client:
        yield client


def _value(image: Image, key: str) -> Any:
    return image.created_at if key == "created_at" else getattr(image, key)


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("key", get_args(SortKey))
def test_pages_follow_the_order_with_ties_broken_by_id(ims: ImsClient, key: str, direction: str) -> None:
    paged = ims.list_images(sort_key=key, sort_dir=direction, limit=50)
    whole = ims.list_images(sort_key=key, sort_dir=direction, limit=1000)
    assert [i.id for i in paged] == [i.id for i in whole]
    assert len({i.id for i in paged}) == 523
    pairs = [(_value(i, key), i.id) for i in paged]
    assert pairs == sorted(pairs, reverse=direction == "desc")


def test_the_default_order_is_newest_first(ims: ImsClient) -> None:
    images = ims.list_images(limit=100)
    assert images[0].created_at == max(i.created_at for i in images if i.created_at)
    assert [i.id for i in images] == [i.id for i in ims.list_images(sort_key="created_at", sort_dir="desc")]


def test_a_marker_continues_right_after_that_image(ims: ImsClient) -> None:
    whole = ims.list_images(sort_key="name", sort_dir="asc")
    after = ims.list_images(sort_key="name", sort_dir="asc", marker=whole[99].id, max_results=5)
    assert [i.id for i in after] == [i.id for i in whole[100:105]]


def test_a_marker_outside_the_result_is_img_0027(ims: ImsClient) -> None:
    outside = ims.list_images(disk_format="raw", max_results=1)[0].id
    with pytest.raises(BadRequestError) as caught:
        ims.list_images(disk_format="qcow2", marker=outside)
    assert caught.value.code == "IMG.0027" and caught.value.request_id


def test_limit_is_the_page_size(ims: ImsClient) -> None:
    pages = list(ims.iter_pages(limit=100))
    assert [len(page) for page in pages] == [100, 100, 100, 100, 100, 23]
