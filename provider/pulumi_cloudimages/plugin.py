"""`pulumi-resource-cloudimages`: the provider plugin that serves `schema.json` and `getImages` to every
Pulumi language (TypeScript, Go, C#, Java, YAML; Python programs call `get_images` in-process instead).

The engine starts it as `pulumi-resource-cloudimages <engine address>`; it prints its gRPC port alone on
the first line of stdout, then serves Pulumi's `ResourceProvider` protocol until SIGTERM or SIGINT.

It is a thin adapter on the core: the stack's `cloudimages:*` config becomes `Settings` (as for
`get_images`, then the plugin's environment), the camelCase arguments go through `split_arguments`, the
same `alookup` chooses (concurrent identical invokes are sent once), and the result goes back shaped
as the schema's outputs. Every message names what the caller wrote: argument and config key names.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import re
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import grpc
import grpc.aio
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    Provider,
)
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime import proto
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2_grpc
from pulumi.runtime.rpc import UNKNOWN
from pulumi.runtime.rpc import _special_secret_sig as _SECRET_SIG
from pulumi.runtime.rpc import _special_sig_key as _SIG_KEY

from ._version import VERSION
from .arguments import ARGUMENT_NAMES, split_arguments
from .errors import CloudImagesError, ConfigurationError, InvalidQueryError, shown
from .lookup import alookup
from .naming import FUNCTION, PACKAGE, camel, rephrase
from .outputs import choice_values
from .redaction import redacted, secret_texts
from .schema import schema_text
from .settings import CONFIG_KEYS, CONFIG_WORDS, Settings, config_values, settings_from_config

# Properties the engine itself adds to a provider's inputs; they are not settings.
_ENGINE_KEYS = frozenset({"version", "pluginDownloadURL"})
ARGUMENTS: dict[str, str] = {camel(name): name for name in ARGUMENT_NAMES}
# `__support_*` flags the filter table does not list pass through, as in Python (`supportS4l`).
_EXTRA_SUPPORT_FLAG = re.compile(r"^support[A-Z0-9][A-Za-z0-9]*$")
_PYTHON_NAMES = (*ARGUMENT_NAMES, *CONFIG_KEYS.values())


def _in_schema_words(exc: CloudImagesError) -> str:
    """The message with Python names (`min_ram`, `max_retries`) as the schema writes them (`minRam`, `maxRetries`)."""
    return rephrase(exc.in_words(CONFIG_WORDS.where), _PYTHON_NAMES, camel)


class LookupFailed(Exception):
    """An invoke that reached the core and failed there: its message is for the user as it is."""


class CloudImagesProvider(Provider):
    """The provider: config checked and kept, `getImages` served."""

    def __init__(self) -> None:
        self._config: dict[str, Any] = {}  # config by key, as CheckConfig passed it; secrets live here only

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        return GetSchemaResponse(schema=_schema())

    async def check_config(self, request: CheckRequest) -> CheckResponse:
        failures = []
        secrets = _secret_texts(request.new_inputs)
        for key, value in _plain_map(request.new_inputs).items():
            if key in _ENGINE_KEYS or value == UNKNOWN:  # an unknown value is checked once it is known
                continue
            try:  # one key at a time, so every bad key gets its own failure
                Settings.validated(config_values({key: value}), CONFIG_WORDS)
            except ConfigurationError as exc:
                failures.append(CheckFailure(key, redacted(_in_schema_words(exc), secrets)))
        return CheckResponse(inputs=request.new_inputs, failures=failures)

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        if request.args:
            given = _plain_map(request.args)
        else:  # older engines send only `variables`, keyed `cloudimages:config:<key>`
            prefix = f"{PACKAGE}:config:"
            given = {k.removeprefix(prefix): v for k, v in request.variables.items() if k.startswith(prefix)}
        # CheckConfig has refused bad keys and values already; whatever is left surfaces at the first invoke.
        self._config = {key: value for key, value in given.items() if key not in _ENGINE_KEYS}
        return ConfigureResponse(accept_secrets=True, supports_preview=True)

    async def get_images(self, token: str, args: Mapping[str, PropertyValue]) -> Invoked:
        """An invoke: the result by the schema's names, or failures for arguments the core refused."""
        if token != FUNCTION:
            raise LookupFailed(f"unknown function {shown(token)}: the {PACKAGE} provider has {FUNCTION} only")
        given, failures = _arguments(args)
        if failures:
            return Invoked(failures=failures)
        secrets = _secret_texts(args)  # values the caller marked secret: never quoted in a message
        try:
            query, selection, overrides = split_arguments(given)
        except InvalidQueryError as exc:
            reason = redacted(_in_schema_words(exc), secrets)
            return Invoked(failures=[CheckFailure(camel(name), reason) for name in exc.names or ("",)])
        try:
            choice = await alookup(query, selection, settings_from_config(self._config, overrides))
        except CloudImagesError as exc:
            raise LookupFailed(redacted(f"{FUNCTION}: {_in_schema_words(exc)}", secrets)) from None
        secret = any(value.contains_secret() for value in args.values())
        return Invoked(outputs=choice_values(choice, camel), secret=secret)


@dataclass
class Invoked:
    """What an invoke gives back: the outputs (plain values; all secret when an argument was), or failures."""

    outputs: dict[str, Any] | None = None
    secret: bool = False
    failures: list[CheckFailure] = field(default_factory=list)

    def response(self) -> proto.InvokeResponse:
        response = proto.InvokeResponse(
            failures=[proto.CheckFailure(property=f.property, reason=f.reason) for f in self.failures]
        )
        if self.outputs is not None:
            outputs = self.outputs
            if self.secret:
                outputs = {key: {_SIG_KEY: _SECRET_SIG, "value": value} for key, value in outputs.items()}
            # Struct.update marshals in C: some 100x faster than PropertyValue for a listing of images.
            getattr(response, "return").update(outputs)
        return response


@cache
def _schema() -> str:
    return schema_text()


def _arguments(args: Mapping[str, PropertyValue]) -> tuple[dict[str, Any], list[CheckFailure]]:
    """The invoke's arguments by Python name, or a failure for each name the schema does not have."""
    given: dict[str, Any] = {}
    failures = []
    for key, value in _plain_map(args).items():
        if value == UNKNOWN:
            failures.append(CheckFailure(key, f"{key} is not known yet: {FUNCTION} needs every argument known"))
        elif key in ARGUMENTS:
            given[ARGUMENTS[key]] = value
        elif _EXTRA_SUPPORT_FLAG.match(key):
            given[re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()] = value
        else:
            close = difflib.get_close_matches(key, ARGUMENTS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            failures.append(CheckFailure(key, f"{FUNCTION} has no argument {shown(key)}{hint}"))
    return given, failures


def _plain_map(values: Mapping[str, PropertyValue]) -> dict[str, Any]:
    return {key: _plain(value) for key, value in values.items()}


def _plain(value: PropertyValue) -> Any:
    """A PropertyValue as plain Python: secrets unwrapped, whole numbers as int (the wire has only floats),
    an unknown value (in a preview) as Pulumi's UNKNOWN marker."""
    inner = value.value
    if isinstance(inner, Computed):
        return UNKNOWN
    if isinstance(inner, float) and inner.is_integer():
        return int(inner)
    if isinstance(inner, Mapping):
        return _plain_map(inner)
    if isinstance(inner, Sequence) and not isinstance(inner, str):
        return [_plain(item) for item in inner]
    return inner


def _secret_texts(values: Mapping[str, PropertyValue]) -> tuple[str, ...]:
    """How the values the caller marked secret could appear in a message."""
    return secret_texts(_plain(value) for value in values.values() if value.contains_secret())


class _Servicer(ProviderServicer):
    """The SDK's servicer, with `Invoke` served by `get_images`: a failure is sent as its message alone (the
    SDK's own wrapper appends a Python traceback, which tells a TypeScript user nothing)."""

    async def Invoke(self, request: Any, context: Any) -> Any:
        provider: CloudImagesProvider = self._provider  # type: ignore[assignment]
        try:
            invoked = await provider.get_images(request.tok, PropertyValue.unmarshal_map(request.args))
        except LookupFailed as exc:
            return await context.abort(grpc.StatusCode.UNKNOWN, str(exc))
        return invoked.response()


async def _serve(engine: str) -> None:
    server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
    servicer = _Servicer(sys.argv[1:], VERSION, CloudImagesProvider(), engine_address=engine)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(port, flush=True)  # the engine reads the port from the first line
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    await stop.wait()
    await server.stop(grace=1.0)


def main(argv: Sequence[str] | None = None) -> None:
    """The plugin's entry point: `pulumi-resource-cloudimages <engine address>`."""
    parser = argparse.ArgumentParser(
        prog=f"pulumi-resource-{PACKAGE}",
        description=f"Pulumi provider plugin for {FUNCTION}; started by the Pulumi engine.",
    )
    parser.add_argument("engine", help="the Pulumi engine's address")
    parser.add_argument("--logflow", action="store_true", help="accepted for the engine; logs go to the engine")
    parser.add_argument("--logtostderr", action="store_true", help="accepted for the engine")
    parser.add_argument("--tracing", help="accepted for the engine")
    args, _engine_flags = parser.parse_known_args(argv)  # e.g. -v=9, which the engine adds with --logflow
    asyncio.run(_serve(args.engine))


if __name__ == "__main__":
    main()
