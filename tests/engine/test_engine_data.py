"""The real exports of tests/data/engine/ (written by tests/engine/make_data.py with the real engine) read by
`find_outdated` in-process: no engine needed, so these run everywhere; what the files hold is what Pulumi writes."""

from __future__ import annotations

import json
from pathlib import Path

from engine.stacks import DEBIAN, EXPECTED, later_catalog
from pulumi_cloudimages import find_outdated
from pulumi_cloudimages.emulator import PROJECT_A, Catalog, Emulator

DATA = Path(__file__).parents[1] / "data" / "engine"
FILES = [DATA / "fleet.json", DATA / "pinned.json"]


def test_the_exports_are_the_real_engines() -> None:
    for path in FILES:
        document = json.loads(path.read_text())
        assert document["version"] == 3
        assert document["deployment"]["manifest"]["version"] == "v3.276.0", path  # written by the CLI we build
        types = {resource["type"] for resource in document["deployment"]["resources"]}
        assert types & {"cloudimages:index:PinnedImage", "pulumi-python:dynamic/cloudimages:PinnedImage"}, path


def test_outdated_finds_every_image_of_the_real_exports() -> None:
    with Emulator(Catalog.from_data(later_catalog(), "later"), credentials=[f"AK:SK:{PROJECT_A}"]) as ims:
        report = find_outdated(FILES, endpoint=ims.url, project_id=PROJECT_A, access_key="AK", secret_key="SK")
    found = {image.image_id: image for image in report.images}
    assert {i: (f.status, f.rule, f.newest and f.newest.id) for i, f in found.items()} == EXPECTED
    assert {w.resource for w in found[DEBIAN["id"]].where} == {
        "urn:pulumi:dev::fleet::cloudimages:index:PinnedImage::debian"
    }
