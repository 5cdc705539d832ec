"""Every example project, run as Pulumi would run it (the engine mocked), against the emulator, through the
harness users have: `pulumi_cloudimages.testing.run_program`; a YAML program's resource, by driving the provider
plugin with its inputs as the engine would."""

from __future__ import annotations

import re
import runpy
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi.runtime.proto import provider_pb2

from engine_rpc import PLUGIN, plain, provider_process, struct
from pins import NEWER_ID, catalog
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


def test_yaml_pinned_image(emulator: Emulator) -> None:
    folder = EXAMPLES / "yaml-pinned-image"
    program = yaml.safe_load((folder / "Pulumi.yaml").read_text())
    assert program["runtime"] == "yaml" and (folder / program["packages"]["cloudimages"] / "PulumiPlugin.yaml").exists()
    (name, resource), *others = program["resources"].items()
    assert resource["type"] == "cloudimages:index:PinnedImage" and others == []
    defaults = {key: spec["default"] for key, spec in program["config"].items() if "default" in spec}
    inputs = _substituted(resource["properties"], defaults)
    assert inputs["keepers"] == {"rollout": "initial"}
    urn = f"urn:pulumi:dev::{program['name']}::cloudimages:index:PinnedImage::{name}"

    def outputs(state: dict[str, Any]) -> dict[str, Any]:
        """The program's outputs, `${<name>.<output>}` each, from the resource's state."""
        found = {key: re.fullmatch(rf"\$\{{{name}\.(\w+)\}}", text) for key, text in program["outputs"].items()}
        assert all(found.values()), program["outputs"]
        return {key: state[match[1]] for key, match in found.items() if match}

    with Emulator() as own, provider_process(PLUGIN) as plugin:  # its own: the catalog changes below
        rpc = plugin.stub
        rpc.Configure(provider_pb2.ConfigureRequest(args=struct({"endpoint": own.url, "projectId": PROJECT_A})))
        checked = rpc.Check(provider_pb2.CheckRequest(urn=urn, news=struct(inputs)))
        assert list(checked.failures) == []
        created = rpc.Create(provider_pb2.CreateRequest(urn=urn, properties=checked.inputs))
        expected = newest(UBUNTU_2204_X86_KVM)["id"]
        assert outputs(plain(created.properties)) == {"imageId": expected, "latestId": expected,
                                                      "upgradeAvailable": False}  # fmt: skip
        own.replace_catalog(catalog(newer=True))  # a newer build: refresh reports it, the pin holds
        read = rpc.Read(provider_pb2.ReadRequest(urn=urn, id=created.id, properties=created.properties))
        assert outputs(plain(read.properties)) == {"imageId": expected, "latestId": NEWER_ID, "upgradeAvailable": True}


def _substituted(value: Any, config: dict[str, Any]) -> Any:
    """A YAML program's value with `${key}` of its config replaced, as Pulumi YAML does."""
    if isinstance(value, dict):
        return {k: _substituted(v, config) for k, v in value.items()}
    if isinstance(value, str) and (found := re.fullmatch(r"\$\{(\w+)\}", value)):
        return config[found[1]]
    return value
