"""`cloudimages outdated` on real Terraform files: the state, `show -json` and plan JSON that OpenTofu wrote for the
stack of tests/terraform/ (terraform_data resources shaped like huaweicloud ones; tests/terraform/make.py made them,
tests/data/terraform/ holds them as written). Run as a CI job runs it, a process against the emulator. One test
writes the files again with tofu (built by .ci/opentofu) and checks that a fresh run reads the same; without tofu it
is skipped with one line, and on CI (CI=true) it fails."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine_rpc import clean_environment
from pulumi_cloudimages.emulator import Emulator

ROOT = Path(__file__).parents[2]
DATA = ROOT / "tests" / "data" / "terraform"
MAKE = ROOT / "tests" / "terraform" / "make.py"
BUILD = ROOT / ".ci" / "opentofu"
ON_CI = os.environ.get("CI", "").lower() in ("true", "1")
PROJECT_A = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

# The image IDs of tests/terraform/main.tf, of the bundled sample catalog.
GOLD = "87c08afe-80fc-52f2-abe6-f0cf30e5b09e"  # Ubuntu 22.04 server 64bit 20240129: the newest of its lineage
OLD_GOLD = "ea91cb38-2d37-5841-a80b-669fc6bdbb94"  # Ubuntu 22.04 server 64bit 20230713: the web module's
BLUE = "cc17b53a-8e75-5b27-ad9a-426ccf434c58"  # web-server-2025-06-02, private to PROJECT_A: outdated
GREEN = "ecd96b15-77e3-57ea-9a8a-11f8abd39f99"  # web-server-2025-11-20: the newest active web-server
GONE = "5b7d4c2e-9f1a-4e3b-8c6d-0a2b4c6e8f10"  # in no catalog
VAULT = "34a062cb-da5f-54a1-b0ca-0654c8b91a14"  # encrypted-base, only ever given through a sensitive variable
CANARY = "0967bd98-28df-535f-bee6-4fdb9b917fdc"  # only in the plan, and there only known after apply

# What `outdated` should find in both the state and `show -json`: per image, its status, the newest of its lineage,
# and where (the address, the attribute path as `show -json` writes it). Each resource once per image: a server's
# `block_device[0].image_id` and `image_id` are one reference, named by the first path in key order.
EXPECTED: dict[str, tuple[str, str | None, list[tuple[str, str]]]] = {
    GONE: ("gone", None, [("terraform_data.asg_config", "input.instance_config[0].image")]),
    OLD_GOLD: ("outdated", GOLD, [
        ("module.web.terraform_data.server[0]", "input.block_device[0].image_id"),
        ("module.web.terraform_data.server[1]", "input.block_device[0].image_id"),
        ("output.image_id", "value"),  # the child module's output, passed on by the root module's
    ]),
    BLUE: ("outdated", GREEN, [('terraform_data.fleet["blue"]', "input.image_id")]),
    GOLD: ("current", None, [("output.bastion", "value.image_id"), ("terraform_data.bastion", "input.image_id")]),
    GREEN: ("current", None, [('terraform_data.fleet["green"]', "input.image_id")]),
}  # fmt: skip


@pytest.fixture(scope="module")
def ims() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


def outdated(ims: Emulator, *args: str | Path) -> tuple[int, Any, str]:
    """`cloudimages outdated ARGS -o json` in a process of its own, against the emulator as PROJECT_A: exit code,
    the JSON report (None if stdout is empty) and stderr."""
    command = [sys.executable, "-m", "pulumi_cloudimages.cli", "outdated", *map(str, args),
               "--endpoint", ims.url, "--project-id", PROJECT_A, "-o", "json"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=clean_environment(), timeout=120, check=False)
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else None, done.stderr


def in_state(path: str) -> str:
    """The path as a state writes it: `input` and `output` of terraform_data are of dynamic type, which the state
    wraps as `{"value": ..., "type": ...}` (go-cty's marshalDynamic), and `where` names the JSON path in the file;
    an output's value is `value` in both."""
    head, _, rest = path.partition(".")
    return f"{head}.value.{rest}" if head in ("input", "output") else path


def found(report: list[dict[str, Any]]) -> dict[str, tuple[str, str | None, list[tuple[str, str]]]]:
    return {row["image_id"]: (row["status"], row["newest_id"], [(w["resource"], w["path"]) for w in row["where"]])
            for row in report}  # fmt: skip


@pytest.mark.parametrize("name", ["terraform.tfstate", "show.json"])
def test_every_image_of_the_real_files_with_its_status_and_place(ims: Emulator, name: str) -> None:
    code, report, stderr = outdated(ims, DATA / name)
    assert code == 1, stderr  # --fail-on outdated: the web module's and blue's images are outdated
    assert {row["where"][0]["file"] for row in report} == {str(DATA / name)}
    expected = {image: (status, newest, [(where, in_state(path) if name == "terraform.tfstate" else path)
                                         for where, path in places])
                for image, (status, newest, places) in EXPECTED.items()}  # fmt: skip
    got = found(report)
    got.pop(VAULT, None)  # the vault's, read where it should not be: test_the_sensitive_image_never_shows
    assert got == expected
    assert [row["status"] for row in report if row["image_id"] != VAULT] == [
        "gone", "outdated", "outdated", "current", "current"]  # worst first  # fmt: skip
    assert CANARY not in stderr + json.dumps(report)  # not in the state: added by the plan only


@pytest.mark.parametrize("name", ["terraform.tfstate", "show.json"])
def test_the_sensitive_variable_and_output_are_said_skipped_not_read(ims: Emulator, name: str) -> None:
    """OpenTofu marks `input.image_id` of the vault (a sensitive variable's value) and the sensitive output."""
    _, _, stderr = outdated(ims, DATA / name, "--fail-on", "never")
    notes = sorted(line for line in stderr.splitlines() if "sensitive" in line)
    vault_path = "input.value.image_id" if name == "terraform.tfstate" else "input.image_id"
    assert notes == [
        f"note: {DATA / name}: output.vault value.image_id: marked sensitive: not read",
        f"note: {DATA / name}: terraform_data.vault {vault_path}: marked sensitive: not read",
    ]


@pytest.mark.parametrize("name", ["terraform.tfstate", "show.json"])
def test_the_sensitive_image_never_shows(ims: Emulator, name: str) -> None:
    """A value marked sensitive anywhere in a resource is the caller's secret: it must not be in the report."""
    _, report, stderr = outdated(ims, DATA / name, "--fail-on", "never")
    assert VAULT not in json.dumps(report) + stderr


def test_the_plan_is_read_as_what_will_ship(ims: Emulator) -> None:
    """`terraform show -json PLANFILE` (issue 27's plan gate reads it too): the web servers move to the newer gold
    build, the canary's image is known only after apply (said, not judged), the sensitive image never shows."""
    code, report, stderr = outdated(ims, DATA / "plan.json", "--fail-on", "never")
    assert code == 0 and report is not None
    by_id = {row["image_id"]: row for row in report}
    servers = {w["resource"] for row in report for w in row["where"] if "module.web" in str(w["resource"])}
    assert servers == {"module.web.terraform_data.server[0]", "module.web.terraform_data.server[1]"}
    assert all(by_id[row]["status"] != "gone" for row in by_id if "module.web" in json.dumps(by_id[row]["where"]))
    assert "terraform_data.canary[0] input.image_id: known only after apply" in stderr
    assert VAULT not in json.dumps(report)


def test_the_files_are_as_tofu_wrote_them() -> None:
    """Not normalised: tofu's own formatting (the state indented, show -json on one line) and its version."""
    state = (DATA / "terraform.tfstate").read_text()
    assert state.startswith('{\n  "version": 4,\n  "terraform_version": "1.12.6",')
    for name in ("show.json", "plan.json"):
        text = (DATA / name).read_text()
        assert text.count("\n") == 1 and text.endswith("}\n"), name
        assert json.loads(text)["terraform_version"] == "1.12.6"
    plan = json.loads((DATA / "plan.json").read_text())
    changes = {c["address"]: c["change"] for c in plan["resource_changes"]}
    assert changes["terraform_data.canary[0]"]["after_unknown"]["input"] == {"image_id": True}
    assert changes["module.web.terraform_data.server[0]"]["after"]["input"]["image_id"] == GOLD


def find_tofu() -> str | None:
    """tofu: $TOFU, else on PATH, else where .ci/opentofu built it (asked with --check: nothing is built here)."""
    if os.environ.get("TOFU"):
        return os.environ["TOFU"]
    done = subprocess.run(["bash", str(BUILD), "--check"], capture_output=True, text=True, timeout=60, check=False)
    if done.returncode == 0 and done.stdout.strip():
        return str(Path(done.stdout.strip()) / "tofu")
    return shutil.which("tofu")


def shape(document: Any) -> Any:
    """A JSON document with its values left out: the keys, list lengths and value kinds."""
    if isinstance(document, dict):
        return {key: shape(value) for key, value in document.items()}
    if isinstance(document, list):
        return [shape(value) for value in document]
    return type(document).__name__


def test_a_fresh_run_of_tofu_writes_files_read_the_same(ims: Emulator, tmp_path: Path) -> None:
    tofu = find_tofu()
    if tofu is None:
        why = "tofu is not built: run .ci/opentofu (or set TOFU)"
        if ON_CI:
            pytest.fail(f"{why} (CI=true: this test must run)", pytrace=False)
        pytest.skip(why)
    done = subprocess.run([sys.executable, str(MAKE), str(tmp_path)], capture_output=True, text=True,
                          env=clean_environment(TOFU=tofu), timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    for name in ("terraform.tfstate", "show.json", "plan.json"):
        fresh, committed = json.loads((tmp_path / name).read_text()), json.loads((DATA / name).read_text())
        assert shape(fresh) == shape(committed), name  # IDs, lineage and timestamp differ; nothing else may
    for name in ("terraform.tfstate", "show.json"):
        fresh_code, fresh, _ = outdated(ims, tmp_path / name)
        code, committed, _ = outdated(ims, DATA / name)
        assert (fresh_code, found(fresh)) == (code, found(committed)), name
