"""`cli/_facts.py`, what the command line shows of the core before it loads it, is derived from the core and
current: a filter, an allowed value or a verdict added to the core shows in --help."""

from __future__ import annotations

from pulumi_cloudimages.cli import _facts
from pulumi_cloudimages.cli.facts import MODULE, build
from pulumi_cloudimages.ims.query import ImageQuery


def test_the_facts_module_is_current() -> None:
    assert build() == MODULE.read_text(), "cli/_facts.py is stale: run `uv run python -m pulumi_cloudimages.cli.facts`"


def test_every_filter_is_an_option_once() -> None:
    names = [name for name, _, _ in _facts.FILTERS]
    assert sorted(names) == sorted(ImageQuery.model_fields) and len(set(names)) == len(names)
