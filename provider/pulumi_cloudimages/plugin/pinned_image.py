"""`cloudimages:index:PinnedImage` in the provider plugin: the engine's CRUD calls translated to `pinning.py`,
which decides everything (as it does for the Python dynamic resource in `pinned.py`). Here only the wire:

- names: the schema's camelCase (`minRam`, `imageId`) to the core's Python names and back; a state key this
  version does not know is kept as it is;
- secrets: the plugin accepts them (`plugin.py`, Configure), so a secret input arrives wrapped and the engine
  keeps an output secret only when it comes back wrapped (sdk/go/common/resource/plugin/provider_plugin.go:
  `KeepSecrets: protocol.acceptSecrets`, and `annotateSecrets` runs only for providers that do not accept
  them): the outputs the core names secret (`image` when a filter was, the secret inputs themselves) are wrapped;
- previews: Check and Diff take unknowns (the core never refuses one; an unknown input may change); Create and
  Update are called in a preview too (`req.Preview`, unknowns kept) and answer the inputs with every output
  unknown, without a request, as the Python resource (whose provider the engine does not call in a preview);
- the ID: Create makes an opaque `pin-<uuid>` (as the Python resource), and Read answers the ID it was given.
  Import (`pulumi import cloudimages:index:PinnedImage web <image-id>`) is a Read with that ID and no state
  (pkg/resource/deploy/step.go, `ImportStep.Apply`: it keeps `read.ID` and needs `read.Inputs`), so an
  imported pin's ID is its image ID. The ID never moves with the pin (Update returns no ID): `imageId` is
  what to use;
- warnings (refresh of a pinned image gone or revoked) go to the engine's log, tied to the resource's URN.

The core's lookups block, so each runs on a worker thread: the plugin's event loop stays free.
"""

from __future__ import annotations

import asyncio
import difflib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from google.protobuf import empty_pb2, struct_pb2  # type: ignore[import-untyped]
from pulumi.runtime import proto
from pulumi.runtime.rpc import UNKNOWN
from pulumi.runtime.rpc import _special_secret_sig as _SECRET_SIG
from pulumi.runtime.rpc import _special_sig_key as _SIG_KEY

from ..choice.arguments import ARGUMENT_NAMES
from ..errors import CloudImagesError, shown
from ..naming import camel
from ..pin.pinning import Failure, Imported, PinnedImageError, Pinning, PinState, has_unknown
from ..pin.state import KEEPERS, OUTPUTS
from .engine import PYTHON_NAMES, Configured, Given, Refused, check_failures, python_name, short

_INPUT_WORDS = [camel(name) for name in (*ARGUMENT_NAMES, KEEPERS)]
_SCHEMA_NAMES = frozenset(PYTHON_NAMES.values())
T = TypeVar("T")


@dataclass(frozen=True)
class _Props:
    """Properties by the core's Python names; `wire` gives each back its key as sent (`supportFooBar`),
    `secret` the names whose value was marked secret."""

    values: dict[str, Any]
    wire: dict[str, str]
    secret: frozenset[str]
    unknown_names: tuple[str, ...] = ()  # keys that are neither an input nor an output of the schema

    @classmethod
    def read(cls, message: struct_pb2.Struct) -> _Props:
        given = Given.read(message)
        values, wire, unknown = {}, {}, []
        for key, value in given.values.items():
            name = python_name(key)
            if name is None:
                name = key  # a later version's output, or a name Check refuses: kept as it is
                unknown.append(key)
            values[name], wire[name] = value, key
        secret = frozenset(name for name, key in wire.items() if key in given.secret_names)
        return cls(values, wire, secret, tuple(unknown))

    def secret_inputs(self) -> frozenset[str]:
        """The secret names among the inputs: what the core must never quote nor repeat in plain text."""
        return frozenset(name for name in self.secret if name not in OUTPUTS)


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def _secret(value: Any) -> dict[str, Any]:
    return {_SIG_KEY: _SECRET_SIG, "value": value}


class PinnedImageResource:
    """The CRUD of `cloudimages:index:PinnedImage` for one provider (its config and its engine log)."""

    def __init__(self, provider: Configured) -> None:
        self.provider = provider

    def _pinning(self) -> Pinning:
        # Config not known yet stays so (the core refuses to send anything with it); the engine does not
        # even call Create or Update then (provider_plugin.go: `pcfg.known`).
        config = {**self.provider.config, **dict.fromkeys(self.provider.unknown_config, UNKNOWN)}
        return Pinning(config, word=camel, secret_config=self.provider.secret_config)

    async def _run(self, call: Callable[[], T]) -> T:
        """A core call, on a worker thread; its refusal as one gRPC error in the schema's words."""
        try:
            return await asyncio.to_thread(call)
        except CloudImagesError as exc:  # the core's own errors are PinnedImageErrors, secrets masked
            code = grpc.StatusCode.NOT_FOUND if isinstance(exc, _NotVisible) else grpc.StatusCode.UNKNOWN
            raise Refused(code, str(exc)) from None

    async def _answer(self, state: PinState, props: _Props, urn: str) -> struct_pb2.Struct:
        """The state as the engine stores it: by the keys as sent, secret outputs wrapped; warnings logged."""
        for warning in state.warnings:
            await self.provider.engine.warn(warning, urn)
        wire = {
            props.wire.get(name) or (camel(name) if name in _SCHEMA_NAMES else name): (
                _secret(value) if name in state.secret else value
            )
            for name, value in state.values.items()
        }
        return _struct(wire)

    async def check(self, request: proto.CheckRequest) -> proto.CheckResponse:
        news = _Props.read(request.news)
        # An output (`imageId`) or a name the schema does not have is refused, never dropped.
        not_inputs = [key for name, key in news.wire.items() if name in OUTPUTS or key in news.unknown_names]
        failures = [Failure(short(key), f"PinnedImage has no input {shown(key)}{_hint(key)}") for key in not_inputs]
        inputs = {name: value for name, value in news.values.items() if news.wire[name] not in not_inputs}
        failures += self._pinning().check(inputs, news.secret_inputs())
        return proto.CheckResponse(inputs=request.news, failures=check_failures(failures))

    async def diff(self, request: proto.DiffRequest) -> proto.DiffResponse:
        olds, news = _Props.read(request.olds), _Props.read(request.news)
        pinning = self._pinning()
        paths = await self._run(lambda: pinning.changed_paths(olds.values, news.values))
        moved = pinning.moved(olds.values, news.values)
        if moved is not None:
            await self.provider.engine.warn(f"PinnedImage is chosen again where the config now points ({moved})",
                                            request.urn)  # fmt: skip
        wire = {**olds.wire, **news.wire}
        # A detailed diff by property path, so that `replaceOnChanges: ["keepers.rollout"]` matches
        # (pkg/resource/deploy/step_generator.go, `applyReplaceOnChanges`) and `preview --diff` shows the key.
        # `chosenIn` is an output only: `preview --diff` shows it deleted, as the engine takes a property's new value
        # from the new inputs (pkg/engine/detailedDiff.go, TranslateDetailedDiff); the warning above says the move.
        detailed = {_path(wire.get(path[0]) or camel(path[0]), path[1:]): proto.PropertyDiff(kind=_KINDS[kind],
                                                                                         inputDiff=True)
                    for path, kind in paths.items()}  # fmt: skip
        return proto.DiffResponse(
            changes=proto.DiffResponse.DIFF_SOME if paths else proto.DiffResponse.DIFF_NONE,
            diffs=sorted({wire.get(path[0]) or camel(path[0]) for path in paths}),
            replaces=[],  # a moved pin is an update in place: the resource holds no cloud object
            deleteBeforeReplace=False,
            detailedDiff=detailed,
            hasDetailedDiff=True,
        )

    async def create(self, request: proto.CreateRequest) -> proto.CreateResponse:
        if request.preview and not self._known(request.properties):
            return proto.CreateResponse(properties=_not_known_yet(request.properties))
        props = _Props.read(request.properties)
        state = await self._run(lambda: self._pinning().resolve(props.values, props.secret_inputs()))
        # In a preview, no ID: the engine gives a resource not created yet an unknown one (step.go, CreateStep).
        pin_id = "" if request.preview else f"pin-{uuid.uuid4()}"
        return proto.CreateResponse(id=pin_id, properties=await self._answer(state, props, request.urn))

    async def update(self, request: proto.UpdateRequest) -> proto.UpdateResponse:
        if request.preview and not self._known(request.news):
            return proto.UpdateResponse(properties=_not_known_yet(request.news))
        olds, news = _Props.read(request.olds), _Props.read(request.news)
        state = await self._run(lambda: self._pinning().update(olds.values, news.values, news.secret_inputs()))
        return proto.UpdateResponse(properties=await self._answer(state, news, request.urn))

    def _known(self, inputs: struct_pb2.Struct) -> bool:
        """Whether a preview can resolve the pin as `up` would, as a getImages invoke does in a preview: every
        input and the config known. Its outputs are then what the catalog holds at preview time."""
        return not self.provider.unknown_config and not has_unknown(Given.read(inputs).values)

    async def read(self, request: proto.ReadRequest) -> proto.ReadResponse:
        if not request.properties.fields:  # import (or `PinnedImage.get`): the ID alone, an image ID
            adopted = await self._run(lambda: _adopt(self._pinning(), request.id))
            empty = _Props({}, {}, frozenset())
            properties = await self._answer(adopted.state, empty, request.urn)
            inputs = _struct({camel(name): value for name, value in adopted.inputs.items()})
            return proto.ReadResponse(id=request.id, properties=properties, inputs=inputs)
        state = _Props.read(request.properties)
        refreshed = await self._run(lambda: self._pinning().refresh(state.values, state.secret_inputs()))
        properties = await self._answer(refreshed, state, request.urn)
        # The inputs are what the program wrote: unchanged by a refresh (echoed with their secret wrappers).
        inputs = request.inputs if request.inputs.fields else None
        return proto.ReadResponse(id=request.id, properties=properties, inputs=inputs)

    async def delete(self, request: proto.DeleteRequest) -> empty_pb2.Empty:
        return empty_pb2.Empty()  # the pin lives in the stack's state only: nothing to delete elsewhere


class _NotVisible(PinnedImageError):
    """An import of an image ID that is not visible: NOT_FOUND."""


def _adopt(pinning: Pinning, image_id: str) -> Imported:
    try:
        return pinning.adopt(image_id)
    except PinnedImageError as exc:
        raise _NotVisible(f"cannot import PinnedImage {shown(image_id)}: {exc}") from None


_KINDS = {"add": proto.PropertyDiff.ADD, "delete": proto.PropertyDiff.DELETE, "update": proto.PropertyDiff.UPDATE}


def _path(top: str, keys: tuple[str, ...]) -> str:
    """A property path as the engine reads one (resource.ParsePropertyPath): `keepers.rollout`, or
    `keepers["a.b"]` for a key that is not a plain name."""
    return top + "".join(f".{key}" if key.isidentifier() else f"[{json.dumps(key)}]" for key in keys)


def _not_known_yet(inputs: struct_pb2.Struct) -> struct_pb2.Struct:
    """A preview's answer: the inputs as given, every output unknown (no request is sent in a preview)."""
    answer = struct_pb2.Struct()
    answer.CopyFrom(inputs)
    answer.update({camel(name): UNKNOWN for name in OUTPUTS})
    return answer


def _hint(key: str) -> str:
    close = difflib.get_close_matches(key, _INPUT_WORDS, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""
