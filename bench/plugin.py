"""Benchmark (issue: the provider plugin): start-up, and the cost an Invoke adds to the same lookup in-process.

1. Start-up: from process start to the port printed on stdout (target: under 1.5 s).
2. Per lookup, against the emulator in its own process (sample catalog), each lookup distinct so that
   nothing is answered from a cache: the plugin's Invoke over gRPC, timed at the caller as the engine
   would see it, beside `get_images` itself as a Python program calls it (its arguments read, its settings
   resolved from the same config, the lookup, and its result: the same outputs the Invoke answers, as Python
   values; the lookup alone is printed beside), the two called in turn so that both see the machine alike.
   Target: the plugin adds at most 5 ms per Invoke. Two sizes: one image (`id`), and every gold image
   (`returnAll`, ~100 images with all their attributes to marshal). The plugin runs the selection's own work
   on a worker thread (so that its event loop stays free): the cost of one such hop is printed beside, and
   the cost of marshalling the returnAll answer (in process), beside the straightforward `Struct.update` of
   the same values.
3. The resource `cloudimages:index:PinnedImage`: Create (a lookup, and the pin) and Read (a refresh: the pinned
   image and the newest match) through the plugin over gRPC, beside the same calls of the pinning core
   in-process (`Pinning.resolve`, `Pinning.refresh`, what both adapters run). Target: within 5 ms.
4. Memory: the plugin's RSS before and after 3,000 invokes, each with an `endpoint` argument of its own
   (each a client of its own, which the plugin keeps only while among the most recently used).
   Target: within +50 MB.
5. A busy plugin (the emulator in this process, for its request counter and its delay fault): while one lookup
   works through a listing for seconds (every gold image of a catalog of long version-like labels, ordered by
   version), the time other invokes take to be answered; and the time from SIGTERM to the process's end, in the
   middle of that lookup and while a lookup waits on a service that delays its answer. Target: within 2 s.

    uv run python bench/plugin.py
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any

import grpc
import pulumi
from google.protobuf import struct_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from _common import emulator_process, median
from pulumi_cloudimages import ImageQuery, Selection, Settings
from pulumi_cloudimages.choice.lookup import lookup
from pulumi_cloudimages.choice.outputs import choice_values
from pulumi_cloudimages.choice.selection import Choice
from pulumi_cloudimages.emulator import PROJECT_A, Emulator
from pulumi_cloudimages.emulator.sample import sample_data
from pulumi_cloudimages.naming import camel
from pulumi_cloudimages.pin.pinning import Pinning
from pulumi_cloudimages.plugin.server import _answer
from pulumi_cloudimages.program.functions import get_images

PLUGIN = os.path.join(os.path.dirname(sys.executable), "pulumi-resource-cloudimages")
STARTS = 7
LOOKUPS = 60
ENDPOINTS = 3000
STOPS = 3  # signals sent, in each situation
LONG = {"imagetype": "gold", "orderBy": "version", "mostRecent": True}  # every image of the long labels, ordered


def start_plugin() -> tuple[subprocess.Popen[str], str, float]:
    started = time.perf_counter()
    process = subprocess.Popen([PLUGIN, "127.0.0.1:1"], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    port = process.stdout.readline().strip()
    return process, port, time.perf_counter() - started


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def figures(label: str, seconds: list[float], unit: float = 1000.0, suffix: str = "ms") -> str:
    low, mid, high = min(seconds) * unit, median(seconds) * unit, max(seconds) * unit
    return f"{label:<44} {low:8.2f} {mid:8.2f} {high:8.2f} {suffix}"


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def rss_mb(pid: int) -> float:
    """The resident set of process `pid`, in MB (Linux)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) / 1024


def thread_hops(count: int = 2000) -> list[float]:
    """Seconds per `asyncio.to_thread` round trip with nothing to do: what moving a step off the loop costs."""

    async def hops() -> list[float]:
        await asyncio.to_thread(int)  # the worker thread started
        return [await timed_async(lambda: asyncio.to_thread(int)) for _ in range(count)]

    return asyncio.run(hops())


async def timed_async(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    await call()
    return time.perf_counter() - started


def marshalling(choice: Choice) -> tuple[list[float], list[float]]:
    """Seconds to turn one lookup's choice into the Invoke's answer: the plugin's way (`wire.struct_bytes`, parsed
    in C), and the straightforward one (`Struct.update` of the same values)."""
    fast = [timed(lambda: _answer(choice, False)) for _ in range(LOOKUPS)]
    plain = [timed(lambda: struct(choice_values(choice, camel))) for _ in range(LOOKUPS)]
    return fast, plain


def alternately(first: list[Callable[[], Any]], second: list[Callable[[], Any]]) -> tuple[list[float], list[float]]:
    """Seconds of each call of `first` and of `second`, called in pairs, each side first in every other pair."""
    pairs = []
    for n, (one, other) in enumerate(zip(first, second, strict=True)):
        if n % 2:
            other_time = timed(other)
            pairs.append((timed(one), other_time))
        else:
            pairs.append((timed(one), timed(other)))
    return [one for one, _ in pairs], [other for _, other in pairs]


def added_ms(plugin: list[float], in_process: list[float]) -> float:
    """What the plugin adds, in ms: the median of the differences of calls made in turn (each pair saw the
    machine alike; the machine's own drift over the run cancels out)."""
    return median([one - other for one, other in zip(plugin, in_process, strict=True)]) * 1000


def distinct_endpoints(stub: Any, url: str) -> None:
    """`ENDPOINTS` invokes, each with an endpoint of its own (a path under the emulator's: 404, which is fine)."""
    request = provider_pb2.InvokeRequest
    args = [struct({"id": "x", "endpoint": f"{url}/tenant-{n}"}) for n in range(ENDPOINTS)]

    def call(one: struct_pb2.Struct) -> None:
        try:
            stub.Invoke(request(tok="cloudimages:index:getImages", args=one), timeout=30)
        except grpc.RpcError as exc:
            assert "HTTP 404" in str(exc.details()), exc.details()  # type: ignore[attr-defined]

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(call, args))


PIN = {"imagetype": "gold", "platform": "Ubuntu", "name_regex": r"^Ubuntu 22\.04 ", "most_recent": True}


def pinned_image(url: str) -> list[str]:
    """Create and Read of a PinnedImage: through the plugin beside in-process, `LOOKUPS` of each; the lines
    to print. Every create has keepers of its own (each resolves afresh anyway: a pin never comes from a cache)."""
    config = {"endpoint": url, "projectId": PROJECT_A}
    pinning = Pinning(config, word=camel)
    keepers = [{"rollout": str(n)} for n in range(LOOKUPS)]
    state = pinning.resolve(PIN).values

    process, port, _ = start_plugin()
    try:
        stub = provider_pb2_grpc.ResourceProviderStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
        stub.Configure(provider_pb2.ConfigureRequest(args=struct(config)))
        urn = "urn:pulumi:bench::bench::cloudimages:index:PinnedImage::ubuntu"
        inputs = {camel(name): value for name, value in PIN.items()}

        def create(k: dict[str, str]) -> Any:
            return stub.Create(provider_pb2.CreateRequest(urn=urn, properties=struct({**inputs, "keepers": k})))

        created = create({"rollout": "warm-up"})
        read = provider_pb2.ReadRequest(urn=urn, id=created.id, properties=created.properties)
        local_create, plugin_create = alternately(
            [partial(pinning.resolve, {**PIN, "keepers": k}) for k in keepers], [partial(create, k) for k in keepers]
        )
        local_read, plugin_read = alternately(
            [partial(pinning.refresh, state) for _ in keepers], [partial(stub.Read, read) for _ in keepers]
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
    lines = [f"{'PinnedImage, ' + str(LOOKUPS) + ' of each':<44} {'min':>8} {'median':>8} {'max':>8}"]
    for label, plugin_times, local_times in (
        ("Create", plugin_create, local_create),
        ("Read", plugin_read, local_read),
    ):
        lines.append(figures(f"{label}: in-process (Pinning)", local_times))
        lines.append(figures(f"{label}: plugin over gRPC", plugin_times))
    for label, plugin_times, local_times in (
        ("Create", plugin_create, local_create),
        ("Read", plugin_read, local_read),
    ):
        added = added_ms(plugin_times, local_times)
        lines.append(f"added by the plugin, {label}: {added:+.2f} ms (target <= 5 ms)")
    return lines


def long_labels() -> Path:
    """A catalog of 120 gold images named like 'Ubuntu 22.04 build 7 r0 r1 ... r11999': ordering them by version
    takes the plugin seconds."""
    gold = [i for i in sample_data()["images"] if i["__imagetype"] == "gold" and i["__isregistered"] == "true"]
    images = [
        dict(gold[n % len(gold)], id=long_label_id(n),
             name=f"Ubuntu 22.04 build {n} " + " ".join(f"r{k}" for k in range(12_000)))
        for n in range(120)
    ]  # fmt: skip
    path = Path(tempfile.gettempdir()) / "cloudimages-bench-long-labels.json"
    path.write_text(json.dumps({"images": images}))
    return path


def long_label_id(n: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"long:{n % 120}"))


def until(condition: Callable[[], object]) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the plugin or the emulator stopped making progress")
        time.sleep(0.005)


def answers_while_busy(emulator: Emulator) -> list[float]:
    """Seconds each invoke took while the plugin worked through the long listing (each of an image of its own)."""
    process, stub, pool = busy_plugin(emulator)
    answers = []
    try:
        running = pool.submit(invoke, stub, LONG)
        until(lambda: [r.status for r in emulator.requests] == [200])  # the listing answered: the plugin works
        while not running.done():
            answers.append(timed(partial(invoke, stub, {"id": long_label_id(len(answers))})))
        running.result()
    finally:
        end(process, pool)
    return answers


def sigterm_to_exit(emulator: Emulator, waiting: bool) -> float:
    """Seconds from SIGTERM to the plugin's end, in the middle of the long lookup or while a lookup waits on
    the service."""
    process, stub, pool = busy_plugin(emulator)
    try:
        if waiting:
            emulator.inject("delay", seconds=30)
            pool.submit(invoke, stub, {"id": long_label_id(0)})
            until(lambda: emulator.state.in_flight == 1)
        else:
            pool.submit(invoke, stub, LONG)
            until(lambda: [r.status for r in emulator.requests] == [200])
        started = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        return time.perf_counter() - started
    finally:
        end(process, pool)


def busy_plugin(emulator: Emulator) -> tuple[subprocess.Popen[str], Any, ThreadPoolExecutor]:
    emulator.requests.clear()
    process, port, _ = start_plugin()
    # The long labels make an answer of some 9 MB: the engine takes up to 400 MiB (rpcutil.maxRPCMessageSize).
    channel = grpc.insecure_channel(f"127.0.0.1:{port}", [("grpc.max_receive_message_length", 400 << 20)])
    stub = provider_pb2_grpc.ResourceProviderStub(channel)
    config = struct({"endpoint": emulator.url, "projectId": PROJECT_A, "maxRetries": "0"})
    stub.Configure(provider_pb2.ConfigureRequest(args=config))
    return process, stub, ThreadPoolExecutor(1)


def invoke(stub: Any, args: dict[str, Any]) -> Any:
    request = provider_pb2.InvokeRequest(tok="cloudimages:index:getImages", args=struct(args))
    return stub.Invoke(request, timeout=60)


def end(process: subprocess.Popen[str], pool: ThreadPoolExecutor) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)
    pool.shutdown(wait=True, cancel_futures=True)  # the invoke cut short ends with the process


def main() -> None:
    starts = []
    for _ in range(STARTS):
        process, _port, seconds = start_plugin()
        starts.append(seconds)
        process.terminate()
        process.wait(timeout=10)
    print(f"{'':<44} {'min':>8} {'median':>8} {'max':>8}")
    print(figures("plugin start-up, process start to port", starts, 1.0, "s   (target < 1.5 s)"))

    catalog = Path(tempfile.gettempdir()) / "cloudimages-bench-sample.json"
    catalog.write_text(json.dumps(sample_data()))
    listed = [image for image in sample_data()["images"] if image.get("__isregistered") == "true"]
    ids = [image["id"] for image in listed][:LOOKUPS]
    base = datetime(2030, 1, 1, tzinfo=timezone.utc)
    # Distinct but equivalent "every gold image" lookups: the upper time bound moves by a second each time.
    bounds = [f"lt:{base + timedelta(seconds=n):%Y-%m-%dT%H:%M:%SZ}" for n in range(LOOKUPS)]

    with emulator_process(catalog) as emulator:
        url = emulator.url  # type: ignore[attr-defined]
        settings = Settings.resolve(env={}, endpoint=url, project_id=PROJECT_A)
        # In process: `get_images` itself, as a Python program calls it, with the same config as the plugin's.
        pulumi.runtime.set_all_config({"cloudimages:endpoint": url, "cloudimages:projectId": PROJECT_A})

        def every_gold(bound: str) -> tuple[ImageQuery, Selection]:
            return ImageQuery(imagetype="gold", created_at=bound), Selection(return_all=True)

        answer_fast, answer_plain = marshalling(lookup(*every_gold("lt:2032-01-01T00:00:00Z"), settings))

        process, port, _ = start_plugin()
        try:
            stub = provider_pb2_grpc.ResourceProviderStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
            stub.Configure(provider_pb2.ConfigureRequest(args=struct({"endpoint": url, "projectId": PROJECT_A})))
            request = provider_pb2.InvokeRequest
            token = "cloudimages:index:getImages"
            stub.Invoke(request(tok=token, args=struct({"id": ids[0], "name": listed[0]["name"]})), timeout=30)
            get_images(id=ids[0], name=listed[0]["name"])  # each side warmed up alike (a client, its connection)
            # The floor: an invoke refused by the plugin itself, with no lookup behind it.
            floor = [timed(lambda: stub.Invoke(request(tok=token, args=struct({"nameRgex": "x"})))) for _ in ids]
            # Each pair measured in turn, so that both sides see the machine as it is at that moment.
            in_process_one, plugin_one = alternately(
                [partial(get_images, id=i) for i in ids],
                [partial(stub.Invoke, request(tok=token, args=struct({"id": i}))) for i in ids],
            )
            all_args = [{"imagetype": "gold", "createdAt": b, "returnAll": True} for b in bounds]
            in_process_all, plugin_all = alternately(
                [partial(get_images, imagetype="gold", created_at=b, return_all=True) for b in bounds],
                [partial(stub.Invoke, request(tok=token, args=struct(args))) for args in all_args],
            )
            # The same lookups again, with times of their own: nothing kept from the ones above.
            later = [b.replace("lt:2030", "lt:2031") for b in bounds]
            lookup_alone = [timed(partial(lookup, *every_gold(b), settings)) for b in later]
            rss_before = rss_mb(process.pid)
            distinct_endpoints(stub, url)
            rss_after = rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=10)
        resource_lines = pinned_image(url)

    print()
    print(f"{'per lookup, ' + str(LOOKUPS) + ' distinct lookups':<44} {'min':>8} {'median':>8} {'max':>8}")
    print(figures("gRPC floor: a refused Invoke, no lookup", floor))
    print(figures("one image: in-process (get_images)", in_process_one))
    print(figures("one image: plugin Invoke", plugin_one))
    print(figures("every gold image (returnAll): in-process", in_process_all))
    print(figures("  of which the lookup alone (no result)", lookup_alone))
    print(figures("every gold image (returnAll): plugin Invoke", plugin_all))
    for label, plugin_times, local_times in (("one image", plugin_one, in_process_one),
                                             ("every gold image", plugin_all, in_process_all)):  # fmt: skip
        added = added_ms(plugin_times, local_times)
        print(f"added by the plugin, {label}: {added:+.2f} ms per Invoke (target <= 5 ms)")
    beyond = (median(plugin_all) - median(lookup_alone)) * 1000
    print(f"  every gold image, beyond the lookup alone: {beyond:+.2f} ms (the Invoke builds the result too)")
    print(figures("of which one step on a worker thread", thread_hops(), 1e6, "us"))
    print(figures("of which the answer, marshalled (returnAll)", answer_fast))
    print(figures("  the same with Struct.update, for comparison", answer_plain))
    print()
    print("\n".join(resource_lines))
    print()
    print(f"plugin RSS before {ENDPOINTS} invokes with distinct endpoints: {rss_before:8.1f} MB")
    print(f"plugin RSS after them:{'':<33}{rss_after:8.1f} MB")
    print(f"grown by {rss_after - rss_before:+.1f} MB (target <= +50 MB)")

    with Emulator(long_labels()) as emulator:  # in this process: its request counter and its delay fault
        answers = answers_while_busy(emulator)
        working = [sigterm_to_exit(emulator, waiting=False) for _ in range(STOPS)]
        waiting = [sigterm_to_exit(emulator, waiting=True) for _ in range(STOPS)]
    print()
    print(f"{'a busy plugin':<44} {'min':>8} {'median':>8} {'max':>8}")
    print(figures(f"an invoke answered meanwhile ({len(answers)})", answers, 1.0, "s   (target < 2 s)"))
    print(figures(f"SIGTERM to exit, mid-lookup ({STOPS})", working, 1.0, "s   (target < 2 s)"))
    print(figures(f"SIGTERM to exit, waiting on the service ({STOPS})", waiting, 1.0, "s   (target < 2 s)"))


if __name__ == "__main__":
    main()
