"""`ProgramStack` and `run_program`: a Pulumi program run under Pulumi's mocks against the emulator."""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import dill  # type: ignore[import-untyped]
import pulumi
import pulumi.dynamic
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN, is_rpc_secret, unwrap_rpc_secret, wrap_rpc_secret

from ..choice.lookup import forget
from ..emulator import Emulator
from ..errors import CloudImagesError, ConfigurationError, shown
from ..ims.settings import SECRET_SETTINGS
from ..naming import PACKAGE, camel

_SECRET_KEYS = frozenset(f"{PACKAGE}:{camel(name)}" for name in SECRET_SETTINGS)  # marked secret, as a stack does
_DYNAMIC = "pulumi-python:dynamic"
_PROVIDER = "__provider"
Program = Callable[[], Awaitable[None] | None]
T = TypeVar("T")
# Pulumi's runtime keeps its state (mocks, config, root stack, pending work) in process-wide globals: two programs
# at once would mix theirs, so operations take turns.
_ONE_AT_A_TIME = threading.Lock()
_holder = [""]  # the program that holds it, for the message of a program kept waiting
_CANCEL_GRACE = 2.0  # seconds a timed-out program has to end once its tasks are cancelled


class CheckFailedError(CloudImagesError):
    """A dynamic resource's provider refused its inputs (Check), as `pulumi preview` or `up` would report it:
    every failure, each as `(input, reason)` in `failures`."""

    def __init__(self, message: str, failures: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.failures = failures


class ProgramTimeoutError(CloudImagesError, TimeoutError):
    """The program did not finish in the time given."""


@dataclass
class StoredResource:
    """A resource in the stack's state: its ID, the inputs it was last checked with and its outputs (values the
    engine stores as secrets are in its secret wrapper)."""

    typ: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]


@dataclass
class ProgramMocks(pulumi.runtime.Mocks):
    """The Pulumi engine, mocked: resources are recorded (`resources`, `registered`); a dynamic resource goes
    through its own provider, configured with the stack's config, against `stored` (the state of the last `up`)."""

    config: Mapping[str, str]
    preview: bool
    project: str = "test"
    stored: Mapping[str, StoredResource] = field(default_factory=dict)
    resources: list[pulumi.runtime.MockResourceArgs] = field(default_factory=list)
    registered: dict[str, StoredResource] = field(default_factory=dict)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        old = self.stored.get(args.name)
        if args.typ.startswith(_DYNAMIC):
            now = self._dynamic(args, old if old is not None and old.typ == args.typ else None)
        else:
            inputs = dict(args.inputs)
            known_id = old.id if old is not None else ("" if self.preview else f"{args.name}-id")
            now = StoredResource(args.typ, known_id, inputs, inputs)  # a new resource's ID is unknown in a preview
        self.registered[args.name] = now
        return now.id, _wire(now.outputs)

    def _dynamic(self, args: pulumi.runtime.MockResourceArgs, old: StoredResource | None) -> StoredResource:
        """What the engine does with a dynamic resource: Check, then Diff against the state, then Create or
        Update (in a preview, neither: outputs not known yet are unknown)."""
        provider = provider_of(args.inputs, self.config, self.project)
        # The provider answers acceptSecrets=False: the engine strips secret wrappers before every call
        # (pkg/resource/plugin/provider_plugin.go), and marks as secret the outputs named like secret inputs.
        secret = {name for name, value in args.inputs.items() if is_rpc_secret(value)}
        news = {name: _plain(value) for name, value in args.inputs.items()}
        checked = provider.check(dict(old.inputs) if old else {}, news)
        if checked.failures:
            failures = tuple((f.property, f.reason) for f in checked.failures)
            listed = "; ".join(f"{name}: {reason}" for name, reason in failures)
            raise CheckFailedError(f"{args.typ} {args.name!r}: {listed}", failures)
        inputs = dict(checked.inputs)
        if old is None:
            if self.preview:
                return StoredResource(args.typ, "", inputs, _secret_named(inputs, secret))
            created = provider.create(inputs)
            return StoredResource(args.typ, created.id, inputs, _stored_outputs(created.outs, inputs, secret))
        diff = provider.diff(old.id, _plain(old.outputs), inputs)
        changed = diff.changes if diff.changes is not None else _plain(old.inputs) != inputs
        if not changed:
            return StoredResource(args.typ, old.id, inputs, old.outputs)
        if self.preview:
            return StoredResource(args.typ, old.id, inputs, _secret_named(inputs, secret))
        updated = provider.update(old.id, _plain(old.outputs), inputs)
        return StoredResource(args.typ, old.id, inputs, _stored_outputs(updated.outs, inputs, secret))

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        raise NotImplementedError(f"no engine invoke is expected (pulumi_cloudimages runs in-process): {args.token}")


def provider_of(inputs: Mapping[str, Any], config: Mapping[str, str], project: str) -> pulumi.dynamic.ResourceProvider:
    """A dynamic resource's provider, from its `__provider` input, configured as the engine has it done."""
    provider: pulumi.dynamic.ResourceProvider = dill.loads(base64.b64decode(_plain(inputs[_PROVIDER])))
    provider.configure(pulumi.dynamic.ConfigureRequest(pulumi.dynamic.Config(dict(config), project)))
    return provider


def _plain(value: Any) -> Any:
    """A value with every secret wrapper removed, at any depth."""
    value = unwrap_rpc_secret(value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _stored_outputs(outs: Mapping[str, Any] | None, props: Mapping[str, Any], secret: set[str]) -> dict[str, Any]:
    """A provider's outputs as the engine stores them: with the `__provider` the dynamic provider server adds
    (`pulumi/dynamic/__main__.py`), and secret where an input of that name was."""
    return _secret_named({**(outs or {}), _PROVIDER: props[_PROVIDER]}, secret)


def _secret_named(outputs: dict[str, Any], secret: set[str]) -> dict[str, Any]:
    return {name: wrap_rpc_secret(value) if name in secret else value for name, value in outputs.items()}


def _wire(value: Any) -> Any:
    """Outputs as the mock monitor serialises them: an unknown as the sentinel."""
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, Mapping):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


def install_mocks(
    config: Mapping[str, str],
    *,
    project: str = "test",
    stack: str = "dev",
    preview: bool = False,
    stored: Mapping[str, StoredResource] | None = None,
) -> ProgramMocks:
    """Install fresh engine mocks in the current thread and context, with a new root stack and this config
    (keys ending in `secretKey`, `securityToken` or `authToken` are secret)."""
    from pulumi.runtime import settings

    settings.SETTINGS.rpc_manager.clear()  # work left by an earlier program belongs to its own event loop
    settings.SETTINGS.outputs.clear()
    settings.ROOT.set(None)  # else set_mocks keeps an earlier program's stack
    mocks = ProgramMocks(config, preview, project, stored or {})
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview)
    pulumi.runtime.set_all_config(dict(config), secret_keys=[k for k in config if k in _SECRET_KEYS])
    return mocks


class ProgramStack:
    """A stack of `program` that keeps its state between operations, as the engine does.

    - `up()`, `preview()`: run the program; return the stack's outputs as plain values (None for a value unknown
      in a preview). `up` keeps the resources' state; a resource the program no longer declares is deleted;
    - `refresh()`: Read of every resource that has a provider (dynamic resources), keeping what it returns;
    - `destroy()`: Delete of every resource; the state is empty after it;
    - `resources`: each resource's name to its state (outputs); `outputs`: the stack's, from the last `up`;
    - `emulator`: the emulator it runs against (`emulator.replace_catalog(...)` between steps).

    `catalog`: a catalog file's path or a catalog document (default: the bundled sample catalog); `config`: the
    stack's config by full key (`cloudimages:projectId`, `myproject:imageRollout`), `cloudimages:endpoint` set to
    the emulator's URL; `emulator`: a running `Emulator` instead of one started for the stack (then `catalog` must be
    None); `project`, `stack`: the names `pulumi.Config()` and `pulumi.get_stack()` see. Each operation takes a
    `timeout` in seconds: a program still running then ends in a `ProgramTimeoutError`.
    """

    def __init__(
        self,
        program: Program,
        *,
        catalog: str | Path | Mapping[str, Any] | None = None,
        config: Mapping[str, str] | None = None,
        emulator: Emulator | None = None,
        project: str = "test",
        stack: str = "dev",
    ) -> None:
        if emulator is not None and catalog is not None:
            raise ConfigurationError(
                f"ProgramStack: catalog={shown(catalog)} and emulator=<Emulator at {emulator.url}> given together: "
                "pass catalog for an emulator started for the stack, or emulator for one already serving its catalog",
                setting="catalog",
            )
        self._closing = ExitStack()
        self.emulator = emulator or self._closing.enter_context(Emulator(catalog))
        self.program, self.project, self.stack = program, project, stack
        self.config = {"cloudimages:endpoint": self.emulator.url, **(config or {})}
        self.outputs: dict[str, Any] = {}
        self._state: dict[str, StoredResource] = {}

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return {name: _visible(stored.outputs) for name, stored in self._state.items()}

    def up(self, *, timeout: float | None = None) -> dict[str, Any]:
        self.outputs = self._run(lambda: self._program(preview=False), timeout)
        return self.outputs

    def preview(self, *, timeout: float | None = None) -> dict[str, Any]:
        return self._run(lambda: self._program(preview=True), timeout)

    def refresh(self, *, timeout: float | None = None) -> dict[str, dict[str, Any]]:
        """Read every dynamic resource; returns `resources`."""

        def read_all() -> None:
            for stored in self._state.values():
                if stored.typ.startswith(_DYNAMIC):
                    provider = provider_of(stored.outputs, self.config, self.project)
                    read = provider.read(stored.id, _plain(stored.outputs))
                    stored.outputs = _stored_outputs(read.outs, stored.outputs, _secret_names(stored.outputs))

        self._run(read_all, timeout)
        return self.resources

    def destroy(self, *, timeout: float | None = None) -> None:
        def delete() -> None:
            for name in reversed(list(self._state)):
                self._delete(self._state.pop(name))

        self._run(delete, timeout)
        self.outputs = {}

    def close(self) -> None:
        """Stop the emulator started for the stack (the state is left as it is: nothing real was created)."""
        self._closing.close()

    def __enter__(self) -> ProgramStack:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _program(self, *, preview: bool) -> dict[str, Any]:
        from pulumi.runtime.stack import run_pulumi_func
        from pulumi.runtime.sync_await import _sync_await

        mocks = install_mocks(self.config, project=self.project, stack=self.stack, preview=preview, stored=self._state)
        try:
            _sync_await(run_pulumi_func(self.program))
        except BaseException:
            if not preview:  # each completed step is saved, as the engine saves it (pkg/backend/snapshot.go)
                self._state.update(mocks.registered)  # and nothing is deleted by a failed update
            raise
        root = pulumi.runtime.get_root_resource()
        assert root is not None  # set_mocks made one
        exported: dict[str, Any] = root.outputs  # type: ignore[attr-defined]
        # One by one: in a preview, one unknown output would make a whole dict of them unknown.
        outputs = {name: _sync_await(pulumi.Output.from_input(value).future()) for name, value in exported.items()}
        if not preview:
            for name in [name for name in self._state if name not in mocks.registered]:
                self._delete(self._state.pop(name))
            self._state = dict(mocks.registered)
        return outputs

    def _delete(self, stored: StoredResource) -> None:
        if stored.typ.startswith(_DYNAMIC):
            provider_of(stored.outputs, self.config, self.project).delete(stored.id, _plain(stored.outputs))

    def _run(self, operation: Callable[[], T], timeout: float | None) -> T:
        """`operation` on a thread of its own: a new context for Pulumi's context variables and a new event loop,
        so nothing of the caller's changes, and an earlier run's leftovers cannot reach this one."""
        if not _ONE_AT_A_TIME.acquire(timeout=-1 if timeout is None else timeout):
            raise ProgramTimeoutError(
                f"another Pulumi program ({_holder[0]}) was still running after {timeout} s: programs take turns, "
                "as Pulumi's runtime state is one per process"
            )
        _holder[0] = f"{_name(self.program)} of stack {self.project}/{self.stack}"
        done: Future[T] = Future()
        finished = threading.Event()
        loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            forget()  # lookups remembered from another catalog, and clients bound to another event loop
            try:
                done.set_result(operation())
            except BaseException as exc:  # handed to the caller, who raises it
                # The program's other futures may hold the same failure: it is reported here, once, not again
                # when they are collected ("Future exception was never retrieved", at exit on Python 3.10).
                loop.set_exception_handler(_unretrieved_ignored)
                done.set_exception(exc)
            finally:
                _drain(loop)
                forget()
                asyncio.set_event_loop(None)
                loop.close()
                finished.set()
                _ONE_AT_A_TIME.release()

        # A daemon: a program that never ends must not keep the test process alive.
        threading.Thread(target=run, name="pulumi-program", daemon=True).start()
        try:
            return done.result(timeout)
        except FutureTimeout:
            loop.call_soon_threadsafe(_cancel_all, loop)
            stopped = finished.wait(_CANCEL_GRACE)
            raise ProgramTimeoutError(
                f"the program did not finish within {timeout} s (an Output that never resolves, or a lookup "
                "waiting on the service?); "
                + (
                    "it was cancelled"
                    if stopped
                    else "it could not be cancelled (blocked outside asyncio: time.sleep, blocking I/O?) and keeps "
                    "its thread: later programs in this process wait for it"
                )
            ) from None


def _drain(loop: asyncio.AbstractEventLoop) -> None:
    """End the tasks a program left behind (cancelled by a timeout, or stragglers of its own) inside their loop,
    so that closing it destroys none still pending ("Task was destroyed but it is pending!")."""
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.wait(pending, timeout=_CANCEL_GRACE))


def _name(program: Callable[..., Any]) -> str:
    return getattr(program, "__qualname__", None) or repr(program)


def _unretrieved_ignored(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    if "never retrieved" not in str(context.get("message", "")):
        loop.default_exception_handler(context)


def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    for task in asyncio.all_tasks(loop):
        task.cancel()


def _secret_names(outputs: Mapping[str, Any]) -> set[str]:
    return {name for name, value in outputs.items() if is_rpc_secret(value)}


def _visible(outputs: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in outputs.items() if not name.startswith("__")}


def run_program(
    program: Program,
    *,
    catalog: str | Path | Mapping[str, Any] | None = None,
    config: Mapping[str, str] | None = None,
    preview: bool = False,
    emulator: Emulator | None = None,
    project: str = "test",
    stack: str = "dev",
    timeout: float | None = None,
) -> dict[str, Any]:
    """Run `program` (a callable doing what a `__main__.py` does) once, as `pulumi up` (or `pulumi preview`) of a
    new stack would, against the emulator, and return the stack's outputs as plain values (None for a value
    unknown in a preview). The arguments are `ProgramStack`'s; `timeout` in seconds ends a program that hangs."""
    with ProgramStack(program, catalog=catalog, config=config, emulator=emulator, project=project, stack=stack) as one:
        return one.preview(timeout=timeout) if preview else one.up(timeout=timeout)
