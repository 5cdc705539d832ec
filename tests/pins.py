"""The pin the tests of PinnedImage share: the sample catalog's newest Ubuntu 22.04 gold image for KVM, a catalog
in which a newer build is published (or images deleted), and the stack config that points at an emulator."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from pulumi_cloudimages.emulator import PROJECT_A, Catalog, Emulator
from pulumi_cloudimages.emulator.sample import sample_data

SECRET_KEY = "SK-PINNED-SECRET"
ARGS = {
    "imagetype": "gold",
    "platform": "Ubuntu",
    "support_kvm": True,
    "name_regex": r"^Ubuntu 22\.04 ",
    "most_recent": True,
}
LISTED = [i for i in sample_data()["images"] if i.get("__isregistered") == "true"]


def newest(images: list[dict[str, Any]]) -> dict[str, Any]:
    return min(images, key=lambda i: (-datetime.fromisoformat(i["created_at"].replace("Z", "+00:00")).timestamp(),
                                      i["name"], i["id"]))  # fmt: skip


UBUNTU_2204 = [i for i in LISTED if i["__imagetype"] == "gold" and i["__platform"] == "Ubuntu"
               and i.get("__support_kvm") == "true" and i["name"].startswith("Ubuntu 22.04 ")]  # fmt: skip
PINNED = newest(UBUNTU_2204)
NEWER_ID = "b3f1c2d4-0000-4000-8000-000000000001"


def catalog(*, newer: bool = False, without: tuple[str, ...] = ()) -> Catalog:
    """The sample catalog, with a newer Ubuntu 22.04 build published, or some images deleted."""
    return Catalog.from_data(catalog_document(newer=newer, without=without), "test catalog")


def catalog_document(*, newer: bool = False, without: tuple[str, ...] = ()) -> dict[str, Any]:
    """`catalog`'s catalog, as a document (`{"images": [...]}`)."""
    data = sample_data()
    if newer:
        image = copy.deepcopy(PINNED)
        image.update(id=NEWER_ID, name="Ubuntu 22.04 server 64bit 20261120", created_at="2026-11-20T08:00:00Z",
                     updated_at="2026-11-20T08:00:00Z", self=f"/v2/images/{NEWER_ID}", file=f"/v2/images/{NEWER_ID}/file")  # fmt: skip  # noqa: E501
        data["images"].append(image)
    data["images"] = [i for i in data["images"] if i["id"] not in without]
    return data


def stack_config(emulator: Emulator) -> dict[str, str]:
    return {
        "cloudimages:endpoint": emulator.url,
        "cloudimages:projectId": PROJECT_A,
        "cloudimages:accessKey": "AK",
        "cloudimages:secretKey": SECRET_KEY,
        "cloudimages:maxRetries": "0",
    }
