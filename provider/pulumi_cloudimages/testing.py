"""Test your own Pulumi program offline: `run_program` runs it under Pulumi's mocks against the emulator.

```python
from pulumi_cloudimages.testing import run_program

def program():                      # what your __main__.py does
    ubuntu = get_images(imagetype="gold", platform="Ubuntu", most_recent=True)
    pulumi.export("image_id", ubuntu.id)

def test_my_program():
    outputs = run_program(program, config={"cloudimages:projectId": "0a1b..."})
    assert outputs["image_id"] == "..."
```

The program's lookups reach a real emulator over HTTP (started for the call unless one is given), with
`cloudimages:endpoint` pointing at it; every other resource is recorded by the mocks, as the engine would
register it, and a dynamic resource such as `PinnedImage` is created by its own provider, configured with
the stack's config, as the engine has it done. The run happens on a thread of its own, with its own event
loop and context, so Pulumi's global state (mocks, config, root stack) of the caller is left as it was and
runs can follow each other in one test session.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import dill  # type: ignore[import-untyped]
import pulumi
import pulumi.dynamic

from .emulator import Catalog, Emulator
from .lookup import forget
from .naming import PACKAGE, camel
from .settings import SECRET_SETTINGS

__all__ = ["ProgramMocks", "install_mocks", "run_program"]

_SECRET_KEYS = frozenset(f"{PACKAGE}:{camel(name)}" for name in SECRET_SETTINGS)  # marked secret, as a stack does


class ProgramMocks(pulumi.runtime.Mocks):
    """The Pulumi engine, mocked: resources are recorded (`resources`), nothing else is mocked. A dynamic
    resource is created by its own provider, configured with the stack's config, as the engine has it done."""

    def __init__(self, config: Mapping[str, str], preview: bool) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []
        self.config = dict(config)
        self.preview = preview

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        if args.typ.startswith("pulumi-python:dynamic") and not self.preview:  # no create in a preview
            provider = dill.loads(base64.b64decode(args.inputs["__provider"]))
            provider.configure(pulumi.dynamic.ConfigureRequest(pulumi.dynamic.Config(self.config, "test")))
            checked = provider.check({}, dict(args.inputs))
            if checked.failures:
                failures = "; ".join(f"{f.property}: {f.reason}" for f in checked.failures)
                raise ValueError(f"{args.typ} {args.name}: {failures}")
            created = provider.create(checked.inputs)
            return created.id or f"{args.name}-id", dict(created.outs or {})
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        raise NotImplementedError(f"no engine invoke is expected (pulumi_cloudimages runs in-process): {args.token}")


def install_mocks(
    config: Mapping[str, str], *, project: str = "test", stack: str = "dev", preview: bool = False
) -> ProgramMocks:
    """Install fresh engine mocks in the current thread and context, with a new root stack and this config
    (keys ending in `secretKey`, `securityToken` or `authToken` are secret)."""
    from pulumi.runtime import settings

    settings.SETTINGS.rpc_manager.clear()  # work left by an earlier program belongs to its own event loop
    settings.SETTINGS.outputs.clear()
    settings.ROOT.set(None)  # else set_mocks keeps an earlier program's stack
    mocks = ProgramMocks(config, preview)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview)
    pulumi.runtime.set_all_config(dict(config), secret_keys=[k for k in config if k in _SECRET_KEYS])
    return mocks


def run_program(
    program: Callable[[], Awaitable[None] | None],
    *,
    catalog: str | Path | Mapping[str, Any] | None = None,
    config: Mapping[str, str] | None = None,
    preview: bool = False,
    emulator: Emulator | None = None,
    project: str = "test",
    stack: str = "dev",
) -> dict[str, Any]:
    """Run `program` (a callable doing what a `__main__.py` does) as `pulumi up` (or `pulumi preview`) would,
    against the emulator, and return the stack's outputs with every Output resolved to a plain value (None for
    a value unknown in a preview).

    - `catalog`: a catalog file's path or a catalog document (default: the bundled sample catalog);
    - `config`: the stack's config by full key (`cloudimages:projectId`, `myproject:imageRollout`);
      `cloudimages:endpoint` is set to the emulator's URL;
    - `emulator`: a running `Emulator` to use instead of starting one (then `catalog` must be None);
    - `project`, `stack`: the names `pulumi.Config()` and `pulumi.get_stack()` see.
    """
    if emulator is not None and catalog is not None:
        raise ValueError("give a catalog or an emulator serving one, not both")
    with ExitStack() as running:
        if emulator is None:
            emulator = running.enter_context(Emulator(_catalog(catalog)))
        settings = {"cloudimages:endpoint": emulator.url, **(config or {})}
        forget()  # lookups remembered from another catalog, and clients bound to another event loop
        running.callback(forget)
        # A thread of its own: a new context for Pulumi's context variables and a new event loop, so nothing
        # of the caller's changes, and an earlier run's leftovers cannot reach this one.
        with ThreadPoolExecutor(1, thread_name_prefix="pulumi-program") as pool:
            return pool.submit(_run, program, settings, project, stack, preview).result()


def _catalog(catalog: str | Path | Mapping[str, Any] | None) -> Catalog | str | Path | None:
    if isinstance(catalog, Mapping):  # a copy: reading a document consumes its images list
        return Catalog.from_data(json.loads(json.dumps(catalog)), "the catalog given to run_program")
    return catalog


def _run(
    program: Callable[[], Awaitable[None] | None], config: Mapping[str, str], project: str, stack: str, preview: bool
) -> dict[str, Any]:
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        install_mocks(config, project=project, stack=stack, preview=preview)
        _sync_await(run_pulumi_func(program))
        root = pulumi.runtime.get_root_resource()
        assert root is not None  # set_mocks made one
        exported: dict[str, Any] = root.outputs  # type: ignore[attr-defined]
        # One by one: in a preview, one unknown output would make a whole dict of them unknown.
        return {name: _sync_await(pulumi.Output.from_input(value).future()) for name, value in exported.items()}
    finally:
        asyncio.set_event_loop(None)
        loop.close()
