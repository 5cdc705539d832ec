"""`name_regex` in RE2 syntax: a pattern that makes Python's `re` backtrack for minutes is matched in linear
time through every door, and what RE2 cannot take (backreferences, lookaround) is refused, not handed to
another engine."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import start_engine
from pulumi_cloudimages import GetImagesError, ImageQuery, InvalidQueryError, NoMatchError, Selection, Settings
from pulumi_cloudimages.choice.lookup import forget, lookup
from pulumi_cloudimages.choice.name_regex import compile_name_regex, name_matches
from pulumi_cloudimages.cli.app import app
from pulumi_cloudimages.emulator import PROJECT_A, Catalog, Emulator
from pulumi_cloudimages.emulator.sample import sample_data

CATASTROPHIC = r"^(\w+\s?)*!$"  # nested quantifiers: exponential backtracking on a name that does not end in "!"
GOLD = [i for i in sample_data()["images"] if i["__imagetype"] == "gold" and i["__isregistered"] == "true"]


def _renamed(name: str, suffix: str) -> dict[str, Any]:
    image = copy.deepcopy(GOLD[0])
    image.update(id=f"{image['id'][: -len(suffix)]}{suffix}", name=name)
    return image


# Real labels, long and odd ones among them, and one that the pattern matches.
SHOUTED = _renamed("Ubuntu 22 04 server 64bit Release Candidate Build!", "ffff01")
LONG = _renamed("Windows Server 2019 Datacenter 64bit English with SQL Server 2019 Enterprise and more " * 3, "ffff02")
ODD = _renamed("CentOS 7.9 64bit · 中文版 (测试) — Ünïcödé", "ffff03")


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    data = {"images": [*GOLD, SHOUTED, LONG, ODD]}
    with Emulator(Catalog.from_data(data, "gold and odd names")) as emu:
        yield emu


def test_a_catastrophic_pattern_over_a_real_listing_gives_the_matches(emulator: Emulator) -> None:
    forget()
    settings = Settings.resolve(env={}, endpoint=emulator.url, project_id=PROJECT_A)
    found = lookup(ImageQuery(imagetype="gold"), Selection(name_regex=CATASTROPHIC, return_all=True), settings)
    assert [image.name for image in found.images] == [SHOUTED["name"]]
    with pytest.raises(NoMatchError, match=r"The service returned \d+ image\(s\); name_regex .* kept none"):
        lookup(ImageQuery(imagetype="gold", platform="Windows"), Selection(name_regex=CATASTROPHIC), settings)


def test_the_cli_matches_it_too(emulator: Emulator) -> None:
    forget()
    common = ["--endpoint", emulator.url, "--imagetype", "gold", "--name-regex", CATASTROPHIC, "-o", "ids"]
    listed = CliRunner().invoke(app, ["list", *common])
    assert listed.exit_code == 0 and listed.stdout.split() == [SHOUTED["id"]]
    chosen = CliRunner().invoke(app, ["get", *common])
    assert chosen.exit_code == 0 and chosen.stdout.split() == [SHOUTED["id"]]


def test_re2_searches_with_go_semantics() -> None:
    def found(pattern: str, name: str) -> bool:
        return name_matches(compile_name_regex(pattern), name)

    assert found(r"22\.04", "Ubuntu 22.04 server 64bit")  # anywhere in the name, as Terraform's name_regex
    assert not found(r"^22\.04", "Ubuntu 22.04 server 64bit")
    assert found(r"(?i)^ubuntu", "Ubuntu 22.04") and found(r"中文版", ODD["name"])
    assert found(r"\pL+$", ODD["name"]) and not found(r"\w+$", ODD["name"])  # \w is ASCII, as in Go
    assert not found(r"64bit$", "SUSE Linux Enterprise Server 15 SP5 64bit\n")  # $ is the end of the text only
    assert not found("x", None)  # type: ignore[arg-type]  # an image without a name never matches
    assert found("a", "a\ud800")  # a name with a lone surrogate (JSON can carry one) is still searched


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (r"^(Ubuntu) 22\.04 \1", r"invalid escape sequence: \\1: RE2 has no backreferences"),
        (r"(?P<os>Ubuntu) (?P=os)", r"invalid perl operator: \(\?P=: RE2 has no backreferences"),
        (r"Ubuntu(?= 22)", r"invalid perl operator: \(\?=: RE2 has no lookaround"),
        (r"(?<!beta )64bit", r"invalid perl operator: \(\?<!: RE2 has no lookaround"),
        (r"(unclosed", r"missing \)"),
    ],
)
def test_what_re2_cannot_take_is_refused_naming_the_argument(pattern: str, why: str) -> None:
    with pytest.raises(InvalidQueryError, match=rf"name_regex=.* is not a regular expression in RE2 syntax.*{why}"):
        Selection(name_regex=pattern)


@pytest.fixture
def engine(emulator: Emulator) -> Iterator[Emulator]:
    start_engine(config={"cloudimages:endpoint": emulator.url, "cloudimages:projectId": PROJECT_A})
    emulator.requests.clear()
    yield emulator
    forget()


def test_get_images_refuses_lookaround_before_any_request(engine: Emulator) -> None:
    from pulumi_cloudimages import get_images

    with pytest.raises(GetImagesError, match=r"name_regex='\(\?<!beta \)64bit'.*RE2 has no lookaround"):
        get_images(imagetype="gold", name_regex="(?<!beta )64bit", most_recent=True)
    assert engine.requests == []
    assert get_images(imagetype="gold", name_regex=CATASTROPHIC).id == SHOUTED["id"]


@pytest.mark.parametrize("command", ["list", "get", "latest"])
def test_the_cli_refuses_a_backreference_in_its_words(emulator: Emulator, command: str) -> None:
    result = CliRunner().invoke(app, [command, "--endpoint", emulator.url, "--name-regex", r"(\d+)\.\1"])
    assert result.exit_code == 2
    assert result.stderr.startswith(r"error: invalid selection: --name-regex='(\d+)\.\1' is not a regular")  # as typed
    assert "RE2 has no backreferences" in result.stderr and "name_regex" not in result.stderr
