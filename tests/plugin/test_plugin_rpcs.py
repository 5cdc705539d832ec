"""The plugin's answers to what it does not serve, as the engine would ask over gRPC: resources of a type it
does not have, components, methods and the protocol's other methods. Each is one clear UNIMPLEMENTED error
naming what was asked, never a Python traceback and never a success."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2

from engine_rpc import PLUGIN, Provider, provider_process, struct

THING = "cloudimages:index:Thing"
URN = f"urn:pulumi:dev::app::{THING}::thing"


@pytest.fixture(scope="module")
def plugin() -> Iterator[Provider]:
    with provider_process(PLUGIN) as provider:
        yield provider


CRUD: dict[str, Callable[[Any], Any]] = {
    "Check": lambda stub: stub.Check(provider_pb2.CheckRequest(urn=URN, news=struct({"name": "x"}))),
    "Diff": lambda stub: stub.Diff(provider_pb2.DiffRequest(id="i-1", urn=URN, olds=struct({}), news=struct({}))),
    "Create": lambda stub: stub.Create(provider_pb2.CreateRequest(urn=URN, properties=struct({"name": "x"}))),
    "Read": lambda stub: stub.Read(provider_pb2.ReadRequest(id="i-1", urn=URN)),
    "Update": lambda stub: stub.Update(provider_pb2.UpdateRequest(id="i-1", urn=URN, olds=struct({}))),
    "Delete": lambda stub: stub.Delete(provider_pb2.DeleteRequest(id="i-1", urn=URN)),
}


def refusal(call: Callable[[], Any]) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    error: Any = caught.value
    details = str(error.details())
    assert "Traceback" not in details and 'File "' not in details and "NotImplementedError" not in details
    return error.code(), details


@pytest.mark.parametrize("rpc", CRUD)
def test_crud_of_a_type_it_does_not_have_is_unimplemented_naming_the_type(plugin: Provider, rpc: str) -> None:
    code, details = refusal(lambda: CRUD[rpc](plugin.stub))
    assert code == grpc.StatusCode.UNIMPLEMENTED
    assert f"no resource type '{THING}'" in details and "getImages is a function" in details


def test_the_type_is_read_from_the_urn_when_the_request_does_not_name_it(plugin: Provider) -> None:
    nested = "urn:pulumi:dev::app::my:module:Parent$cloudimages:index:Other::child"
    _, details = refusal(lambda: plugin.stub.Create(provider_pb2.CreateRequest(urn=nested)))
    assert "no resource type 'cloudimages:index:Other'" in details
    _, details = refusal(lambda: plugin.stub.Create(provider_pb2.CreateRequest(urn=URN, type="cloudimages:index:X")))
    assert "no resource type 'cloudimages:index:X'" in details


def test_construct_and_call_are_unimplemented_naming_what_was_asked(plugin: Provider) -> None:
    code, details = refusal(
        lambda: plugin.stub.Construct(provider_pb2.ConstructRequest(type=THING, name="thing", inputs=struct({})))
    )
    assert code == grpc.StatusCode.UNIMPLEMENTED and f"cannot construct '{THING}'" in details
    code, details = refusal(lambda: plugin.stub.Call(provider_pb2.CallRequest(tok=f"{THING}/restart")))
    assert code == grpc.StatusCode.UNIMPLEMENTED and f"cannot call '{THING}/restart'" in details


@pytest.mark.parametrize(
    ("rpc", "request_type"),
    [
        ("Handshake", provider_pb2.ProviderHandshakeRequest),
        ("Parameterize", provider_pb2.ParameterizeRequest),
        ("GetMapping", provider_pb2.GetMappingRequest),
    ],
)
def test_the_protocols_other_methods_are_unimplemented_in_a_sentence(
    plugin: Provider, rpc: str, request_type: Any
) -> None:
    code, details = refusal(lambda: getattr(plugin.stub, rpc)(request_type()))
    assert (code, details) == (grpc.StatusCode.UNIMPLEMENTED, f"the cloudimages provider does not implement {rpc}")


def test_nothing_reaches_stderr(plugin: Provider) -> None:
    for call in CRUD.values():
        refusal(lambda call=call: call(plugin.stub))  # type: ignore[misc]
    plugin.process.terminate()
    assert plugin.process.wait(timeout=5) == 0
    assert plugin.stderr() == ""
