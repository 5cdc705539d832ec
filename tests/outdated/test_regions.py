"""Image IDs belong to one region: `outdated` asks each image of the region its file records (a resource's own
`region`, a Pulumi provider's inputs, where a PinnedImage was chosen), so that a multi-region stack gets no false
"gone". One emulator a region, each pointed at with `--region-endpoint REGION=URL`."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine_rpc import clean_environment
from pulumi_cloudimages.emulator import PROJECT_A, Catalog, Emulator
from pulumi_cloudimages.emulator.sample import sample_data

IN_BEIJING = "87c08afe-80fc-52f2-abe6-f0cf30e5b09e"  # a gold Ubuntu image of the sample catalog
IN_SINGAPORE = "5e9c0b1d-0000-4000-8000-5e0000000001"  # an image of the other region only


@pytest.fixture
def regions() -> Iterator[tuple[Emulator, Emulator]]:
    data = sample_data()
    singapore = {"images": [i for i in data["images"] if i["id"] != IN_BEIJING]}
    image = copy.deepcopy(next(i for i in data["images"] if i["id"] == IN_BEIJING))
    image.update(id=IN_SINGAPORE, self=f"/v2/images/{IN_SINGAPORE}", file=f"/v2/images/{IN_SINGAPORE}/file")
    singapore["images"].append(image)
    with Emulator() as beijing, Emulator(Catalog.from_data(singapore, "ap-southeast-1")) as other:
        yield beijing, other


def export(tmp_path: Path) -> Path:
    """Servers in two regions: one by its own `region` input, one by its provider's."""
    provider = "urn:pulumi:prod::web::pulumi:providers:huaweicloud::singapore"
    server = "huaweicloud:Compute/instance:Instance"
    resources = [
        {"urn": provider, "type": "pulumi:providers:huaweicloud", "id": "0f3e", "inputs": {"region": "ap-southeast-1"}},
        {"urn": f"urn:pulumi:prod::web::{server}::bj", "type": server,
         "inputs": {"region": "cn-north-4", "imageId": IN_BEIJING}, "outputs": {}},
        {"urn": f"urn:pulumi:prod::web::{server}::sg", "type": server,
         "provider": f"{provider}::0f3e", "inputs": {"imageId": IN_SINGAPORE}, "outputs": {}},
    ]  # fmt: skip
    path = tmp_path / "prod.json"
    path.write_text(json.dumps({"version": 3, "deployment": {"resources": resources}}))
    return path


def outdated(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pulumi_cloudimages.cli", "outdated", "-o", "json", "--fail-on", "gone", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=clean_environment())


def test_each_image_is_asked_of_its_own_region(regions: tuple[Emulator, Emulator], tmp_path: Path) -> None:
    beijing, singapore = regions
    done = outdated(str(export(tmp_path)), "--region", "cn-north-4", "--endpoint", beijing.url,
                    "--project-id", PROJECT_A, "--region-endpoint", f"ap-southeast-1={singapore.url}",
                    "--region-project", f"ap-southeast-1={PROJECT_A}")  # fmt: skip
    assert done.returncode == 0, done.stderr
    by_id = {row["image_id"]: row for row in json.loads(done.stdout)}
    assert {key: (row["status"], row["region"]) for key, row in by_id.items()} == {
        IN_BEIJING: ("current", "cn-north-4"), IN_SINGAPORE: ("current", "ap-southeast-1")
    }  # fmt: skip
    assert [r.params.get("id") for r in singapore.requests if r.params.get("id")] == [IN_SINGAPORE]


def test_asked_of_one_region_only_the_other_regions_image_is_gone(
    regions: tuple[Emulator, Emulator], tmp_path: Path
) -> None:
    beijing, _ = regions
    done = outdated(str(export(tmp_path)), "--region", "cn-north-4", "--endpoint", beijing.url,
                    "--project-id", PROJECT_A, "--region-endpoint", f"ap-southeast-1={beijing.url}")  # fmt: skip
    assert done.returncode == 1
    assert {row["image_id"]: row["status"] for row in json.loads(done.stdout)}[IN_SINGAPORE] == "gone"


def test_a_malformed_region_endpoint_is_bad_input(tmp_path: Path) -> None:
    done = outdated(str(export(tmp_path)), "--endpoint", "http://127.0.0.1:9", "--region-endpoint", "ap-southeast-1")
    assert done.returncode == 2 and "--region-endpoint 'ap-southeast-1': expected REGION=URL" in done.stderr
