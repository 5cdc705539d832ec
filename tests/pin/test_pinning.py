"""The pinning core as another adapter calls it (the provider plugin: camelCase words, import by ID), against
the emulator over HTTP. The Python adapter's behaviour over the dynamic provider server is in test_pinning_wire."""

from __future__ import annotations

import pytest

from pins import ARGS, PINNED
from pulumi_cloudimages.emulator import Emulator
from pulumi_cloudimages.naming import camel
from pulumi_cloudimages.pin.pinning import PinnedImageError, Pinning
from pulumi_cloudimages.pin.state import STATE_MARKERS


def test_import_pins_the_image_with_the_inputs_that_reproduce_it(ims_emulator: Emulator) -> None:
    pinning = Pinning({"endpoint": ims_emulator.url}, word=camel)
    adopted = pinning.adopt(PINNED["id"])
    assert adopted.inputs == {"id": PINNED["id"]}
    state = adopted.state.values
    assert (state["image_id"], state["latest_id"], state["upgrade_available"], state["pinned_exists"]) == (
        PINNED["id"], PINNED["id"], False, True
    )  # fmt: skip
    assert state["image"]["name"] == PINNED["name"] and state["image"]["osVersion"] == PINNED["__os_version"]
    assert set(STATE_MARKERS) <= set(state)  # what tells a PinnedImage's state in `cloudimages outdated`
    assert pinning.changes(state, adopted.inputs) == []  # the generated program keeps that image
    assert pinning.resolve(adopted.inputs).values["image_id"] == PINNED["id"]
    with pytest.raises(
        PinnedImageError, match=r"image 'no-such-image' is not visible: check the ID, and cloudimages:projectId"
    ):
        pinning.adopt("no-such-image")


def test_messages_in_the_callers_words(ims_emulator: Emulator) -> None:
    pinning = Pinning({"endpoint": ims_emulator.url}, word=camel)
    failures = {f.name: f.reason for f in pinning.check({**ARGS, "min_ram": -1, "group_by": "platform"})}
    assert set(failures) == {"groupBy", "minRam"} and "use mostRecent or orderBy" in failures["groupBy"]
    assert failures["minRam"].startswith("invalid image filter: minRam=-1: ")  # checked with it, each on its own
    (failure,) = pinning.check({**ARGS, "min_ram": -1})
    assert failure.name == "minRam" and "minRam=-1" in failure.reason
    # Pulumi's wire carries numbers as floats, as the dynamic provider hands them over: a whole one is an integer.
    (wired,) = pinning.check({**ARGS, "min_ram": -1.0})
    assert "minRam=-1:" in wired.reason and "-1.0" not in wired.reason
    assert pinning.check({**ARGS, "min_ram": 2.0, "min_age": 7.0}) == []
    (fraction,) = pinning.check({**ARGS, "min_ram": 1.5})
    assert "minRam=1.5: " in fraction.reason
    assert pinning.changes({**ARGS, "keepers": {"a": "1"}}, {**ARGS, "order_by": "version"}) == ["keepers", "order_by"]
