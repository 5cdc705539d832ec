"""The files of image IDs kept beside the code (the revocation list, the ignore list of `outdated`): UTF-8 text
(a BOM allowed, as some editors save one), one entry a line, blank lines and `#` comments; at most 10 MiB,
checked while reading (a FIFO or /dev/zero has no size to stat). A bad line is named by its number and never
quoted whole: a file given by mistake (`.env`) may hold secrets."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

MAX_BYTES = 10 * 1024 * 1024  # a list of image IDs, not a data set: a bigger file is a wrong path
_ID_LIKE = re.compile(r"[0-9a-fA-F-]{4,}")


def read_text(
    path: str, refused: Callable[[str], Exception], limit: int = MAX_BYTES, meant: str = "it should list image IDs only"
) -> str:
    """A small text file kept beside the code, UTF-8 (a BOM allowed); `refused(why)` is raised for an unreadable,
    oversized (read up to `limit` bytes, never stat'ed: `meant` says what it should hold) or non-UTF-8 one."""
    try:
        with Path(path).open("rb") as stream:
            content = stream.read(limit + 1)
    except OSError as exc:
        raise refused(f"cannot be read ({exc.strerror or exc})") from None
    if len(content) > limit:
        raise refused(f"is larger than {limit // 1024 // 1024} MiB; {meant}")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refused(f"is not UTF-8 text (byte {exc.start})") from None


def lines_of(path: str, refused: Callable[[str], Exception]) -> Iterator[tuple[int, str]]:
    """(number, line) of each line that is not blank or a comment (`read_text`'s refusals too)."""
    text = read_text(path, refused)
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, line


def start_of(line: str) -> str:
    """What of a bad line may be quoted: the first characters of an ID-like beginning (`'87c08afe…'`), or
    nothing."""
    found = _ID_LIKE.match(line.strip())
    return f" ({found[0][:8]!r}…)" if found else ""
