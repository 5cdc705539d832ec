"""The ignore list of `outdated` (`--ignore-file`): findings a team has looked at and accepts for now, kept beside
the code in the revocation list's syntax. One image ID, Terraform address or Pulumi URN a line, then optionally
`until YYYY-MM-DD` (the line applies to the end of that day, UTC), then `# reason`:

    87c08afe-80fc-52f2-abe6-f0cf30e5b09e  until 2027-01-31  # the vendor's fix lands in January
    module.web.huaweicloud_compute_instance.app[0]  # a legacy box, retired with the old stack
    urn:pulumi:prod::web::huaweicloud:Ecs/instance:Instance::bastion  # rebuilt by hand

An ignored finding is still reported, marked with the reason, and never fails the gate; a line past its date
no longer applies, and a note says so."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone

from ..choice.listfile import lines_of, start_of
from ..errors import InvalidQueryError
from ..ims.image import IMAGE_ID, id_key
from .states import Where

_LINE = re.compile(r"^\s*(?P<target>.+?)(?:\s+until\s+(?P<until>\S+))?\s*(?:#\s*(?P<reason>.*?))?\s*$")
# A Terraform resource address (modules, data sources, count/for_each keys) or output, as a state names it.
_ADDRESS = re.compile(
    r"^(module\.[\w-]+(\[[^\]]+\])?\.)*((data\.)?[a-zA-Z_][\w-]*\.[a-zA-Z_][\w-]*(\[[^\]]+\])?|output\.[\w-]+)$"
)
_WHAT = "an image ID, a Terraform address or a Pulumi URN, optionally followed by 'until YYYY-MM-DD' and '# reason'"


@dataclass(frozen=True)
class Ignored:
    """One line: what it ignores (an image ID as `id_key` gives it, an address or a URN), until when, and why."""

    target: str
    reason: str
    until: date | None
    where: str  # `<file> line <n>`

    def expired(self, today: date) -> bool:
        return self.until is not None and today > self.until


@dataclass(frozen=True)
class IgnoreList:
    entries: tuple[Ignored, ...] = ()

    def reason(self, image_id: str, used_at: Iterable[Where], today: date) -> str | None:
        """Why a finding is ignored: its image ID is listed, or every place that uses it is; else None."""
        live = [entry for entry in self.entries if not entry.expired(today)]
        by_target = {entry.target: entry for entry in live}
        if id_key(image_id) in by_target:
            return _said(by_target[id_key(image_id)])
        places = [where.resource for where in used_at]
        if places and all(place in by_target for place in places):
            return "; ".join(dict.fromkeys(_said(by_target[place]) for place in places if place))
        return None

    def expired(self, today: date) -> list[Ignored]:
        return [entry for entry in self.entries if entry.expired(today)]

    def __add__(self, other: IgnoreList) -> IgnoreList:
        return IgnoreList(self.entries + other.entries)


def read_ignore_file(path: str) -> IgnoreList:
    """The ignore list at `path`; `InvalidQueryError` naming `ignore_file`, the file and the line for a bad one."""

    def refused(why: str) -> InvalidQueryError:
        return InvalidQueryError(f"invalid ignore_file={path!r}: {why}", names=("ignore_file",))

    entries = []
    for number, line in lines_of(path, refused):
        found = _LINE.match(line)
        target = found["target"] if found else ""
        if not (IMAGE_ID.fullmatch(target) or target.startswith("urn:pulumi:") or _ADDRESS.match(target)):
            raise refused(f"line {number}{start_of(line)} is not {_WHAT}")
        assert found is not None
        until = None
        if found["until"] is not None:
            try:
                until = date.fromisoformat(found["until"])
            except ValueError:
                raise refused(f"line {number}: until {found['until']!r} is not a date (YYYY-MM-DD)") from None
        key = id_key(target) if IMAGE_ID.fullmatch(target) else target
        entries.append(Ignored(key, found["reason"] or "", until, f"{path} line {number}"))
    return IgnoreList(tuple(entries))


def today() -> date:
    return datetime.now(timezone.utc).date()


def _said(entry: Ignored) -> str:
    until = f" until {entry.until.isoformat()}" if entry.until else ""
    return f"{entry.reason or 'ignored'}{until} ({entry.where})"
