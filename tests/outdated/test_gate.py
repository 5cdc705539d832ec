"""`cloudimages outdated` as a CI gate a team can live with: an ignore list for findings it accepts for now (by
image ID, Terraform address or Pulumi URN, with a date after which they count again), and a report whose
Markdown and table show another tenant's image name or a file's reason as text only, cut to a cell."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from test_outdated import FILES, NEW_UBUNTU, changed_catalog, cli

from pulumi_cloudimages import find_outdated
from pulumi_cloudimages.emulator import PROJECT_A, Catalog, Emulator
from pulumi_cloudimages.emulator.sample import sample_data
from pulumi_cloudimages.errors import InvalidQueryError

UBUNTU_IN_USE = "87c08afe-80fc-52f2-abe6-f0cf30e5b09e"  # outdated once the newer build is out (FILES[0], FILES[2])
WEB_URN = "urn:pulumi:prod::web::huaweicloud:Compute/instance:Instance::web-0"


@pytest.fixture
def ims() -> Iterator[Emulator]:
    with Emulator(changed_catalog()) as emulator:
        yield emulator


def gate(ims: Emulator, *args: str) -> tuple[int, list[dict[str, object]], str]:
    done = cli(*map(str, FILES), "--endpoint", ims.url, "--project-id", PROJECT_A, "-o", "json", *args)
    return done.exit_code, json.loads(done.stdout or "[]"), done.stderr


def test_ignored_findings_are_reported_marked_and_never_fail(ims: Emulator, tmp_path: Path) -> None:
    code, report, _ = gate(ims)
    failing = {r["image_id"] for r in report if r["status"] != "current"}
    assert code == 1 and UBUNTU_IN_USE in failing
    ignores = tmp_path / "ignored.txt"
    lines = [f"{r} until 2999-12-31  # accepted: {r}" for r in sorted(failing)]
    ignores.write_text("# findings we accept for now\n" + "\n".join(lines) + "\n")
    code, report, _ = gate(ims, "--ignore-file", str(ignores))
    assert code == 0 and len(report) == len(failing) + sum(r["status"] == "current" for r in report)
    for row in report:
        if row["status"] != "current":
            assert row["ignored"] == f"accepted: {row['image_id']} until 2999-12-31 ({ignores} line " + \
                f"{sorted(failing).index(row['image_id']) + 2})"  # fmt: skip


def test_an_ignore_by_place_covers_an_image_only_where_every_use_is_listed(ims: Emulator, tmp_path: Path) -> None:
    export = ["--endpoint", ims.url, "--project-id", PROJECT_A, "-o", "json", str(FILES[0])]
    ignores = tmp_path / "ignored.txt"
    ignores.write_text(f"{WEB_URN}  # rebuilt by hand\n")
    ubuntu = next(r for r in json.loads(cli(*export, "--ignore-file", str(ignores)).stdout)
                  if r["image_id"] == UBUNTU_IN_USE)  # fmt: skip
    places = sorted({w["resource"] for w in ubuntu["where"]})
    assert ubuntu["ignored"] is None and WEB_URN in places and len(places) > 1  # used elsewhere too
    ignores.write_text("".join(f"{place}  # every place\n" for place in places))
    done = cli(*export, "--ignore-file", str(ignores))
    ubuntu = next(r for r in json.loads(done.stdout) if r["image_id"] == UBUNTU_IN_USE)
    assert ubuntu["ignored"].startswith(f"every place ({ignores} line ")


def test_a_line_past_its_date_no_longer_applies_and_a_note_says_so(ims: Emulator, tmp_path: Path) -> None:
    yesterday = date.today() - timedelta(days=2)
    ignores = tmp_path / "ignored.txt"
    ignores.write_text(f"{UBUNTU_IN_USE.upper()}  until {yesterday}  # the vendor's fix was due\n")
    code, report, stderr = gate(ims, "--ignore-file", str(ignores))
    assert code == 1 and next(r for r in report if r["image_id"] == UBUNTU_IN_USE)["ignored"] is None
    assert f"{ignores} line 1: {UBUNTU_IN_USE} was ignored until {yesterday}: no longer ignored" in stderr


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("HW_SECRET_KEY=abc123", "line 1 is not an image ID, a Terraform address or a Pulumi URN"),
        (f"{UBUNTU_IN_USE} until next-week", "line 1: until 'next-week' is not a date (YYYY-MM-DD)"),
    ],
)
def test_a_bad_ignore_file_is_bad_input_naming_the_line(ims: Emulator, tmp_path: Path, line: str, why: str) -> None:
    ignores = tmp_path / "ignored.txt"
    ignores.write_text(line + "\n")
    code, _, stderr = gate(ims, "--ignore-file", str(ignores))
    assert code == 2 and why in stderr and "abc123" not in stderr
    with pytest.raises(InvalidQueryError, match=re.escape(why)):
        find_outdated([FILES[3]], ignore_file=str(ignores), endpoint=ims.url)


def test_the_report_shows_names_and_reasons_as_text_cut_to_a_cell(tmp_path: Path) -> None:
    """A sharing tenant names its image; a revocation file's reason may be a megabyte: neither reaches a pull
    request as a link, HTML or a broken table, nor a terminal as escape codes."""
    data = sample_data()
    ubuntu = next(i for i in data["images"] if i["id"] == UBUNTU_IN_USE)
    ubuntu["name"] = "Ubuntu [click me](https://evil.example) <img src=x onerror=alert(1)> | \x1b[31mred\x1b[0m"
    revocations = tmp_path / "revoked.txt"
    revocations.write_text(f"{UBUNTU_IN_USE}  # {'x' * 1_000_000}\n")
    with Emulator(Catalog.from_data(data, "hostile names")) as ims:
        args = [str(FILES[3]), str(FILES[0]), "--endpoint", ims.url, "--project-id", PROJECT_A,
                "--exclude-file", str(revocations), "--fail-on", "never"]  # fmt: skip
        markdown = cli(*args, "-o", "markdown").stdout
        table = cli(*args, "-o", "table").stdout
    row = next(line for line in markdown.splitlines() if UBUNTU_IN_USE in line)
    assert "](" not in row and "<img" not in row and "&lt;img" in row and "\x1b" not in row
    assert row.count(" | ") == 8  # nine cells: the name's | is escaped
    assert len(row) < 2000 and "…" in row
    assert "\x1b" not in table and "[click me]" in table


def test_changes_show_in_the_table_and_markdown(ims: Emulator) -> None:
    done = cli(str(FILES[0]), "--endpoint", ims.url, "--project-id", PROJECT_A, "-o", "markdown", "--fail-on", "never")
    row = next(line for line in done.stdout.splitlines() if UBUNTU_IN_USE in line)
    assert "min\\_ram 1024 → 2048" in row and NEW_UBUNTU in row
