"""Benchmark (issue: cloudimages outdated): 1,000 distinct image IDs across 100 state files (Pulumi exports,
Terraform states, terraform show -json), against the emulator in its own process. Target: under 10 s.

Figures, from the same run:
1. `cloudimages outdated FILE... -o json` as a user runs it (a process: start-up, reading, requests, output);
2. `find_outdated` in-process: time, requests and peak memory, answered at once and with 200 ms of latency a
   request (target: under 5 s; the requests in flight are capped at 16);
3. the comparison: one request per ID, one after another (`ImsClient.list_images(id=...)`), which only tells
   whether each image is still there, not what is newer.

    uv run python bench/outdated.py
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

from _common import emulator_process, peak_memory, reset_peak_memory
from pulumi_cloudimages import ImsClient, find_outdated
from pulumi_cloudimages.emulator import PROJECT_A
from pulumi_cloudimages.emulator.sample import sample_data

LINEAGES, BUILDS, USED_PER_LINEAGE, GONE = 60, 25, 16, 40  # 60 x 16 + 40 = 1,000 distinct IDs
FILES, IDS_PER_FILE = 100, 10


def catalog(directory: Path) -> tuple[Path, list[str]]:
    """The sample catalog plus 60 lineages of 25 builds (public and private); the IDs the states use."""
    data = sample_data()
    public = next(i for i in data["images"] if i["name"] == "Ubuntu 22.04 server 64bit 20240129")
    private = next(i for i in data["images"] if i["name"] == "web-server-2025-11-20")
    start, used = datetime(2024, 1, 1, tzinfo=timezone.utc), []
    for line in range(LINEAGES):
        template = public if line % 2 else private
        for build in range(BUILDS):
            image_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-outdated:{line}:{build}"))
            created = (start + timedelta(days=build * 14, minutes=line)).strftime("%Y-%m-%dT%H:%M:%SZ")
            version = f"Ubuntu 22.04 server 64bit (line {line})"
            data["images"].append({**template, "id": image_id, "name": f"svc{line}-base-{build:03d}",
                                   "__os_version": version, "created_at": created})  # fmt: skip
            if build >= BUILDS - USED_PER_LINEAGE:  # the newest builds: the last one is current
                used.append(image_id)
    used += [str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-outdated:gone:{n}")) for n in range(GONE)]
    path = directory / "catalog.json"
    path.write_text(json.dumps(data))
    return path, used


def pulumi_export(ids: list[str], n: int) -> dict[str, Any]:
    resources = [{"urn": f"urn:pulumi:s{n}::app::huaweicloud:Compute/instance:Instance::vm{k}", "custom": True,
                  "type": "huaweicloud:Compute/instance:Instance", "inputs": {"imageId": image_id, "name": f"vm{k}"},
                  "outputs": {"id": str(uuid.uuid4()), "imageId": image_id, "name": f"vm{k}", "status": "ACTIVE"}}
                 for k, image_id in enumerate(ids)]  # fmt: skip
    return {"version": 3, "deployment": {"manifest": {"time": "2026-11-20T10:00:00Z", "magic": "", "version": "v3"},
                                         "resources": resources}}  # fmt: skip


def terraform_state(ids: list[str], n: int) -> dict[str, Any]:
    instances = [{"index_key": k, "schema_version": 0, "attributes": {"id": str(uuid.uuid4()), "image_id": image_id},
                  "sensitive_attributes": []} for k, image_id in enumerate(ids)]  # fmt: skip
    provider = 'provider["registry.terraform.io/huaweicloud/huaweicloud"]'
    resource = {"module": "module.app", "mode": "managed", "type": "huaweicloud_compute_instance", "name": "vm",
                "provider": provider, "instances": instances}  # fmt: skip
    return {"version": 4, "terraform_version": "1.9.8", "serial": n, "lineage": str(uuid.uuid4()), "outputs": {},
            "resources": [resource]}  # fmt: skip


def terraform_show(ids: list[str], n: int) -> dict[str, Any]:
    # `sensitive_values` beside `values`, as Terraform 1.1 and newer write it (without it, nothing is read).
    resources = [{"address": f"huaweicloud_compute_instance.vm[{k}]", "mode": "managed", "index": k,
                  "type": "huaweicloud_compute_instance", "name": "vm", "values": {"image_id": image_id},
                  "sensitive_values": {}}
                 for k, image_id in enumerate(ids)]  # fmt: skip
    return {"format_version": "1.0", "terraform_version": "1.9.8", "values": {"root_module": {"resources": resources}}}


def state_files(directory: Path, ids: list[str]) -> list[Path]:
    random.Random(7).shuffle(ids)
    makers = [(pulumi_export, "json")] * 5 + [(terraform_state, "tfstate")] * 3 + [(terraform_show, "json")] * 2
    paths = []
    for n in range(FILES):
        make, suffix = makers[n % len(makers)]
        path = directory / f"stack-{n:03d}.{suffix}"
        path.write_text(json.dumps(make(ids[n * IDS_PER_FILE : (n + 1) * IDS_PER_FILE], n), indent=2))
        paths.append(path)
    return paths


def requests_made(url: str) -> int:
    answer = httpx.get(f"{url}/_emulator/requests").json()
    httpx.delete(f"{url}/_emulator/requests")
    return sum(1 for entry in answer if entry["path"] == "/v2/cloudimages")


def delayed(url: str, seconds: float) -> None:
    """Every later request answered after `seconds`: a distant region's latency (the emulator's `delay` fault)."""
    httpx.delete(f"{url}/_emulator/faults")
    if seconds:
        fault = {"kind": "delay", "seconds": seconds, "times": 100_000}
        httpx.post(f"{url}/_emulator/faults", json=fault).raise_for_status()


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        catalog_path, ids = catalog(directory)
        paths = state_files(directory, list(ids))
        assert len(set(ids)) == 1000
        with emulator_process(catalog_path) as emulator:  # its log keeps the last 1,000 requests: enough a phase
            url = emulator.url  # type: ignore[attr-defined]
            requests_made(url)

            start = time.perf_counter()
            command = [sys.executable, "-m", "pulumi_cloudimages.cli", "outdated", *map(str, paths), "--endpoint", url,
                       "--project-id", PROJECT_A, "--fail-on", "never", "-o", "json"]  # fmt: skip
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            assert result.returncode == 0, result.stderr
            cli_seconds = time.perf_counter() - start
            cli_requests = requests_made(url)
            reported = json.loads(result.stdout)

            runs = {}
            for latency in (0.0, 0.2):
                delayed(url, latency)
                reset_peak_memory()
                start = time.perf_counter()
                report = find_outdated(paths, endpoint=url, project_id=PROJECT_A)
                runs[latency] = (time.perf_counter() - start, requests_made(url), peak_memory())
            delayed(url, 0)

            start = time.perf_counter()
            with ImsClient(endpoint=url, project_id=PROJECT_A) as client:
                visible = sum(1 for image_id in ids if client.list_images(id=image_id))
            naive_seconds, naive_requests = time.perf_counter() - start, requests_made(url)

    counts = {status: sum(1 for r in report.images if r.status == status) for status in ("current", "outdated", "gone")}
    assert len(reported) == len(report.images) == 1000 and counts["gone"] == GONE and visible == 1000 - GONE
    print(f"1,000 distinct image IDs in {FILES} state files ({counts}):")
    print(f"  cloudimages outdated (a process)      {cli_seconds:6.2f} s  {cli_requests:5d} requests   target < 10 s")
    for latency, (seconds, requests, peak) in runs.items():
        rounds = f"~{seconds / latency:.0f} request times one after another" if latency else ""
        target = "target < 5 s" if latency else ""
        print(f"  find_outdated, {latency * 1000:3.0f} ms a request   {seconds:6.2f} s  {requests:5d} requests   "
              f"peak RSS {peak:.0f} MB  {rounds}  {target}")  # fmt: skip
    print(f"  one request per ID, one after another {naive_seconds:6.2f} s  {naive_requests:5d} requests   "
          "(says only whether each image is still there)")  # fmt: skip


if __name__ == "__main__":
    main()
