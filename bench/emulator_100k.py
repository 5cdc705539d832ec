"""Benchmark (issue: emulator): a 100,000-image catalog served by `cloudimages serve` in its own process.

Measured from a plain httpx client (keep-alive) so the figures are the server's: the latency of each
500-image page of a full paged listing and of a filtered paged query (its first page pays the
filtering of all 100,000 images; later pages reuse the sorted result), fresh filtered queries, pages
per second, and the emulator's memory. Targets: a 500-image page in under 20 ms p50; under 500 MB.

    uv run python bench/emulator_100k.py
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import httpx

from _common import emulator_process, memory, peak_memory, scaled_catalog

PAGE = 500
PROJECT = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"


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


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def row(label: str, latencies: list[float], images: int) -> str:
    return (
        f"{label:<44}{len(latencies):>6}{images:>9}{statistics.median(latencies):>9.2f}"
        f"{percentile(latencies, 99):>9.2f}{len(latencies) / (sum(latencies) / 1000):>10.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=100_000)
    args = parser.parse_args()
    catalog = scaled_catalog(args.images)
    started = time.perf_counter()
    with (
        emulator_process(catalog) as server,
        httpx.Client(base_url=server.url, headers={"X-Project-Id": PROJECT}) as http,
    ):  # type: ignore[attr-defined]
        load_s = time.perf_counter() - started
        loaded_mb = memory(server.pid)
        print(
            f"catalog: {args.images} images ({catalog.stat().st_size / 2**20:.0f} MB of JSON), loaded and "
            f"serving in {load_s:.1f} s, emulator RSS {loaded_mb:.0f} MB"
        )
        print(f"{'query':<44}{'pages':>6}{'images':>9}{'p50 ms':>9}{'p99 ms':>9}{'pages/s':>10}")
        full, count = paged(http, {})
        print(row("full listing, first pass (sorts once)", full, count))
        full, count = paged(http, {})
        print(row("full listing, again", full, count))
        filters = {"__platform": "Ubuntu", "__support_kvm": "true", "created_at": "gt:2016-06-01T00:00:00Z"}
        filtered, count = paged(http, filters)
        print(f"{'filtered: first page (filters all images)':<44}{1:>6}{'':>9}{filtered[0]:>9.2f}")
        print(row("filtered: all pages", filtered, count))
        fresh = []
        for platform in ("Ubuntu", "CentOS", "Debian", "EulerOS", "Windows", "Fedora"):
            for arch in ("x86", "arm"):
                latencies, _ = paged(http, {"__platform": platform, "architecture": arch, "limit": "1"})
                fresh.append(latencies[0])
        print(row("fresh filtered queries (first page each)", fresh, 0))
        print(
            f"emulator memory: RSS {memory(server.pid):.0f} MB, peak {peak_memory(server.pid):.0f} MB (target < 500 MB)"
        )


if __name__ == "__main__":
    main()
