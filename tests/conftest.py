"""Shared test setup: no credentials or region leak in from the machine's environment."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest

from pulumi_cloudimages.choice.lookup import forget as forget_lookups
from pulumi_cloudimages.testing import ProgramMocks, install_mocks


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("HW_", "HUAWEICLOUD_SDK_", "OS_", "PULUMI_")):
            monkeypatch.delenv(name)


_engine_loops: list[asyncio.AbstractEventLoop] = []


def start_engine(project: str = "test", preview: bool = False, config: dict[str, str] | None = None) -> ProgramMocks:
    """Install fresh engine mocks in the test's own thread, for tests that then resolve Outputs themselves
    (`resolve`); whole programs run through `pulumi_cloudimages.testing.run_program` instead."""
    forget_lookups()
    loop = asyncio.new_event_loop()  # the runtime runs on the thread's loop; asyncio.run leaves none
    _engine_loops.append(loop)
    asyncio.set_event_loop(loop)
    return install_mocks(config or {}, project=project, preview=preview)


@pytest.fixture(autouse=True)
def _engine_loops_closed() -> Iterator[None]:
    """A test that expects a program to fail leaves its other tasks pending: end them in their loop, so that
    none is destroyed pending when the loop is collected."""
    yield
    if _engine_loops:
        asyncio.set_event_loop(None)  # not left current once closed
    while _engine_loops:
        loop = _engine_loops.pop()
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.wait(pending, timeout=5))
        loop.close()


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
