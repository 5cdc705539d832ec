"""`PinnedImage` through both of its adapters, driven as the engine drives them, against the emulator whose
catalog changes between steps: the provider plugin's `cloudimages:index:PinnedImage` (a subprocess over gRPC,
camelCase names, secrets wrapped, warnings to a fake engine's Log RPC) and the Python dynamic resource
(`python -m pulumi.dynamic`, inputs as a program registers them, warnings on stderr). The same cases run through
both: the core (`pinning.py`) decides, the adapters only translate. Import and previews are the plugin's alone."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from concurrent import futures
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Protocol

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2
from test_pinning_wire import _stripped, registered

from engine_rpc import PLUGIN, Provider, is_secret, plain, provider_process, secret, struct
from pins import ARGS, NEWER_ID, PINNED, SECRET_KEY, UBUNTU_2204, catalog, catalog_document, newest, stack_config
from pulumi_cloudimages.emulator import PROJECT_A, Emulator
from pulumi_cloudimages.naming import camel
from pulumi_cloudimages.pin.state import OUTPUTS

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # how the engine marks a value not known in a preview
TYPE = "cloudimages:index:PinnedImage"
PLUGIN_URN = f"urn:pulumi:dev::app::{TYPE}::ubuntu"
DYNAMIC_URN = "urn:pulumi:dev::test::pulumi-python:dynamic/cloudimages:PinnedImage::ubuntu"
ARM = newest([i for i in UBUNTU_2204 if i["name"].endswith(" ARM")])
DIFF_SOME, DIFF_NONE = provider_pb2.DiffResponse.DIFF_SOME, provider_pb2.DiffResponse.DIFF_NONE
_PYTHON = {camel(name): name for name in (*ARGS, *OUTPUTS, "keepers", "exclude_file", "tag")}


class FakeEngine(engine_pb2_grpc.EngineServicer):
    """The engine's Log RPC, recording what the plugin logs."""

    def __init__(self) -> None:
        self.logged: list[engine_pb2.LogRequest] = []

    def Log(self, request: engine_pb2.LogRequest, context: Any) -> empty_pb2.Empty:
        self.logged.append(request)
        return empty_pb2.Empty()


@pytest.fixture
def engine() -> Iterator[tuple[FakeEngine, str]]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    fake = FakeEngine()
    engine_pb2_grpc.add_EngineServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield fake, f"127.0.0.1:{port}"
    server.stop(None)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(credentials=[f"AK:{SECRET_KEY}:{PROJECT_A}"]) as emu:
        yield emu


# --- the two adapters, one interface: inputs and states by Python name --------------------------------


class Adapter(Protocol):
    def check(self, inputs: dict[str, Any]) -> dict[str, str]: ...
    def create(self, inputs: dict[str, Any]) -> dict[str, Any]: ...
    def diff(self, state: dict[str, Any], inputs: dict[str, Any]) -> list[str]: ...
    def update(self, state: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]: ...
    def read(self, state: dict[str, Any]) -> dict[str, Any]: ...
    def warnings(self) -> list[str]: ...
    def quoted(self, value: Any) -> str: ...
    def reconfigure(self, config: dict[str, str]) -> None: ...
    def get(self, resource_id: str) -> dict[str, Any]: ...


class PluginAdapter:
    """The plugin: camelCase on the wire, state kept as the engine stores it, warnings from the fake engine."""

    def __init__(self, provider: Provider, engine: FakeEngine) -> None:
        self.rpc, self.engine = provider.stub, engine

    def check(self, inputs: dict[str, Any]) -> dict[str, str]:
        checked = self.rpc.Check(provider_pb2.CheckRequest(urn=PLUGIN_URN, type=TYPE, news=struct(_camel(inputs))))
        return {_PYTHON.get(f.property, f.property): f.reason for f in checked.failures}

    def create(self, inputs: dict[str, Any]) -> dict[str, Any]:
        created = self.rpc.Create(provider_pb2.CreateRequest(urn=PLUGIN_URN, properties=struct(_camel(inputs))))
        assert created.id.startswith("pin-")
        return _python(plain(created.properties))

    def diff(self, state: dict[str, Any], inputs: dict[str, Any]) -> list[str]:
        request = provider_pb2.DiffRequest(urn=PLUGIN_URN, id="pin-1", olds=struct(_camel(state)),
                                           news=struct(_camel(inputs)))  # fmt: skip
        diff = self.rpc.Diff(request)
        assert list(diff.replaces) == [] and (diff.changes == DIFF_SOME) == bool(diff.diffs)
        return [_PYTHON.get(name, name) for name in diff.diffs]

    def update(self, state: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
        request = provider_pb2.UpdateRequest(urn=PLUGIN_URN, id="pin-1", olds=struct(_camel(state)),
                                             news=struct(_camel(inputs)))  # fmt: skip
        return _python(plain(self.rpc.Update(request).properties))

    def read(self, state: dict[str, Any]) -> dict[str, Any]:
        read = self.rpc.Read(provider_pb2.ReadRequest(urn=PLUGIN_URN, id="pin-1", properties=struct(_camel(state))))
        assert read.id == "pin-1"
        return _python(plain(read.properties))

    def warnings(self) -> list[str]:
        """The warnings logged since the last call, each tied to the resource."""
        logged, self.engine.logged = self.engine.logged, []
        assert all(r.urn == PLUGIN_URN and r.severity == engine_pb2.WARNING for r in logged)
        return [r.message for r in logged]

    def quoted(self, value: Any) -> str:
        """A value as the plugin's messages quote it: as its callers (TypeScript, Go, YAML...) write it."""
        return json.dumps(value)

    def reconfigure(self, config: dict[str, str]) -> None:
        """A stack's config changed: the engine configures the provider anew with it (keys as `stack_config`)."""
        args = {key.removeprefix("cloudimages:"): value for key, value in config.items()}
        self.rpc.Configure(provider_pb2.ConfigureRequest(args=struct(args), acceptSecrets=True))

    def get(self, resource_id: str) -> dict[str, Any]:
        """`PinnedImage.get(name, id)` in a generated SDK, or an import: Read with the ID and no state."""
        return _python(plain(self.rpc.Read(provider_pb2.ReadRequest(urn=PLUGIN_URN, id=resource_id)).properties))


class DynamicAdapter:
    """The Python resource: inputs as its program registers them (`__provider`, `__secrets`), secrets stripped
    as the engine strips them for this server, warnings from the server's stderr."""

    def __init__(self, servers: ExitStack, config: dict[str, str], extra: dict[str, Any]) -> None:
        self.servers, self.extra = servers, extra
        self.reconfigure(config)

    def reconfigure(self, config: dict[str, str]) -> None:
        """A new server with this config, as the next `pulumi up` starts one: `python -m pulumi.dynamic`
        configures a provider once and keeps it (`pulumi/dynamic/__main__.py`, `_PROVIDER_CACHE`)."""
        provider = self.servers.enter_context(provider_process([sys.executable, "-m", "pulumi.dynamic"]))
        provider.stub.Configure(provider_pb2.ConfigureRequest(args=struct(config), acceptSecrets=False))
        self.rpc, self.process = provider.stub, provider.process
        assert self.process.stderr is not None
        os.set_blocking(self.process.stderr.fileno(), False)

    def _inputs(self, inputs: dict[str, Any]) -> Any:
        return struct({**self.extra, **inputs})

    def check(self, inputs: dict[str, Any]) -> dict[str, str]:
        checked = self.rpc.Check(provider_pb2.CheckRequest(urn=DYNAMIC_URN, news=self._inputs(inputs)))
        return {f.property: f.reason for f in checked.failures}

    def create(self, inputs: dict[str, Any]) -> dict[str, Any]:
        created = self.rpc.Create(provider_pb2.CreateRequest(urn=DYNAMIC_URN, properties=self._inputs(inputs)))
        return plain(created.properties)

    def diff(self, state: dict[str, Any], inputs: dict[str, Any]) -> list[str]:
        request = provider_pb2.DiffRequest(urn=DYNAMIC_URN, id="pin-1", olds=struct(_stripped(state)),
                                           news=self._inputs(inputs))  # fmt: skip
        diff = self.rpc.Diff(request)
        assert list(diff.replaces) == []
        # This server reports whether anything changed, not what: the names are the core's, as the plugin's are.
        return ["?"] if diff.changes == DIFF_SOME else []

    def update(self, state: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
        request = provider_pb2.UpdateRequest(urn=DYNAMIC_URN, id="pin-1", olds=struct(_stripped(state)),
                                             news=self._inputs(inputs))  # fmt: skip
        return plain(self.rpc.Update(request).properties)

    def read(self, state: dict[str, Any]) -> dict[str, Any]:
        request = provider_pb2.ReadRequest(urn=DYNAMIC_URN, id="pin-1", properties=struct(_stripped(state)))
        return plain(self.rpc.Read(request).properties)

    def warnings(self) -> list[str]:
        """The warnings since the last call: printed before the answer, so already in the pipe."""
        assert self.process.stderr is not None
        text = b""
        while True:
            try:
                chunk = os.read(self.process.stderr.fileno(), 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            text += chunk
        lines = text.decode().splitlines()
        return [line.removeprefix("warning: ") for line in lines if line.startswith("warning: ")]

    def quoted(self, value: Any) -> str:
        """A value as a Python program's messages quote it."""
        return repr(value)

    def get(self, resource_id: str) -> dict[str, Any]:
        """`PinnedImage("x", opts=ResourceOptions(id=...))`: Read with the ID, and the registered inputs only."""
        request = provider_pb2.ReadRequest(urn=DYNAMIC_URN, id=resource_id, properties=self._inputs({}))
        return plain(self.rpc.Read(request).properties)


def _camel(values: dict[str, Any]) -> dict[str, Any]:
    return {camel(name): value for name, value in values.items()}


def _python(values: dict[str, Any]) -> dict[str, Any]:
    return {_PYTHON.get(key, key): value for key, value in values.items()}


def configure_plugin(provider: Provider, emulator: Emulator) -> None:
    config = {key.removeprefix("cloudimages:"): value for key, value in stack_config(emulator).items()}
    config["secretKey"] = secret(config["secretKey"])
    provider.stub.Configure(provider_pb2.ConfigureRequest(args=struct(config), acceptSecrets=True))


@pytest.fixture(params=["plugin", "dynamic"])
def adapter(request: pytest.FixtureRequest, emulator: Emulator, engine: tuple[FakeEngine, str]) -> Iterator[Adapter]:
    if request.param == "plugin":
        with provider_process(PLUGIN, engine=engine[1]) as plugin:
            configure_plugin(plugin, emulator)
            yield PluginAdapter(plugin, engine[0])
        return
    config = stack_config(emulator)
    registered_inputs = registered(config, **ARGS)
    extra = {key: value for key, value in registered_inputs.items() if key.startswith("__")}
    with ExitStack() as servers:
        yield DynamicAdapter(servers, config, extra)


def changed(adapter: Adapter, state: dict[str, Any], inputs: dict[str, Any], names: list[str]) -> bool:
    """Whether Diff reports a change, and (where the adapter says which) of exactly `names`."""
    diffs = adapter.diff(state, inputs)
    assert diffs in ([], ["?"], names), diffs
    return bool(diffs)


# --- the lifecycle, through both adapters -----------------------------------------------------------


def test_the_pin_holds_moves_on_a_keeper_or_filter_change_and_refresh_reports(
    adapter: Adapter, emulator: Emulator
) -> None:
    inputs = {**ARGS, "keepers": {"rollout": "1"}}
    state = adapter.create(inputs)
    assert (state["image_id"], state["latest_id"], state["upgrade_available"]) == (PINNED["id"], PINNED["id"], False)
    assert (state["pinned_exists"], state.get("revoked"), state["keepers"]) == (True, None, {"rollout": "1"})
    assert state["image"]["name"] == PINNED["name"] and state["image"]["osVersion"] == PINNED["__os_version"]

    emulator.replace_catalog(catalog(newer=True))  # a newer build: nothing changes until refresh
    assert not changed(adapter, state, inputs, [])
    refreshed = adapter.read(state)
    assert (refreshed["image_id"], refreshed["latest_id"], refreshed["upgrade_available"]) == (
        PINNED["id"], NEWER_ID, True
    )  # fmt: skip
    assert adapter.warnings() == []

    moved_inputs = {**inputs, "keepers": {"rollout": "2"}}  # a keeper change moves the pin, in place
    assert changed(adapter, refreshed, moved_inputs, ["keepers"])
    moved = adapter.update(refreshed, moved_inputs)
    assert (moved["image_id"], moved["upgrade_available"], moved["keepers"]) == (NEWER_ID, False, {"rollout": "2"})

    arm_inputs = {**moved_inputs, "name_regex": r"^Ubuntu 22\.04 .* ARM$"}  # a filter change too
    assert changed(adapter, moved, arm_inputs, ["name_regex"])
    on_arm = adapter.update(moved, arm_inputs)
    assert (on_arm["image_id"], on_arm["latest_id"]) == (ARM["id"], ARM["id"])

    emulator.replace_catalog(catalog(without=(ARM["id"],)))  # the pinned image is deleted
    gone = adapter.read(on_arm)
    assert (gone["image_id"], gone["pinned_exists"]) == (ARM["id"], False)
    arm_left = newest([i for i in UBUNTU_2204 if i["name"].endswith(" ARM") and i["id"] != ARM["id"]])
    assert (gone["latest_id"], gone["upgrade_available"]) == (arm_left["id"], True)
    assert adapter.warnings() == [
        f"PinnedImage keeps image {ARM['id']} ('{ARM['name']}'), which is no longer visible; the newest match is "
        f"{arm_left['id']}: change a keeper to move the pin"
    ]
    assert not changed(adapter, gone, arm_inputs, [])  # still pinned: only a change of the inputs moves it


def test_keepers_stored_damaged_are_written_again_and_the_pin_stays(adapter: Adapter, emulator: Emulator) -> None:
    inputs = {**ARGS, "keepers": {"rollout": "1"}}
    state = {**adapter.create(inputs), "keepers": ["rollout", "1"]}  # written so by another version, or by hand
    emulator.replace_catalog(catalog(newer=True))  # a newer build, which a moved pin would take
    assert changed(adapter, state, inputs, ["keepers"])  # no longer comparable: the engine calls Update
    repaired = adapter.update(state, inputs)
    assert (repaired["image_id"], repaired["keepers"]) == (PINNED["id"], {"rollout": "1"})
    assert adapter.warnings() == [
        f"the state had {adapter.quoted(['rollout', '1'])} as keepers (expected a map of strings): written again; "
        f"the pin on {PINNED['id']} is kept"
    ]
    assert not changed(adapter, repaired, inputs, [])
    moved = adapter.update(repaired, {**inputs, "keepers": {"rollout": "2"}})  # a real keeper change still moves it
    assert moved["image_id"] == NEWER_ID


def test_a_state_with_spellings_an_earlier_version_took_keeps_its_meaning(adapter: Adapter, emulator: Emulator) -> None:
    state = {**adapter.create(ARGS), "support_kvm": "yes"}  # as an earlier, lax version took it and stored it
    emulator.replace_catalog(catalog(newer=True))  # a newer build, which a moved pin would take
    assert not changed(adapter, state, ARGS, [])  # "yes" was true: the program's True is no change
    refreshed = adapter.read(state)
    assert (refreshed["image_id"], refreshed["latest_id"], refreshed["upgrade_available"]) == (
        PINNED["id"], NEWER_ID, True,
    )  # fmt: skip
    assert "expected true or false" in adapter.check({**ARGS, "support_kvm": "yes"})["support_kvm"]  # new input: no


def test_a_pinned_image_put_on_the_revocation_list_is_reported_by_refresh(adapter: Adapter, tmp_path: Path) -> None:
    revocations = tmp_path / "revoked-images.txt"
    revocations.write_text("# images we must not roll out\n")
    inputs = {**ARGS, "exclude_file": str(revocations)}
    state = adapter.create(inputs)
    assert (state["image_id"], state.get("revoked")) == (PINNED["id"], None)

    revocations.write_text(f"# images we must not roll out\n{PINNED['id']}  # CVE-2026-1234: broken cloud-init\n")
    assert not changed(adapter, state, inputs, [])  # the file is the same input: up keeps the pin
    refreshed = adapter.read(state)
    reason = f"CVE-2026-1234: broken cloud-init ({revocations} line 2)"
    runner_up = newest([i for i in UBUNTU_2204 if i["id"] != PINNED["id"]])
    assert (refreshed["image_id"], refreshed["revoked"]) == (PINNED["id"], reason)
    # The runner-up is an older build: reported as the newest match, never as an upgrade.
    assert (refreshed["latest_id"], refreshed["upgrade_available"], refreshed["pinned_exists"]) == (
        runner_up["id"], False, True
    )  # fmt: skip
    assert adapter.warnings() == [
        f"PinnedImage keeps image {PINNED['id']} ('{PINNED['name']}'), which is now revoked: {reason}; the newest "
        f"match is {runner_up['id']}, an older build: change a keeper to move the pin"
    ]

    moved_inputs = {**inputs, "keepers": {"rollout": "after CVE-2026-1234"}}
    assert changed(adapter, refreshed, moved_inputs, ["keepers"])
    moved = adapter.update(refreshed, moved_inputs)
    assert (moved["image_id"], moved.get("revoked")) == (runner_up["id"], None)


def test_check_refuses_what_get_images_refuses_and_what_chooses_several(adapter: Adapter, emulator: Emulator) -> None:
    failures = adapter.check({**ARGS, "min_ram": -1})
    (name,) = failures
    assert name in ("minRam", "min_ram") and f"{name}=-1" in failures[name]
    failures = adapter.check({"imagetype": "gold", "group_by": "platform"})
    (name,) = failures
    assert name in ("groupBy", "group_by") and "chooses several images" in failures[name]
    assert emulator.requests == []


# --- the plugin alone: import, previews, secrets, its words -------------------------------------------


@pytest.fixture
def plugin(emulator: Emulator, engine: tuple[FakeEngine, str]) -> Iterator[Provider]:
    with provider_process(PLUGIN, engine=engine[1]) as provider:
        configure_plugin(provider, emulator)
        yield provider


def test_import_pins_the_image_with_inputs_that_reproduce_it(plugin: Provider, emulator: Emulator) -> None:
    # `pulumi import cloudimages:index:PinnedImage web <image-id>`: Read with the ID alone.
    read = plugin.stub.Read(provider_pb2.ReadRequest(urn=PLUGIN_URN, type=TYPE, id=PINNED["id"]))
    state, inputs = plain(read.properties), plain(read.inputs)
    assert read.id == PINNED["id"] and inputs == {"id": PINNED["id"]}
    assert (state["imageId"], state["latestId"], state["upgradeAvailable"], state["pinnedExists"]) == (
        PINNED["id"], PINNED["id"], False, True
    )  # fmt: skip
    assert state["image"]["name"] == PINNED["name"] and state.get("revoked") is None
    # The generated program (those inputs) checks clean and keeps that image, even once a newer one is out.
    emulator.replace_catalog(catalog(newer=True))
    checked = plugin.stub.Check(provider_pb2.CheckRequest(urn=PLUGIN_URN, olds=read.inputs, news=read.inputs))
    assert list(checked.failures) == []
    diff = plugin.stub.Diff(provider_pb2.DiffRequest(urn=PLUGIN_URN, id=read.id, olds=read.properties,
                                                     old_inputs=read.inputs, news=checked.inputs))  # fmt: skip
    assert diff.changes == DIFF_NONE

    with pytest.raises(grpc.RpcError) as refused:
        plugin.stub.Read(provider_pb2.ReadRequest(urn=PLUGIN_URN, id="no-such-image"))
    error: Any = refused.value
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details().startswith("cannot import PinnedImage 'no-such-image': image 'no-such-image' is not visible")
    assert "cloudimages:projectId" in error.details() and "Traceback" not in error.details()


def test_a_preview_with_unknown_inputs_asks_nothing_and_answers_unknown_outputs(
    plugin: Provider, emulator: Emulator
) -> None:
    created = plugin.stub.Create(provider_pb2.CreateRequest(urn=PLUGIN_URN, properties=struct(_camel(ARGS))))
    before = len(emulator.requests)
    news = struct(_camel({**ARGS, "platform": UNKNOWN, "keepers": {"rollout": UNKNOWN}}))
    assert list(plugin.stub.Check(provider_pb2.CheckRequest(urn=PLUGIN_URN, news=news)).failures) == []
    diff = plugin.stub.Diff(provider_pb2.DiffRequest(urn=PLUGIN_URN, id=created.id, olds=created.properties,
                                                     news=news))  # fmt: skip
    assert diff.changes == DIFF_SOME and sorted(diff.diffs) == ["keepers", "platform"] and list(diff.replaces) == []
    preview = plain(plugin.stub.Create(provider_pb2.CreateRequest(urn=PLUGIN_URN, properties=news, preview=True))
                    .properties)  # fmt: skip
    update = plain(plugin.stub.Update(provider_pb2.UpdateRequest(urn=PLUGIN_URN, id=created.id, olds=created.properties,
                                                                 news=news, preview=True)).properties)  # fmt: skip
    for answer in (preview, update):
        assert answer["platform"] == UNKNOWN and answer["nameRegex"] == ARGS["name_regex"]
        assert {answer[name] for name in ("imageId", "image", "latestId", "upgradeAvailable", "revoked")} == {UNKNOWN}
    assert len(emulator.requests) == before


def test_secret_inputs_stay_secret_in_every_output_that_repeats_them(plugin: Provider) -> None:
    web = {"imagetype": "private", "tag": secret("role.web"), "nameRegex": r"^web-server-\d", "mostRecent": True}
    created = plain(plugin.stub.Create(provider_pb2.CreateRequest(urn=PLUGIN_URN, properties=struct(web))).properties)
    assert is_secret(created["tag"]) and is_secret(created["image"]) and "role.web" in created["image"]["value"]["tags"]
    assert "role.web" not in str({k: v for k, v in created.items() if not is_secret(v)})
    read = plain(plugin.stub.Read(provider_pb2.ReadRequest(urn=PLUGIN_URN, id="pin-1",
                                                           properties=struct(created))).properties)  # fmt: skip
    assert is_secret(read["tag"]) and is_secret(read["image"]) and not is_secret(read["imageId"])
    with pytest.raises(grpc.RpcError) as refused:
        plugin.stub.Create(
            provider_pb2.CreateRequest(urn=PLUGIN_URN, properties=struct({**web, "tag": secret("nope")}))
        )
    details = str(refused.value.details())  # type: ignore[attr-defined]
    assert "no image matches" in details and "nope" not in details and SECRET_KEY not in details


def test_check_speaks_the_schemas_words(plugin: Provider) -> None:
    news = {"imagetype": "gold", "minRam": -1, "nameRgex": "x", "imageId": "y", "keepers": {"a": 1}}
    checked = plugin.stub.Check(provider_pb2.CheckRequest(urn=PLUGIN_URN, news=struct(news)))
    failures = {f.property: f.reason for f in checked.failures}
    assert failures["nameRgex"] == "PinnedImage has no input 'nameRgex'; did you mean 'nameRegex'?"
    assert failures["imageId"].startswith("PinnedImage has no input 'imageId'")  # an output, not an input
    assert failures["keepers"] == 'keepers must be a map of strings, not {"a": 1}'  # as its callers write it
    checked = plugin.stub.Check(provider_pb2.CheckRequest(urn=PLUGIN_URN, news=struct({"minRam": -1})))
    (failure,) = checked.failures
    assert failure.property == "minRam" and "minRam=-1" in failure.reason and "min_ram" not in failure.reason


def test_a_state_from_another_version_keeps_its_pin_and_a_damaged_one_says_what_to_do(plugin: Provider) -> None:
    created = plain(plugin.stub.Create(provider_pb2.CreateRequest(urn=PLUGIN_URN, properties=struct(_camel(ARGS))))
                    .properties)  # fmt: skip
    later = {**created, "pinnedBy": {"version": "9.0"}}  # a key this version does not know
    diff = plugin.stub.Diff(provider_pb2.DiffRequest(urn=PLUGIN_URN, id="pin-1", olds=struct(later),
                                                     news=struct(_camel(ARGS))))  # fmt: skip
    assert diff.changes == DIFF_NONE
    read = plain(plugin.stub.Read(provider_pb2.ReadRequest(urn=PLUGIN_URN, id="pin-1", properties=struct(later)))
                 .properties)  # fmt: skip
    assert (read["imageId"], read["pinnedBy"]) == (PINNED["id"], {"version": "9.0"})

    lost = {key: value for key, value in created.items() if key != "imageId"}
    with pytest.raises(grpc.RpcError) as refused:
        plugin.stub.Diff(provider_pb2.DiffRequest(urn=PLUGIN_URN, id="pin-1", olds=struct(lost),
                                                  news=struct(_camel(ARGS))))  # fmt: skip
    details = str(refused.value.details())  # type: ignore[attr-defined]
    assert details == "the state has no imageId (expected an image ID): the pin is lost; change a keeper (or a " \
        "filter) and run `pulumi up` to resolve the pin again"  # fmt: skip
    news = struct(_camel({**ARGS, "keepers": {"a": "2"}}))  # a keeper changed: the pin is resolved again
    moved = plugin.stub.Update(provider_pb2.UpdateRequest(urn=PLUGIN_URN, id="pin-1", olds=struct(lost), news=news))
    assert plain(moved.properties)["imageId"] == PINNED["id"]


def test_a_state_that_lost_its_image_says_so_at_up_and_refresh_reads_it_again(
    plugin: Provider, engine: tuple[FakeEngine, str], emulator: Emulator
) -> None:
    created = plain(plugin.stub.Create(provider_pb2.CreateRequest(urn=PLUGIN_URN, properties=struct(_camel(ARGS))))
                    .properties)  # fmt: skip
    lost = {key: value for key, value in created.items() if key != "image"}  # a hand edit, or a tool
    with pytest.raises(grpc.RpcError) as refused:
        plugin.stub.Diff(provider_pb2.DiffRequest(urn=PLUGIN_URN, id="pin-1", olds=struct(lost),
                                                  news=struct(_camel(ARGS))))  # fmt: skip
    assert str(refused.value.details()) == (  # type: ignore[attr-defined]
        f"the state has no image (the attributes of the pinned image {PINNED['id']}): run `pulumi refresh` to read "
        "them again (the pin is kept)"
    )
    engine[0].logged.clear()
    read = plain(plugin.stub.Read(provider_pb2.ReadRequest(urn=PLUGIN_URN, id="pin-1", properties=struct(lost)))
                 .properties)  # fmt: skip
    assert (read["imageId"], read["image"]) == (PINNED["id"], created["image"])
    assert [r.message for r in engine[0].logged] == [
        f"the state had no image: read again from the service; the pin on {PINNED['id']} is kept"
    ]
    diff = plugin.stub.Diff(provider_pb2.DiffRequest(urn=PLUGIN_URN, id="pin-1", olds=struct(read),
                                                     news=struct(_camel(ARGS))))  # fmt: skip
    assert diff.changes == DIFF_NONE
    emulator.replace_catalog(catalog(without=(PINNED["id"],)))  # and now the image is gone too: nothing to read
    with pytest.raises(grpc.RpcError) as refused:
        plugin.stub.Read(provider_pb2.ReadRequest(urn=PLUGIN_URN, id="pin-1", properties=struct(lost)))
    assert f"no image, and image {PINNED['id']} is no longer visible" in str(refused.value.details())  # type: ignore[attr-defined]


def test_without_an_engine_to_log_to_a_warning_goes_to_stderr(emulator: Emulator) -> None:
    fedora = {"name": "Fedora 38 64bit 20231117"}
    with provider_process(PLUGIN) as plugin:  # its engine address answers nothing
        configure_plugin(plugin, emulator)
        created = plugin.stub.Create(provider_pb2.CreateRequest(urn=PLUGIN_URN, properties=struct(fedora)))
        fedora_id = plain(created.properties)["imageId"]
        emulator.replace_catalog(catalog(without=(fedora_id,)))
        read = plugin.stub.Read(provider_pb2.ReadRequest(urn=PLUGIN_URN, id=created.id, properties=created.properties))
        assert plain(read.properties)["pinnedExists"] is False
        plugin.process.terminate()
        plugin.process.wait(timeout=10)
        stderr = plugin.stderr()
    assert f"PinnedImage keeps image {fedora_id} ('Fedora 38 64bit 20231117'), which is no longer visible" in stderr
    assert SECRET_KEY not in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("to_engine", [True, False], ids=["engine-log", "stderr"])
def test_no_secret_of_the_request_reaches_a_warning_an_error_or_stderr(
    emulator: Emulator, engine: tuple[FakeEngine, str], to_engine: bool
) -> None:
    """A refresh of a state whose outputs are secret (as the engine keeps outputs a program made secret with
    `additionalSecretOutputs`) warns without them, to the engine's log or (none answering) to stderr; a secret
    filter that matches nothing fails without its value; nothing reaches stderr in the plain."""
    fake, address = engine
    hidden_name = "Fedora 38 64bit SECRET-BUILD"
    with provider_process(PLUGIN, engine=address if to_engine else "127.0.0.1:1") as plugin:
        configure_plugin(plugin, emulator)
        fedora = {"name": "Fedora 38 64bit 20231117"}
        created = plain(
            plugin.stub.Create(provider_pb2.CreateRequest(urn=PLUGIN_URN, properties=struct(fedora))).properties
        )
        fedora_id = created["imageId"]
        emulator.replace_catalog(catalog(without=(fedora_id,)))
        state = {**created, "imageId": secret(fedora_id), "image": secret(created["image"])}
        read = plugin.stub.Read(provider_pb2.ReadRequest(urn=PLUGIN_URN, id="pin-1", properties=struct(state)))
        assert plain(read.properties)["pinnedExists"] is False
        with pytest.raises(grpc.RpcError) as failed:
            plugin.stub.Create(
                provider_pb2.CreateRequest(urn=PLUGIN_URN, properties=struct({"name": secret(hidden_name)}))
            )
        error = str(failed.value.details())  # type: ignore[attr-defined]
        plugin.process.terminate()
        plugin.process.wait(timeout=10)
        stderr = plugin.stderr()
    warnings = [request.message for request in fake.logged] if to_engine else stderr.splitlines()
    assert any("PinnedImage keeps image *** ('***'), which is no longer visible" in w for w in warnings), warnings
    assert "no image matches" in error and "name=***" in error
    for text in (fedora_id, hidden_name, SECRET_KEY):
        assert text not in error + stderr + "".join(warnings)


# --- every failure at once, through both adapters -----------------------------------------------------


def test_check_reports_every_bad_input_at_once_each_with_its_own_reason(adapter: Adapter, emulator: Emulator) -> None:
    word = camel if isinstance(adapter, PluginAdapter) else str
    inputs = {"imagetype": "gold", "name_regx": "^Ubuntu", "most_recent": "yes", "min_ram": True, "keepers": {"a": 1}}
    failures = {word(name): reason for name, reason in adapter.check(inputs).items()}
    typo = (
        "PinnedImage has no input 'nameRegx'; did you mean 'nameRegex'?"
        if isinstance(adapter, PluginAdapter)
        else "unknown argument 'name_regx'; did you mean 'name_regex'?"
    )
    assert failures == {
        word("name_regx"): typo,
        "keepers": f"keepers must be a map of strings, not {adapter.quoted({'a': 1})}",  # never 1.0, as the wire has it
        word("most_recent"): f"invalid selection: {word('most_recent')}='yes': expected true or false",
        word("min_ram"): f"invalid image filter: {word('min_ram')}={adapter.quoted(True)}: expected a whole number, "
        "not true or false",
    }
    assert emulator.requests == []


def test_what_goes_with_an_input_not_known_yet_waits_for_it_and_the_rest_is_checked(
    adapter: Adapter, emulator: Emulator
) -> None:
    word = camel if isinstance(adapter, PluginAdapter) else str
    inputs = {"imagetype": "shared", "member_status": "accepted", "visibility": UNKNOWN, "min_ram": -1}
    refused = f"invalid image filter: {word('min_ram')}=-1: input should be greater than or equal to 0"
    failures = {word(name): reason for name, reason in adapter.check(inputs).items()}
    assert failures == {word("min_ram"): refused}  # a preview: the visibility may yet be 'shared'
    known = {**inputs, "visibility": "public", "min_ram": 0}  # once known, and each value right: not together
    failures = {word(name): reason for name, reason in adapter.check(known).items()}
    together = f"invalid image filter: {word('member_status')}='accepted' needs visibility='shared' (not 'public')"
    assert failures == {word("member_status"): together, "visibility": together}
    assert emulator.requests == []


def test_a_selection_flag_given_as_text_means_what_it_says(adapter: Adapter, emulator: Emulator) -> None:
    inputs = {**ARGS, "most_recent": "True"}  # as stack config gives a flag
    assert adapter.check(inputs) == {}
    state = adapter.create(inputs)
    assert state["image_id"] == PINNED["id"]
    assert not changed(adapter, state, ARGS, [])  # the same choice as most_recent=True: no change


# --- the contract with the engine -------------------------------------------------------------------


def test_a_pin_chosen_elsewhere_than_the_config_now_points_is_chosen_again(
    adapter: Adapter, emulator: Emulator
) -> None:
    """`pulumi config set cloudimages:region` (or endpoint, projectId): the engine updates the provider in place
    (DiffConfig reports the keys, no replacement) and asks the pin's Diff, which compares where it was chosen."""
    config = {**stack_config(emulator), "cloudimages:region": "cn-north-4"}
    adapter.reconfigure(config)
    state = adapter.create(ARGS)
    assert state["chosen_in"]["region"] == "cn-north-4" and len(state["chosen_in"]["fingerprint"]) == 16
    assert emulator.url not in json.dumps(state) and PROJECT_A not in json.dumps(state["chosen_in"])
    assert not changed(adapter, state, ARGS, [])

    adapter.reconfigure({**config, "cloudimages:region": "ap-southeast-1"})
    assert changed(adapter, state, ARGS, ["chosen_in"])
    assert adapter.warnings() == [
        "PinnedImage is chosen again where the config now points (region: cn-north-4 -> ap-southeast-1)"
    ]
    moved = adapter.update(state, ARGS)
    assert moved["chosen_in"]["region"] == "ap-southeast-1" and not changed(adapter, moved, ARGS, [])

    with Emulator() as mirror:  # the same catalog at another endpoint
        adapter.reconfigure({**config, "cloudimages:region": "ap-southeast-1", "cloudimages:endpoint": mirror.url})
        assert changed(adapter, moved, ARGS, ["chosen_in"])
        assert adapter.warnings() == [
            "PinnedImage is chosen again where the config now points (project, endpoint or cloud: changed)"
        ]


def test_a_state_without_the_record_keeps_its_pin_and_gets_the_record_at_refresh(adapter: Adapter) -> None:
    state = adapter.create(ARGS)
    older = {key: value for key, value in state.items() if key != "chosen_in"}  # as 0.1.0 wrote it
    assert not changed(adapter, older, ARGS, [])
    refreshed = adapter.read(older)
    assert refreshed["image_id"] == PINNED["id"] and refreshed["chosen_in"] == state["chosen_in"]


def test_a_withdrawn_pin_is_reported_and_never_offered_an_older_build(adapter: Adapter, emulator: Emulator) -> None:
    state = adapter.create(ARGS)
    document = catalog_document()
    for image in document["images"]:
        if image["id"] == PINNED["id"]:
            image["status"] = "killed"
    emulator.replace_catalog(document)
    refreshed = adapter.read(state)
    runner_up = newest([i for i in UBUNTU_2204 if i["id"] != PINNED["id"]])
    assert (refreshed["image_id"], refreshed["pinned_exists"], refreshed["image"]["status"]) == (
        PINNED["id"], True, "killed"
    )  # fmt: skip
    assert (refreshed["latest_id"], refreshed["upgrade_available"]) == (runner_up["id"], False)
    assert adapter.warnings() == [
        f"PinnedImage keeps image {PINNED['id']} ('{PINNED['name']}'), which is withdrawn (status killed): it can "
        f"no longer be launched; the newest match is {runner_up['id']}, an older build: change a keeper to move "
        "the pin"
    ]


def test_keepers_take_a_null_value_as_an_absent_key(adapter: Adapter) -> None:
    """An unset config value in C# (`config.Get("rollout")` is null) reaches keepers as null."""
    assert adapter.check({**ARGS, "keepers": {"rollout": None, "team": "web"}}) == {}
    state = adapter.create({**ARGS, "keepers": {"rollout": None, "team": "web"}})
    assert state["keepers"] == {"team": "web"}
    assert not changed(adapter, state, {**ARGS, "keepers": {"team": "web", "other": None}}, [])
    assert changed(adapter, state, {**ARGS, "keepers": {"team": "web", "rollout": "1"}}, ["keepers"])


def test_a_pins_own_id_cannot_be_read_back_and_the_message_says_how_to_import(adapter: Adapter) -> None:
    """`PinnedImage.get(name, "pin-...")`: a Read with the ID and no state, the same request as an import."""
    with pytest.raises(grpc.RpcError) as refused:
        adapter.get("pin-a68676db-19a3-470b-93c2-4abacaead70b")
    details = str(refused.value.details())  # type: ignore[attr-defined]
    assert "is a PinnedImage's own ID, which carries nothing to read back" in details
    assert "pulumi import cloudimages:index:PinnedImage <name> <image-id>" in details


def test_secret_outputs_follow_the_data_not_the_characters_of_a_secret(plugin: Provider) -> None:
    """The plugin accepts secrets, so the engine keeps exactly the marks it returns
    (provider_plugin.go: `annotateSecrets` only when `!acceptSecrets`)."""
    for keeper in ("1", "a", "2026", "x"):
        state = plain(
            plugin.stub.Create(
                provider_pb2.CreateRequest(
                    urn=PLUGIN_URN, properties=struct({**_camel(ARGS), "keepers": secret({"rollout": keeper})})
                )
            ).properties
        )
        assert [key for key, value in state.items() if is_secret(value)] == ["keepers"], keeper
    by_id = {"id": secret(PINNED["id"])}
    state = plain(plugin.stub.Create(provider_pb2.CreateRequest(urn=PLUGIN_URN, properties=struct(by_id))).properties)
    assert sorted(key for key, value in state.items() if is_secret(value)) == ["id", "image", "imageId", "latestId"]


def test_diff_names_each_property_path_so_replace_on_changes_matches(plugin: Provider) -> None:
    inputs = {**_camel(ARGS), "keepers": {"rollout": "1", "team": "web"}}
    created = plugin.stub.Create(provider_pb2.CreateRequest(urn=PLUGIN_URN, properties=struct(inputs)))
    news = {**inputs, "mostRecent": True, "keepers": {"rollout": "2", "owner": "ops", "a.b": "c"}, "minRam": 1024}
    diff = plugin.stub.Diff(provider_pb2.DiffRequest(urn=PLUGIN_URN, id=created.id, olds=created.properties,
                                                     news=struct(news)))  # fmt: skip
    kinds = {path: provider_pb2.PropertyDiff.Kind.Name(d.kind) for path, d in diff.detailedDiff.items()}
    assert diff.hasDetailedDiff and kinds == {
        "keepers.rollout": "UPDATE", "keepers.owner": "ADD", "keepers.team": "DELETE", 'keepers["a.b"]': "ADD",
        "minRam": "ADD",
    }  # fmt: skip
    assert all(d.inputDiff for d in diff.detailedDiff.values()) and sorted(diff.diffs) == ["keepers", "minRam"]


def test_a_preview_with_every_input_known_resolves_the_pin_as_up_would(plugin: Provider, emulator: Emulator) -> None:
    created = plugin.stub.Create(provider_pb2.CreateRequest(urn=PLUGIN_URN, properties=struct(_camel(ARGS))))
    emulator.replace_catalog(catalog(newer=True))
    news = struct({**_camel(ARGS), "keepers": {"rollout": "2"}})
    update = plain(plugin.stub.Update(provider_pb2.UpdateRequest(urn=PLUGIN_URN, id=created.id, olds=created.properties,
                                                                 news=news, preview=True)).properties)  # fmt: skip
    assert (update["imageId"], update["upgradeAvailable"], update["keepers"]) == (NEWER_ID, False, {"rollout": "2"})
    preview = plain(plugin.stub.Create(provider_pb2.CreateRequest(urn=PLUGIN_URN, properties=news, preview=True))
                    .properties)  # fmt: skip
    assert preview["imageId"] == NEWER_ID and preview["image"]["name"] == "Ubuntu 22.04 server 64bit 20261120"
