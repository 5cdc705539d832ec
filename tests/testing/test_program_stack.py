"""`ProgramStack`: a user's program through a stack's whole life, offline, with the catalog changing between
steps: up -> a newer image -> up keeps the pin -> refresh shows the upgrade -> a keeper changes -> up moves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pins import ARGS, NEWER_ID, PINNED, catalog, catalog_document
from pulumi_cloudimages import PinnedImage, get_images
from pulumi_cloudimages.emulator import Emulator
from pulumi_cloudimages.ims.settings import CONFIG_KEYS
from pulumi_cloudimages.testing import CheckFailedError, ProgramStack


def pinned_program() -> None:
    """The README's program: a PinnedImage whose keeper is the stack's config."""
    rollout = pulumi.Config().get("imageRollout") or "initial"
    ubuntu = PinnedImage("ubuntu", keepers={"rollout": rollout}, **ARGS)  # type: ignore[arg-type]
    pulumi.export("image_id", ubuntu.image_id)
    pulumi.export("upgrade_available", ubuntu.upgrade_available)


def test_the_pin_through_a_stacks_life() -> None:
    with ProgramStack(pinned_program, project="web") as stack:
        assert stack.up() == {"image_id": PINNED["id"], "upgrade_available": False}
        created = stack.resources["ubuntu"]
        stack.emulator.replace_catalog(catalog(newer=True))
        assert stack.preview()["image_id"] == PINNED["id"]  # no change: the stored outputs
        asked = len(stack.emulator.requests)
        assert stack.up()["image_id"] == PINNED["id"]  # a newer image alone keeps the pin
        assert len(stack.emulator.requests) == asked and stack.resources["ubuntu"] == created  # no call at all

        refreshed = stack.refresh()["ubuntu"]
        assert (refreshed["image_id"], refreshed["latest_id"], refreshed["upgrade_available"]) == (
            PINNED["id"], NEWER_ID, True
        )  # fmt: skip
        assert stack.up()["upgrade_available"] is True  # up after refresh: nothing changed, the refreshed state

        stack.config["web:imageRollout"] = "2026-q4"
        assert stack.preview() == {"image_id": None, "upgrade_available": None}  # an update: not known in a preview
        assert stack.resources["ubuntu"]["image_id"] == PINNED["id"]  # a preview keeps nothing
        assert stack.up() == {"image_id": NEWER_ID, "upgrade_available": False}  # the keeper moved the pin

        stack.destroy()
        assert stack.resources == {} and stack.outputs == {}


def test_a_failed_up_keeps_the_steps_it_completed() -> None:
    """The engine saves each completed step (pkg/backend/snapshot.go): a pin created before the program failed
    is in the state, so the next `up` keeps it rather than creating it again on a newer image."""
    broken = {"yes": True}

    def program() -> None:
        pinned_program()
        if broken["yes"]:
            raise RuntimeError("a mistake further down the program")

    with ProgramStack(program, project="web") as stack:
        with pytest.raises(RuntimeError, match="a mistake further down"):
            stack.up()
        assert stack.resources["ubuntu"]["image_id"] == PINNED["id"]
        stack.emulator.replace_catalog(catalog(newer=True))
        broken["yes"] = False
        assert stack.up()["image_id"] == PINNED["id"]


@pytest.mark.parametrize("form", ["document", "path"])
def test_a_newer_catalog_given_as_a_document_or_a_path_as_the_readme_says(form: str, tmp_path: Path) -> None:
    newer: dict[str, Any] | Path = catalog_document(newer=True)
    if form == "path":
        newer = tmp_path / "newer-catalog.json"
        newer.write_text(json.dumps(catalog_document(newer=True)))
    with ProgramStack(pinned_program, project="web") as stack:
        assert stack.up()["image_id"] == PINNED["id"]
        stack.emulator.replace_catalog(newer)
        assert stack.refresh()["ubuntu"]["latest_id"] == NEWER_ID


def test_get_images_follows_the_catalog_at_each_up() -> None:
    def program() -> None:
        pulumi.export("image_id", get_images(**ARGS).id)  # type: ignore[arg-type]

    with Emulator() as emulator, ProgramStack(program, emulator=emulator) as stack:
        assert stack.up() == {"image_id": PINNED["id"]}
        emulator.replace_catalog(catalog(newer=True))
        assert stack.up() == {"image_id": NEWER_ID}  # no pin: the newest image at each up
        assert stack.refresh() == {}  # no resource with a provider
    assert stack.emulator is emulator


def test_inputs_unknown_in_a_preview() -> None:
    def program() -> None:
        server = pulumi.CustomResource("test:index:Server", "vm", {"name": "web"})
        ubuntu = PinnedImage("ubuntu", keepers={"vm": server.id}, **ARGS)  # type: ignore[arg-type]
        pulumi.export("image_id", ubuntu.image_id)

    with ProgramStack(program) as stack:
        assert stack.preview() == {"image_id": None}  # the server's ID is not known yet: Check lets it through
        assert stack.resources == {}
        assert stack.up() == {"image_id": PINNED["id"]}
        assert stack.resources["ubuntu"]["keepers"] == {"vm": "vm-id"}
        assert stack.preview() == {"image_id": PINNED["id"]}  # known now: no change


def test_a_bad_input_fails_the_preview() -> None:
    def program() -> None:
        PinnedImage("ubuntu", imagetype="gold", platform="ubuntu", most_recent=True)

    with ProgramStack(program) as stack, pytest.raises(CheckFailedError, match=r"platform.*did you mean 'Ubuntu'"):
        stack.preview()


def test_a_resource_no_longer_declared_is_deleted() -> None:
    declared = {"pin": True}

    def program() -> None:
        if declared["pin"]:
            PinnedImage("ubuntu", **ARGS)  # type: ignore[arg-type]
        pulumi.export("n", 1)

    with ProgramStack(program) as stack:
        stack.up()
        assert set(stack.resources) == {"ubuntu"}
        declared["pin"] = False
        stack.up()
        assert stack.resources == {}


def test_a_misspelt_config_key_is_named_in_a_program_that_only_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *args, **kwargs: warnings.append(message))
    with ProgramStack(pinned_program, project="web", config={"cloudimages:regoin": "cn-north-4"}) as stack:
        assert stack.up()["image_id"] == PINNED["id"]
    assert warnings == [
        "unknown config key 'regoin'; did you mean 'region'? (the keys are: "
        + ", ".join(CONFIG_KEYS)
        + "); cloudimages:regoin is ignored"
    ]
