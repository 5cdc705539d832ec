"""The catalog's index against a plain reading of its images: every field's every value finds the images having it,
whether few images or one each hold the values, and whatever the number of distinct images."""

from __future__ import annotations

import ctypes
import json
import random
import sys
from typing import Any

import pytest

from pulumi_cloudimages.emulator import Catalog
from pulumi_cloudimages.emulator import catalog as catalog_module
from pulumi_cloudimages.emulator.filters import parse_listing
from pulumi_cloudimages.ims.image import Image

FIELDS = ["name", "owner", "status", "protected", "min_ram", "__platform", "__whole_image", "__support_s4l"]


def _images(count: int) -> list[dict[str, Any]]:
    """Public images whose values repeat, are held by one image each, or are missing. A third of them have a
    `min_ram`, a `size` and a platform of their own: 200 images then have over 64 values of a field, 2,000 over 256
    kinds of images (alike but for their IDs and names), the catalog's thresholds."""
    pick = random.Random(count).choice
    images = []
    for n in range(count):
        image = {"id": f"{pick(['', 'Z', 'é'])}{n:05d}", "visibility": "public", "min_ram": pick([n, 1024, "2048"])}
        image["size"] = pick([n, 0, "7", None])
        image["name"] = pick([f"image {n}", f"image {n % 7}", "", None, "Ünïcode"])
        image["owner"] = pick(["p1", "p2", None])
        image["status"] = pick(["active", "queued"])
        image["protected"] = pick([True, "false", None])
        image["__platform"] = pick(["Ubuntu", "Fedora", f"platform {n}"])
        image["__whole_image"] = pick([True, "true", False, "false", None])
        image["__support_s4l"] = pick(["true", False, None, f"list {n}"])
        image["tags"] = pick([[], ["role.web"], ["role.web", f"build.{n % 3}"], [f"only.{n}"]])
        image["created_at"] = f"2024-01-{1 + n % 28:02d}T00:00:00Z"  # many alike: the ID decides among them
        images.append({key: value for key, value in image.items() if value is not None or n % 2})
    return images


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def _listed(catalog: Catalog, **params: str) -> list[str]:
    """The IDs of a whole listing, page by page."""
    ids: list[str] = []
    while True:
        marker = {"marker": ids[-1]} if ids else {}
        page = [json.loads(answer)["id"] for answer in catalog.select(parse_listing({**params, **marker}), None)]
        ids += page
        if len(page) < int(params.get("limit", 500)):
            return ids


@pytest.mark.parametrize("count", [1, 40, 200, 2000])
def test_every_value_finds_the_images_having_it(count: int) -> None:
    images = _images(count)
    wires = [Image.model_validate(image).to_wire() for image in images]
    catalog = Catalog.from_data({"images": images}, "test")
    by_position = _listed(catalog, sort_dir="asc", limit="1000")
    assert sorted(by_position) == sorted(wire["id"] for wire in wires)

    def found(field: str, value: str | None) -> list[str]:
        bits = catalog.bits(field, value)
        return sorted(image_id for p, image_id in enumerate(by_position) if bits >> p & 1)

    for field in FIELDS:
        values = {_text(wire.get(field)) for wire in wires} | {"nobody's"}
        if field == "__support_s4l":  # a flag the model does not name is indexed where an image has it
            values.discard(None)
        for value in values:
            expected = sorted(wire["id"] for wire in wires if _text(wire.get(field)) == value)
            assert found(field, value) == expected, (field, value)
    for tag in {tag for wire in wires for tag in wire["tags"]} | {"nobody's"}:
        assert found("tags", tag) == sorted(wire["id"] for wire in wires if tag in wire["tags"]), tag
    for wire in wires:
        assert found("id", wire["id"]) == [wire["id"]]
    assert found("id", "\ud800") == found("id", "nobody's") == []


@pytest.mark.parametrize("key", ["name", "id", "size"])
def test_pages_by_a_key_of_values_held_by_one_image_each_follow_it(key: str) -> None:
    images = _images(2000)
    catalog = Catalog.from_data({"images": [dict(image) for image in images]}, "test")
    whole = _listed(catalog, sort_key=key, sort_dir="asc", limit="1000")
    assert _listed(catalog, sort_key=key, sort_dir="asc", limit="7") == whole
    if key == "id":
        assert whole == sorted(image["id"] for image in images)


def test_an_empty_name_sorts_after_no_name_and_before_the_others() -> None:
    images = [{"id": "a", "name": "x"}, {"id": "b", "name": ""}, {"id": "c"}, {"id": "d", "name": ""}]
    catalog = Catalog.from_data({"images": [{**image, "visibility": "public"} for image in images]}, "test")
    assert _listed(catalog, sort_key="name", sort_dir="asc") == ["c", "b", "d", "a"]


def test_an_empty_catalog_lists_nothing() -> None:
    catalog = Catalog.from_data({"images": []}, "test")
    assert len(catalog) == 0 and _listed(catalog) == [] and catalog.bits("id", "a") == 0


def test_a_catalog_large_enough_to_be_trimmed_serves_as_a_small_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """From `_TRIMMED_FROM` images on, a load forgets the formatted times and gives its freed memory back: the
    catalog then serves as any other (small images, so that the test stays quick)."""
    count = catalog_module._TRIMMED_FROM
    pick = random.Random(count).choice
    sizes = random.Random(1).sample(range(10 * count), count)
    images: list[dict[str, Any]] = [
        {
            "id": f"{n:05d}",
            "name": f"image {n}",
            "visibility": "public",
            "__platform": pick(["Ubuntu", "Fedora", "Debian"]),
            "size": sizes[n],
            "tags": ["role.web"] if n % 7 == 0 else [],
            "created_at": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T00:00:00Z",  # ties: the ID decides among them
        }
        for n in range(count)
    ]
    random.Random(2).shuffle(images)  # the file's order is not the catalog's
    trimmed = []
    trim = catalog_module._trim_memory

    def counted() -> None:  # the real one
        trim()
        trimmed.append(True)

    monkeypatch.setattr(catalog_module, "_trim_memory", counted)
    catalog = Catalog.from_json(json.dumps({"images": images}), "large")
    assert len(catalog) == count and trimmed == [True]

    ubuntu = [image for image in images if image["__platform"] == "Ubuntu"]
    oldest_first = [image["id"] for image in sorted(ubuntu, key=lambda image: (image["created_at"], image["id"]))]
    assert _listed(catalog, __platform="Ubuntu", sort_dir="asc", limit="1000") == oldest_first
    assert _listed(catalog, __platform="Ubuntu", limit="1000") == oldest_first[::-1]  # newest first, by default
    by_size = [image["id"] for image in sorted(ubuntu, key=lambda image: image["size"])]
    marker = by_size[len(by_size) // 2]
    listing = parse_listing({"__platform": "Ubuntu", "sort_key": "size", "sort_dir": "asc", "marker": marker})
    page = catalog.select(listing, None)
    assert [json.loads(answer)["id"] for answer in page] == by_size[len(by_size) // 2 + 1 :][:500]
    tagged = {image["id"] for image in images if "role.web" in image["tags"]}
    assert set(_listed(catalog, tag="role=web", limit="1000")) == tagged
    for image in images[:50]:
        (answer,) = catalog.select(parse_listing({"id": image["id"]}), None)
        assert json.loads(answer) == Image.model_validate(image).to_wire()
    assert catalog.select(parse_listing({"id": "nobody's"}), None) == []


def test_memory_is_trimmed_only_where_the_c_library_is_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog_module._trim_memory()  # here: glibc's malloc_trim, or nothing (musl, macOS)

    def no_library(name: str | None) -> None:
        raise TypeError("expected str, bytes or os.PathLike object, not NoneType")  # CDLL(None) on Windows

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(ctypes, "CDLL", no_library)
    catalog_module._trim_memory()
