"""The plugin process while a long lookup runs: other invokes are still answered, and SIGTERM/SIGINT end it
within 2 s, whether the lookup waits on the service or works through a large listing.

The long lookup is real work: every image of a catalog whose names are long version-like labels, ordered by
version (the reading of each label is the costly part), so that the selection itself takes seconds."""

from __future__ import annotations

import json
import signal
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2

from engine_rpc import PLUGIN, Provider, provider_process, struct
from pulumi_cloudimages.emulator import PROJECT_A, Emulator
from pulumi_cloudimages.emulator.sample import sample_data

FUNCTION = "cloudimages:index:getImages"
GOLD = [i for i in sample_data()["images"] if i["__imagetype"] == "gold" and i["__isregistered"] == "true"]
LONG = {"imagetype": "gold", "orderBy": "version", "mostRecent": True}  # all 120 read and ordered
# Answered long before a lookup ends, and long enough for a loaded machine: what is measured is whether
# the plugin answers at all while it is busy, not how fast.
ANSWERED_WITHIN = 1.5


@pytest.fixture(scope="module")
def long_labels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalog of 120 gold images named like 'Ubuntu 22.04 build 7 r0 r1 ... r11999'."""
    images = [
        dict(GOLD[n % len(GOLD)], id=long_label_id(n),
             name=f"Ubuntu 22.04 build {n} " + " ".join(f"r{k}" for k in range(12_000)))
        for n in range(120)
    ]  # fmt: skip
    path = tmp_path_factory.mktemp("catalog") / "long-labels.json"
    path.write_text(json.dumps({"images": images}))
    return path


def long_label_id(n: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"long:{n % 120}"))


@pytest.fixture
def busy(long_labels: Path) -> Iterator[tuple[Provider, Future[Any]]]:
    """A plugin in the middle of the long lookup (a second into it), and that lookup's future."""
    with Emulator(long_labels) as emulator, provider_process(PLUGIN) as provider, ThreadPoolExecutor(2) as pool:
        configure(provider, emulator.url)
        running = pool.submit(invoke, provider, LONG, 60)
        time.sleep(1.0)
        assert not running.done()
        yield provider, running


def configure(provider: Provider, url: str) -> None:
    args = struct({"endpoint": url, "projectId": PROJECT_A, "maxRetries": "0"})
    provider.stub.Configure(provider_pb2.ConfigureRequest(args=args))


def invoke(provider: Provider, args: dict[str, Any], timeout: float) -> Any:
    return provider.stub.Invoke(provider_pb2.InvokeRequest(tok=FUNCTION, args=struct(args)), timeout=timeout)


def test_other_invokes_are_answered_while_a_long_lookup_runs(busy: tuple[Provider, Future[Any]]) -> None:
    provider, running = busy
    answered = 0
    while not running.done():
        image_id = long_label_id(answered)  # a lookup of its own each time, not an answer kept from before
        started = time.perf_counter()
        response = invoke(provider, {"id": image_id}, ANSWERED_WITHIN)
        assert getattr(response, "return")["id"] == image_id and time.perf_counter() - started < ANSWERED_WITHIN
        answered += 1
        time.sleep(0.05)
    assert answered >= 5, "the long lookup ended too soon to show anything"
    assert getattr(running.result(), "return")["image"]["name"].startswith("Ubuntu 22.04 build ")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_ends_it_within_2_s_while_it_works_through_a_listing(
    busy: tuple[Provider, Future[Any]], stop: signal.Signals
) -> None:
    provider, _ = busy
    signalled = time.perf_counter()
    provider.process.send_signal(stop)
    provider.process.wait(timeout=10)
    assert time.perf_counter() - signalled < 2.0


def test_a_signal_ends_it_within_2_s_while_a_lookup_waits_on_the_service() -> None:
    with Emulator() as emulator, provider_process(PLUGIN) as provider, ThreadPoolExecutor(1) as pool:
        configure(provider, emulator.url)
        emulator.inject("delay", seconds=5)
        waiting = pool.submit(invoke, provider, {"id": GOLD[0]["id"]}, 30)
        while not emulator.requests:  # the request has reached the service
            time.sleep(0.02)
        signalled = time.perf_counter()
        provider.process.send_signal(signal.SIGTERM)
        provider.process.wait(timeout=10)
        assert time.perf_counter() - signalled < 2.0
        with pytest.raises(grpc.RpcError):
            waiting.result()
