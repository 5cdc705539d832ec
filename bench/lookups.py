"""Benchmark (issue: get_images): requests counted at the emulator, and wall time, side by side.

Runs in-process under the Pulumi runtime (engine mocked), against the emulator with the sample catalog:
1. the latest gold image of all 12 platforms: one group_by call versus 12 most_recent lookups;
2. 50 distinct get_images_output lookups with 100 ms of latency injected per request: concurrently
   (target: under 3x one round trip) versus one after another with get_images;
3. 20 identical lookups (target: one request);
4. most_recent with server-side filters only (target: one request).

    uv run python bench/lookups.py
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pulumi
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.sync_await import _sync_await

from pulumi_cloudimages import get_images, get_images_output
from pulumi_cloudimages.choice.lookup import forget
from pulumi_cloudimages.emulator import PROJECT_A, Emulator
from pulumi_cloudimages.ims.query import PLATFORMS

LATENCY = 0.1


class Engine(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}


def fresh_program(emulator: Emulator) -> None:
    """A new program: engine mocks, config pointing at the emulator, no lookups remembered."""
    forget()
    asyncio.set_event_loop(asyncio.new_event_loop())
    pulumi_settings.SETTINGS.outputs.clear()
    pulumi_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(Engine(), project="bench", stack="dev", preview=False)
    pulumi.runtime.set_all_config({"cloudimages:endpoint": emulator.url, "cloudimages:projectId": PROJECT_A})
    emulator.requests.clear()


def measure(emulator: Emulator, work: Callable[[], Any]) -> tuple[float, int]:
    fresh_program(emulator)
    start = time.perf_counter()
    work()
    return time.perf_counter() - start, len(emulator.requests)


def resolve_all(outputs: list[pulumi.Output[Any]]) -> list[Any]:
    return _sync_await(pulumi.Output.all(*outputs).future())  # type: ignore[no-any-return]


def every_platform(emulator: Emulator, latency: str) -> list[tuple[str, str, float, int]]:
    """The latest gold image of the 12 platforms: one group_by call, then 12 most_recent lookups."""
    grouped = measure(emulator, lambda: get_images(imagetype="gold", group_by="platform"))
    one_by_one = measure(
        emulator,
        lambda: [get_images(imagetype="gold", platform=p, most_recent=True) for p in PLATFORMS],  # type: ignore[arg-type]
    )
    return [(f"12 platforms, {latency}", "one group_by call", *grouped), ("", "12 most_recent lookups", *one_by_one)]


def main() -> None:
    rows: list[tuple[str, str, float, int]] = []
    with Emulator() as emulator:
        rows += every_platform(emulator, "no latency")
        seconds, requests = measure(
            emulator, lambda: [get_images(imagetype="gold", platform="Ubuntu", most_recent=True) for _ in range(20)]
        )
        rows.append(("20 identical lookups", "get_images", seconds, requests))
        seconds, requests = measure(emulator, lambda: get_images(imagetype="gold", platform="Debian", most_recent=True))
        rows.append(("most_recent, server-side filters only", "get_images", seconds, requests))

    distinct = [
        {"platform": p, "created_at": f"gt:{year}-01-01T00:00:00Z"} for p in PLATFORMS for year in range(2016, 2020)
    ]
    distinct += [{"platform": "Ubuntu", "architecture": "arm"}, {"platform": "EulerOS", "architecture": "arm"}]
    latency = f"{LATENCY * 1000:.0f} ms latency"
    with Emulator(latency=LATENCY) as slow:
        one, _ = measure(slow, lambda: get_images(imagetype="gold", platform="Fedora", most_recent=True))
        rows.append((f"one lookup, {latency}", "get_images", one, 1))
        rows += every_platform(slow, latency)
        seconds, requests = measure(
            slow,
            lambda: resolve_all([get_images_output(imagetype="gold", most_recent=True, **f).id for f in distinct]),  # type: ignore[arg-type]
        )
        rows.append((f"{len(distinct)} distinct lookups, {latency}", "get_images_output", seconds, requests))
        concurrent, peak = seconds, slow.state.peak_in_flight
        seconds, requests = measure(
            slow,
            lambda: [get_images(imagetype="gold", most_recent=True, **f) for f in distinct],  # type: ignore[arg-type]
        )
        rows.append(("", "get_images, one after another", seconds, requests))

    print(f"{'case':<42}{'how':<32}{'wall s':>8}{'requests':>10}")
    for case, how, seconds, requests in rows:
        print(f"{case:<42}{how:<32}{seconds:>8.3f}{requests:>10}")
    print(f"50 concurrent lookups / one round trip: {concurrent / one:.1f}x (target < 3x; {peak} requests in flight "
          f"at once at the emulator)")  # fmt: skip


if __name__ == "__main__":
    main()
