"""Benchmark (issue: emulator): a 100,000-image catalog served by `cloudimages serve` in its own process.

Measured from a plain httpx client (keep-alive) so the figures are the server's:
1. the catalog's load time, from the process's start to serving (target: < 5 s), and the emulator's memory once
   serving (target: RSS < 200 MB) and at its peak while loading;
2. each 500-image page of a full paged listing, and of a filtered paged query;
3. fresh filtered queries, each answered from nothing (a new project, so nothing is cached): their first
   page of 500, for `__imagetype=gold&__platform=...`, a tag, and a `created_at` range (target: p50 <= 3 ms);
4. a soak: 10,000 requests with long (8 KB) queries, each from a new project; the memory after the first
   1,000 (the request log full) and at the end (target: growth within 20 MB);
5. the emulator's memory serving, after the soak, and at its peak (target: RSS < 200 MB serving).
Each figure with a target is printed beside it, with ok or over.

One in ten images is private to one of 20 projects, one in seven carries a `role.web` tag.

    uv run python bench/emulator_100k.py [--images N] [--soak N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from _common import emulator_process, memory, peak_memory, scaled_catalog

PAGE = 500
LOAD_S = 5  # targets
RSS_MB = 200
FRESH_P50_MS = 3
SOAK_GROWTH_MB = 20
PROJECT = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
OWNERS = [uuid.uuid5(uuid.NAMESPACE_URL, f"bench-owner:{n}").hex for n in range(20)]


def catalog_file(count: int) -> Path:
    """The scaled public catalog, with private images of 20 projects and tagged images among them."""
    path = scaled_catalog(count)
    data = json.loads(path.read_bytes())
    for n, image in enumerate(data["images"]):
        if n % 7 == 0:
            image["tags"] = ["role.web", f"build.{n % 13}"]
        if n % 10 == 0:
            image.update(owner=OWNERS[n % 20], visibility="private", protected=False, __imagetype="private")
    path.write_text(json.dumps(data))
    return path


def paged(http: httpx.Client, filters: dict[str, str]) -> tuple[list[float], int]:
    """Every page of a query: the latency of each (ms), and the number of images."""
    latencies, count, marker = [], 0, None
    while True:
        params = {**filters, "limit": str(PAGE), **({"marker": marker} if marker else {})}
        start = time.perf_counter()
        response = http.get("/v2/cloudimages", params=params)
        latencies.append((time.perf_counter() - start) * 1000)
        images = json.loads(response.content)["images"]
        count += len(images)
        if len(images) < PAGE:
            return latencies, count
        marker = images[-1]["id"]


def first_page(http: httpx.Client, filters: dict[str, str], project: str) -> tuple[float, int]:
    start = time.perf_counter()
    response = http.get("/v2/cloudimages", params={**filters, "limit": str(PAGE)}, headers={"X-Project-Id": project})
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, response.text
    return elapsed, len(json.loads(response.content)["images"])


def target(text: str, met: bool) -> str:
    return f"(target {text}: {'ok' if met else 'over'})"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def row(label: str, latencies: list[float], images: int | str) -> str:
    return (
        f"{label:<48}{len(latencies):>6}{images:>9}{statistics.median(latencies):>9.2f}"
        f"{percentile(latencies, 99):>9.2f}{len(latencies) / (sum(latencies) / 1000):>10.1f}"
    )


def fresh_queries(http: httpx.Client) -> None:
    kinds: dict[str, Callable[[int], dict[str, str]]] = {
        "fresh: __imagetype=gold&__platform=P": lambda n: {
            "__imagetype": "gold",
            "__platform": ("Ubuntu", "CentOS", "Debian", "Windows")[n % 4],
        },
        "fresh: tag=role=web": lambda n: {"tag": "role=web"},
        "fresh: created_at range + platform": lambda n: {
            "created_at": f"gte:2016-{1 + n % 10:02d}-01T00:00:00Z",
            "updated_at": f"lt:2017-{2 + n % 4:02d}-01 00:00:00",
            "__platform": "Ubuntu",
        },
    }
    everything: list[float] = []
    for label, filters in kinds.items():
        latencies, sizes = [], []
        for n in range(40):
            elapsed, size = first_page(http, filters(n), uuid.uuid4().hex)
            latencies.append(elapsed)
            sizes.append(size)
        everything += latencies
        print(fresh_row(label, latencies, min(sizes)))
    print(fresh_row("fresh: all of the above", everything, ""))


def fresh_row(label: str, latencies: list[float], images: int | str) -> str:
    p50 = statistics.median(latencies)
    return f"{row(label, latencies, images)}  {target(f'p50 <= {FRESH_P50_MS} ms', p50 <= FRESH_P50_MS)}"


def soak(http: httpx.Client, pid: int, requests: int) -> None:
    padding = "x" * 8192

    def run(count: int) -> None:
        for _ in range(count):
            params = {"__platform": "Fedora", "limit": "1", "note": padding}
            response = http.get("/v2/cloudimages", params=params, headers={"X-Project-Id": uuid.uuid4().hex})
            assert response.status_code == 200

    before = memory(pid)
    started = time.perf_counter()
    run(1000)
    warm = memory(pid)
    run(requests)
    seconds = time.perf_counter() - started
    end = memory(pid)
    print(
        f"soak: {1000 + requests} requests with 8 KB queries, each from a new project, in {seconds:.1f} s: "
        f"RSS {before:.0f} MB -> {warm:.0f} MB after 1,000 -> {end:.0f} MB after {requests} more "
        f"(growth {end - warm:+.0f} MB) {target(f'growth within {SOAK_GROWTH_MB} MB', end - warm <= SOAK_GROWTH_MB)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--soak", type=int, default=10_000, help="requests of the soak, after 1,000 of warm-up")
    args = parser.parse_args()
    catalog = catalog_file(args.images)
    started = time.perf_counter()
    with (
        emulator_process(catalog) as server,
        httpx.Client(base_url=server.url, headers={"X-Project-Id": PROJECT}, timeout=60) as http,  # type: ignore[attr-defined]
    ):
        load_s = time.perf_counter() - started
        loaded_mb = memory(server.pid)
        print(
            f"catalog: {args.images} images ({catalog.stat().st_size / 2**20:.0f} MB of JSON), loaded and "
            f"serving in {load_s:.1f} s {target(f'< {LOAD_S} s', load_s < LOAD_S)}, emulator RSS {loaded_mb:.0f} MB "
            f"{target(f'< {RSS_MB} MB', loaded_mb < RSS_MB)}, peak {peak_memory(server.pid):.0f} MB"
        )
        print(f"{'query':<48}{'pages':>6}{'images':>9}{'p50 ms':>9}{'p99 ms':>9}{'pages/s':>10}")
        full, count = paged(http, {})
        print(row("full listing, first pass", full, count))
        full, count = paged(http, {})
        print(row("full listing, again", full, count))
        filters = {"__platform": "Ubuntu", "__support_kvm": "true", "created_at": "gt:2016-06-01T00:00:00Z"}
        filtered, count = paged(http, filters)
        print(f"{'filtered: first page':<48}{1:>6}{'':>9}{filtered[0]:>9.2f}")
        print(row("filtered: all pages", filtered, count))
        fresh_queries(http)
        serving_mb = memory(server.pid)
        soak(http, server.pid, args.soak)
        print(
            f"emulator memory: RSS {serving_mb:.0f} MB serving, {memory(server.pid):.0f} MB after the soak, "
            f"peak {peak_memory(server.pid):.0f} MB {target(f'RSS serving < {RSS_MB} MB', serving_mb < RSS_MB)}"
        )


if __name__ == "__main__":
    main()
