"""The guards of a selection (soak time, revocation list, trusted sources by default) against the emulator,
with a catalog whose creation times are relative to now: through `get_images` under the Pulumi runtime and
through the command line. The plugin's door is `test_guards_plugin.py`."""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import start_engine
from pulumi_cloudimages import GetImagesError, NoMatchError, get_images
from pulumi_cloudimages.choice.lookup import forget
from pulumi_cloudimages.cli.app import app
from pulumi_cloudimages.emulator import PROJECT_A, PROJECT_B, Catalog, Emulator
from pulumi_cloudimages.emulator.sample import sample_data
from pulumi_cloudimages.ims.image import format_time
from pulumi_cloudimages.ims.project import ProjectLookup

NOW = datetime.now(timezone.utc).replace(microsecond=0)
NAME = "Ubuntu 22.04 server 64bit"
TEMPLATE = next(i for i in sample_data()["images"] if i["__imagetype"] == "gold" and i["name"].startswith(NAME))
FILTERS: dict[str, Any] = {"platform": "Ubuntu", "name_regex": r"^Ubuntu 22\.04 server", "most_recent": True}


def _image(key: str, age: timedelta, **fields: Any) -> dict[str, Any]:
    image_id = f"00000000-0000-4000-8000-{key.encode().hex():0>12}"[-36:]
    created = NOW - age
    build = created.strftime("%Y%m%d")
    image = copy.deepcopy(TEMPLATE)
    image.update(id=image_id, name=f"{NAME} {build}", self=f"/v2/images/{image_id}", file=f"/v2/images/{image_id}/file",
                 created_at=format_time(created), updated_at=format_time(created), active_at=format_time(created))  # fmt: skip  # noqa: E501
    image.update(fields)
    return image


GOLD_2 = _image("gold02", timedelta(days=2))
GOLD_20 = _image("gold20", timedelta(days=20))
GOLD_60 = _image("gold60", timedelta(days=60))
# A newer lookalike another tenant shares with the project, and a newer Marketplace image taken off the shelf:
# both with the name of the newest gold image.
LOOKALIKE = _image("shared", timedelta(days=1), name=GOLD_2["name"], owner=PROJECT_B, visibility="shared",
                   __imagetype="shared", protected=False)  # fmt: skip
OFFSHELF = _image("market", timedelta(hours=12), name=GOLD_2["name"], __imagetype="market", protected=False,
                  __is_offshelved="true", __productcode="00301-UBUNTU")  # fmt: skip
GOLD = [GOLD_2, GOLD_20, GOLD_60]


def guarded_data() -> dict[str, Any]:
    return {"images": [*GOLD, LOOKALIKE, OFFSHELF], "members": {LOOKALIKE["id"]: {PROJECT_A: "accepted"}}}


def created(image: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(image["created_at"].replace("Z", "+00:00"))


def revocation_file(folder: Path, *lines: str) -> str:
    path = folder / "revoked-images.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(Catalog.from_data(guarded_data(), "guarded catalog")) as emu:
        yield emu


@pytest.fixture
def engine(emulator: Emulator) -> Iterator[Emulator]:
    start_engine(config={"cloudimages:endpoint": emulator.url, "cloudimages:projectId": PROJECT_A,
                         "cloudimages:maxRetries": "0"})  # fmt: skip
    emulator.requests.clear()
    yield emulator
    forget()


# --- Python: get_images ----------------------------------------------------------------------------------


def test_without_guards_set_the_newest_trusted_image_wins_over_a_lookalike(engine: Emulator) -> None:
    result = get_images(**FILTERS)
    assert result.id == result.latest_id == GOLD_2["id"]
    assert result.held_back_ids == [] and result.excluded == {} and result.next_eligible_at is None


def test_shared_and_marketplace_images_only_when_asked_and_never_off_the_shelf(engine: Emulator) -> None:
    assert get_images(**FILTERS, imagetype="shared").id == LOOKALIKE["id"]
    assert get_images(**FILTERS, visibility="shared", member_status="accepted").id == LOOKALIKE["id"]
    with pytest.raises(GetImagesError) as caught:
        get_images(**FILTERS, imagetype="market")
    assert "off the shelf" in str(caught.value) and OFFSHELF["id"] in str(caught.value)


def test_images_a_project_shares_out_stay_its_own(emulator: Emulator) -> None:
    # The API lists an image its owner shares out as shared too: for the owner it is still its own.
    start_engine(config={"cloudimages:endpoint": emulator.url, "cloudimages:projectId": PROJECT_B})
    try:
        assert get_images(**FILTERS).id == LOOKALIKE["id"]  # the owner's newest build wins, untouched by the guard
    finally:
        forget()


def test_images_a_project_shares_out_stay_its_own_when_its_id_is_discovered_through_iam(tmp_path: Path) -> None:
    # No projectId configured: the credentials' project, found through IAM, is the caller's own.
    ProjectLookup.forget_all()
    with Emulator(
        Catalog.from_data(guarded_data(), "guarded catalog"), credentials=[f"AKOWNER:SKOWNER:{PROJECT_B}"]
    ) as emu:
        start_engine(config={"cloudimages:endpoint": emu.url, "cloudimages:iamEndpoint": emu.url,
                             "cloudimages:region": "cn-north-4", "cloudimages:accessKey": "AKOWNER",
                             "cloudimages:secretKey": "SKOWNER"})  # fmt: skip
        try:
            with pytest.raises(GetImagesError, match="not an image ID"):  # the file is read as the lookup starts
                get_images(**FILTERS, exclude_file=revocation_file(tmp_path, "ubuntu-2204-old"))
            assert emu.requests == []  # bad input is refused before any request, IAM's included
            assert get_images(**FILTERS).id == LOOKALIKE["id"]  # the owner's newest build: not left out as shared
            assert [r.path for r in emu.requests].count("/v3/projects") == 1
        finally:
            forget()
            ProjectLookup.forget_all()


def test_a_name_filter_is_not_won_by_a_lookalike_of_another_tenant(engine: Emulator) -> None:
    assert get_images(platform="Ubuntu", name=GOLD_2["name"]).id == GOLD_2["id"]  # three images have that name


def test_an_ambiguous_match_says_which_sources_were_left_out_and_how_to_opt_in(engine: Emulator) -> None:
    with pytest.raises(GetImagesError) as caught:
        get_images(platform="Ubuntu", name_regex=r"^Ubuntu 22\.04 server")
    message = str(caught.value)
    assert "3 images match" in message and all(image["id"] in message for image in GOLD)
    assert f"{LOOKALIKE['id']}" in message and f"shared by project {PROJECT_B}" in message
    assert "set imagetype='shared' or visibility='shared'" in message and OFFSHELF["id"] in message


def test_min_age_holds_back_newer_images_and_says_when_the_next_is_eligible(engine: Emulator) -> None:
    for min_age in ("7d", 7, "7", "168h", f"{7 * 24 * 60}m"):  # "7": what pulumi.Config().get gives
        result = get_images(**FILTERS, min_age=min_age)  # type: ignore[arg-type]  # whole days may be a number
        assert result.id == result.latest_id == GOLD_20["id"], min_age
        assert result.held_back_ids == [GOLD_2["id"]]  # the lookalike and the off-shelf image are not "held back"
        assert result.next_eligible_at == format_time(created(GOLD_2) + timedelta(days=7))


def test_a_min_age_of_zero_in_any_spelling_is_no_soak_time(engine: Emulator) -> None:
    for min_age in (0, "0", "0d", "0h", "0m"):
        result = get_images(**FILTERS, min_age=min_age)  # type: ignore[arg-type]  # whole days may be a number
        assert (result.id, result.held_back_ids, result.next_eligible_at) == (GOLD_2["id"], [], None), min_age


def test_no_image_old_enough_says_how_many_were_held_back_and_until_when(engine: Emulator) -> None:
    with pytest.raises(GetImagesError) as caught:
        get_images(**FILTERS, min_age="90d")
    message = str(caught.value)
    assert "Held back 3 newer images by min_age='90d'" in message and GOLD_2["id"] in message
    assert f"the next becomes eligible at {format_time(created(GOLD_60) + timedelta(days=90))}" in message
    assert isinstance(caught.value.__cause__, NoMatchError)


@pytest.mark.parametrize("value", ["7 days", "-1d", "7w", "1.5d", "", True, 7.5, [7], "99999d"])
def test_a_bad_min_age_is_refused_naming_it_before_any_request(engine: Emulator, value: Any) -> None:
    with pytest.raises(GetImagesError, match=r"min_age=.*: (expected a number of days \(7\), or|at most 3650 days)"):
        get_images(**FILTERS, min_age=value)
    assert engine.requests == []
    with pytest.raises(GetImagesError, match=r"Held back 3 newer images by min_age='1000000m'"):
        get_images(**FILTERS, min_age="1000000m")  # 694 days: seven digits, in range, applied


@pytest.mark.parametrize(("value", "why"), [("10000000m", "at most 3650 days"),
                                            ("99999999999999999999d", "at most 3650 days"),
                                            ("\u0667d", "expected a number of days")])  # fmt: skip
def test_a_min_age_out_of_range_says_so_and_other_digits_are_refused(engine: Emulator, value: str, why: str) -> None:
    """`10000000m` is well formed but too long (not "malformed"); an Arabic-Indic seven is no number here."""
    with pytest.raises(GetImagesError, match=f"min_age=.*: {why}"):
        get_images(**FILTERS, min_age=value)
    assert engine.requests == []


def test_exclude_ids_never_chooses_them_and_says_which_would_have_won(engine: Emulator) -> None:
    result = get_images(**FILTERS, exclude_ids=[GOLD_2["id"]])
    assert result.id == GOLD_20["id"] and result.excluded == {GOLD_2["id"]: "excluded by exclude_ids"}


def test_excluded_holds_only_the_excluded_images_that_would_have_been_chosen(engine: Emulator) -> None:
    result = get_images(**FILTERS, exclude_ids=[GOLD_2["id"], GOLD_60["id"]])  # GOLD_60 could never have won
    assert result.id == GOLD_20["id"] and list(result.excluded) == [GOLD_2["id"]]
    assert get_images(**FILTERS, exclude_ids=[GOLD_60["id"]]).excluded == {}
    every = get_images(
        platform="Ubuntu", name_regex=FILTERS["name_regex"], return_all=True, exclude_ids=[GOLD_60["id"]]
    )
    assert every.ids == [GOLD_2["id"], GOLD_20["id"]] and list(every.excluded) == [GOLD_60["id"]]  # it was a match
    groups = get_images(platform="Ubuntu", group_by="platform", exclude_ids=[GOLD_2["id"], GOLD_60["id"]])
    assert groups.groups["Ubuntu"].id == GOLD_20["id"] and list(groups.excluded) == [GOLD_2["id"]]


@pytest.mark.parametrize(
    "value", ["not-an-id oops", "nonsense", "", " " + GOLD_2["id"], GOLD_2["id"][:-1], "Ubuntu 22.04 server 64bit"]
)
def test_exclude_ids_are_checked_as_the_file_checks_its_lines(engine: Emulator, value: str) -> None:
    with pytest.raises(GetImagesError, match=rf"exclude_ids: {re.escape(repr(value))} is not an image ID"):
        get_images(**FILTERS, exclude_ids=[GOLD_20["id"], value])
    assert engine.requests == []


def test_an_exclude_file_gives_each_reason(engine: Emulator, tmp_path: Path) -> None:
    lines = ["# images we must not roll out", "", f"{GOLD_2['id']}  # CVE-2026-1234: broken cloud-init"]
    path = revocation_file(tmp_path, *lines, f"   {GOLD_20['id']}", "  # end")
    result = get_images(**FILTERS, exclude_file=path)
    assert result.id == GOLD_60["id"]
    assert result.excluded == {GOLD_2["id"]: f"CVE-2026-1234: broken cloud-init ({path} line 3)",
                               GOLD_20["id"]: f"listed in {path} line 4"}  # fmt: skip


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ((f"{GOLD_2['id']} {GOLD_20['id']}",), "line 1"),
        (("# ok", f"{GOLD_2['id']}  # fine", "Ubuntu 22.04 server 64bit  # a name, not an ID"), "line 3"),
    ],
)
def test_a_malformed_line_is_refused_naming_the_file_and_line(
    engine: Emulator, tmp_path: Path, lines: tuple[str, ...], expected: str
) -> None:
    path = revocation_file(tmp_path, *lines)
    with pytest.raises(GetImagesError, match=f"exclude_file='{path}': {expected}( \\(.*\\))? is not an image ID"):
        get_images(**FILTERS, exclude_file=path)
    with pytest.raises(GetImagesError, match=r"exclude_file='.*missing\.txt': cannot be read"):
        get_images(**FILTERS, exclude_file=str(tmp_path / "missing.txt"))
    assert engine.requests == []


def test_a_bad_line_is_never_quoted_whole(engine: Emulator, tmp_path: Path) -> None:
    """A file given by mistake (`.env`) may hold a secret: at most an ID-like beginning is quoted."""
    path = revocation_file(tmp_path, "HW_SECRET_KEY=very-secret-value", f"{GOLD_2['id']}x  # a typo")
    with pytest.raises(GetImagesError) as caught:
        get_images(**FILTERS, exclude_file=path)
    assert "very-secret" not in str(caught.value) and "line 1 is not an image ID" in str(caught.value)
    path = revocation_file(tmp_path, f"{GOLD_2['id']}x  # a typo")
    with pytest.raises(GetImagesError, match=f"line 1 \\('{GOLD_2['id'][:8]}'…\\) is not an image ID"):
        get_images(**FILTERS, exclude_file=path)


def test_the_guards_together(engine: Emulator, tmp_path: Path) -> None:
    path = revocation_file(tmp_path, f"{GOLD_20['id']}  # CVE-2026-1234: broken cloud-init")
    result = get_images(**FILTERS, min_age="7d", exclude_file=path)
    assert result.id == result.latest_id == GOLD_60["id"]
    assert result.held_back_ids == [GOLD_2["id"]] and list(result.excluded) == [GOLD_20["id"]]
    with pytest.raises(GetImagesError) as caught:
        get_images(**FILTERS, min_age="30d", exclude_ids=[GOLD_60["id"]])
    message = str(caught.value)
    assert f"Excluded '{GOLD_60['name']}' ({GOLD_60['id']}" in message and "excluded by exclude_ids" in message
    assert "Held back 2 newer images by min_age='30d'" in message
    assert f"shared by project {PROJECT_B}" in message and "off the shelf" in message


def test_latest_id_respects_the_guards_while_a_pin_is_kept(engine: Emulator) -> None:
    result = get_images(**FILTERS, pinned_id=GOLD_60["id"], min_age="7d", exclude_ids=[GOLD_20["id"]])
    assert (result.id, result.latest_id) == (GOLD_60["id"], GOLD_60["id"])
    moved = get_images(**FILTERS, pinned_id=GOLD_60["id"], min_age="7d")
    assert (moved.id, moved.latest_id) == (GOLD_60["id"], GOLD_20["id"])
    with pytest.raises(GetImagesError, match=rf"pinned image {GOLD_60['id']} is excluded \(excluded by exclude_ids\)"):
        get_images(**FILTERS, pinned_id=GOLD_60["id"], exclude_ids=[GOLD_60["id"]])


def test_the_soak_time_is_reckoned_in_utc_whatever_the_local_zone(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two images either side of the 7-day line by 2 hours: a local clock 14 hours ahead (or 12 behind) of UTC
    # would put both on the same side.
    young, old = _image("young", timedelta(days=7, hours=-2)), _image("old", timedelta(days=7, hours=2))
    for zone in ("KIR-14", "AOE+12"):  # POSIX zones: 14 hours ahead of UTC, 12 behind
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        with Emulator(Catalog.from_data({"images": [young, old]}, "the 7-day line")) as edge:
            start_engine(config={"cloudimages:endpoint": edge.url, "cloudimages:projectId": PROJECT_A})
            result = get_images(platform="Ubuntu", most_recent=True, min_age="7d")
        assert (result.id, result.held_back_ids) == (old["id"], [young["id"]]), zone
    monkeypatch.delenv("TZ")
    time.tzset()


# --- the command line -----------------------------------------------------------------------------------

runner = CliRunner()
ARGS = ["--platform", "Ubuntu", "--name-regex", r"^Ubuntu 22\.04 server", "--most-recent", "-o", "ids"]


def cli(emulator: Emulator, *args: str) -> Any:
    forget()
    return runner.invoke(app, [args[0], "--endpoint", emulator.url, "--project-id", PROJECT_A, *args[1:]])


def test_cli_get_with_each_guard_and_together(emulator: Emulator, tmp_path: Path) -> None:
    plain = cli(emulator, "get", *ARGS)
    assert plain.exit_code == 0 and plain.stdout.split() == [GOLD_2["id"]]
    assert "note: Left out 1 image from sources not chosen by default" in plain.stderr
    assert "--imagetype='shared' or --visibility='shared'" in plain.stderr  # in the command line's words
    soaked = cli(emulator, "get", *ARGS, "--min-age", "7d")
    assert soaked.exit_code == 0 and soaked.stdout.split() == [GOLD_20["id"]]
    in_days = cli(emulator, "get", *ARGS, "--min-age", "7")  # a bare number is days, as the README says
    assert in_days.exit_code == 0 and in_days.stdout.split() == [GOLD_20["id"]], in_days.stderr
    eligible = format_time(created(GOLD_2) + timedelta(days=7))
    assert "Held back 1 newer image by --min-age='7d'" in soaked.stderr and eligible in soaked.stderr
    path = revocation_file(tmp_path, f"{GOLD_20['id']}  # CVE-2026-1234: broken cloud-init")
    both = cli(emulator, "get", *ARGS, "--min-age", "7d", "--exclude-file", path, "--exclude-id", GOLD_60["id"])
    assert both.exit_code == 1 and both.stdout == ""
    assert "CVE-2026-1234: broken cloud-init" in both.stderr and "excluded by --exclude-id" in both.stderr
    noted = cli(emulator, "get", *ARGS, "--exclude-id", GOLD_2["id"])
    assert noted.stdout.split() == [GOLD_20["id"]] and f"({GOLD_2['id']}" in noted.stderr
    assert "excluded by --exclude-id." in noted.stderr and "exclude_ids" not in noted.stderr
    assert "Held back 1 newer image by --min-age='7d'" in both.stderr
    shared = cli(emulator, "get", *ARGS, "--imagetype", "shared")
    assert shared.stdout.split() == [LOOKALIKE["id"]]


def test_cli_latest_respects_the_guards(emulator: Emulator) -> None:
    result = cli(emulator, "latest", "--by", "platform", "--min-age", "7d", "--exclude-id", GOLD_20["id"], "-o", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["Ubuntu"]["id"] == GOLD_60["id"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--min-age", "soon"], "--min-age='soon': expected a number of days"),
        (["--exclude-id", "not-an-id oops"], "--exclude-id: 'not-an-id oops' is not an image ID"),
        (["--exclude-id", "nonsense"], "--exclude-id: 'nonsense' is not an image ID (a UUID such as"),
        (["--exclude-file", "/nonexistent/revoked.txt"], "--exclude-file='/nonexistent/revoked.txt': cannot be read"),
        (["--name-regex", r"(?<!beta )64bit"], "--name-regex='(?<!beta )64bit' is not a regular expression in RE2"),
        (["--name-regex", r"(a)\1"], r"--name-regex='(a)\1' is not a regular expression in RE2"),  # as typed
    ],
)
def test_cli_bad_guards_are_refused_in_its_words(emulator: Emulator, args: list[str], expected: str) -> None:
    for command in ("get", "latest"):
        result = cli(emulator, command, *args)
        assert result.exit_code == 2 and expected in result.stderr, result.stderr
        assert "min_age" not in result.stderr and "exclude_file" not in result.stderr


# --- image IDs in any case --------------------------------------------------------------------------------


def test_an_upper_case_revoked_id_is_excluded_however_it_is_given(engine: Emulator, tmp_path: Path) -> None:
    """IDs copied from a console are often upper case: the same image, in exclude_ids, a file, a BOM-led file."""
    upper = GOLD_2["id"].upper()
    bom = tmp_path / "saved-by-notepad.txt"
    bom.write_text(f"\ufeff{upper}  # CVE-2026-1234\n", encoding="utf-8")
    for guard in ({"exclude_ids": [upper]}, {"exclude_file": revocation_file(tmp_path, upper)},
                  {"exclude_file": str(bom)}):  # fmt: skip
        result = get_images(**FILTERS, **guard)
        assert (result.id, list(result.excluded)) == (GOLD_20["id"], [GOLD_2["id"]]), guard
    assert get_images(id=upper).id == GOLD_2["id"]  # an ID filter in upper case finds its image


def test_cli_and_outdated_agree_on_an_upper_case_revoked_id(emulator: Emulator, tmp_path: Path) -> None:
    upper = GOLD_2["id"].upper()
    chosen = cli(emulator, "get", *ARGS, "--exclude-id", upper)
    assert chosen.stdout.split() == [GOLD_20["id"]] and "excluded by --exclude-id" in chosen.stderr
    state = tmp_path / "ids.txt"
    state.write_text(f"{GOLD_2['id']}\n")
    report = cli(emulator, "outdated", str(state), "--exclude-id", upper, "-o", "json")
    assert report.exit_code == 1 and json.loads(report.stdout)[0]["status"] == "revoked"


# --- Marketplace images: only when asked for by imagetype='market' or an id ------------------------------------


MARKET = _image("mkt-on", timedelta(hours=6), name=GOLD_2["name"], __imagetype="market", protected=False,
                __productcode="00301-UBUNTU", owner="market-vendor-0001", visibility="public")  # fmt: skip


@pytest.fixture
def with_market() -> Iterator[Emulator]:
    data = guarded_data()
    data["images"].append(MARKET)
    with Emulator(Catalog.from_data(data, "with a Marketplace image")) as emu:
        start_engine(config={"cloudimages:endpoint": emu.url, "cloudimages:projectId": PROJECT_A})
        yield emu
        forget()


def test_visibility_public_or_an_owner_lists_marketplace_images_but_never_chooses_them(with_market: Emulator) -> None:
    """Terraform configurations often say `visibility = "public"`: the service lists Marketplace images as public
    too, and a newer one must not win the gold image's lookup."""
    for sources in ({"visibility": "public"}, {"owner": TEMPLATE["owner"]}, {}):
        result = get_images(**FILTERS, **sources)
        assert result.id == GOLD_2["id"], sources
    # By name: the lookalike Marketplace image is no second match.
    assert get_images(platform="Ubuntu", name=GOLD_2["name"], visibility="public").id == GOLD_2["id"]
    assert get_images(**FILTERS, imagetype="market").id == MARKET["id"]
    assert get_images(id=MARKET["id"]).id == MARKET["id"]


def test_the_note_says_a_marketplace_image_was_left_out_and_how_to_ask(with_market: Emulator) -> None:
    done = runner.invoke(app, ["get", "--endpoint", with_market.url, "--project-id", PROJECT_A, *ARGS,
                               "--visibility", "public"])  # fmt: skip
    assert done.stdout.split() == [GOLD_2["id"]]
    assert "a Marketplace image" in done.stderr and "--imagetype='market'" in done.stderr
