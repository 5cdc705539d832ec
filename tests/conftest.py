"""Shared test setup: no credentials or region leak in from the machine's environment."""

from __future__ import annotations

import asyncio
import base64
import os
import runpy
from pathlib import Path
from typing import Any

import dill
import pulumi
import pulumi.dynamic
import pytest

from pulumi_cloudimages.lookup import forget as forget_lookups

SECRET_SUFFIXES = (":secretKey", ":securityToken", ":authToken")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("HW_", "HUAWEICLOUD_SDK_", "OS_", "PULUMI_")):
            monkeypatch.delenv(name)


class EngineMocks(pulumi.runtime.Mocks):
    """The Pulumi engine, mocked: resources are recorded, nothing else is mocked. A dynamic resource is
    created by its own provider, configured with the stack's config, as the engine has it done."""

    def __init__(self, config: dict[str, str], preview: bool) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []
        self.config = config
        self.preview = preview

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        if args.typ.startswith("pulumi-python:dynamic") and not self.preview:  # no create in a preview
            provider = dill.loads(base64.b64decode(args.inputs["__provider"]))
            provider.configure(pulumi.dynamic.ConfigureRequest(pulumi.dynamic.Config(self.config, "test")))
            checked = provider.check({}, dict(args.inputs))
            assert checked.failures == [], [(f.property, f.reason) for f in checked.failures]
            created = provider.create(checked.inputs)
            return created.id, created.outs
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        raise AssertionError(f"no engine invoke is expected, got {args.token}")


def start_engine(project: str = "test", preview: bool = False, config: dict[str, str] | None = None) -> EngineMocks:
    """Install fresh engine mocks (they are process-global) with a new root stack and this config."""
    from pulumi.runtime import settings

    forget_lookups()
    asyncio.set_event_loop(asyncio.new_event_loop())  # the runtime runs on the thread's loop; asyncio.run leaves none
    settings.SETTINGS.rpc_manager.clear()  # work left by an earlier program belongs to its own loop
    settings.SETTINGS.outputs.clear()
    settings.ROOT.set(None)
    mocks = EngineMocks(config or {}, preview)
    pulumi.runtime.set_mocks(mocks, project=project, stack="dev", preview=preview)
    pulumi.runtime.set_all_config(config or {}, secret_keys=[k for k in config or {} if k.endswith(SECRET_SUFFIXES)])
    return mocks


def run_program(main: Path, project: str, config: dict[str, str], preview: bool = False) -> dict[str, Any]:
    """Run a Pulumi program's `__main__.py` under the Pulumi runtime and return its resolved stack outputs."""
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    start_engine(project, preview, config)
    _sync_await(run_pulumi_func(lambda: runpy.run_path(str(main), run_name="__main__")))
    root = pulumi.runtime.get_root_resource()
    assert root is not None
    return dict(_sync_await(pulumi.Output.from_input(root.outputs).future()) or {})  # type: ignore[attr-defined]


def resolve(output: pulumi.Output[Any]) -> tuple[Any, bool, bool]:
    """An Output's value, whether it is known, and whether it is secret."""
    from pulumi.runtime.stack import wait_for_rpcs
    from pulumi.runtime.sync_await import _sync_await

    async def read() -> tuple[Any, bool, bool]:
        value = await output.future(with_unknowns=True)
        known, secret = await output.is_known(), await output.is_secret()
        await wait_for_rpcs()
        return value, known, secret

    return _sync_await(read())
