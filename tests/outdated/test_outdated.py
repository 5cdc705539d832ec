"""`find_outdated` and `cloudimages outdated` against the emulator over HTTP, before and after the catalog changes:
a newer build appears, an image is deactivated, one is deleted, a private lineage gets a new build and a
Marketplace image goes off the shelf."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pulumi.automation import Deployment
from typer.testing import CliRunner

from pulumi_cloudimages import find_outdated
from pulumi_cloudimages.choice.lookup import forget
from pulumi_cloudimages.choice.selection import Selection
from pulumi_cloudimages.cli.app import app
from pulumi_cloudimages.cli.common import out
from pulumi_cloudimages.emulator import PROJECT_A, Catalog, Emulator
from pulumi_cloudimages.emulator.sample import sample_data
from pulumi_cloudimages.errors import InvalidQueryError
from pulumi_cloudimages.outdated.report import OutdatedReport
from pulumi_cloudimages.outdated.states import StateFileError

STATES = Path(__file__).parents[1] / "data" / "states"
FILES = [STATES / name for name in ("pulumi-web.json", "terraform.tfstate", "show.json", "images.txt")]
NEW_UBUNTU = "5f0c7a3e-1b2d-4c8e-9a6f-3d2e1c0b9a87"
NEW_WEB = "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"
runner = CliRunner()


def changed_catalog(ubuntu_built: datetime = datetime(2026, 11, 15, 8, tzinfo=timezone.utc)) -> Catalog:
    data = sample_data()
    by_name = {image["name"]: image for image in data["images"]}
    ubuntu = by_name["Ubuntu 22.04 server 64bit 20240129"]
    web = by_name["web-server-2025-11-20"]
    data["images"] += [
        # A newer build of Ubuntu 22.04 appears; it needs more memory.
        {**ubuntu, "id": NEW_UBUNTU, "name": f"Ubuntu 22.04 server 64bit {ubuntu_built:%Y%m%d}", "min_ram": 2048,
         "created_at": f"{ubuntu_built:%Y-%m-%dT%H:%M:%SZ}", "self": f"/v2/images/{NEW_UBUNTU}"},
        # The private lineage gets a new build.
        {**web, "id": NEW_WEB, "name": "web-server-2026-11-16", "created_at": "2026-11-16T09:00:00Z", "min_disk": 50,
         "hw_firmware_type": "uefi",
         "self": f"/v2/images/{NEW_WEB}"},
    ]  # fmt: skip
    by_name["CentOS 7.9 64bit 20220105"]["status"] = "deactivated"
    data["images"].remove(by_name["Debian 11.1.0 64bit 20211115"])
    by_name["Ubuntu 22.04 LAMP (Marketplace)"]["__is_offshelved"] = "true"
    return Catalog.from_data(data, "the sample catalog, a year on")


@pytest.fixture
def ims() -> Iterator[Emulator]:
    forget()  # lookups are remembered per process: each test starts from the live catalog
    with Emulator(log_size=10_000) as emulator:
        yield emulator


def statuses(report: OutdatedReport) -> dict[str | None, tuple[str, str | None]]:
    return {r.image.name if r.image else r.image_id: (r.status, r.newest.name if r.newest else None)
            for r in report.images}  # fmt: skip


def test_every_status_before_and_after_the_catalog_changes(ims: Emulator) -> None:
    before = find_outdated(FILES, endpoint=ims.url, project_id=PROJECT_A)
    assert statuses(before) == {
        "3b0f6a1e-9d6c-4c1e-8a55-2f1d7c0e9b11": ("gone", None),
        "Debian 11.1.0 64bit 20211115": ("outdated", "Debian 11.1.0 64bit 20221220"),
        "Ubuntu 22.04 server 64bit 20230713": ("outdated", "Ubuntu 22.04 server 64bit 20240129"),
        "Ubuntu 22.04 server 64bit 20230713 ARM": ("outdated", "Ubuntu 22.04 server 64bit 20240129 ARM"),
        "web-server-2025-01-15": ("outdated", "web-server-2025-11-20"),  # not the queued 2026-01-05 build
        "CentOS 7.9 64bit 20220105": ("current", None),  # the newer "CentOS 7.9 64bit for BareMetal" is another image
        "Ubuntu 22.04 LAMP (Marketplace)": ("current", None),
        "Ubuntu 22.04 server 64bit 20240129": ("current", None),
        "web-server-2025-11-20": ("current", None),
        "web-server-canary-2025-11-20": ("current", None),
    }
    ims.replace_catalog(changed_catalog())
    forget()
    after = find_outdated(FILES, endpoint=ims.url, project_id=PROJECT_A)
    assert statuses(after) == {
        "3b0f6a1e-9d6c-4c1e-8a55-2f1d7c0e9b11": ("gone", None),
        "c21cd49d-c36e-52fb-8e0d-8b21b9fed5f0": ("gone", None),  # deleted
        "CentOS 7.9 64bit 20220105": ("withdrawn", "CentOS 7.9 64bit 20210619"),  # deactivated; the newest left
        "Ubuntu 22.04 LAMP (Marketplace)": ("withdrawn", None),  # off the shelf
        "Ubuntu 22.04 server 64bit 20230713": ("outdated", "Ubuntu 22.04 server 64bit 20261115"),
        "Ubuntu 22.04 server 64bit 20230713 ARM": ("outdated", "Ubuntu 22.04 server 64bit 20240129 ARM"),
        "Ubuntu 22.04 server 64bit 20240129": ("outdated", "Ubuntu 22.04 server 64bit 20261115"),  # its pin's refresh
        "web-server-2025-01-15": ("outdated", "web-server-2026-11-16"),
        "web-server-2025-11-20": ("outdated", "web-server-2026-11-16"),
        "web-server-canary-2025-11-20": ("current", None),  # another lineage
    }
    reasons = {r.image_id: r.reason for r in after.images if r.reason}
    assert reasons == {
        "3b0f6a1e-9d6c-4c1e-8a55-2f1d7c0e9b11": "not visible to this project any more",
        "c21cd49d-c36e-52fb-8e0d-8b21b9fed5f0": "not visible to this project any more",
        "e7ce8bea-2c19-5bc3-bf74-a37e275a2eea": "status deactivated",
        "7bafcf82-b197-5dba-9a4d-b5c2020dee9f": "a Marketplace image off the shelf",
    }
    worst_first = ["gone", "withdrawn", "outdated", "current"]
    assert [r.status for r in after.images] == sorted((r.status for r in after.images), key=worst_first.index)


def test_the_json_report_names_the_rule_the_changes_and_every_place(ims: Emulator) -> None:
    ims.replace_catalog(changed_catalog())
    report = {r["image_id"]: r for r in find_outdated(FILES, endpoint=ims.url, project_id=PROJECT_A).to_json()}
    pinned = report["87c08afe-80fc-52f2-abe6-f0cf30e5b09e"]
    assert pinned["rule"] == "pinned"
    assert pinned["lineage"] == {"__imagetype": "gold", "__platform": "Ubuntu", "architecture": "x86",
                                 "name_regex": r"^Ubuntu 22\.04 server", "most_recent": True}  # fmt: skip
    assert (pinned["newest_id"], pinned["newest_created_at"]) == (NEW_UBUNTU, "2026-11-15T08:00:00Z")
    assert pinned["changes"] == {"min_ram": {"from": 1024, "to": 2048}}
    assert pinned["references"] == 3
    assert pinned["where"] == [
        {"file": str(FILES[0]), "resource": "urn:pulumi:prod::web::huaweicloud:Compute/instance:Instance::web-0",
         "path": "outputs.imageId"},
        {"file": str(FILES[0]), "resource": "urn:pulumi:prod::web::pulumi-python:dynamic/cloudimages:PinnedImage::"
         "ubuntu", "path": "outputs.image_id"},
        {"file": str(FILES[2]), "resource": "module.workers.huaweicloud_compute_instance.app[0]", "path": "image_id"},
    ]  # fmt: skip
    private = report["ecd96b15-77e3-57ea-9a8a-11f8abd39f99"]
    assert private["rule"] == "lineage"
    # A project's own images, private or shared out, are one owner's lineage; the date is the build.
    assert private["lineage"] == {"__imagetype": None, "__platform": "Ubuntu", "__os_version":
                                  "Ubuntu 22.04 server 64bit", "architecture": "x86",
                                  "name_pattern": "web-server-#", "owner": PROJECT_A}  # fmt: skip
    assert private["changes"] == {
        "min_disk": {"from": 40, "to": 50},
        "hw_firmware_type": {"from": "bios", "to": "uefi"},
    }
    gone = report["c21cd49d-c36e-52fb-8e0d-8b21b9fed5f0"]
    assert (gone["name"], gone["created_at"], gone["newest_id"], gone["lineage"]) == (None, None, None, None)
    assert isinstance(report["ea91cb38-2d37-5841-a80b-669fc6bdbb94"]["age_days"], int)


def test_each_distinct_id_is_asked_once_and_lineages_are_listed_once(ims: Emulator) -> None:
    # Two at a time: the first round's lineages settle IDs that are then not asked for.
    report = find_outdated(FILES, endpoint=ims.url, project_id=PROJECT_A, concurrency=2)
    assert len(report.images) == 10
    queries = [entry.params for entry in ims.requests if entry.path == "/v2/cloudimages"]
    by_id = [q["id"] for q in queries if "id" in q]
    assert len(by_id) == len(set(by_id)) < 10
    # Lineage listings (the pin's lookup asks for the newest first, sorted): each once.
    listings = [tuple(sorted(q.items())) for q in queries if "id" not in q and "sort_key" not in q]
    assert listings and len(listings) == len(set(listings))
    assert any(("owner", PROJECT_A) in q and not any(k == "__imagetype" for k, _ in q) for q in listings)


def test_the_guards_revoked_images_and_soak_time(ims: Emulator, tmp_path: Path) -> None:
    revocations = tmp_path / "revoked-images.txt"
    revocations.write_text("# images we must not run\nea91cb38-2d37-5841-a80b-669fc6bdbb94  # CVE-2026-1234: broken "
                           "cloud-init\n")  # fmt: skip
    report = find_outdated([FILES[0], FILES[1]], endpoint=ims.url, exclude_file=str(revocations),
                           exclude_ids=["e7ce8bea-2c19-5bc3-bf74-a37e275a2eea"])  # fmt: skip
    by_id = {r.image_id: r for r in report.images}
    legacy = by_id["ea91cb38-2d37-5841-a80b-669fc6bdbb94"]
    assert (legacy.status, legacy.reason) == ("revoked", f"CVE-2026-1234: broken cloud-init ({revocations} line 2)")
    centos = "e7ce8bea-2c19-5bc3-bf74-a37e275a2eea"
    assert by_id[centos].reason == Selection(exclude_ids=[centos]).revocation(centos)  # as get_images words it
    assert [r.status for r in report.images[:2]] == ["revoked", "revoked"]  # the worst first
    # Neither a revoked image nor one younger than min_age is offered as the newest, by lineage or by a pin.
    ims.replace_catalog(changed_catalog(ubuntu_built=datetime.now(timezone.utc) - timedelta(days=1)))
    forget()
    ids = "ea91cb38-2d37-5841-a80b-669fc6bdbb94\n"
    revoked = find_outdated([ids, FILES[0]], endpoint=ims.url, exclude_ids=[NEW_UBUNTU])
    soaked = find_outdated([ids, FILES[0]], endpoint=ims.url, min_age="7d")  # the new build is still soaking
    for report in (revoked, soaked):
        newest = {r.image_id: r.newest.name if r.newest else None for r in report.images}
        assert newest["ea91cb38-2d37-5841-a80b-669fc6bdbb94"] == "Ubuntu 22.04 server 64bit 20240129"
        assert newest["87c08afe-80fc-52f2-abe6-f0cf30e5b09e"] is None  # its pin's refresh: still the newest
    with pytest.raises(InvalidQueryError, match="min_age='soon'"):
        find_outdated([ids], endpoint=ims.url, min_age="soon")
    with pytest.raises(InvalidQueryError, match=r"exclude_file='missing\.txt': cannot be read"):
        find_outdated([ids], endpoint=ims.url, exclude_file="missing.txt")


def test_a_newer_image_held_back_by_the_soak_time_is_reported(ims: Emulator) -> None:
    """`current` under a soak time may be current only for now: the held-back builds and when the next is eligible,
    by lineage and by a pin's refresh, in the report, the JSON and a note on stderr."""
    data = sample_data()
    ubuntu = next(image for image in data["images"] if image["name"] == "Ubuntu 22.04 server 64bit 20240129")
    built = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
    fresh = {**ubuntu, "id": NEW_UBUNTU, "name": f"Ubuntu 22.04 server 64bit {built:%Y%m%d}",
             "created_at": built.strftime("%Y-%m-%dT%H:%M:%SZ"), "self": f"/v2/images/{NEW_UBUNTU}"}  # fmt: skip
    ims.replace_catalog(Catalog.from_data({**data, "images": [*data["images"], fresh]}, "a build of yesterday"))
    in_use = ubuntu["id"] + "\n"
    for documents, rule in (([in_use], "lineage"), ([FILES[0]], "pinned")):  # the export's PinnedImage keeps it
        [held] = [r for r in find_outdated(documents, endpoint=ims.url, min_age="7d").images if r.image_id in in_use]
        assert (held.rule, held.status, held.newest) == (rule, "current", None)
        assert ([h.id for h in held.held_back], held.next_eligible_at) == ([NEW_UBUNTU], built + timedelta(days=7))
    assert find_outdated([in_use], endpoint=ims.url).images[0].held_back == ()  # no soak time: plainly outdated
    result = cli("-", "--endpoint", ims.url, "--min-age", "7d", stdin=in_use)
    assert result.exit_code == 0, result.output
    [entry] = json.loads(result.stdout)
    assert (entry["status"], entry["held_back"]) == ("current", [NEW_UBUNTU])
    assert entry["next_eligible_at"] == (built + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert result.stderr == (
        f"note: {ubuntu['id']} (Ubuntu 22.04 server 64bit 20240129): held back 1 newer image by --min-age 7d, the "
        f"newest {NEW_UBUNTU} ({fresh['name']}); the next becomes eligible at {entry['next_eligible_at']}\n"
    )
    plain = json.loads(cli("-", "--endpoint", ims.url, "--fail-on", "never", stdin=in_use).stdout)
    assert (plain[0]["status"], plain[0]["held_back"], plain[0]["next_eligible_at"]) == ("outdated", [], None)


def test_documents_as_bytes_text_mappings_and_automation_api_exports(ims: Emulator) -> None:
    export = json.loads(FILES[0].read_text())
    documents: list[Any] = [Deployment(version=export["version"], deployment=export["deployment"]),
                            FILES[1].read_bytes(), json.loads(FILES[2].read_text()), FILES[3].read_text()]  # fmt: skip
    report = find_outdated(documents, endpoint=ims.url, project_id=PROJECT_A)
    assert report.documents == ("documents[0]", "documents[1]", "documents[2]", "documents[3]")
    assert len(report.images) == 10
    assert {w.file for r in report.images for w in r.where} == set(report.documents)


def test_a_bad_document_is_refused_before_any_request(ims: Emulator) -> None:
    with pytest.raises(StateFileError, match=r"^documents\[1\]: the JSON ends early"):
        find_outdated([FILES[0], (STATES / "bad" / "truncated.json").read_text()], endpoint=ims.url)
    with pytest.raises(StateFileError, match=r"^nowhere\.json: cannot be read: No such file or directory"):
        find_outdated([Path("nowhere.json")], endpoint=ims.url)
    with pytest.raises(StateFileError, match=r"^documents\[0\]: 42: expected bytes, text, a mapping"):
        find_outdated([42], endpoint=ims.url)  # type: ignore[list-item]
    assert not [entry for entry in ims.requests if entry.path == "/v2/cloudimages"]


def test_a_thousand_ids_across_a_hundred_states(ims: Emulator) -> None:
    """40 private lineages of 25 builds each; 100 Pulumi exports of 10 servers each use every build once."""
    data = sample_data()
    template = next(i for i in data["images"] if i["name"] == "web-server-2025-11-20")
    builds = []
    for line in range(40):
        for build in range(25):
            image_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"outdated-test:{line}:{build}"))
            created = f"2025-{1 + build // 3:02d}-{1 + build % 28:02d}T{build % 24:02d}:00:00Z"
            builds.append({**template, "id": image_id, "name": f"svc{line}-2025-{build:03d}", "created_at": created})
    ims.replace_catalog(Catalog.from_data({**data, "images": data["images"] + builds}, "a thousand builds"))
    exports = []
    for stack in range(100):
        resources = [{"urn": f"urn:pulumi:s{stack}::svc::huaweicloud:Compute/instance:Instance::vm{n}",
                      "type": "huaweicloud:Compute/instance:Instance",
                      "outputs": {"imageId": builds[stack * 10 + n]["id"]}} for n in range(10)]  # fmt: skip
        exports.append({"version": 3, "deployment": {"resources": resources}})
    report = find_outdated(exports, endpoint=ims.url, project_id=PROJECT_A)
    assert len(report.images) == 1000
    newest = {max(builds[line * 25 : line * 25 + 25], key=lambda b: b["created_at"])["id"] for line in range(40)}
    assert {r.image_id for r in report.images if r.status == "current"} == newest
    assert all(r.newest is not None and r.newest.id in newest for r in report.images if r.status == "outdated")
    assert len([r for r in report.images if r.status == "outdated"]) == 960
    requests = [entry for entry in ims.requests if entry.path == "/v2/cloudimages"]
    assert len(requests) < 100  # one listing of the lineages settles every build in it


# --- the command line -------------------------------------------------------------------------------------------


def cli(*args: str, stdin: str | None = None) -> Any:
    forget()
    return runner.invoke(app, ["outdated", *args], input=stdin)


def test_cli_json_when_piped_and_exit_codes_by_fail_on(ims: Emulator) -> None:
    target = ["--endpoint", ims.url, "--project-id", PROJECT_A]
    files = [str(f) for f in FILES]
    result = cli(*files, *target)
    assert result.exit_code == 1, result.output  # --fail-on outdated: something is outdated
    assert len(json.loads(result.stdout)) == 10
    assert "Instance::vault outputs.imageId: a secret: not read" in result.stderr
    assert cli(*files, *target, "--fail-on", "never").exit_code == 0
    assert cli(*files, *target, "--fail-on", "gone").exit_code == 1  # an ID in images.txt is gone
    assert cli(str(FILES[0]), *target, "--fail-on", "withdrawn").exit_code == 0  # only current and outdated
    ims.replace_catalog(changed_catalog())
    assert cli(str(FILES[2]), *target, "--fail-on", "withdrawn").exit_code == 1  # the Marketplace image
    assert cli(str(FILES[2]), *target, "--fail-on", "gone").exit_code == 0
    current = cli("-", *target, stdin="0967bd98-28df-535f-bee6-4fdb9b917fdc  # canary\n")
    assert current.exit_code == 0 and json.loads(current.stdout)[0]["status"] == "current"


def test_cli_markdown_and_table(ims: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    ims.replace_catalog(changed_catalog())
    target = ["--endpoint", ims.url, "--project-id", PROJECT_A, "--fail-on", "never"]
    markdown = cli(str(FILES[0]), *target, "-o", "markdown").stdout.splitlines()
    assert markdown[0] == "| Status | Reason | Image ID | Name | Age (days) | Replace with | Changes | Refs | Where |"
    assert markdown[1] == "|---|---|---|---|---|---|---|---|---|"
    pinned = next(line for line in markdown if "87c08afe" in line)
    assert pinned.startswith(
        "| outdated |  | `87c08afe-80fc-52f2-abe6-f0cf30e5b09e` | Ubuntu 22.04 server 64bit 20240129 |"
    )
    assert f"| {NEW_UBUNTU} \\(Ubuntu 22.04 server 64bit 20261115\\) | " in pinned
    assert f" | 2 | {FILES[0]}: urn:pulumi:prod::web::" in pinned.replace("\\_", "_")
    assert pinned.endswith("Instance::web-0 outputs.imageId +1 more |")
    monkeypatch.setattr(out, "width", 250)  # a wide terminal: one line a row
    table = cli(str(FILES[0]), *target, "-o", "table").stdout
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in table.splitlines() if line.startswith("│")]
    rows = [row for row in cells if row[0]]  # a row's first line; long cells fold onto the next lines
    assert [row[0] for row in rows] == ["outdated", "outdated", "outdated", "current"]
    assert rows[1][:3] == ["outdated", "", "87c08afe-80fc-52f2-abe6-f0cf30e5b09e"] and rows[1][7] == "2"  # by name
    assert rows[-1][3] == "web-server-canary-2025-11-20"


def test_cli_markdown_and_table_say_why_and_what_replaces_a_revoked_image(ims: Emulator, tmp_path: Path) -> None:
    revocations = tmp_path / "revoked-images.txt"
    revocations.write_text("ea91cb38-2d37-5841-a80b-669fc6bdbb94  # CVE-2026-1234: broken cloud-init\n"
                           "87c08afe-80fc-52f2-abe6-f0cf30e5b09e\t# kernel regression INC-4411\n")  # fmt: skip
    ims.replace_catalog(changed_catalog())
    args = [*map(str, FILES), "--endpoint", ims.url, "--project-id", PROJECT_A, "--exclude-file", str(revocations),
            "--exclude-id", NEW_UBUNTU, "--fail-on", "never"]  # fmt: skip
    lines = cli(*args, "-o", "markdown").stdout.splitlines()
    unescaped = [re.sub(r"\\(.)", r"\1", line) for line in lines[2:]]  # Markdown's escapes, as a reader sees the text
    cells = {row[2].strip("`"): row for row in ([c.strip() for c in line.split(" | ")] for line in unescaped)}
    revoked = cells["ea91cb38-2d37-5841-a80b-669fc6bdbb94"]
    assert revoked[:2] == ["| revoked", f"CVE-2026-1234: broken cloud-init ({revocations} line 1)"]
    # The newest image the guards allow is older than the revoked one: the cell says so.
    assert revoked[5] == "c0079b03-a459-5c18-b63b-305dd852db27 (Ubuntu 22.04 server 64bit 20221225, an older build)"
    assert cells["3b0f6a1e-9d6c-4c1e-8a55-2f1d7c0e9b11"][:2] == ["| gone", "not visible to this project any more"]
    centos = next(row for row in cells.values() if row[3] == "CentOS 7.9 64bit 20220105")
    assert centos[:2] == ["| withdrawn", "status deactivated"]
    # Piped (a CI log, no terminal): each row stays on one line, however long, with the same cells.
    printed = cli(*args, "-o", "table").stdout.splitlines()
    table, heading = [line for line in printed if line[0] == "│"], [line for line in printed if line[0] == "┃"]
    assert len(heading) == 1 and [cell.strip() for cell in heading[0].split("┃")[1:-1]] == [
        "Status", "Reason", "Image ID", "Name", "Age (days)", "Replace with", "Changes", "Refs", "Where"]  # fmt: skip
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in table]
    assert len(rows) == len(cells) and all(row[0] and row[2] for row in rows)
    assert {tuple(row[:3]) for row in rows} == {
        (c[0].removeprefix("| "), c[1], c[2].strip("`")) for c in cells.values()
    }


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("truncated.json", "the JSON ends early (cut off?)"),
        ("cloudformation.json", "JSON of another kind"),
        ("terraform.tfstate.gz", "gzip-compressed data: decompress it first"),
        ("tfstate-v3.json", "a Terraform state of format version 3"),
    ],
)
def test_cli_bad_files_exit_2_naming_the_file(ims: Emulator, name: str, why: str) -> None:
    path = str(STATES / "bad" / name)
    result = cli(str(FILES[3]), path, "--endpoint", ims.url)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}: {why}")
    assert result.stdout == ""


def test_cli_empty_input_and_missing_file_exit_2(ims: Emulator) -> None:
    empty = cli("--endpoint", ims.url, stdin="")
    assert empty.exit_code == 2 and "error: <stdin>: empty: no state and no image ID" in empty.stderr
    missing = cli("no-such-state.json", "--endpoint", ims.url)
    assert missing.exit_code == 2 and "error: no-such-state.json: cannot be read: No such file" in missing.stderr
    bad_option = cli(str(FILES[3]), "--endpoint", ims.url, "--fail-on", "sometimes")
    assert bad_option.exit_code == 2 and "'sometimes' is not one of 'outdated'" in bad_option.stderr
    soak = cli(str(FILES[3]), "--endpoint", ims.url, "--min-age", "soon")
    assert soak.exit_code == 2 and soak.stderr.startswith("error: invalid selection: --min-age='soon': expected")
    assert not [entry for entry in ims.requests if entry.path == "/v2/cloudimages"]  # all refused before asking


def test_cli_service_errors_exit_3() -> None:
    with Emulator(credentials=["AK1:SK1:" + PROJECT_A]) as locked:  # unsigned requests get 401
        result = cli(str(FILES[3]), "--endpoint", locked.url, "--project-id", PROJECT_A)
    assert result.exit_code == 3
    expected = (  # the whole of stderr: one line; the ID asked first and the request ID vary
        r"error: HTTP 401 APIGW\.0301: Incorrect IAM authentication information: "
        r"the Authorization header is missing or not SDK-HMAC-SHA256 "
        r"\(request: GET /v2/cloudimages\?id=[0-9a-f-]{36}&limit=500, request ID [0-9a-f]{32}\)\n"
    )
    assert re.fullmatch(expected, result.stderr), result.stderr


def test_the_command_as_a_user_runs_it_in_ci() -> None:
    """`pulumi stack export | cloudimages outdated --fail-on withdrawn -`, as a process, with the bundled emulator."""
    run = subprocess.run(["uv", "run", "--no-sync", "cloudimages", "outdated", "--fail-on", "withdrawn", "-",
                          "--emulator", "--project-id", PROJECT_A], input=FILES[0].read_text(), capture_output=True,
                         text=True, timeout=120, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr  # outdated images, but nothing withdrawn or gone
    report = json.loads(run.stdout)  # piped: JSON
    assert {r["status"] for r in report} == {"current", "outdated"}
    assert run.stderr.startswith("note: <stdin>: urn:pulumi:prod::web::huaweicloud:Compute/instance:Instance::vault")
    failing = subprocess.run(["uv", "run", "--no-sync", "cloudimages", "outdated", str(FILES[3]), "--emulator"],
                             capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert failing.returncode == 1 and "gone" in failing.stdout


def test_no_file_on_a_terminal_is_refused_and_dash_still_reads_it() -> None:
    """Run on a terminal without a FILE: one line saying what to give, not a silent wait; `-` reads the terminal."""
    command = ["uv", "run", "--no-sync", "cloudimages", "outdated", "--emulator", "--fail-on", "never", "-o", "json"]
    main, terminal = pty.openpty()
    try:
        bare = subprocess.run(command, stdin=terminal, capture_output=True, text=True, timeout=60, check=False)
        typed = subprocess.Popen([*command, "-"], stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)  # fmt: skip
        os.write(main, b"0967bd98-28df-535f-bee6-4fdb9b917fdc\n\x04")  # a line, then Ctrl-D: end of input
        stdout, stderr = typed.communicate(timeout=60)
    finally:
        os.close(main)
        os.close(terminal)
    assert (bare.returncode, bare.stdout) == (2, "")
    assert bare.stderr == ("error: <stdin>: a terminal: give a FILE, or pipe a state in (pulumi stack export | "
                           "cloudimages outdated -)\n")  # fmt: skip
    assert typed.returncode == 0, stderr
    assert [r["image_id"] for r in json.loads(stdout)] == ["0967bd98-28df-535f-bee6-4fdb9b917fdc"]


def test_format_is_another_name_of_output(ims: Emulator) -> None:
    target = [str(FILES[0]), "--endpoint", ims.url, "--project-id", PROJECT_A, "--fail-on", "never"]
    for fmt in ("json", "markdown"):
        shown = cli(*target, "-o", fmt).stdout
        assert cli(*target, "--format", fmt).stdout == shown and shown.strip()
    assert json.loads(cli(*target, "--format=json").stdout)  # what a user of other tools types
    refused = cli(*target, "--format", "yaml")
    assert (refused.exit_code, refused.stderr) == (2, "error: --format: 'yaml' is not one of 'table', 'json', "
                                                      "'markdown'\n")  # fmt: skip
    assert "-o, --output, --format [table|json|markdown]" in runner.invoke(app, ["outdated", "--help"],
                                                                           env={"COLUMNS": "120"}).stdout  # fmt: skip


def test_without_a_project_only_public_images_are_visible_and_the_report_says_so() -> None:
    """A team's private image, asked for with no project ID and no credentials: reported gone, with why it may be,
    once on stderr; given the project, it is found."""
    command = ["uv", "run", "--no-sync", "cloudimages", "outdated", str(FILES[3]), "--emulator", "--fail-on", "never"]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HW_", "HUAWEICLOUD_SDK_"))}
    anonymous = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, env=env)
    assert anonymous.returncode == 0, anonymous.stderr
    reasons = {r["image_id"]: (r["status"], r["reason"]) for r in json.loads(anonymous.stdout)}
    private = "c7f5ced5-b44c-56ac-ace2-ce4cf9eaa501"  # web-server-2025-01-15, PROJECT_A's
    assert reasons[private] == ("gone", "not visible without a project ID (only public images are)")
    assert anonymous.stderr == ("note: no project ID is set, so only public images are visible and a private or shared "
                                "image in use is reported gone: set --project-id (or HW_PROJECT_ID)\n")  # fmt: skip
    known = subprocess.run([*command, "--project-id", PROJECT_A], capture_output=True, text=True, timeout=120,
                           check=False, env=env)  # fmt: skip
    reports = {r["image_id"]: r for r in json.loads(known.stdout)}
    assert reports[private]["status"] == "outdated" and known.stderr == ""
    assert reports["3b0f6a1e-9d6c-4c1e-8a55-2f1d7c0e9b11"]["reason"] == "not visible to this project any more"


def _tf_outputs(outputs: dict[str, Any]) -> dict[str, Any]:
    return {"version": 4, "terraform_version": "1.14.0", "serial": 3, "lineage": str(uuid.uuid4()),
            "outputs": outputs, "resources": []}  # fmt: skip


def test_terraform_root_module_outputs_are_read_but_sensitive_ones(ims: Emulator, tmp_path: Path) -> None:
    """Outputs as `terraform.tfstate` and `terraform show -json` write them: image IDs under an image ID key at any
    depth of an output, or an output named image_id; a sensitive one is never read (its value is in plain text)."""
    old_ubuntu, centos, private = ("87c08afe-80fc-52f2-abe6-f0cf30e5b09e", "e7ce8bea-2c19-5bc3-bf74-a37e275a2eea",
                                   "ecd96b15-77e3-57ea-9a8a-11f8abd39f99")  # fmt: skip
    state = tmp_path / "terraform.tfstate"
    state.write_text(json.dumps(_tf_outputs({
        "image_id": {"value": old_ubuntu, "type": "string"},
        "fleet": {"value": {"web": {"image_id": centos, "ip": "192.168.1.10"}},
                  "type": ["object", {"web": ["object", {"image_id": "string", "ip": "string"}]}]},
        "golden": {"value": {"image_id": private}, "type": ["object", {"image_id": "string"}], "sensitive": True},
    })))  # fmt: skip
    show = tmp_path / "show.json"
    show.write_text(json.dumps({"format_version": "1.0", "terraform_version": "1.14.0", "values": {
        "outputs": {"imageId": {"sensitive": False, "value": [centos], "type": ["list", "string"]},
                    "image_id": {"sensitive": True, "value": private, "type": "string"},
                    "golden_id": {"sensitive": False, "value": private, "type": "string"}},  # no image ID key
        "root_module": {}}}))  # fmt: skip
    result = cli(str(state), str(show), "--endpoint", ims.url, "--project-id", PROJECT_A, "--fail-on", "never")
    assert result.exit_code == 0, result.output
    where = {r["image_id"]: [(w["file"], w["resource"], w["path"]) for w in r["where"]]
             for r in json.loads(result.stdout)}  # fmt: skip
    assert where == {
        old_ubuntu: [(str(state), "output.image_id", "value")],
        centos: [(str(show), "output.imageId", "value[0]"), (str(state), "output.fleet", "value.web.image_id")],
    }
    assert private not in result.stdout + result.stderr
    assert result.stderr == (f"note: {state}: output.golden value.image_id: marked sensitive: not read\n"
                             f"note: {show}: output.image_id value: marked sensitive: not read\n")  # fmt: skip
