"""`pulumi-resource-cloudimages`: the provider plugin that serves `schema.json`, `getImages` and the resource
`PinnedImage` (`plugin_pinned.py`) to every Pulumi language (TypeScript, Go, C#, Java, YAML; Python programs
call `get_images` and use the dynamic `PinnedImage` in-process instead).

The engine starts it as `pulumi-resource-cloudimages <engine address>`; it prints its gRPC port alone on
the first line of stdout, then serves Pulumi's `ResourceProvider` protocol until SIGTERM or SIGINT, which
end it within `_HARD_EXIT_AFTER` seconds even in the middle of a lookup.

It is a thin adapter on the core: the stack's `cloudimages:*` config becomes `Settings` (as for
`get_images`, then the plugin's environment), the camelCase arguments go through `split_arguments`, the
same lookup chooses (`alookup_then`: concurrent identical invokes are sent once), and the result goes back shaped
as the schema's outputs. Every message names what the caller wrote (argument and config key names),
never quotes a value the caller marked secret (config or argument), and never a value not known yet.

The file reads top-down: the provider (config, `getImages`), the resources it serves (`RESOURCES`), the gRPC
servicer, and the process; what the engine sends is read in `plugin_wire.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import faulthandler
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import cache, partial
from types import FrameType
from typing import Any

import grpc
import grpc.aio
from google.protobuf import empty_pb2  # type: ignore[import-untyped]
from pulumi.runtime import proto
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2_grpc
from pulumi.runtime.rpc import _special_secret_sig as _SECRET_SIG
from pulumi.runtime.rpc import _special_sig_key as _SIG_KEY

from .._version import VERSION
from ..choice.arguments import ARGUMENT_NAMES, decidable, split_arguments
from ..choice.lookup import alookup_then
from ..choice.outputs import choice_values
from ..choice.selection import Choice
from ..errors import CloudImagesError, ConfigurationError, InvalidQueryError, quote_values_as_json, shown
from ..ims.settings import CONFIG_KEYS, CONFIG_WORDS, Settings, config_values, settings_from_config
from ..naming import FUNCTION, LOGGER, PACKAGE, camel, rephrase
from ..pin.pinning import Failure, has_unknown
from ..pin.state import PINNED_IMAGE
from ..redaction import redacted
from .engine import (
    PYTHON_NAMES,
    EngineLog,
    Given,
    Handler,
    Redacting,
    Refused,
    Resource,
    answered,
    check_failures,
    python_name,
    resource_type,
    short,
)
from .pinned_image import PinnedImageResource
from .schema import schema_text
from .structs import message_field, struct_bytes

log = logging.getLogger(__name__)

# Properties the engine itself adds to a provider's inputs; they are not settings.
_ENGINE_KEYS = frozenset({"version", "pluginDownloadURL"})
_ARGUMENT_WORDS = [camel(name) for name in ARGUMENT_NAMES]
_PYTHON_NAMES = (*ARGUMENT_NAMES, *CONFIG_KEYS.values())


# --- the provider: config and getImages -------------------------------------------------------------


class CloudImagesProvider:
    """The provider: config checked and kept, `getImages` served."""

    def __init__(self, engine: EngineLog | None = None) -> None:
        self.config: dict[str, Any] = {}  # config by key, as Configure passed it; secrets live here only
        self.config_secrets: tuple[str, ...] = ()  # how the config values marked secret could be quoted
        self.secret_config: frozenset[str] = frozenset()  # the keys whose value was marked secret
        self.unknown_config: tuple[str, ...] = ()  # keys whose value is not known yet (a preview)
        self.engine = engine or EngineLog(None)

    def check_config(self, news: Given) -> list[Failure]:
        failures = []
        for key, value in news.values.items():
            if key in _ENGINE_KEYS or has_unknown(value):  # an unknown value is checked once it is known
                continue
            # One key at a time, so every bad key gets its own failure. Never quoted: the engine strips the
            # secret marks before CheckConfig (provider_plugin.go `CheckConfig`: no KeepSecrets), so any value
            # could be a `pulumi config set --secret` one.
            try:
                Settings.validated(config_values({key: value}), CONFIG_WORDS, quote=False)
            except ConfigurationError as exc:
                failures.append(Failure(short(key), redacted(_camel_message(exc), news.secrets)))
        return failures

    def configure(self, args: Given) -> None:
        # CheckConfig has refused bad keys and values already; whatever is left surfaces at the first invoke.
        given = {key: value for key, value in args.values.items() if key not in _ENGINE_KEYS}
        self.unknown_config = tuple(key for key, value in given.items() if has_unknown(value))
        self.config = {key: value for key, value in given.items() if key not in self.unknown_config}
        self.config_secrets = args.secrets
        self.secret_config = args.secret_names

    async def invoke(self, token: str, args: Given) -> proto.InvokeResponse | bytes:
        """An invoke: the result by the schema's names, or failures for arguments the core refused."""
        if token != FUNCTION:
            raise Refused(
                grpc.StatusCode.UNIMPLEMENTED,
                f"unknown function {shown(token)}: the {PACKAGE} provider has {FUNCTION} only",
            )
        if self.unknown_config:
            # Config not known yet (a preview): answer as the engine itself does when a provider's config is
            # unknown, with an empty result and no request (sdk/go/common/resource/plugin/provider_plugin.go,
            # `Invoke`: "If the provider is not fully configured, return an empty property map"; that engine
            # never even configures a plugin with unknowns, and it refuses unknowns in an Invoke's return).
            return proto.InvokeResponse()
        secrets = (*self.config_secrets, *args.secrets)  # values the caller marked secret: never quoted
        given, words, failures = _arguments(args.values)
        try:
            query, selection, overrides = split_arguments(given)
        except InvalidQueryError as exc:  # every bad argument at once, each with its own reason
            not_known = {python_name(key) or key for key, value in args.values.items() if has_unknown(value)}
            failures += [Failure(words.get(name) or camel(name), _camel_message(problem, words))
                         for problem in decidable(exc, not_known) for name in problem.names or ("",)]  # fmt: skip
        if failures:
            return _failed(failures, secrets)
        try:
            # Marshalling a listing is work too (some 20 us an image): off the loop, with the lookup.
            return await alookup_then(
                query, selection, settings_from_config(self.config, overrides), _ANSWERS[args.secret]
            )
        except CloudImagesError as exc:
            message = redacted(f"{FUNCTION}: {_camel_message(exc, words)}", secrets)
            raise Refused(grpc.StatusCode.UNKNOWN, message) from None


def _answer(choice: Choice, secret: bool) -> bytes:
    """The invoke's answer, serialised: the choice by the schema's names, every output secret when an argument was.
    The Struct's bytes are written directly (Struct.update would set value after value in Python), and sent as
    they are (`_invoke_handler`): never parsed into a message only to be serialised again."""
    outputs = choice_values(choice, camel, rows=True)
    if secret:
        outputs = {key: {_SIG_KEY: _SECRET_SIG, "value": value} for key, value in outputs.items()}
    return message_field(proto.InvokeResponse.RETURN_FIELD_NUMBER, struct_bytes(outputs))


# One each, so that concurrent identical invokes share one lookup and its answer (`alookup_then`).
_ANSWERS: dict[bool, Callable[[Choice], bytes]] = {secret: partial(_answer, secret=secret) for secret in (False, True)}


def _failed(failures: list[Failure], secrets: Sequence[str]) -> proto.InvokeResponse:
    return proto.InvokeResponse(failures=check_failures(Failure(f.name, redacted(f.reason, secrets)) for f in failures))


def _camel_message(exc: CloudImagesError, words: Mapping[str, str] | None = None) -> str:
    """The message with Python names (`min_ram`, `max_retries`) as the schema writes them (`minRam`,
    `maxRetries`), and the further support flags as the caller wrote them (`words`: `supportFoo`)."""
    words = words or {}
    names = (*_PYTHON_NAMES, *words)
    return rephrase(exc.in_words(CONFIG_WORDS.where), names, lambda name: words.get(name) or camel(name))


def _arguments(args: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str], list[Failure]]:
    """The invoke's arguments by Python name; the further support flags' Python and wire names with the
    caller's (`support_foo`, `__support_foo` -> `supportFoo`); a failure for each argument not known yet
    or not in the schema."""
    given: dict[str, Any] = {}
    words: dict[str, str] = {}
    failures = []
    for key, value in args.items():
        name = python_name(key)
        if has_unknown(value):
            failures.append(
                Failure(short(key), f"{short(key)} is not known yet: {FUNCTION} needs every argument known")
            )
        elif name in ARGUMENT_NAMES:
            given[name] = value
        elif name is not None and key not in PYTHON_NAMES:  # a further support flag
            given[name] = value
            words.update({name: key, f"__{name}": key})
        else:  # no argument: an unknown key, or PinnedImage's keepers or an output
            close = difflib.get_close_matches(key, _ARGUMENT_WORDS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            failures.append(Failure(short(key), f"{FUNCTION} has no argument {shown(key)}{hint}"))
    return given, words, failures


@cache
def _schema() -> str:
    return schema_text()


# --- resources --------------------------------------------------------------------------------------


# The resource types served, by type token (`cloudimages:index:<Name>`), each made for the provider that serves
# it; the schema's `resources` match.
RESOURCES: dict[str, Callable[[CloudImagesProvider], Resource]] = {PINNED_IMAGE: PinnedImageResource}


def _resource(resources: Mapping[str, Resource], request: Any) -> Resource:
    """The resource a CRUD request is for; UNIMPLEMENTED naming the type when the provider has none such."""
    kind = resource_type(request)
    found = resources.get(kind)
    if found is None:
        served = f"its resources are {', '.join(resources)}" if resources else "it has no resources"
        raise Refused(
            grpc.StatusCode.UNIMPLEMENTED,
            f"the {PACKAGE} provider has no resource type {shown(kind)}: {served}; {FUNCTION} is a function "
            "(an invoke)",
        )
    return found


# --- the gRPC servicer ------------------------------------------------------------------------------


class _Servicer(provider_pb2_grpc.ResourceProviderServicer):
    """Pulumi's `ResourceProvider` protocol: config, the schema and `getImages` served; CRUD of the types in
    `RESOURCES` (set below the class); everything else (Construct, Call, other types) refused with
    UNIMPLEMENTED, naming what."""

    def __init__(self, provider: CloudImagesProvider) -> None:
        self.provider = provider
        self.resources = {kind: make(provider) for kind, make in RESOURCES.items()}

    async def GetPluginInfo(self, request: empty_pb2.Empty, context: Any) -> proto.PluginInfo:
        return proto.PluginInfo(version=VERSION)

    async def Cancel(self, request: empty_pb2.Empty, context: Any) -> empty_pb2.Empty:
        return empty_pb2.Empty()

    @answered
    async def GetSchema(self, request: proto.GetSchemaRequest, context: Any) -> proto.GetSchemaResponse:
        return proto.GetSchemaResponse(schema=_schema())

    @answered
    async def CheckConfig(self, request: proto.CheckRequest, context: Any) -> proto.CheckResponse:
        failures = self.provider.check_config(Given.read(request.news))
        return proto.CheckResponse(inputs=request.news, failures=check_failures(failures))

    @answered
    async def DiffConfig(self, request: proto.DiffRequest, context: Any) -> proto.DiffResponse:
        """The config keys that changed: an update of the provider in place, never a replacement (a replaced
        provider makes the engine replace every resource of it, without asking their Diff). Each PinnedImage's
        own Diff then tells whether it was chosen elsewhere than the new config points."""
        olds, news = Given.read(request.olds).values, Given.read(request.news).values
        changed = sorted(key for key in {*olds, *news} - set(_ENGINE_KEYS) if olds.get(key) != news.get(key))
        return proto.DiffResponse(
            changes=proto.DiffResponse.DIFF_SOME if changed else proto.DiffResponse.DIFF_NONE, diffs=changed
        )

    @answered
    async def Configure(self, request: proto.ConfigureRequest, context: Any) -> proto.ConfigureResponse:
        if request.args.fields:
            args = Given.read(request.args)
        else:  # older engines send only `variables`, keyed `cloudimages:config:<key>`
            prefix = f"{PACKAGE}:config:"
            variables = {k.removeprefix(prefix): v for k, v in request.variables.items() if k.startswith(prefix)}
            args = Given(variables)
        self.provider.configure(args)
        # acceptSecrets: inputs arrive with their secret wrappers, and the engine keeps an output secret only when
        # the answer wraps it (sdk/go/common/resource/plugin/provider_plugin.go: `KeepSecrets:
        # protocol.acceptSecrets`; `annotateSecrets` only for providers that do not accept them).
        # supportsPreview: Create and Update are called in a preview too (`req.Preview`), with unknowns kept.
        return proto.ConfigureResponse(acceptSecrets=True, supportsPreview=True)

    @answered
    async def Invoke(self, request: proto.InvokeRequest, context: Any) -> proto.InvokeResponse | bytes:
        return await self.provider.invoke(request.tok, Given.read(request.args))

    @answered
    async def Construct(self, request: proto.ConstructRequest, context: Any) -> proto.ConstructResponse:
        raise Refused(
            grpc.StatusCode.UNIMPLEMENTED,
            f"the {PACKAGE} provider has no component resources: it cannot construct {shown(request.type)}",
        )

    @answered
    async def Call(self, request: proto.CallRequest, context: Any) -> proto.CallResponse:
        raise Refused(
            grpc.StatusCode.UNIMPLEMENTED,
            f"the {PACKAGE} provider has no methods: it cannot call {shown(request.tok)}; {FUNCTION} is a "
            "function (an invoke)",
        )


def _to_resource(method: str) -> Handler[Any, Any]:
    async def serve(self: _Servicer, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        return await getattr(_resource(self.resources, request), method.lower())(request)

    serve.__name__ = method
    return answered(serve)


# The engine's CRUD calls: each to the resource of the request's type (`RESOURCES`), UNIMPLEMENTED without one.
for _method in ("Check", "Diff", "Create", "Read", "Update", "Delete"):
    setattr(_Servicer, _method, _to_resource(_method))


def _not_served(method: str) -> Callable[[_Servicer, Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[None]]:
    async def refuse(self: _Servicer, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, f"the {PACKAGE} provider does not implement {method}")

    return refuse


# The protocol's other methods (Handshake, DiffConfig, Parameterize, GetMapping...): UNIMPLEMENTED, which the
# engine expects of a provider without them, in a sentence rather than grpc's "Unexpected NotImplementedError".
for _method in dir(provider_pb2_grpc.ResourceProviderServicer):
    if not _method.startswith("_") and _method not in vars(_Servicer):
        setattr(_Servicer, _method, _not_served(_method))


def _invoke_handler(servicer: _Servicer) -> grpc.GenericRpcHandler:
    """Invoke as the generated code serves it (provider_pb2_grpc.py), but with an answer that may be serialised
    already (`_answer`)."""

    def serialised(response: proto.InvokeResponse | bytes) -> bytes:
        return response if isinstance(response, bytes) else response.SerializeToString()

    invoke = grpc.unary_unary_rpc_method_handler(
        servicer.Invoke, request_deserializer=proto.InvokeRequest.FromString, response_serializer=serialised
    )
    return grpc.method_handlers_generic_handler("pulumirpc.ResourceProvider", {"Invoke": invoke})


# --- the process ------------------------------------------------------------------------------------

_GRACE = 0.5  # seconds in-flight RPCs get to finish after SIGTERM/SIGINT
_HARD_EXIT_AFTER = 1.5  # seconds after the signal: the process ends then whatever still runs


def _arm_stop(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """SIGTERM/SIGINT: stop serving, and end the process `_HARD_EXIT_AFTER` seconds later at the latest.

    A plain `signal.signal` handler (not `loop.add_signal_handler`) runs as soon as the main thread runs
    Python again, even when the loop is busy; the hard exit is faulthandler's watchdog, a C thread that
    needs neither the loop nor the GIL, for a lookup still running on a worker thread (which `asyncio.run`
    would wait for). A second signal ends the process at once."""

    def on_signal(number: int, frame: FrameType | None) -> None:
        if stop.is_set():
            os._exit(128 + number)
        faulthandler.dump_traceback_later(_HARD_EXIT_AFTER, exit=True, file=_devnull())
        loop.call_soon_threadsafe(stop.set)

    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, on_signal)


@cache
def _devnull() -> Any:
    return open(os.devnull, "w")  # open for the process's life: the watchdog writes to it


async def _serve(engine: str) -> None:
    provider = CloudImagesProvider(EngineLog(engine))
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(Redacting(lambda: provider.config_secrets))
    package = logging.getLogger(LOGGER)
    package.addHandler(handler)
    package.propagate = False  # one line per record, through the redacting handler only
    server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
    servicer = _Servicer(provider)
    server.add_generic_rpc_handlers([_invoke_handler(servicer)])  # first: it serves Invoke instead of the generated
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    stop = asyncio.Event()
    _arm_stop(asyncio.get_running_loop(), stop)
    print(port, flush=True)  # the engine reads the port from the first line
    await stop.wait()
    await server.stop(grace=_GRACE)
    # Every RPC is answered or cancelled: a lookup still on a pool thread has no caller left, and
    # `asyncio.run` would wait for it (the watchdog's exit). Nothing else is left to do.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


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
    args, _ = parser.parse_known_args(argv)  # e.g. -v=9, which the engine adds with --logflow
    quote_values_as_json()  # the plugin's callers write TypeScript, Go, C# or YAML: `true`, not `True`
    asyncio.run(_serve(args.engine))


if __name__ == "__main__":
    main()
