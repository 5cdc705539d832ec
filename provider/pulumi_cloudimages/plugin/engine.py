"""The provider plugin's side of the engine's wire, shared by the provider (`plugin.py`: config, `getImages`)
and its resource (`plugin_pinned.py`: `PinnedImage`):

- what the engine sends, as plain values (`Given`), and the schema's camelCase names as the core's Python
  names (`python_name`);
- what goes back: refused inputs as `CheckFailure`s, a refused call as a gRPC error (`Refused`), warnings to the
  engine's log (`EngineLog`);
- the secrets of the request being handled (`handling`), which every message and log line masks (`masked`)
  beside the config's, even the text of an unexpected exception (`answered`, around every RPC);
- what a resource type served by the provider answers (`Resource`), and what it reads of the provider
  (`Configured`).
"""

from __future__ import annotations

import contextvars
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import grpc
import grpc.aio
from google.protobuf import empty_pb2, struct_pb2  # type: ignore[import-untyped]
from pulumi.runtime import proto
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc
from pulumi.runtime.rpc import UNKNOWN
from pulumi.runtime.rpc import _special_output_value_sig as _OUTPUT_SIG
from pulumi.runtime.rpc import _special_secret_sig as _SECRET_SIG
from pulumi.runtime.rpc import _special_sig_key as _SIG_KEY

from ..choice.arguments import ARGUMENT_NAMES, argument_name
from ..ims.query import sent_texts
from ..naming import camel
from ..pin.pinning import Failure
from ..pin.state import KEEPERS, OUTPUTS
from ..redaction import redacted, secret_texts

log = logging.getLogger(__name__)

# --- names -----------------------------------------------------------------------------------------

# The schema's names (getImages' arguments, PinnedImage's keepers and outputs) by the wire's camelCase.
PYTHON_NAMES: dict[str, str] = {camel(name): name for name in (*ARGUMENT_NAMES, KEEPERS, *OUTPUTS)}
_KEY_SHOWN = 80  # characters of a property name quoted in a failure


def python_name(key: str) -> str | None:
    """A wire name's Python name: an argument's (`minRam` -> `min_ram`, `supportS4l` -> `support_s4l`), the
    keepers' or an output's; None for any other key."""
    return PYTHON_NAMES.get(key) or argument_name(key)


def short(key: str) -> str:
    """A property name as a failure names it: cut short when long (a 100,000-character key)."""
    return key if len(key) <= _KEY_SHOWN else f"{key[:_KEY_SHOWN]}... ({len(key)} characters)"


# --- what the engine sends -------------------------------------------------------------------------


@dataclass(frozen=True)
class Given:
    """A Struct from the engine as plain values: secrets unwrapped, whole numbers as int (the wire has only
    floats), a value not known yet (in a preview) as Pulumi's `UNKNOWN`; `secrets` are the texts by which
    the values marked secret could appear in a message, `secret_names` the keys whose value is or holds one."""

    values: dict[str, Any]
    secrets: tuple[str, ...] = ()
    secret_names: frozenset[str] = frozenset()

    @property
    def secret(self) -> bool:
        return bool(self.secret_names)

    @classmethod
    def read(cls, message: struct_pb2.Struct) -> Given:
        marked: list[Any] = []
        values, names = {}, set()
        for key, value in message.fields.items():
            before = len(marked)
            values[key] = _from_property_value(value, marked)
            if len(marked) > before:
                names.add(key)
                marked.append(sent_texts(python_name(key) or key, values[key]))  # as a request line carries it
        return cls(values, secret_texts(marked), frozenset(names))


def _from_property_value(value: struct_pb2.Value, marked: list[Any]) -> Any:
    """A Struct value as a plain one; each value marked secret is also appended to `marked`."""
    kind = value.WhichOneof("kind")
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() else number
    if kind == "list_value":
        return [_from_property_value(item, marked) for item in value.list_value.values]
    if kind != "struct_value":
        return None if kind == "null_value" else getattr(value, str(kind))
    fields = value.struct_value.fields
    sig = fields[_SIG_KEY].string_value if _SIG_KEY in fields else None
    if sig in (_SECRET_SIG, _OUTPUT_SIG):  # a secret, or an output value (not known yet when it holds none)
        inner = _from_property_value(fields["value"], marked) if "value" in fields else UNKNOWN
        if sig == _SECRET_SIG or ("secret" in fields and fields["secret"].bool_value):
            marked.append(inner)
        return inner
    return {key: _from_property_value(item, marked) for key, item in fields.items()}


# --- the request's secrets ---------------------------------------------------------------------------

# The request being handled, whose secrets are every value marked secret in any of its Structs (inputs, state).
# Each RPC runs in its own task, and `asyncio.to_thread` copies the context to the worker thread.
_REQUEST: contextvars.ContextVar[Any] = contextvars.ContextVar("request", default=None)


@contextmanager
def handling(request: Any) -> Iterator[None]:
    """While a request (a protobuf message) is handled: its secrets are masked by `masked`."""
    token = _REQUEST.set(request)
    try:
        yield
    finally:
        _REQUEST.reset(token)


def masked(text: str, config_secrets: Sequence[str]) -> str:
    """`text` without the config's secrets nor those of the request being handled."""
    return redacted(text, sorted({*config_secrets, *_secrets_of(_REQUEST.get())}, key=len, reverse=True))


def _secrets_of(request: Any) -> tuple[str, ...]:
    # Read only when a text is to be masked (rare): a state's secret image costs some 0.5 ms to read.
    if request is None:
        return ()
    marked: list[Any] = []
    for _, value in request.ListFields():
        if isinstance(value, struct_pb2.Struct):
            for item in value.fields.values():
                _from_property_value(item, marked)
    return secret_texts(marked)


class Redacting(logging.Filter):
    """Keeps the secret values of the config (`config_secrets()`) and of the request being handled out of every
    log line."""

    def __init__(self, config_secrets: Callable[[], Sequence[str]]) -> None:
        super().__init__()
        self.config_secrets = config_secrets

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = masked(record.getMessage(), self.config_secrets()), None
        return True


# --- what goes back ------------------------------------------------------------------------------------


class Refused(Exception):
    """An RPC answered with a gRPC error: `code` and a message meant for the user as it is."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_failures(failures: Iterable[Failure]) -> list[proto.CheckFailure]:
    return [proto.CheckFailure(property=f.name, reason=f.reason) for f in failures]


_Request = TypeVar("_Request")
_Response = TypeVar("_Response")
Handler = Callable[[Any, _Request, grpc.aio.ServicerContext[Any, Any]], Awaitable[_Response]]


def answered(method: Handler[_Request, _Response]) -> Handler[_Request, _Response]:
    """A servicer's RPC whose failures reach the engine as one clear message: a `Refused` with its code, anything
    unexpected as INTERNAL with its one-line text (logged once); never a Python traceback, never a secret of the
    config or of the request."""

    @functools.wraps(method)
    async def answer(self: _Serving, request: _Request, context: grpc.aio.ServicerContext[Any, Any]) -> _Response:
        with handling(request):
            try:
                return await method(self, request, context)
            except Refused as exc:
                await context.abort(exc.code, str(exc))
            except Exception as exc:  # a bug: say what, keep it short, keep secrets out
                text = masked(f"{method.__name__} failed: {type(exc).__name__}: {exc}", self.provider.config_secrets)
                log.error("%s", text.splitlines()[0] if text else text)
                await context.abort(grpc.StatusCode.INTERNAL, text)
        raise AssertionError("context.abort raises")  # pragma: no cover

    return answer


_LOG_TIMEOUT = 5.0  # seconds a warning may take to reach the engine


class EngineLog:
    """Warnings for the user, sent to the engine's `Log` RPC at the address the engine starts the plugin with,
    tied to a resource's URN, as `pulumi.log.warn` sends a program's (`pulumi/log.py`). The experimental provider
    server (`pulumi/provider/experimental/server.py`) keeps its engine address for Construct and Call only, so
    there is no SDK facility to reuse. With no engine answering, the warning goes to stderr, which the engine
    keeps in its own log. Messages come with the config's secrets and the secret inputs masked (`pinning.py`);
    any other secret of the request (an output made secret by the program, `additionalSecretOutputs`) is
    masked here."""

    def __init__(self, address: str | None) -> None:
        self.address = address
        self._stub: engine_pb2_grpc.EngineStub | None = None

    async def warn(self, message: str, urn: str = "") -> None:
        message = masked(message, ())
        if self.address:
            if self._stub is None:  # made on the serving loop, at the first warning
                channel = grpc.aio.insecure_channel(self.address, options=_GRPC_CHANNEL_OPTIONS)
                self._stub = engine_pb2_grpc.EngineStub(channel)
            request = engine_pb2.LogRequest(severity=engine_pb2.WARNING, message=message, urn=urn)
            try:
                await self._stub.Log(request, timeout=_LOG_TIMEOUT)
                return
            except grpc.aio.AioRpcError as exc:
                log.debug("the engine at %s did not take a warning: %s", self.address, exc.code())
        log.warning("%s", message)


# --- the provider and its resources -------------------------------------------------------------------------


class Configured(Protocol):
    """What a resource reads of the provider that serves it: the config as Configure passed it (`plugin.py`,
    `CloudImagesProvider`) and the engine's log."""

    config: dict[str, Any]
    config_secrets: tuple[str, ...]  # how the config values marked secret could be quoted
    unknown_config: tuple[str, ...]  # keys whose value is not known yet (a preview)
    secret_config: frozenset[str]  # keys whose value was marked secret
    engine: EngineLog


class _Serving(Protocol):
    @property
    def provider(self) -> Configured: ...


class Resource(Protocol):
    """What the provider needs to serve a resource type: the engine's CRUD calls, as gRPC requests."""

    async def check(self, request: proto.CheckRequest) -> proto.CheckResponse: ...
    async def diff(self, request: proto.DiffRequest) -> proto.DiffResponse: ...
    async def create(self, request: proto.CreateRequest) -> proto.CreateResponse: ...
    async def read(self, request: proto.ReadRequest) -> proto.ReadResponse: ...
    async def update(self, request: proto.UpdateRequest) -> proto.UpdateResponse: ...
    async def delete(self, request: proto.DeleteRequest) -> empty_pb2.Empty: ...


def resource_type(request: Any) -> str:
    """The type a CRUD request is for: as given, else read from its URN
    (`urn:pulumi:<stack>::<project>::<parent types$>type::<name>`)."""
    parts = request.urn.split("::")
    return str(request.type or (parts[2].rsplit("$", 1)[-1] if len(parts) >= 4 else request.urn))
