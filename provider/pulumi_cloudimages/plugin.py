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
    InvokeRequest,
    InvokeResponse,
    Provider,
)
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime import proto
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2_grpc

from ._version import VERSION
from .arguments import INPUT_MODELS, split_arguments
from .errors import CloudImagesError, ConfigurationError, InvalidQueryError
from .lookup import alookup
from .naming import FUNCTION, PACKAGE, camel, rephrase
from .outputs import choice_values
from .schema import schema_text
from .settings import CONFIG_KEYS, Settings, config_values

# Properties the engine itself adds to a provider's inputs; they are not settings.
_ENGINE_KEYS = frozenset({"version", "pluginDownloadURL"})
ARGUMENTS: dict[str, str] = {camel(name): name for model in INPUT_MODELS for name in model.model_fields}
# `__support_*` flags the filter table does not list pass through, as in Python (`supportS4l`).
_EXTRA_SUPPORT_FLAG = re.compile(r"^support[A-Z0-9][A-Za-z0-9]*$")
_PYTHON_NAMES = tuple(ARGUMENTS.values()) + tuple(CONFIG_KEYS.values())


def _in_schema_words(exc: CloudImagesError) -> str:
    """The message with Python names (`min_ram`, `max_retries`) as the schema writes them (`minRam`, `maxRetries`)."""
    return rephrase(str(exc), [*_PYTHON_NAMES, *getattr(exc, "names", ())], camel)


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
        for key, value in _plain_map(request.new_inputs).items():
            if key in _ENGINE_KEYS:
                continue
            try:  # one key at a time, so every bad key gets its own failure
                Settings.validated(config_values({key: value}))
            except ConfigurationError as exc:
                failures.append(CheckFailure(key, _in_schema_words(exc)))
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

    async def invoke(self, request: InvokeRequest) -> InvokeResponse:
        if request.tok != FUNCTION:
            raise LookupFailed(f"unknown function {request.tok!r}: the {PACKAGE} provider has {FUNCTION} only")
        given, failures = _arguments(request.args)
        if failures:
            return InvokeResponse(failures=failures)
        try:
            query, selection, overrides = split_arguments(given)
        except InvalidQueryError as exc:
            reason = _in_schema_words(exc)
            return InvokeResponse(failures=[CheckFailure(camel(name), reason) for name in exc.names or ("",)])
        try:
            config = config_values(self._config)
            settings = Settings.resolve(**{**config, **overrides.model_dump(exclude_none=True)})
            choice = await alookup(query, selection, settings)
        except ConfigurationError as exc:
            raise LookupFailed(f"{FUNCTION}: {_in_schema_words(exc)}") from None
        except CloudImagesError as exc:
            raise LookupFailed(f"{FUNCTION}: {_in_schema_words(exc)}") from None
        secret = any(value.contains_secret() for value in request.args.values())
        return InvokeResponse(return_value=_property_map(_camel_keys(choice_values(choice)), secret))


@cache
def _schema() -> str:
    return schema_text()


def _arguments(args: Mapping[str, PropertyValue]) -> tuple[dict[str, Any], list[CheckFailure]]:
    """The invoke's arguments by Python name, or a failure for each name the schema does not have."""
    given: dict[str, Any] = {}
    failures = []
    for key, value in _plain_map(args).items():
        if key in ARGUMENTS:
            given[ARGUMENTS[key]] = value
        elif _EXTRA_SUPPORT_FLAG.match(key):
            given[re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()] = value
        else:
            close = difflib.get_close_matches(key, ARGUMENTS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            failures.append(CheckFailure(key, f"{FUNCTION} has no argument {key!r}{hint}"))
    return given, failures


def _plain_map(values: Mapping[str, PropertyValue]) -> dict[str, Any]:
    return {key: _plain(value) for key, value in values.items()}


def _plain(value: PropertyValue) -> Any:
    """A PropertyValue as plain Python: secrets unwrapped, whole numbers as int (the wire has only floats)."""
    inner = value.value
    if isinstance(inner, Computed):
        raise LookupFailed("an argument is unknown: invoke it once its inputs are known")
    if isinstance(inner, float) and inner.is_integer():
        return int(inner)
    if isinstance(inner, Mapping):
        return _plain_map(inner)
    if isinstance(inner, Sequence) and not isinstance(inner, str):
        return [_plain(item) for item in inner]
    return inner


def _camel_keys(values: dict[str, Any]) -> dict[str, Any]:
    """The result's names as the schema has them; `groups` keys and `extra` keys are data, kept as they are."""
    out = {camel(key): value for key, value in values.items()}
    out["image"] = _camel_image(values["image"])
    out["images"] = [_camel_image(image) for image in values["images"]]
    out["groups"] = {key: _camel_image(image) for key, image in values["groups"].items()}
    return out


def _camel_image(image: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if image is None else {camel(key): value for key, value in image.items()}


def _property_map(values: Mapping[str, Any], secret: bool) -> dict[str, PropertyValue]:
    return {key: _property(value).with_secret(secret) for key, value in values.items()}


def _property(value: Any) -> PropertyValue:
    if isinstance(value, Mapping):
        return PropertyValue({key: _property(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return PropertyValue([_property(item) for item in value])
    if isinstance(value, int) and not isinstance(value, bool):
        return PropertyValue(float(value))
    return PropertyValue(value)


class _Servicer(ProviderServicer):
    """The SDK's servicer, with a failed invoke sent as its message alone (the SDK's own wrapper appends
    a Python traceback, which tells a TypeScript user nothing)."""

    async def Invoke(self, request: Any, context: Any) -> Any:
        try:
            args = PropertyValue.unmarshal_map(request.args)
            response = await self._provider.invoke(InvokeRequest(request.tok, args))
        except LookupFailed as exc:
            return await context.abort(grpc.StatusCode.UNKNOWN, str(exc))
        fields: dict[str, Any] = {"failures": [proto.CheckFailure(property=f.property, reason=f.reason)
                                               for f in response.failures]}  # fmt: skip
        if response.return_value is not None:
            fields["return"] = PropertyValue.marshal_map(response.return_value)
        return proto.InvokeResponse(**fields)


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
