"""The stack's life into `outdated`: the `pulumi stack export` of real stacks (a YAML fleet through the plugin, a
Python program's dynamic PinnedImage) goes to the installed `cloudimages outdated`, which finds every image they
hold with the right status, where, and lineage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.scenario import ACCESS_KEY, PROJECT_A, SECRET_KEY, Emulator, NewProject, UserVenv, run, user_environment
from engine.stacks import CENTOS, DEBIAN, EXPECTED, fleet_program, live, python_files
from pins import PINNED


def outdated(venv: UserVenv, ims: Emulator, *files: Path) -> tuple[int, list[dict[str, Any]], str]:
    env = user_environment(venv.bin, HW_ACCESS_KEY=ACCESS_KEY, HW_SECRET_KEY=SECRET_KEY)
    ran = run([venv.bin / "cloudimages", "outdated", "--endpoint", ims.url, "--project-id", PROJECT_A,
               "-o", "json", *files], cwd=files[0].parent, env=env, check=False)  # fmt: skip
    assert ran.code in (0, 1), ran
    return ran.code, json.loads(ran.stdout), ran.stderr


def test_outdated_reads_real_stacks(new_project: NewProject, user_venv: UserVenv, ims: Emulator,
                                    tmp_path: Path) -> None:  # fmt: skip
    fleet = new_project({"Pulumi.yaml": fleet_program(user_venv.bin)})
    pinned = new_project(python_files(user_venv.python), env={"PULUMI_PYTHON_CMD": str(user_venv.python)})
    exports = live([fleet, pinned], ims)
    for name, export in zip(("fleet.json", "pinned.json"), exports, strict=True):
        (tmp_path / name).write_text(export)

    code, report, stderr = outdated(user_venv, ims, tmp_path / "fleet.json", tmp_path / "pinned.json")
    assert code == 1, stderr  # an outdated (and a gone) image: the default --fail-on outdated fails
    found = {image["image_id"]: image for image in report}
    assert {i: (f["status"], f["rule"], f["newest_id"]) for i, f in found.items()} == EXPECTED

    def where(image_id: str) -> set[tuple[str, str]]:
        return {(w["file"].rsplit("/", 1)[-1], w["resource"]) for w in found[image_id]["where"]}

    assert where(PINNED["id"]) == {
        ("fleet.json", "urn:pulumi:dev::fleet::cloudimages:index:PinnedImage::ubuntu"),
        ("pinned.json", "urn:pulumi:dev::pinned::pulumi-python:dynamic/cloudimages:PinnedImage::ubuntu"),
    }
    assert where(DEBIAN["id"]) == {("fleet.json", "urn:pulumi:dev::fleet::cloudimages:index:PinnedImage::debian")}
    assert where(CENTOS["id"]) == {("fleet.json", "urn:pulumi:dev::fleet::pulumi:pulumi:Stack::fleet-dev")}
    # A pin's lineage is its own filters and selection (both programs pinned with the same ones); another image's,
    # the lineage rule's keys.
    assert found[PINNED["id"]]["lineage"] == {"__imagetype": "gold", "__platform": "Ubuntu", "__support_kvm": True,
                                              "name_regex": r"^Ubuntu 22\.04 ", "most_recent": True}  # fmt: skip
    assert found[DEBIAN["id"]]["lineage"]["__platform"] == "Debian"
    assert found[CENTOS["id"]]["lineage"]["__platform"] == "CentOS" and "name_pattern" in found[CENTOS["id"]]["lineage"]
