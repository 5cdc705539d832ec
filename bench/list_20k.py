"""Benchmark (issue: typed client): list 20,000 images, 40 pages of 500, from one local emulator process.

Compared in one run, each in a fresh process that imports only its own library: this client
(list_images, and iter_images streaming), the official SDK (huaweicloudsdkims), and a floor
(httpx + json.loads, no models). Prints the median wall time of the listing (imports excluded) and
the memory it added at its peak (max RSS minus RSS before the listing), and the ratios.

    uv run python bench/list_20k.py [--runs 5]
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable

from _common import emulator_process, median, peak_memory, reset_peak_memory, run_json, scaled_catalog

PROJECT = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
AK, SK = "AKBENCH", "SKBENCH"
TOTAL, PAGE = 20_000, 500
CLIENTS = ("floor", "ours", "ours-iter", "sdk")
Listing = Callable[[str], int]


def _ours(stream: bool) -> Listing:
    from pulumi_cloudimages import ImsClient

    def run(url: str) -> int:
        with ImsClient(endpoint=url, access_key=AK, secret_key=SK, project_id=PROJECT) as ims:
            if stream:
                return sum(1 for _ in ims.iter_images(limit=PAGE))
            return len(ims.list_images(limit=PAGE))

    return run


def _floor() -> Listing:
    import httpx

    def run(url: str) -> int:
        images: list[dict[str, object]] = []
        marker = None
        with httpx.Client(base_url=url) as http:
            while True:
                params = {"limit": str(PAGE), **({"marker": marker} if marker else {})}
                page = json.loads(http.get("/v2/cloudimages", params=params).content)["images"]
                images += page
                if len(page) < PAGE:
                    return len(images)
                marker = str(page[-1]["id"])

    return run


def _sdk() -> Listing:
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_config import HttpConfig
    from huaweicloudsdkims.v2 import ImsClient, ListImagesRequest

    def run(url: str) -> int:
        config = HttpConfig.get_default_config()
        config.retry_times = 0
        client = (
            ImsClient.new_builder()
            .with_credentials(BasicCredentials(AK, SK, PROJECT))
            .with_endpoints([url])
            .with_http_config(config)
            .build()
        )
        images: list[object] = []
        marker = None
        while True:
            page = client.list_images(ListImagesRequest(limit=PAGE, marker=marker)).images
            images += page
            if len(page) < PAGE:
                return len(images)
            marker = page[-1].id

    return run


def measure(kind: str, url: str) -> None:
    run = {"floor": _floor, "sdk": _sdk, "ours": lambda: _ours(False), "ours-iter": lambda: _ours(True)}[kind]()
    gc.collect()
    baseline = reset_peak_memory()
    start = time.perf_counter()
    count = run(url)
    seconds = time.perf_counter() - start
    assert count == TOTAL, count
    print(json.dumps({"seconds": seconds, "peak_mb": peak_memory() - baseline}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--measure", choices=CLIENTS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.url)
        return
    figures: dict[str, dict[str, list[float]]] = {k: {"seconds": [], "peak_mb": []} for k in CLIENTS}
    with emulator_process(scaled_catalog(TOTAL)) as server:
        url = server.url  # type: ignore[attr-defined]
        run_json(sys.executable, __file__, "--measure", "floor", "--url", url)  # the server's first sort
        for _ in range(args.runs):
            for kind in CLIENTS:  # interleaved, so drift of the machine hits all alike
                for key, value in run_json(sys.executable, __file__, "--measure", kind, "--url", url).items():
                    figures[kind][key].append(value)
    t = {k: median(v["seconds"]) for k, v in figures.items()}
    m = {k: median(v["peak_mb"]) for k, v in figures.items()}
    print(f"list {TOTAL} images ({TOTAL // PAGE} pages of {PAGE}), median of {args.runs} runs, each in a fresh process")
    print(f"{'client':<12}{'wall s':>9}{'added MB':>10}")
    for kind in CLIENTS:
        print(f"{kind:<12}{t[kind]:>9.3f}{m[kind]:>10.1f}")
    print(f"official SDK / ours, speed-up (target >= 3): {t['sdk'] / t['ours']:.2f}x")
    print(f"ours / floor (target <= 1.5): {t['ours'] / t['floor']:.2f}x")
    print(
        f"memory ours / SDK (target <= 1): {m['ours'] / m['sdk']:.2f}; "
        f"iter_images / list_images (flat when small): {m['ours-iter'] / m['ours']:.2f}"
    )


if __name__ == "__main__":
    main()
