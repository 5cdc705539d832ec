"""Benchmark (issue: stop a bad image before it ships): the rule book on a stack of 500 resources using 50
distinct images, against the emulator in its own process; requests made and wall time.

1. the plan gate's verdict (`ajudge`) on one export: target at most one listing per lineage, no request per
   resource;
2. the policy pack's judge, handed the 500 resources one at a time as the engine hands them: each image judged
   once (the first resource that uses it), none for a resource whose images are judged already.

    uv run python bench/gate.py
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from _common import emulator_process
from pulumi_cloudimages.emulator import PROJECT_A
from pulumi_cloudimages.emulator.sample import sample_data
from pulumi_cloudimages.ims.settings import Settings
from pulumi_cloudimages.outdated.gate import Verdict, ajudge
from pulumi_cloudimages.outdated.policy import read_policy
from pulumi_cloudimages.outdated.states import read_resource, read_state
from pulumi_cloudimages.policy.pack import Judge

RESOURCES, IMAGES = 500, 50
Figures = tuple[float, int, int]  # seconds, listings, lookups by ID


def requests_made(url: str) -> tuple[int, int]:
    """(listings, lookups by ID) since the last call."""
    answer = httpx.get(f"{url}/_emulator/requests").json()
    httpx.delete(f"{url}/_emulator/requests")
    images = [entry for entry in answer if entry["path"] == "/v2/cloudimages"]
    by_id = sum(1 for entry in images if "id=" in entry["query"])
    return len(images) - by_id, by_id


def measure(url: str, temp: Path, resources: list[dict[str, Any]]) -> tuple[Figures, Figures, Verdict]:
    rule_book = temp / "cloudimages-policy.yaml"
    rule_book.write_text(f"trusted_sources: [gold, own]\nmin_age: 7d\nmax_age: 3650d\nendpoint: {url}\n")
    policy, settings = read_policy(str(rule_book)), Settings.resolve(endpoint=url, project_id=PROJECT_A)
    export = read_state({"version": 3, "deployment": {"resources": resources}}, "prod.json")
    requests_made(url)
    start = time.perf_counter()
    verdict = asyncio.run(ajudge([export], policy, settings))
    gate = time.perf_counter() - start, *requests_made(url)

    judge = Judge()
    start = time.perf_counter()
    for resource in resources:
        judge.violations(read_resource(resource["inputs"], "inputs", resource["urn"], "inputs"),
                         {"policyFile": str(rule_book)})  # fmt: skip
    pack = time.perf_counter() - start, *requests_made(url)
    return gate, pack, verdict


def main() -> None:
    listed = [i["id"] for i in sample_data()["images"] if i.get("__isregistered") == "true"][: IMAGES - 5]
    ids = listed + [str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-gate:{n}")) for n in range(5)]  # 5 gone
    resources = [{"urn": f"urn:pulumi:prod::web::huaweicloud:Compute/instance:Instance::vm{n}",
                  "type": "huaweicloud:Compute/instance:Instance",
                  "inputs": {"imageId": ids[n % len(ids)], "name": f"vm{n}"}, "outputs": {}}
                 for n in range(RESOURCES)]  # fmt: skip
    with tempfile.TemporaryDirectory() as temp:
        catalog = Path(temp) / "catalog.json"
        catalog.write_text(json.dumps(sample_data()))
        with emulator_process(catalog) as emulator:
            gate, pack, verdict = measure(emulator.url, Path(temp), resources)  # type: ignore[attr-defined]
    lineages = len({json.dumps(r.lineage, sort_keys=True) for r in verdict.report.images if r.lineage})
    print(f"{RESOURCES} resources, {len(ids)} distinct images ({lineages} lineages), "
          f"{len(verdict.violations)} violations:")  # fmt: skip
    for label, (seconds, listings, lookups) in (
        ("plan gate (one verdict)", gate),
        ("policy pack (a resource at a time)", pack),
    ):
        print(f"  {label:36} {seconds:6.2f} s  {listings:4d} listings  {lookups:4d} lookups by ID  "
              f"({listings + lookups} requests; {RESOURCES} resources)")  # fmt: skip


if __name__ == "__main__":
    main()
