"""PinnedImage as the engine really drives it: `python -m pulumi.dynamic` over gRPC, with the engine's wire forms
(the unknown sentinel inside Structs, secrets stripped, state written by other versions or by hand, config not
known yet)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc
import pulumi
import pytest
from google.protobuf import json_format
from pulumi.runtime.proto import provider_pb2
from pulumi.runtime.rpc import UNKNOWN
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from conftest import start_engine
from engine_rpc import is_secret, plain, provider_process, secret, struct
from pins import ARGS, PINNED, SECRET_KEY, stack_config
from pulumi_cloudimages import PinnedImage
from pulumi_cloudimages.emulator import PROJECT_A, Emulator

URN = "urn:pulumi:dev::test::pulumi-python:dynamic/cloudimages:PinnedImage::ubuntu"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(credentials=[f"AK:{SECRET_KEY}:{PROJECT_A}"]) as emu:
        yield emu


def registered(
    config: dict[str, str], secret_keys: tuple[str, ...] = (), secret_inputs: tuple[str, ...] = (), **inputs: Any
) -> dict[str, Any]:
    """The inputs a PinnedImage registers (under Pulumi mocks, in a preview), `secret_inputs` given as secrets,
    as the engine would send them to a provider that does not accept secrets: secret wrappers stripped."""
    mocks = start_engine(preview=True, config=config)
    if secret_keys:
        pulumi.runtime.set_all_config(config, secret_keys=list(secret_keys))

    def program() -> None:
        given = {k: pulumi.Output.secret(v) if k in secret_inputs else v for k, v in inputs.items()}
        PinnedImage("ubuntu", **given)

    _sync_await(run_pulumi_func(program))
    (resource,) = [r for r in mocks.resources if r.typ.endswith("PinnedImage")]
    return {key: _stripped(value) for key, value in resource.inputs.items()}


def _stripped(value: Any) -> Any:
    if is_secret(value):
        return _stripped(value["value"])
    if isinstance(value, dict):
        return {k: _stripped(v) for k, v in value.items()}
    return value


def without_secrets(value: Any) -> Any:
    """What is stored in plain text: every secret-wrapped value left out."""
    if isinstance(value, dict):
        return {k: without_secrets(v) for k, v in value.items() if not is_secret(v)}
    if isinstance(value, list):
        return [without_secrets(v) for v in value if not is_secret(v)]
    return value


def failure(method: Any, request: Any) -> str:
    """The details of a failed call: the dynamic provider server sends the whole traceback."""
    with pytest.raises(grpc.RpcError) as raised:
        method(request)
    return str(raised.value.details())


@contextmanager
def pinned_by_the_server(emulator: Emulator) -> Iterator[tuple[Any, dict[str, Any], Any]]:
    """A dynamic provider server configured with the stack's config, and a PinnedImage it created: the stub,
    the inputs and the CreateResponse."""
    config = stack_config(emulator)
    inputs = registered(config, keepers={"rollout": "1"}, **ARGS)
    with provider_process([sys.executable, "-m", "pulumi.dynamic"]) as server:
        server.stub.Configure(provider_pb2.ConfigureRequest(args=struct(config), acceptSecrets=False))
        yield server.stub, inputs, server.stub.Create(provider_pb2.CreateRequest(urn=URN, properties=struct(inputs)))


def test_unknown_inputs_anywhere_are_not_check_failures_and_may_change(emulator: Emulator) -> None:
    with pinned_by_the_server(emulator) as (rpc, inputs, created):
        before = len(emulator.requests)
        for unknown in (
            {"platform": UNKNOWN},  # a filter
            {"keepers": {"rollout": UNKNOWN}},  # a keeper (from another resource's output)
            {"keepers": UNKNOWN},  # the whole map
            {"min_ram": UNKNOWN, "keepers": {"vm": UNKNOWN, "rollout": "1"}},
        ):
            news = struct({**inputs, **unknown})
            checked = rpc.Check(provider_pb2.CheckRequest(urn=URN, olds=created.properties, news=news))
            assert list(checked.failures) == [], unknown
            diff = rpc.Diff(provider_pb2.DiffRequest(urn=URN, id=created.id, olds=created.properties, news=news))
            assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME, unknown
        assert len(emulator.requests) == before  # neither check nor diff asks the service


def test_a_state_from_another_version_keeps_the_pin(emulator: Emulator) -> None:
    with pinned_by_the_server(emulator) as (rpc, inputs, created):
        state = {**plain(created.properties), "foo": "bar", "pinned_by": {"version": "9.0"}}  # unknown keys
        diff = rpc.Diff(provider_pb2.DiffRequest(urn=URN, id=created.id, olds=struct(state), news=struct(inputs)))
        assert diff.changes == provider_pb2.DiffResponse.DIFF_NONE
        read = plain(rpc.Read(provider_pb2.ReadRequest(urn=URN, id=created.id, properties=struct(state))).properties)
        assert (read["image_id"], read["foo"], read["pinned_by"]) == (PINNED["id"], "bar", {"version": "9.0"})

        damaged: list[tuple[dict[str, Any], str, str]] = [
            ({"image_id": None}, "has no image_id", "change a keeper"),
            ({"image_id": 42}, "has 42.0 as image_id", "change a keeper"),
            ({"keepers": ["rollout", "1"]}, "as keepers (expected a map of strings)", "run `pulumi up`"),
            ({"image": "Ubuntu 22.04"}, "'Ubuntu 22.04' as image (expected a map", "change a keeper"),
        ]
        for change, says, to_do in damaged:
            broken = {k: v for k, v in {**state, **change}.items() if v is not None}
            details = failure(rpc.Read, provider_pb2.ReadRequest(urn=URN, id="pin", properties=struct(broken)))
            assert "PinnedImageError: the state " in details and says in details and to_do in details, details
            assert not any(raw in details for raw in ("KeyError", "AttributeError", "ValueError:")), details
        # up with a damaged pin and unchanged inputs says what to do; changing a keeper resolves the pin again.
        lost = struct({k: v for k, v in state.items() if k != "image_id"})
        details = failure(rpc.Diff, provider_pb2.DiffRequest(urn=URN, id="pin", olds=lost, news=struct(inputs)))
        assert "has no image_id" in details and "change a keeper" in details
        moved = struct({**inputs, "keepers": {"rollout": "2"}})
        assert rpc.Diff(provider_pb2.DiffRequest(urn=URN, id="pin", olds=lost, news=moved)).changes == (
            provider_pb2.DiffResponse.DIFF_SOME
        )
        updated = rpc.Update(provider_pb2.UpdateRequest(urn=URN, id="pin", olds=lost, news=moved))
        assert plain(updated.properties)["image_id"] == PINNED["id"]


def test_secret_inputs_and_config_stay_secret(emulator: Emulator) -> None:
    config = {**stack_config(emulator), "cloudimages:projectId": PROJECT_A}
    secret_config = ("cloudimages:accessKey", "cloudimages:projectId", "cloudimages:secretKey")
    web = {"imagetype": "private", "tag": "role.web", "name_regex": r"^web-server-\d", "most_recent": True}
    inputs = registered(config, secret_config, ("tag",), **web)
    assert inputs["__secrets"][0] == "tag" and set(inputs["__secrets"][1:]) == set(secret_config)
    with provider_process([sys.executable, "-m", "pulumi.dynamic"]) as server:
        rpc = server.stub
        # Configure's args carry the stack's config; secret ones wrapped, as the engine sends them.
        wire = {key: secret(value) if key in secret_config else value for key, value in config.items()}
        rpc.Configure(provider_pb2.ConfigureRequest(args=struct(wire), acceptSecrets=False))
        created = rpc.Create(provider_pb2.CreateRequest(urn=URN, properties=struct(inputs)))
        state = json_format.MessageToDict(created.properties)
        assert is_secret(state["image"]) and "role.web" in state["image"]["value"]["tags"]
        assert is_secret(state["tag"])  # the engine would mark it too: its name is a secret input's
        assert "role.web" not in json.dumps(without_secrets(state))
        assert state["image_id"] == state["image"]["value"]["id"] and not is_secret(state["image_id"])
        read = json_format.MessageToDict(
            rpc.Read(provider_pb2.ReadRequest(urn=URN, id=created.id, properties=struct(_stripped(state)))).properties
        )
        assert is_secret(read["image"]) and "role.web" not in json.dumps(without_secrets(read))

        # A lookup that fails: neither the secret filter nor the secret config is quoted.
        nothing = {**inputs, "tag": "role.nothing"}
        details = failure(rpc.Create, provider_pb2.CreateRequest(urn=URN, properties=struct(nothing)))
        assert "no image matches" in details and "role.nothing" not in details and "***" in details
        wrong_key = {**wire, "cloudimages:accessKey": secret("AK-SECRET-WRONG")}
    with provider_process([sys.executable, "-m", "pulumi.dynamic"]) as server:
        server.stub.Configure(provider_pb2.ConfigureRequest(args=struct(wrong_key), acceptSecrets=False))
        call = server.stub.Create
        details = failure(call, provider_pb2.CreateRequest(urn=URN, properties=struct(inputs)))
        assert "HTTP 401" in details and "the access key *** is unknown" in details
        assert "AK-SECRET-WRONG" not in details and PROJECT_A not in details and SECRET_KEY not in details


def test_config_not_known_yet_sends_nothing(emulator: Emulator) -> None:
    config = stack_config(emulator)
    inputs = registered(config, **ARGS)
    # A config value computed elsewhere: the engine sends the sentinel (here inside a secret, as for a secret one).
    for unknown in ({"cloudimages:endpoint": secret(UNKNOWN)}, {"cloudimages:secretKey": secret(UNKNOWN)}):
        with provider_process([sys.executable, "-m", "pulumi.dynamic"]) as server:
            rpc = server.stub
            rpc.Configure(provider_pb2.ConfigureRequest(args=struct({**config, **unknown}), acceptSecrets=False))
            assert list(rpc.Check(provider_pb2.CheckRequest(urn=URN, news=struct(inputs))).failures) == []
            details = failure(rpc.Create, provider_pb2.CreateRequest(urn=URN, properties=struct(inputs)))
            (key,) = unknown
            assert f"{key} is not known yet; nothing was sent" in details and UNKNOWN not in details
    assert emulator.requests == []
