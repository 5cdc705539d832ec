"""Comparing OS labels the way a person reads them: "Ubuntu 22.04.1 server 64bit" is a higher version than
"Ubuntu 22.04 server 64bit", and "SUSE Linux Enterprise Server 15 SP5 64bit" than "... 15 SP1 64bit".

A label is read as: the version number (the first dotted number, 22.04 < 22.04.1 < 22.10; 7.9 < 7.10;
a leading V as in Kylin's "V10" is allowed), then a service pack, release or update (`SP3` > `SP1` > none;
Windows' `R2`), then whether it is a final release (`2.0` > `2.0-rc1` > `2.0-beta`), then the rest, compared
as text with its numbers as numbers. Bitness and architecture words (`64bit`, `64 bit`, `x86_64`, `aarch64`,
...) are not version parts. Only ASCII digits are digits.
"""

from __future__ import annotations

import re
from functools import total_ordering
from typing import Any

_NOT_VERSION = re.compile(r"\b(?:(?:32|64)[ -]?bits?|x86[_-]64|amd64|aarch64|arm64|i[3-6]86|x86|arm)\b", re.I)
_VERSION = re.compile(r"\b[vV]?([0-9]+(?:\.[0-9]+)*)\b")
_ANY_NUMBER = re.compile(r"([0-9]+(?:\.[0-9]+)*)")
_UPDATE = re.compile(r"\b(?:SP|R|Update ?)([0-9]+)\b", re.I)
_PRE_RELEASE = re.compile(r"(?<![a-z])(?:alpha|beta|rc|pre|preview|dev)[0-9]*(?![a-z])", re.I)
_NUMBER_OR_TEXT = re.compile(r"([0-9]+)")

Number = tuple[int, str]  # a run of digits, compared by value without turning it into an int
VersionKey = tuple[tuple[Number, ...], Number, bool, tuple[Any, ...]]


def _number(digits: str) -> Number:
    # By length, then text: the value's order, for runs of any length (int() stops at 4,300 digits).
    significant = digits.lstrip("0")
    return len(significant), significant


def version_key(label: str | None) -> VersionKey:
    """(version number, service pack or update, final release, the rest): ascending keys sort lower first."""
    text = _NOT_VERSION.sub(" ", label or "")
    found = _VERSION.search(text) or _ANY_NUMBER.search(text)
    version = tuple(_number(part) for part in found.group(1).split(".")) if found else ()
    if found:
        text = text[: found.start()] + " " + text[found.end() :]
    update_found = _UPDATE.search(text)
    update = _number(update_found.group(1)) if update_found else _number("0")
    if update_found:
        text = text[: update_found.start()] + " " + text[update_found.end() :]
    final = _PRE_RELEASE.search(text) is None
    rest = tuple(
        (0, _number(token)) if token[:1].isascii() and token.isdigit() else (1, token)
        for token in _NUMBER_OR_TEXT.split(" ".join(text.lower().split()))
        if token.strip()
    )
    return version, update, final, rest


@total_ordering
class Descending:
    """Wraps a sort key so that ascending order puts the highest first (for keys that cannot be negated)."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Descending) and self.key == other.key

    def __lt__(self, other: Descending) -> bool:
        return bool(self.key > other.key)

    def __hash__(self) -> int:
        return hash(self.key)
