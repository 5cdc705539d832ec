"""Waiting for a condition instead of sleeping for a guessed time: a test goes on as soon as the condition holds,
and fails with the condition's name if it never does. The deadline only guards against hanging (it is generous
for a loaded machine); how fast things happen is measured in `bench/`, never asserted in tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

DEADLINE = 30.0  # seconds
POLL = 0.01


def wait_until(condition: Callable[[], object], within: float = DEADLINE) -> None:
    """Return once `condition()` is true; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"{describe(condition)} still false after {within} s"
        time.sleep(POLL)


async def until(condition: Callable[[], object], within: float = DEADLINE) -> None:
    """`wait_until` inside an event loop: the loop runs on while it waits."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"{describe(condition)} still false after {within} s"
        await asyncio.sleep(POLL)


def describe(condition: Callable[[], object]) -> str:
    return getattr(condition, "__doc__", None) or getattr(condition, "__qualname__", repr(condition))
