"""`cli/_facts.py`, what the command line shows of the core before it loads it, is derived from the core and
current: a filter, an allowed value or a verdict added to the core shows in --help."""

from __future__ import annotations

from pulumi_cloudimages.cli.facts import MODULE, build


def test_the_facts_module_is_current() -> None:
    assert build() == MODULE.read_text(), "cli/_facts.py is stale: run `uv run python -m pulumi_cloudimages.cli.facts`"
