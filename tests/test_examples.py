"""Every example project, run as Pulumi would run it (the engine mocked), against the emulator, through the
harness users have: `pulumi_cloudimages.testing.run_program`."""

from __future__ import annotations

import runpy
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from pulumi_cloudimages.emulator import PROJECT_A, Emulator
from pulumi_cloudimages.emulator.sample import sample_data
from pulumi_cloudimages.testing import run_program

EXAMPLES = Path(__file__).parent.parent / "examples"
LISTED = [i for i in sample_data()["images"] if i.get("__isregistered") == "true"]


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def config(emulator: Emulator) -> dict[str, str]:
    return {"cloudimages:projectId": PROJECT_A}


def run(example: str, config: dict[str, str], emulator: Emulator) -> dict[str, Any]:
    project = yaml.safe_load((EXAMPLES / example / "Pulumi.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert "pulumi-cloudimages" in (EXAMPLES / example / "requirements.txt").read_text()
    main = EXAMPLES / example / "__main__.py"
    return run_program(
        lambda: runpy.run_path(str(main), run_name="__main__"),
        config=config,
        emulator=emulator,
        project=project["name"],
    )


def newest(images: list[dict[str, Any]]) -> dict[str, Any]:
    """Newest by creation time, ties by name then ID: the documented rule, computed from the catalog."""
    return min(images, key=lambda i: (-datetime.fromisoformat(i["created_at"].replace("Z", "+00:00")).timestamp(),
                                      i["name"], i["id"]))  # fmt: skip


# What the two Ubuntu examples ask for: gold Ubuntu 22.04 for an x86 KVM server.
UBUNTU_2204_X86_KVM = [
    i for i in LISTED
    if i["__imagetype"] == "gold" and i.get("__platform") == "Ubuntu" and i.get("__support_kvm") == "true"
    and i.get("__support_arm") != "true" and i["name"].startswith("Ubuntu 22.04 ")
]  # fmt: skip


def test_latest_ubuntu_for_kvm(config: dict[str, str], emulator: Emulator) -> None:
    outputs = run("latest-ubuntu-kvm", config, emulator)
    expected = newest(UBUNTU_2204_X86_KVM)
    assert outputs == {
        "image_id": expected["id"],
        "image_name": expected["name"],
        "os_version": "Ubuntu 22.04 server 64bit",
    }


def test_gold_image_of_every_platform(config: dict[str, str], emulator: Emulator) -> None:
    outputs = run("gold-per-platform", config, emulator)
    gold = [i for i in LISTED if i["__imagetype"] == "gold" and i["status"] == "active"]
    platforms = {i["__platform"] for i in gold}
    assert len(platforms) == 12
    expected = {p: newest([i for i in gold if i["__platform"] == p]) for p in platforms}
    assert outputs["latest_by_platform"] == {p: {"id": i["id"], "name": i["name"]} for p, i in expected.items()}


def test_team_private_image_newest_then_pinned(config: dict[str, str], emulator: Emulator) -> None:
    web = [i for i in LISTED if i["owner"] == PROJECT_A and "role.web" in i["tags"] and i["status"] == "active"
           and i["name"].startswith("web-server-2")]  # fmt: skip
    latest = newest(web)
    outputs = run("team-private-image", config, emulator)
    assert outputs == {"image_id": latest["id"], "image_name": latest["name"], "latest_image_id": latest["id"],
                       "upgrade_available": False}  # fmt: skip
    older = next(i for i in web if i["name"] == "web-server-2025-06-02")
    pinned = run("team-private-image", {**config, "team-private-image:pinnedImageId": older["id"]}, emulator)
    assert pinned == {"image_id": older["id"], "image_name": older["name"], "latest_image_id": latest["id"],
                      "upgrade_available": True}  # fmt: skip


def test_pinned_ubuntu(config: dict[str, str], emulator: Emulator) -> None:
    outputs = run("pinned-ubuntu", config, emulator)
    expected = newest(UBUNTU_2204_X86_KVM)
    assert outputs == {"image_id": expected["id"], "image_name": expected["name"], "upgrade_available": False}
