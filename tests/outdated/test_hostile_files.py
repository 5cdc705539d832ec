"""`cloudimages outdated` as a CI gate fed broken or hostile files: each is bad input (exit 2, one line naming the
file and why), never a finding (exit 1) nor a crash. Sizes are checked while reading, since /dev/zero, a FIFO
or a pipe has no size to stat; nesting is capped below what the readers' recursion could take."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine_rpc import clean_environment
from pulumi_cloudimages import find_outdated
from pulumi_cloudimages.emulator import Emulator
from pulumi_cloudimages.outdated.states import StateFileError

COMMAND = [sys.executable, "-m", "pulumi_cloudimages.cli", "outdated"]
NOWHERE = "http://127.0.0.1:9"  # nothing listens: bad input is refused before any request


def outdated(
    *args: str, stdin: object = subprocess.DEVNULL, endpoint: str = NOWHERE
) -> subprocess.CompletedProcess[str]:
    command = [*COMMAND, "--endpoint", endpoint, *args]
    return subprocess.run(command, stdin=stdin, capture_output=True, text=True, timeout=120,  # type: ignore[call-overload]
                          env=clean_environment())  # fmt: skip


def refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr and all(w in lines[0] for w in words), lines


@pytest.mark.parametrize("depth", [300, 1200, 100_000])
def test_json_nested_too_deeply_is_bad_input(tmp_path: Path, depth: int) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"deployment": ' + "[" * depth + "]" * depth + ', "version": 3}')
    refused(outdated(str(deep)), "deep.json", "nested deeper than 256 levels")


def test_dev_zero_as_a_file_as_stdin_and_as_the_exclude_file_is_bad_input(tmp_path: Path) -> None:
    refused(outdated("/dev/zero", "--max-file-size", "8"), "/dev/zero", "larger than 8 MiB", "--max-file-size")
    with open("/dev/zero", "rb") as zero:
        refused(outdated("-", "--max-file-size", "8", stdin=zero), "<stdin>", "larger than 8 MiB")
    ids = tmp_path / "ids.txt"
    ids.write_text("87c08afe-80fc-52f2-abe6-f0cf30e5b09e\n")
    refused(outdated(str(ids), "--exclude-file", "/dev/zero"), "--exclude-file", "larger than 10 MiB")


def test_a_state_over_the_size_limit_is_refused_and_the_limit_can_be_raised(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_text('{"version": 3, "deployment": {"resources": []}, "pad": "' + "x" * (2 * 1024 * 1024) + '"}')
    refused(outdated(str(big), "--max-file-size", "1"), "big.json", "larger than 1 MiB")
    with Emulator() as emulator:
        done = outdated(str(big), "--max-file-size", "3", endpoint=emulator.url)
    assert done.returncode == 0 and "no image ID found" in done.stderr, done.stderr


def test_an_auto_scaling_configurations_image_is_read_and_users_add_keys(tmp_path: Path) -> None:
    """`huaweicloud_as_configuration.instance_config[0].image` (Pulumi: `instanceConfig.image`) holds an image ID
    under `image`; `image` holding a name is no reference; `--image-key` adds a key of the user's."""
    image_id = "87c08afe-80fc-52f2-abe6-f0cf30e5b09e"
    other_id = "1b6f8f1e-3e2b-4c4e-9f11-7c3f5d0e4a21"
    export = {"version": 3, "deployment": {"resources": [
        {"urn": "urn:pulumi:prod::web::huaweicloud:As/configuration:Configuration::web",
         "type": "huaweicloud:As/configuration:Configuration",
         "inputs": {"instanceConfig": {"image": image_id, "flavor": "s6.large.2"}}, "outputs": {}},
        {"urn": "urn:pulumi:prod::web::kubernetes:apps/v1:Deployment::nginx", "type": "kubernetes:apps/v1:Deployment",
         "inputs": {"spec": {"containers": [{"image": "nginx:1.27"}]}}, "outputs": {}},
        {"urn": "urn:pulumi:prod::web::custom:index:Server::legacy", "type": "custom:index:Server",
         "inputs": {"bootImage": other_id}, "outputs": {}},
    ]}}  # fmt: skip
    path = tmp_path / "prod.json"
    path.write_text(json.dumps(export))
    with Emulator() as emulator:
        found = outdated(str(path), "-o", "json", "--fail-on", "never", endpoint=emulator.url)
        both = outdated(
            str(path), "-o", "json", "--fail-on", "never", "--image-key", "bootImage", endpoint=emulator.url
        )
    assert [(r["image_id"], r["where"][0]["path"]) for r in json.loads(found.stdout)] == [
        (image_id, "inputs.instanceConfig.image")
    ], found.stderr
    assert "nginx" not in found.stderr  # a name under `image` is no reference, nor a skipped value
    assert sorted(r["image_id"] for r in json.loads(both.stdout)) == sorted([image_id, other_id])


def test_a_document_without_any_image_is_said_on_stderr(tmp_path: Path) -> None:
    empty = tmp_path / "network.json"
    empty.write_text('{"version": 3, "deployment": {"resources": []}}')
    with Emulator() as emulator:
        done = outdated(str(empty), "-o", "json", endpoint=emulator.url)
    assert done.returncode == 0 and done.stdout.strip() == "[]"
    assert "note: network.json" not in done.stderr and f"note: {empty}: no image ID found" in done.stderr


def test_version_true_is_no_pulumi_export_version(tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    export.write_text('{"version": true, "deployment": {"resources": []}}')
    refused(outdated(str(export)), "export.json", "a Pulumi export of version True: versions 1 to 3 are read")


def test_a_path_given_as_text_to_find_outdated_says_to_pass_a_path() -> None:
    with pytest.raises(StateFileError, match=r"'terraform.tfstate' is text, not a file to read: pass "
                                             r"pathlib.Path\('terraform.tfstate'\)"):  # fmt: skip
        find_outdated(["terraform.tfstate"], endpoint=NOWHERE)
    with pytest.raises(StateFileError, match="expected a list of documents"):
        find_outdated(Path("terraform.tfstate"), endpoint=NOWHERE)  # type: ignore[arg-type]


def test_a_pins_relative_exclude_file_keeps_its_min_age(tmp_path: Path) -> None:
    """The file is relative to the program's folder, which the state does not record: the pin's other arguments
    still decide (its filters and min_age), without that file, and a note says so."""
    pinned = {"urn": "urn:pulumi:prod::web::pulumi-python:dynamic/cloudimages:PinnedImage::ubuntu",
              "type": "pulumi-python:dynamic/cloudimages:PinnedImage",
              "outputs": {"image_id": "87c08afe-80fc-52f2-abe6-f0cf30e5b09e", "pinned_at": "2024-02-01T00:00:00Z",
                          "upgrade_available": False, "imagetype": "gold", "platform": "Ubuntu",
                          "name_regex": "^Ubuntu 22\\.04 server", "most_recent": True, "min_age": "3650d",
                          "exclude_file": "revoked-images.txt"}}  # fmt: skip
    export = tmp_path / "export.json"
    export.write_text(json.dumps({"version": 3, "deployment": {"resources": [pinned]}}))
    with Emulator() as emulator:
        done = outdated(str(export), "-o", "json", endpoint=emulator.url)
    [row] = json.loads(done.stdout)
    assert (row["rule"], row["status"], row["lineage"]["min_age"]) == ("pinned", "current", "3650d"), row
    assert "exclude_file 'revoked-images.txt' not readable from here" in done.stderr  # before: judged by lineage
