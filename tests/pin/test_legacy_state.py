"""A stack written by an earlier version keeps working: the state of a dynamic PinnedImage as version 0.1.0
wrote it (`tests/data/legacy/`, its `__provider` names the provider's class by module path, as dill pickles a
class by reference) is previewed, refreshed, updated and deleted through `python -m pulumi.dynamic`, as the
engine drives it."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import dill
from pulumi.runtime.proto import provider_pb2

from engine_rpc import plain, provider_process, struct
from pulumi_cloudimages.emulator import PROJECT_A, Emulator

STATE = json.loads((Path(__file__).parents[1] / "data" / "legacy" / "pinned-image-0.1.0.json").read_text())


def config(emulator: Emulator) -> dict[str, str]:
    return {"cloudimages:endpoint": emulator.url, "cloudimages:projectId": PROJECT_A, "cloudimages:maxRetries": "0"}


def test_the_state_names_the_provider_by_its_old_module_path() -> None:
    blob = base64.b64decode(STATE["inputs"]["__provider"])
    assert b"pulumi_cloudimages.pinned" in blob
    assert type(dill.loads(blob)).__name__ == "PinnedImageProvider"


def test_a_state_of_version_0_1_0_previews_refreshes_updates_and_deletes() -> None:
    urn, pin_id, inputs, outputs = STATE["urn"], STATE["id"], STATE["inputs"], STATE["outputs"]
    with Emulator() as emulator, provider_process([sys.executable, "-m", "pulumi.dynamic"]) as server:
        rpc = server.stub
        rpc.Configure(provider_pb2.ConfigureRequest(args=struct(config(emulator)), acceptSecrets=False))
        checked = rpc.Check(provider_pb2.CheckRequest(urn=urn, olds=struct(outputs), news=struct(inputs)))
        assert list(checked.failures) == []
        same = rpc.Diff(provider_pb2.DiffRequest(urn=urn, id=pin_id, olds=struct(outputs), news=checked.inputs))
        assert same.changes == provider_pb2.DiffResponse.DIFF_NONE

        read = rpc.Read(provider_pb2.ReadRequest(urn=urn, id=pin_id, properties=struct(outputs),
                                                 inputs=checked.inputs))  # fmt: skip
        refreshed: dict[str, Any] = plain(read.properties)
        assert (refreshed["image_id"], refreshed["pinned_exists"]) == (outputs["image_id"], True)

        news = {**inputs, "keepers": {"rollout": "2"}}
        moved = rpc.Check(provider_pb2.CheckRequest(urn=urn, olds=read.properties, news=struct(news)))
        diff = rpc.Diff(provider_pb2.DiffRequest(urn=urn, id=pin_id, olds=read.properties, news=moved.inputs))
        assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME and list(diff.replaces) == []
        updated = rpc.Update(provider_pb2.UpdateRequest(urn=urn, id=pin_id, olds=read.properties,
                                                        news=moved.inputs))  # fmt: skip
        assert plain(updated.properties)["keepers"] == {"rollout": "2"}
        rpc.Delete(provider_pb2.DeleteRequest(urn=urn, id=pin_id, properties=updated.properties))
