"""Speaking to a provider process as the Pulumi engine does: start it, read its port from the first line of
stdout, and call it over gRPC with the stubs that ship in the `pulumi` package."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from pulumi_cloudimages.naming import FUNCTION

# How the engine marks a secret value inside a Struct.
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
# The engine takes answers of up to 400 MiB (sdk/go/common/util/rpcutil: maxRPCMessageSize), not grpc's 4 MiB.
ENGINE_CHANNEL_OPTIONS = [("grpc.max_receive_message_length", 400 * 1024 * 1024)]


def secret(value: Any) -> dict[str, Any]:
    return {SIG_KEY: SECRET_SIG, "value": value}


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def plain(message: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(message)


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without credentials or Pulumi settings, plus `extra`."""
    prefixes = ("HW_", "HUAWEICLOUD_SDK_", "OS_", "PULUMI_")
    return {**{k: v for k, v in os.environ.items() if not k.startswith(prefixes)}, **extra}


@dataclass
class Provider:
    """A running provider process and a stub to call it."""

    process: subprocess.Popen[str]
    stub: provider_pb2_grpc.ResourceProviderStub
    started_in: float  # seconds from start to the port printed

    def stderr(self) -> str:
        """What the process wrote on stderr (after it ended)."""
        assert self.process.stderr is not None
        return self.process.stderr.read()


@contextmanager
def provider_process(
    command: Sequence[str], env: Mapping[str, str] | None = None, engine: str = "127.0.0.1:1"
) -> Iterator[Provider]:
    """`command <engine address>` started as the engine starts a plugin; terminated when the block ends. By
    default no engine answers at `engine`: nothing may need one."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, engine],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(env) if env is not None else clean_environment(),
    )
    assert process.stdout is not None
    port = process.stdout.readline().strip()
    assert port.isdigit(), (
        f"expected the port alone on the first line, got {port!r}: {process.stderr.read() if process.stderr else ''}"
    )
    channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=ENGINE_CHANNEL_OPTIONS)
    try:
        yield Provider(process, provider_pb2_grpc.ResourceProviderStub(channel), time.perf_counter() - started)
    finally:
        channel.close()
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=60)  # a bound for a loaded machine


PLUGIN = [os.path.join(os.path.dirname(sys.executable), "pulumi-resource-cloudimages")]


def configure(provider: Provider, config: dict[str, Any]) -> None:
    variables = {f"cloudimages:config:{k}": str(v["value"] if is_secret(v) else v) for k, v in config.items()}
    provider.stub.Configure(provider_pb2.ConfigureRequest(args=struct(config), variables=variables, acceptSecrets=True))


def invoke(provider: Provider, args: dict[str, Any], token: str = FUNCTION) -> tuple[dict[str, Any], dict[str, str]]:
    """The invoke's return and its failures by property."""
    response = provider.stub.Invoke(provider_pb2.InvokeRequest(tok=token, args=struct(args)))
    return plain(getattr(response, "return")), {f.property: f.reason for f in response.failures}


def invoke_error(provider: Provider, args: dict[str, Any], token: str = FUNCTION) -> str:
    with pytest.raises(grpc.RpcError) as caught:
        invoke(provider, args, token)
    details = str(caught.value.details())  # type: ignore[attr-defined]
    assert "Traceback" not in details and 'File "' not in details
    return details
