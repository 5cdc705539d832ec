"""Lineages: which images are builds of one another (the successor of an image in `outdated`), stated by an image
family tag or read off the image without crossing a major version, a vendor or an owner."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_cloudimages.choice.lineage import Lineage, family_of, name_pattern
from pulumi_cloudimages.ims.image import Image

OWNER_A, OWNER_B = "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "f9e8d7c6b5a49382716f5e4d3c2b1a09"


def image(name: str, **fields: Any) -> Image:
    wire = {"id": "87c08afe-80fc-52f2-abe6-f0cf30e5b09e", "name": name, "__imagetype": "private", "owner": OWNER_A,
            "__platform": "Other", "__os_version": "Other Linux(64 bit)", "status": "active"}  # fmt: skip
    return Image.model_validate({**wire, **fields})


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("app-node16-2025-01-01", "app-node20-2025-06-01", False),
        ("rocky-8.9-base", "rocky-9.3-base", False),
        ("rocky-8.9-base", "rocky-8.10-base", True),
        ("web-server-2025-11-20", "web-server-2026-01-05", True),
        ("Ubuntu 22.04 server 64bit 20250101", "Ubuntu 22.04 server 64bit 20260101", True),
        ("Ubuntu 22.04 server 64bit 20250101", "Ubuntu 24.04 server 64bit 20250101", False),
        ("build-agent-1234", "build-agent-1301", True),
        ("centos7-golden-20250101T0800", "centos7-golden-20250301T1200", True),
    ],
)
def test_the_name_keeps_what_names_a_lineage_and_drops_the_build(one: str, other: str, same: bool) -> None:
    assert (Lineage.of(image(one)) == Lineage.of(image(other))) is same, (name_pattern(one), name_pattern(other))


def test_an_owners_private_and_shared_out_builds_are_one_lineage_and_owners_are_apart() -> None:
    private, shared = image("web-server-2025-11-20"), image("web-server-2026-01-05", __imagetype="shared")
    assert Lineage.of(private) == Lineage.of(shared)
    assert Lineage.of(private) != Lineage.of(image("web-server-2026-01-05", owner=OWNER_B))
    assert "__imagetype" not in dict(Lineage.of(shared).listing().to_params())  # listed by owner: both kinds


def test_marketplace_lineages_are_per_vendor() -> None:
    lamp = {"__imagetype": "market", "__platform": "Ubuntu", "__os_version": "Ubuntu 22.04 server 64bit"}
    one = image("LAMP stack 22.04 v1.2", owner="vendor-one", __productcode="00301-LAMP", **lamp)
    other = image("LAMP stack 22.04 v1.3", owner="vendor-two", __productcode="00999-LAMP", **lamp)
    assert Lineage.of(one) != Lineage.of(other) and Lineage.of(one).owner == "vendor-one"


def test_a_family_tag_states_the_lineage_whatever_the_names() -> None:
    first = image("web-2025-q4-build7", tags=["family.web-server", "role.web"])
    second = image("nginx-golden-v3", tags=["role.web", "family.web-server"])
    assert family_of(first) == family_of(second) == "web-server"
    assert Lineage.of(first) == Lineage.of(second) and Lineage.of(first).family == "web-server"
    assert dict(Lineage.of(first).listing().to_params())["tag"] == "family=web-server"
    assert Lineage.of(first) != Lineage.of(image("web-2025-q4-build7", tags=["family.web-server"], owner=OWNER_B))
    custom = image("x", tags=["lineage.api"])
    assert family_of(custom) is None and Lineage.of(custom, "lineage").family == "api"
