"""The revocation list: image IDs never to choose, from `exclude_ids` and from a file kept with the code.

The file (`exclude_file`) holds one image ID a line, optionally followed by `# why`; blank lines and
lines starting with `#` are comments:

    # images we must not roll out
    1b6f8f1e-3e2b-4c4e-9f11-7c3f5d0e4a21  # CVE-2026-1234: broken cloud-init
"""

from __future__ import annotations

import re

from ..errors import InvalidQueryError, shown
from ..ims.image import IMAGE_ID, id_key
from .listfile import lines_of, start_of

_LINE = re.compile(rf"^\s*(?P<id>{IMAGE_ID.pattern})\s*(?:#\s*(?P<reason>.*?))?\s*$")
_AN_ID = "an image ID (a UUID such as 87c08afe-80fc-52f2-abe6-f0cf30e5b09e)"
LISTED = "excluded by exclude_ids"  # the reason of an ID of exclude_ids; adapters name the argument in their words


def check_exclude_ids(ids: list[str]) -> None:
    """`InvalidQueryError` naming `exclude_ids` and the value, for any that is not one image ID (the file's rule)."""
    for value in ids:
        if not isinstance(value, str) or IMAGE_ID.fullmatch(value) is None:
            raise InvalidQueryError(
                f"invalid selection: exclude_ids: {shown(value)} is not {_AN_ID}", names=("exclude_ids",)
            )


_PATH_SHOWN = 400


def read_exclude_file(path: str) -> dict[str, str]:
    """Image ID (`id_key`) -> reason from the file at `path` (relative to the working directory: the program's).

    `InvalidQueryError` naming `exclude_file`, the file and the line when the file is unreadable or a line
    is not `<id>  # reason`."""

    def refused(why: str) -> InvalidQueryError:
        named = repr(path) if len(path) <= _PATH_SHOWN else shown(path)  # the whole path, to find the file by
        return InvalidQueryError(f"invalid selection: exclude_file={named}: {why}", names=("exclude_file",))

    revoked: dict[str, str] = {}
    for number, line in lines_of(path, refused):
        found = _LINE.match(line)
        if found is None:
            raise refused(f"line {number}{start_of(line)} is not {_AN_ID}, optionally followed by '# reason'")
        reason = found["reason"] or ""
        where = f"{path} line {number}"
        revoked.setdefault(id_key(found["id"]), f"{reason} ({where})" if reason else f"listed in {where}")
    return revoked
