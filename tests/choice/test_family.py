"""Image families, as GCP's: an image tagged `family.<name>` belongs to the family; `get_images(family=...)`,
`cloudimages get --family`, the plugin's `family`, a PinnedImage's refresh and `outdated` all take the newest
member of the family as the one to use, whatever the builds' names."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import start_engine
from engine_rpc import PLUGIN, configure, invoke, provider_process
from pulumi_cloudimages import GetImagesError, find_outdated, get_images
from pulumi_cloudimages.choice.lookup import forget
from pulumi_cloudimages.cli.app import app
from pulumi_cloudimages.emulator import PROJECT_A, PROJECT_B, Catalog, Emulator
from pulumi_cloudimages.emulator.sample import sample_data

TEMPLATE = next(i for i in sample_data()["images"] if i["name"] == "web-server-2025-11-20")


def member(key: str, name: str, created: str, *tags: str, **fields: Any) -> dict[str, Any]:
    image_id = f"0000fa00-0000-4000-8000-{key.encode().hex():0>12}"[-36:]
    image = copy.deepcopy(TEMPLATE)
    image.update(id=image_id, name=name, created_at=created, updated_at=created, tags=list(tags),
                 self=f"/v2/images/{image_id}", file=f"/v2/images/{image_id}/file", **fields)  # fmt: skip
    return image


OLD = member("old", "web-2025-q3-build12", "2025-09-01T08:00:00Z", "family.web-server", "role.web")
NEW = member("new", "nginx-golden-v3", "2026-03-01T08:00:00Z", "role.web", "family.web-server")
API = member("api", "web-server-2026-06-01", "2026-06-01T08:00:00Z", "family.api")  # a web-server-like name
OTHER = member("b", "web-2026-q2-build1", "2026-05-01T08:00:00Z", "family.web-server", owner=PROJECT_B)


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    data = sample_data()
    data["images"] += [OLD, NEW, API, OTHER]
    with Emulator(Catalog.from_data(data, "with families")) as emu:
        yield emu


def test_get_images_takes_the_newest_of_the_family(emulator: Emulator) -> None:
    start_engine(config={"cloudimages:endpoint": emulator.url, "cloudimages:projectId": PROJECT_A})
    try:
        assert get_images(family="web-server").id == NEW["id"]  # the project's own, newest: never another owner's
        assert get_images(family="api").id == API["id"]
        with pytest.raises(
            GetImagesError,
            match=r"family='web-server' and tag='role=web': give one of them \('web-server' means 'family.web-serv",
        ):
            get_images(family="web-server", tag="role=web")
    finally:
        forget()


def test_the_command_line_and_the_plugin_take_the_family_too(emulator: Emulator) -> None:
    target = ["--endpoint", emulator.url, "--project-id", PROJECT_A]
    done = CliRunner().invoke(app, ["get", *target, "--family", "web-server", "-o", "ids"])
    assert done.stdout.split() == [NEW["id"]], done.stderr
    with provider_process(PLUGIN) as plugin:
        configure(plugin, {"endpoint": emulator.url, "projectId": PROJECT_A})
        result, failures = invoke(plugin, {"family": "web-server"})
        assert failures == {} and result["id"] == NEW["id"]


def test_outdated_offers_the_newest_of_the_family_whatever_its_name(emulator: Emulator, tmp_path: Path) -> None:
    state = tmp_path / "ids.txt"
    state.write_text(f"{OLD['id']}\n{API['id']}\n")
    report = find_outdated([state], endpoint=emulator.url, project_id=PROJECT_A)
    by_id = {r.image_id: r for r in report.images}
    old = by_id[OLD["id"]]
    assert (old.status, old.rule, old.newest and old.newest.id) == ("outdated", "family", NEW["id"])
    assert old.lineage == {"family": "web-server", "tag": "family.web-server", "owner": PROJECT_A,
                           "architecture": "x86"}  # fmt: skip
    assert (by_id[API["id"]].status, by_id[API["id"]].rule) == ("current", "family")
    assert json.loads(json.dumps(report.to_json()))[0]["rule"] == "family"
