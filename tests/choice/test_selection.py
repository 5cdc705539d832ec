"""Selection over real HTTP against the emulator: exactly one, most_recent and its tie-breaks, version
order, groups, pinning, the diagnostics of failures, and the number of requests each costs."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pulumi_cloudimages import (
    AmbiguousMatchError,
    Image,
    ImageQuery,
    InvalidQueryError,
    NoMatchError,
    Selection,
    Settings,
)
from pulumi_cloudimages.choice import lookup as lookup_module
from pulumi_cloudimages.choice.lookup import alookup, forget, lookup
from pulumi_cloudimages.choice.selection import NEWEST_PAGE, ORDERS
from pulumi_cloudimages.emulator import PROJECT_A, Catalog, Emulator
from pulumi_cloudimages.emulator.sample import sample_data
from waiting import until, wait_until

WIRE = [i for i in sample_data()["images"] if i.get("__isregistered") == "true"]


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


@pytest.fixture
def find(emulator: Emulator) -> Iterator[Any]:
    """`find(filters, **selection)` -> Choice, with the emulator's request log emptied first."""
    forget()
    settings = Settings.resolve(env={}, endpoint=emulator.url, project_id=PROJECT_A)

    def run(filters: dict[str, Any], **selection: Any) -> Any:
        emulator.requests.clear()
        return lookup(ImageQuery.model_validate(filters), Selection(**selection), settings)

    yield run
    forget()


def _newest(images: list[dict[str, Any]]) -> dict[str, Any]:
    return min(images, key=lambda i: (-datetime.fromisoformat(i["created_at"][:-1]).timestamp(), i["name"], i["id"]))


def test_exactly_one(find: Any) -> None:
    choice = find({"name": "Fedora 38 64bit 20231117"})
    assert choice.image.name == "Fedora 38 64bit 20231117" and choice.latest == choice.image


def test_several_matches_without_a_rule_name_them(find: Any) -> None:
    with pytest.raises(AmbiguousMatchError) as caught:
        find({"imagetype": "gold", "platform": "Fedora"})
    message = str(caught.value)
    assert message.startswith(
        "4 images match (query sent: GET /v2/cloudimages?__imagetype=gold&__platform=Fedora&status=active)"
    )
    assert "'Fedora 38 64bit 20231117'" in message and "Set most_recent" in message


def test_most_recent_is_newest_by_creation_never_by_update(find: Any) -> None:
    choice = find({"imagetype": "gold", "platform": "Ubuntu"}, name_regex=r"^Ubuntu 18\.04", most_recent=True)
    # The "(legacy)" image was re-tagged in 2026 (updated_at) but created in 2018: it must not win.
    assert choice.image.name == "Ubuntu 18.04 server 64bit 20200205"
    legacy = next(i for i in choice.images if "legacy" in i.name)
    assert legacy.updated_at > choice.image.updated_at


def test_ties_in_creation_time_are_broken_by_name_then_id(find: Any) -> None:
    choice = find({"imagetype": "gold", "platform": "Ubuntu"}, name_regex=r"^Ubuntu 22\.04 ", most_recent=True)
    tied = [i for i in choice.images if i.created_at == choice.image.created_at]
    assert [i.name for i in tied] == ["Ubuntu 22.04 server 64bit 20240129", "Ubuntu 22.04 server 64bit 20240129 ARM"]
    assert choice.image.name == "Ubuntu 22.04 server 64bit 20240129"


def test_most_recent_with_server_side_filters_costs_one_request(find: Any, emulator: Emulator) -> None:
    choice = find({"imagetype": "gold", "platform": "Debian"}, most_recent=True)
    expected = _newest([i for i in WIRE if i.get("__platform") == "Debian" and i["__imagetype"] == "gold"])
    assert choice.image.id == expected["id"]
    assert [r.params for r in emulator.requests] == [
        {"__imagetype": "gold", "__platform": "Debian", "limit": str(NEWEST_PAGE), "sort_dir": "desc",
         "sort_key": "created_at", "status": "active"}
    ]  # fmt: skip
    assert choice.complete is False


def test_a_tie_across_pages_is_settled_by_fetching_more() -> None:
    when = "2025-01-01T00:00:00Z"
    images = [{"id": f"id-{n:03d}", "name": f"image-{(n * 37) % 60:02d}", "created_at": when} for n in range(60)]
    images.append({"id": "old", "name": "image-00-old", "created_at": "2024-01-01T00:00:00Z"})
    public = [{**i, "visibility": "public", "status": "active"} for i in images]
    with Emulator(Catalog.from_data({"images": public}, "ties")) as emu:
        forget()
        settings = Settings.resolve(env={}, endpoint=emu.url)
        choice = lookup(ImageQuery(), Selection(most_recent=True), settings)
        assert choice.image.name == "image-00"
        assert len(emu.requests) == 3  # 25 + 25 tied, then a page that reaches an older image


def test_version_order_prefers_the_highest_version(find: Any) -> None:
    newest = find({"imagetype": "gold", "platform": "EulerOS"}, most_recent=True)
    highest = find({"imagetype": "gold", "platform": "EulerOS"}, most_recent=True, order_by="version")
    assert newest.image.name == "EulerOS 2.9 64bit (security update)"  # a later patch of the older line
    assert highest.image.name == "EulerOS 2.10 64bit 20220917"  # 2.10 > 2.9


def test_version_order_compares_numbers_not_text() -> None:
    def image(name: str, version: str) -> Image:
        return Image(id=name, name=name, os_version=version, created_at=datetime(2020, 1, 1, tzinfo=timezone.utc))

    names = ["CentOS 7.9", "CentOS 7.10", "Ubuntu 20.04", "Ubuntu 22.04", "Ubuntu 22.04.1"]
    ordered = sorted((image(n, n) for n in names), key=ORDERS["version"])
    assert [i.name for i in ordered] == ["Ubuntu 22.04.1", "Ubuntu 22.04", "Ubuntu 20.04", "CentOS 7.10", "CentOS 7.9"]


TIMES = st.datetimes(datetime(2020, 1, 1), datetime(2020, 1, 3)).map(
    lambda t: t.replace(minute=0, second=0, microsecond=0, tzinfo=timezone.utc)
)
IMAGES = st.lists(
    st.builds(lambda n, t, i: Image(id=f"id-{i}", name=f"n{n}", created_at=t), st.integers(0, 3), TIMES, st.uuids()),
    min_size=1,
    max_size=30,
    unique_by=lambda i: i.id,
)


@given(IMAGES, st.randoms(use_true_random=False), st.sampled_from(["created", "version"]))
def test_the_choice_does_not_depend_on_the_order_the_service_answers_in(
    images: list[Image], rnd: Any, order: str
) -> None:
    shuffled = list(images)
    rnd.shuffle(shuffled)
    key = ORDERS[order]  # type: ignore[index]
    assert sorted(shuffled, key=key) == sorted(images, key=key)
    first = sorted(images, key=key)[0]
    if order == "created":
        assert first.created_at == max(i.created_at for i in images if i.created_at)


def test_latest_per_group_from_one_listing(find: Any, emulator: Emulator) -> None:
    choice = find({"imagetype": "gold"}, group_by="platform")
    gold = [i for i in WIRE if i["__imagetype"] == "gold"]
    assert set(choice.groups) == {i["__platform"] for i in gold}
    for platform, image in choice.groups.items():
        assert image.id == _newest([i for i in gold if i["__platform"] == platform])["id"]
    assert len(emulator.requests) == 1 and choice.image is None


def test_return_all_chooses_none(find: Any) -> None:
    choice = find({"imagetype": "gold", "platform": "Fedora"}, return_all=True)
    assert choice.image is None and choice.complete
    assert [i.name for i in choice.images][:2] == ["Fedora 38 64bit 20231117", "Fedora 38 64bit 20230501"]


def test_a_pinned_image_is_kept_while_it_matches(find: Any) -> None:
    older = next(i for i in WIRE if i["name"] == "web-server-2025-06-02")
    filters = {"imagetype": "private", "tag": "role=web", "status": "active"}
    choice = find(filters, name_regex=r"^web-server-\d", most_recent=True, pinned_id=older["id"])
    assert choice.image.id == older["id"]
    assert choice.latest.name == "web-server-2025-11-20"
    with pytest.raises(NoMatchError, match=r"pinned image gone no longer matches.*'web-server-2025-11-20'"):
        find(filters, most_recent=True, pinned_id="gone")


def test_no_match_explains_which_filter_excluded_everything(find: Any) -> None:
    with pytest.raises(NoMatchError) as caught:
        find({"imagetype": "gold", "platform": "Ubuntu", "name": "Ubuntu 22.04"})
    message = str(caught.value)
    assert "Query sent: GET /v2/cloudimages?__imagetype=gold&__platform=Ubuntu&name=Ubuntu%2022.04" in message
    assert all(line.endswith((".", ")")) for line in message.splitlines()), message  # sentences, however joined
    assert "The service returned no image for these filters." in message
    assert "Without name='Ubuntu 22.04' the service would return images, e.g. 'Ubuntu 24.04" in message
    assert "Without imagetype" not in message and "Without platform" not in message


def test_no_match_after_the_regex_shows_the_nearest_names(find: Any) -> None:
    with pytest.raises(NoMatchError) as caught:
        find({"imagetype": "gold", "platform": "Fedora"}, name_regex="^Fedora 39")
    message = str(caught.value)
    assert "The service returned 4 image(s); name_regex '^Fedora 39' kept none." in message
    assert "Nearest names: 'Fedora 38 64bit" in message


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ({"name_regex": "(unclosed"}, r"name_regex='\(unclosed' is not a regular expression in RE2 syntax"),
        ({"most_recent": True, "return_all": True}, "most_recent and return_all exclude each other"),
        ({"group_by": "platform", "pinned_id": "x"}, "pinned_id chooses one image"),
    ],
)
def test_bad_selections_fail_before_any_request(selection: dict[str, Any], expected: str) -> None:
    with pytest.raises(InvalidQueryError, match=expected):
        Selection(**selection)


def test_identical_lookups_are_sent_once(find: Any, emulator: Emulator) -> None:
    first = find({"imagetype": "gold", "platform": "CoreOS"}, most_recent=True)
    again = find({"platform": "CoreOS", "imagetype": "gold"}, most_recent=True)
    assert again is first and emulator.requests == []


def test_concurrent_lookups_overlap_and_identical_ones_share_one_request() -> None:
    with Emulator(latency=0.2) as emu:
        forget()
        settings = Settings.resolve(env={}, endpoint=emu.url)
        platforms = ["Ubuntu", "CentOS", "Debian", "EulerOS", "Windows", "Fedora"]

        async def many() -> list[Any]:
            distinct = [alookup(ImageQuery(platform=p), Selection(most_recent=True), settings) for p in platforms]
            same = [alookup(ImageQuery(platform="SUSE"), Selection(most_recent=True), settings) for _ in range(5)]
            return await asyncio.gather(*distinct, *same)

        choices = asyncio.run(many())
        assert [c.image.platform for c in choices] == [*platforms, *["SUSE"] * 5]
        assert len(emu.requests) == len(platforms) + 1
        assert emu.state.peak_in_flight == len(platforms) + 1
        forget()


def test_errors_reach_every_concurrent_waiter() -> None:
    with Emulator(latency=0.1) as emu:
        forget()
        settings = Settings.resolve(env={}, endpoint=emu.url)

        async def both() -> list[Any]:
            calls = [alookup(ImageQuery(platform="Fedora"), Selection(), settings) for _ in range(2)]
            return await asyncio.gather(*calls, return_exceptions=True)

        results = asyncio.run(both())
        assert all(isinstance(r, AmbiguousMatchError) for r in results)
        assert len(emu.requests) == 1
        forget()


def test_only_active_images_are_chosen_unless_status_is_set() -> None:
    data = sample_data()
    pinned_style = next(i for i in data["images"] if i["name"] == "Ubuntu 22.04 server 64bit 20240129")
    for n, status in enumerate(["queued", "saving", "killed", "deleted"]):
        data["images"].append({**pinned_style, "id": f"pipeline-{status}", "status": status,
                               "name": f"Ubuntu 22.04 server 64bit 2026112{n}", "created_at": f"2026-11-2{n}T00:00:00Z"})  # fmt: skip  # noqa: E501
    data["images"].append({**pinned_style, "id": "only-saving", "status": "saving", "name": "Ubuntu 26.04 server 64bit",
                           "__os_version": "Ubuntu 26.04 server 64bit"})  # fmt: skip
    with Emulator(Catalog.from_data(data, "every status")) as emu:
        forget()
        settings = Settings.resolve(env={}, endpoint=emu.url)
        query = ImageQuery(imagetype="gold", platform="Ubuntu")
        newest = lookup(query, Selection(name_regex=r"^Ubuntu 22\.04 ", most_recent=True), settings)
        assert newest.image.status == "active" and not newest.image.id.startswith("pipeline-")
        highest = lookup(query, Selection(order_by="version", most_recent=True), settings)
        assert highest.image.status == "active" and highest.image.id != "only-saving"
        building = lookup(query.with_options(status="saving"), Selection(most_recent=True), settings)
        assert building.image.id == "pipeline-saving"
        with pytest.raises(NoMatchError) as caught:
            lookup(query.with_options(name="Ubuntu 26.04 server 64bit"), Selection(), settings)
        message = str(caught.value)
        assert "Only images with status 'active' are chosen unless status is set" in message
        assert "'Ubuntu 26.04 server 64bit' (only-saving, created 2024-01-29T" in message and ", saving)" in message


# --- async lookups: shared, cancellable, closed ----------------------------------------------------


def test_cancelling_one_of_several_identical_lookups_leaves_the_others_their_result() -> None:
    with Emulator(latency=1.0) as emu:  # the shared request is answered after the cancel
        forget()
        settings = Settings.resolve(env={}, endpoint=emu.url)
        query, selection = ImageQuery(imagetype="gold", platform="Debian"), Selection(most_recent=True)

        async def main() -> list[Any]:
            first = asyncio.ensure_future(alookup(query, selection, settings))
            others = [asyncio.ensure_future(alookup(query, selection, settings)) for _ in range(3)]
            await until(lambda: emu.state.in_flight == 1)  # the shared request waits on the service
            first.cancel()
            return await asyncio.gather(first, *others, return_exceptions=True)

        first, *others = asyncio.run(main())
        assert isinstance(first, asyncio.CancelledError)
        assert len({choice.image.id for choice in others}) == 1 and len(emu.requests) == 1


def _open_sockets() -> int:
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(FileNotFoundError):  # closed while we looked
            count += os.readlink(fd).startswith("socket:")
    return count


def test_clients_of_a_finished_event_loop_are_closed() -> None:
    with Emulator() as emu:
        forget()
        settings = Settings.resolve(env={}, endpoint=emu.url)
        before = _open_sockets()
        for n in range(30):
            query = ImageQuery(imagetype="gold", created_at=f"lt:2030-01-01T00:00:{n:02d}Z")
            asyncio.run(alookup(query, Selection(return_all=True), settings))
        # The emulator closes its side once the client has closed its own.
        wait_until(lambda: _open_sockets() - before <= 2)


def test_results_kept_are_bounded(find: Any, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lookup_module._results, "size", 3)

    def fedora(n: int) -> Any:
        return find({"name": "Fedora 38 64bit 20231117", "created_at": f"lt:2030-01-01T00:00:{n:02d}Z"})

    for n in range(5):
        fedora(n)
    assert len(lookup_module._results) == 3
    fedora(4)  # kept: no request
    assert emulator.requests == []
    fedora(0)  # forgotten: asked again
    assert len(emulator.requests) == 1


def test_a_lookup_left_on_a_closed_loop_does_not_block_later_ones() -> None:
    with Emulator(latency=0.5) as emu:
        forget()
        settings = Settings.resolve(env={}, endpoint=emu.url)
        query, selection = ImageQuery(imagetype="gold", platform="Fedora"), Selection(most_recent=True)

        async def give_up() -> None:  # the caller stops waiting; the shared lookup is left running
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(alookup(query, selection, settings), 0.05)

        abandoned = asyncio.new_event_loop()
        abandoned.run_until_complete(give_up())
        abandoned.close()  # with the lookup still pending on it
        choice = asyncio.run(alookup(query, selection, settings))
        assert choice.image.name == "Fedora 38 64bit 20231117"


def test_a_selection_names_every_problem_at_once_each_on_its_own(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-list.txt"
    with pytest.raises(InvalidQueryError) as caught:
        wrong: dict[str, Any] = {"most_recent": "yes", "exclude_ids": ["not-an-id"], "exclude_file": str(missing)}
        Selection(name_regex="(", **wrong)
    assert [(problem.names, str(problem)) for problem in caught.value.problems] == [
        (("most_recent",), "invalid selection: most_recent='yes': expected true or false"),
        (
            ("name_regex",),
            "invalid selection: name_regex='(' is not a regular expression in RE2 syntax (as Go and "
            "Terraform read it): missing ): (",
        ),
        (
            ("exclude_ids",),
            "invalid selection: exclude_ids: 'not-an-id' is not an image ID (a UUID such as "
            "87c08afe-80fc-52f2-abe6-f0cf30e5b09e)",
        ),
        (
            ("exclude_file",),
            f"invalid selection: exclude_file={str(missing)!r}: cannot be read (No such file or directory)",
        ),
    ]
    assert caught.value.names == ("most_recent", "name_regex", "exclude_ids", "exclude_file")
    assert str(caught.value) == "; ".join(str(problem) for problem in caught.value.problems)


@pytest.mark.parametrize("flag", ["most_recent", "return_all"])
def test_a_selection_flag_reads_as_a_filter_flag(flag: str) -> None:
    assert getattr(Selection(**{flag: "TRUE"}), flag) is True and getattr(Selection(**{flag: "false"}), flag) is False
    for wrong, quoted in (("yes", "'yes'"), (1, "1"), ("on", "'on'")):
        with pytest.raises(InvalidQueryError) as caught:
            Selection(**{flag: wrong})
        assert str(caught.value) == f"invalid selection: {flag}={quoted}: expected true or false"  # as support_kvm's
        assert [str(problem) for problem in caught.value.problems] == [str(caught.value)]
        assert caught.value.names == (flag,)
    with pytest.raises(InvalidQueryError, match=r"^invalid image filter: support_kvm='yes': expected true or false$"):
        ImageQuery(support_kvm="yes")
