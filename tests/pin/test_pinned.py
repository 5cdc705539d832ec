"""PinnedImage: the provider's check/create/diff/update/read against the emulator with the catalog changing
between steps, and the real wiring: the resource registered under Pulumi mocks, then its inputs driven
through `python -m pulumi.dynamic` over gRPC as the engine does."""

from __future__ import annotations

import ast
import base64
import inspect
import re
import signal
import sys
import textwrap
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import dill
import pulumi
import pulumi.dynamic
import pytest
from google.protobuf import json_format
from pulumi.runtime.proto import provider_pb2
from pulumi.runtime.rpc import UNKNOWN
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from conftest import start_engine
from engine_rpc import plain, provider_process, struct
from pins import ARGS, LISTED, NEWER_ID, PINNED, SECRET_KEY, UBUNTU_2204, catalog, newest, stack_config
from pulumi_cloudimages import PinnedImage, PinnedImageError
from pulumi_cloudimages.emulator import PROJECT_A, Emulator
from pulumi_cloudimages.pin.state import KEEPERS, KEEPERS_DESCRIPTION, OUTPUTS
from pulumi_cloudimages.program.pinned import PinnedImageProvider


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(credentials=[f"AK:{SECRET_KEY}:{PROJECT_A}"]) as emu:
        yield emu


@pytest.fixture
def provider(emulator: Emulator) -> PinnedImageProvider:
    configured = PinnedImageProvider()
    configured.configure(pulumi.dynamic.ConfigureRequest(pulumi.dynamic.Config(stack_config(emulator), "test")))
    return configured


# --- the provider, called directly -----------------------------------------------------------------


def test_the_pin_holds_across_a_newer_image_and_moves_on_a_keeper_change(
    provider: PinnedImageProvider, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *args, **kwargs: warnings.append(message))
    inputs = {**ARGS, "keepers": {"rollout": "2026-q3"}}
    created = provider.create(dict(inputs))
    state = created.outs
    assert created.id.startswith("pin-") and state["image_id"] == PINNED["id"]
    assert (state["latest_id"], state["upgrade_available"], state["pinned_exists"]) == (PINNED["id"], False, True)
    assert state["image"]["name"] == PINNED["name"] and state["image"]["osVersion"] == PINNED["__os_version"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", state["pinned_at"])
    assert {k: state[k] for k in inputs} == inputs

    emulator.replace_catalog(catalog(newer=True))
    assert provider.diff(created.id, state, dict(inputs)).changes is False  # a newer image alone changes nothing
    refreshed = provider.read(created.id, dict(state)).outs
    assert refreshed["image_id"] == PINNED["id"]
    assert (refreshed["latest_id"], refreshed["upgrade_available"], refreshed["pinned_exists"]) == (
        NEWER_ID, True, True
    )  # fmt: skip

    moved = {**inputs, "keepers": {"rollout": "2026-q4"}}
    diff = provider.diff(created.id, refreshed, moved)
    assert diff.changes is True and diff.replaces == []
    updated = provider.update(created.id, refreshed, moved).outs
    assert (updated["image_id"], updated["upgrade_available"], updated["keepers"]) == (
        NEWER_ID, False, {"rollout": "2026-q4"}
    )  # fmt: skip

    emulator.replace_catalog(catalog(without=(PINNED["id"],)))  # the newer build is withdrawn: never published
    gone = provider.read(created.id, dict(updated)).outs
    assert gone["image_id"] == NEWER_ID and gone["pinned_exists"] is False
    assert gone["latest_id"] == newest([i for i in UBUNTU_2204 if i["id"] != PINNED["id"]])["id"]
    assert len(warnings) == 1
    assert f"PinnedImage keeps image {NEWER_ID} ('Ubuntu 22.04 server 64bit 20261120')" in warnings[0]


def test_a_change_of_any_filter_or_selection_option_resolves_again(provider: PinnedImageProvider) -> None:
    state = provider.create(dict(ARGS)).outs
    for change in ({"name_regex": r"^Ubuntu 24\.04 "}, {"order_by": "version"}, {"architecture": "arm"},
                   {"support_kvm": None}, {"region": "cn-north-4"}):  # fmt: skip
        news = {k: v for k, v in {**ARGS, **change}.items() if v is not None}
        assert provider.diff("pin", state, news).changes is True, change


def test_create_chooses_exactly_as_get_images(provider: PinnedImageProvider) -> None:
    with pytest.raises(PinnedImageError, match=r"images match .* Set most_recent"):
        provider.create({"imagetype": "gold", "platform": "Fedora"})
    with pytest.raises(PinnedImageError, match="no image matches"):
        provider.create({"imagetype": "gold", "platform": "Ubuntu", "name": "Ubuntu 22.04"})
    one = provider.create({"name": "Fedora 38 64bit 20231117"}).outs
    assert one["image_id"] == next(i["id"] for i in LISTED if i["name"] == "Fedora 38 64bit 20231117")


def test_check_names_the_input_with_the_errors_of_get_images(provider: PinnedImageProvider, emulator: Emulator) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"group_by": "platform"}, "group_by", "chooses several images"),
        ({"return_all": True}, "return_all", "chooses every match"),
        ({"pinned_id": "x"}, "pinned_id", "change a keeper to move it"),
        ({"platform": "ubuntu"}, "platform", "did you mean 'Ubuntu'?"),
        ({"order_by": "size"}, "order_by", "'created' or 'version'"),
        ({"min_ram": -1}, "min_ram", "min_ram=-1"),
        ({"keepers": {"rollout": 3}}, "keepers", "map of strings"),
        ({"created_at": "after:2024"}, "created_at", "OP:TIME"),
    ]
    for news, prop, words in cases:
        failures = {f.property: f.reason for f in provider.check({}, news).failures}
        assert prop in failures and words in failures[prop], (news, failures)
    assert emulator.requests == []


def test_unknown_inputs_in_a_preview_are_not_checked_or_looked_up(
    provider: PinnedImageProvider, emulator: Emulator
) -> None:
    news = {**ARGS, "platform": UNKNOWN, "keepers": {"rollout": UNKNOWN}}
    assert provider.check({}, news).failures == [] and emulator.requests == []
    assert provider.diff("pin", {**ARGS}, news).changes is True


def test_the_constructor_refuses_options_that_choose_several() -> None:
    start_engine()
    with pytest.raises(PinnedImageError, match=r"group_by=.platform.: chooses several images"):
        PinnedImage("all", imagetype="gold", group_by="platform")  # type: ignore[typeddict-unknown-key]


# --- the wiring, as the engine does it -------------------------------------------------------------


def registered_inputs(config: dict[str, str], keepers: dict[str, str]) -> dict[str, Any]:
    """Run a program that declares a PinnedImage under Pulumi mocks; return the inputs it registers."""
    mocks = start_engine(preview=True, config=config)  # a preview: the engine creates nothing yet

    def program() -> None:
        PinnedImage("ubuntu", keepers=keepers, **ARGS)  # type: ignore[arg-type]

    _sync_await(run_pulumi_func(program))
    (resource,) = [r for r in mocks.resources if r.typ == "pulumi-python:dynamic/cloudimages:PinnedImage"]
    return dict(resource.inputs)


def test_the_dynamic_provider_process_keeps_the_pin(emulator: Emulator) -> None:
    config = stack_config(emulator)
    inputs = registered_inputs(config, {"rollout": "1"})
    provider_blob = base64.b64decode(inputs["__provider"])
    assert SECRET_KEY.encode() not in provider_blob
    assert vars(dill.loads(provider_blob)) == {}
    urn = "urn:pulumi:dev::test::pulumi-python:dynamic/cloudimages:PinnedImage::ubuntu"

    with provider_process([sys.executable, "-m", "pulumi.dynamic"]) as server:
        rpc = server.stub
        rpc.Configure(provider_pb2.ConfigureRequest(args=struct(config), acceptSecrets=False))
        checked = rpc.Check(provider_pb2.CheckRequest(urn=urn, news=struct(inputs)))
        assert list(checked.failures) == []
        created = rpc.Create(provider_pb2.CreateRequest(urn=urn, properties=checked.inputs))
        state = plain(created.properties)
        assert state["image_id"] == PINNED["id"] and state["upgrade_available"] is False

        emulator.replace_catalog(catalog(newer=True))
        same = rpc.Diff(provider_pb2.DiffRequest(urn=urn, id=created.id, olds=created.properties, news=checked.inputs))
        assert same.changes == provider_pb2.DiffResponse.DIFF_NONE
        read = rpc.Read(provider_pb2.ReadRequest(urn=urn, id=created.id, properties=created.properties,
                                                 inputs=checked.inputs))  # fmt: skip
        refreshed = plain(read.properties)
        assert (refreshed["image_id"], refreshed["latest_id"], refreshed["upgrade_available"]) == (
            PINNED["id"], NEWER_ID, True
        )  # fmt: skip

        moved_inputs = registered_inputs(config, {"rollout": "2"})
        moved = rpc.Check(provider_pb2.CheckRequest(urn=urn, olds=read.properties, news=struct(moved_inputs)))
        diff = rpc.Diff(provider_pb2.DiffRequest(urn=urn, id=created.id, olds=read.properties, news=moved.inputs))
        assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME and list(diff.replaces) == []
        updated = rpc.Update(provider_pb2.UpdateRequest(urn=urn, id=created.id, olds=read.properties,
                                                        news=moved.inputs))  # fmt: skip
        assert plain(updated.properties)["image_id"] == NEWER_ID

        emulator.replace_catalog(catalog())  # the newer build is withdrawn
        gone = rpc.Read(provider_pb2.ReadRequest(urn=urn, id=created.id, properties=updated.properties))
        assert (plain(gone.properties)["image_id"], plain(gone.properties)["pinned_exists"]) == (NEWER_ID, False)

        messages = (checked, created, same, read, moved, diff, updated, gone)
        everything = [json_format.MessageToJson(m) for m in messages]
        assert all(SECRET_KEY not in text for text in everything)
        server.process.send_signal(signal.SIGINT)
        server.process.wait(timeout=60)  # a bound, not a timing: a loaded machine shuts it down slowly
        stderr = server.stderr()
    assert f"warning: PinnedImage keeps image {NEWER_ID}" in stderr and SECRET_KEY not in stderr


def test_only_a_change_of_meaning_moves_the_pin(provider: PinnedImageProvider) -> None:
    state = provider.create(dict(ARGS)).outs
    same = [{**ARGS, "keepers": {}}, {**ARGS, "support_kvm": "true"}, {**ARGS, "platform": "Ubuntu", "keepers": None}]
    for news in same:
        assert provider.diff("pin", state, news).changes is False, news


def test_a_refresh_when_nothing_matches_any_more(
    provider: PinnedImageProvider, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *args, **kwargs: warnings.append(message))
    fedora = next(i for i in LISTED if i["name"] == "Fedora 38 64bit 20231117")
    state = provider.create({"name": fedora["name"]}).outs
    emulator.replace_catalog(catalog(without=(fedora["id"],)))
    gone = provider.read("pin", dict(state)).outs
    assert (gone["image_id"], gone["pinned_exists"], gone["latest_id"], gone["upgrade_available"]) == (
        fedora["id"], False, None, False
    )  # fmt: skip
    assert warnings == [
        f"PinnedImage keeps image {fedora['id']} ('Fedora 38 64bit 20231117'), which is no longer visible; "
        "no image matches the filters any more either: change them to move the pin"
    ]


def test_check_refuses_a_bad_region_or_endpoint(provider: PinnedImageProvider) -> None:
    failures = {f.property: f.reason for f in provider.check({}, {**ARGS, "region": "Beijing"}).failures}
    assert "expected a region name such as cn-north-4" in failures["region"]
    failures = {f.property: f.reason for f in provider.check({}, {**ARGS, "endpoint": "ftp://x"}).failures}
    assert "expected an http:// or https:// URL" in failures["endpoint"]


def test_the_outputs_are_those_of_the_pinning_core_with_its_descriptions() -> None:
    """`PinnedImage`'s typed outputs and their docstrings are `pinning.OUTPUTS` and `keepers`, word for word
    (docstrings wrapped as the source wraps them)."""
    body = ast.parse(textwrap.dedent(inspect.getsource(PinnedImage))).body[0]
    assert isinstance(body, ast.ClassDef)
    described = {
        node.target.id: " ".join(str(doc.value.value).split())
        for node, doc in pairwise(body.body)
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        if isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant)
    }
    assert described == {**OUTPUTS, KEEPERS: KEEPERS_DESCRIPTION}
    assert set(PinnedImage.__annotations__) == {*OUTPUTS, KEEPERS}
