"""Every example project, run as Pulumi would run it (the engine mocked), against the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import run_program
from pulumi_cloudimages.emulator import PROJECT_A, Emulator
from pulumi_cloudimages.emulator.sample import sample_data

EXAMPLES = Path(__file__).parent.parent / "examples"
LISTED = [i for i in sample_data()["images"] if i.get("__isregistered") == "true"]


@pytest.fixture(scope="module")
def config() -> Iterator[dict[str, str]]:
    with Emulator() as emulator:
        yield {"cloudimages:endpoint": emulator.url, "cloudimages:projectId": PROJECT_A}


def run(example: str, config: dict[str, str]) -> dict[str, Any]:
    project = yaml.safe_load((EXAMPLES / example / "Pulumi.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert "pulumi-cloudimages" in (EXAMPLES / example / "requirements.txt").read_text()
    return run_program(EXAMPLES / example / "__main__.py", project["name"], config)


def newest(images: list[dict[str, Any]]) -> dict[str, Any]:
    """Newest by creation time, ties by name then ID: the documented rule, computed from the catalog."""
    return min(images, key=lambda i: (-datetime.fromisoformat(i["created_at"].replace("Z", "+00:00")).timestamp(),
                                      i["name"], i["id"]))  # fmt: skip


def test_latest_ubuntu_for_kvm(config: dict[str, str]) -> None:
    outputs = run("latest-ubuntu-kvm", config)
    expected = newest([
        i for i in LISTED
        if i["__imagetype"] == "gold" and i.get("__platform") == "Ubuntu" and i.get("__support_kvm") == "true"
        and i.get("__support_arm") != "true" and i["name"].startswith("Ubuntu 22.04 ")
    ])  # fmt: skip
    assert outputs == {
        "image_id": expected["id"],
        "image_name": expected["name"],
        "os_version": "Ubuntu 22.04 server 64bit",
    }


def test_gold_image_of_every_platform(config: dict[str, str]) -> None:
    outputs = run("gold-per-platform", config)
    gold = [i for i in LISTED if i["__imagetype"] == "gold" and i["status"] == "active"]
    platforms = {i["__platform"] for i in gold}
    assert len(platforms) == 12
    expected = {p: newest([i for i in gold if i["__platform"] == p]) for p in platforms}
    assert outputs["latest_by_platform"] == {p: {"id": i["id"], "name": i["name"]} for p, i in expected.items()}


def test_team_private_image_newest_then_pinned(config: dict[str, str]) -> None:
    web = [i for i in LISTED if i["owner"] == PROJECT_A and "role.web" in i["tags"] and i["status"] == "active"
           and i["name"].startswith("web-server-2")]  # fmt: skip
    latest = newest(web)
    outputs = run("team-private-image", config)
    assert outputs == {"image_id": latest["id"], "image_name": latest["name"], "latest_image_id": latest["id"],
                       "upgrade_available": False}  # fmt: skip
    older = next(i for i in web if i["name"] == "web-server-2025-06-02")
    pinned = run("team-private-image", {**config, "team-private-image:pinnedImageId": older["id"]})
    assert pinned == {"image_id": older["id"], "image_name": older["name"], "latest_image_id": latest["id"],
                      "upgrade_available": True}  # fmt: skip


def test_pinned_ubuntu(config: dict[str, str]) -> None:
    outputs = run("pinned-ubuntu", config)
    expected = newest([
        i for i in LISTED
        if i["__imagetype"] == "gold" and i.get("__platform") == "Ubuntu" and i.get("__support_kvm") == "true"
        and i.get("__support_arm") != "true" and i["name"].startswith("Ubuntu 22.04 ")
    ])  # fmt: skip
    assert outputs == {"image_id": expected["id"], "image_name": expected["name"], "upgrade_available": False}
