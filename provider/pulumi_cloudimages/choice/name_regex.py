"""`name_regex` in RE2 syntax, matched in linear time.

Python's `re` backtracks: `^(\\w+\\s?)*!$` over an image name runs for minutes and holds the whole
process. RE2 (the `google-re2` binding) never backtracks, and its syntax is Go's `regexp`, the syntax of
Terraform's `name_regex`. It has no backreferences or lookaround: such a pattern is refused, never
handed to another engine. As in Go, `\\w`, `\\d` and `\\s` are ASCII; `\\pL` is any letter.
"""

from __future__ import annotations

import functools
from typing import Any, Protocol

from ..errors import InvalidQueryError, shown


class Regex(Protocol):
    """A compiled RE2 pattern (`re2._Regexp`), as used here."""

    def search(self, text: str) -> object | None: ...


# RE2's words for what it leaves out by design: lookaround, and backreferences (\1, \k<name>).
_UNSUPPORTED = r"(?:invalid perl operator|invalid escape sequence): (\(\?<?[=!]|\\[1-9k])"
_UNSUPPORTED_WORDS = {"(": "lookaround", "\\": "backreferences"}


@functools.cache
def _re2() -> tuple[Any, Any]:
    """The RE2 module and its options, loaded with the first pattern: most lookups have none."""
    import re2  # type: ignore[import-untyped]  # google-re2 ships no type information

    options = re2.Options()
    options.log_errors = False  # the error is ours to report, not a line on stderr
    return re2, options


def compile_name_regex(pattern: str) -> Regex:
    """`pattern` compiled by RE2; `InvalidQueryError` naming `name_regex` and RE2's reason otherwise."""
    re2, options = _re2()
    try:
        compiled: Regex = re2.compile(pattern, options)
        return compiled
    except re2.error as exc:
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        why = reason
        unsupported = re2.search(_UNSUPPORTED, reason)
        if unsupported is not None:
            why = f"{reason}: RE2 has no {_UNSUPPORTED_WORDS[unsupported.group(1)[0]]}"
        elif "(?P=" in pattern and reason.startswith("invalid perl operator: (?P"):  # Python's named backreference
            why = f"{reason}=: RE2 has no backreferences"
        raise InvalidQueryError(
            f"invalid selection: name_regex={shown(pattern)} is not a regular expression in RE2 syntax (as Go "
            f"and Terraform read it): {why}",
            names=("name_regex",),
        ) from None
    except UnicodeEncodeError:  # a lone surrogate: not text RE2 can read
        raise InvalidQueryError(
            f"invalid selection: name_regex={shown(pattern)} is not valid Unicode text", names=("name_regex",)
        ) from None


def name_matches(regex: Regex, name: str | None) -> bool:
    """Whether `regex` is found anywhere in `name` (a search, as Terraform's name_regex)."""
    if name is None:
        return False
    try:
        return regex.search(name) is not None
    except UnicodeEncodeError:  # a name with a lone surrogate, as JSON can carry: matched as its UTF-8 reading
        return regex.search(name.encode(errors="replace").decode()) is not None
