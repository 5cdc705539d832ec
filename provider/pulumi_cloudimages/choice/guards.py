"""The guards of a selection, for adopting new images safely: a soak time (`min_age`), a revocation
list (`exclude_ids`, `exclude_file`) and trusted sources by default.

Each image the filters and `name_regex` match is either a candidate or left out for one reason, checked
in this order: an untrusted source (shared by another tenant, Marketplace, off the shelf), revoked,
then too new. An image left out for being too new is "held back": it becomes a candidate at
`created_at + min_age`, computed from the service's `created_at` in UTC (never the local clock's zone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from ..ims.image import Image, id_key
from ..ims.query import ImageQuery

# Setting any of these says which sources to look at; without them only trusted ones are chosen.
SOURCE_FILTERS = ("imagetype", "visibility", "owner", "member_status", "id")
# Chosen only when asked for: images shared by other tenants (any source filter asks), and Marketplace ones (only
# imagetype='market' or an explicit id asks: `visibility=public`, as Terraform configurations often say, or an
# owner, lists them too, but chooses none). Public (gold) images and the project's own (private, or shared out by
# it: the API lists those as shared too) are trusted; so is an image whose listing says neither.
UNTRUSTED_TYPES = frozenset({"shared", "market"})
_DURATION = re.compile(r"^(?P<count>[0-9]+)(?P<unit>[dhm]?)$")  # no unit: days; ASCII digits only
_UNITS = {"": "days", "d": "days", "h": "hours", "m": "minutes"}
MAX_MIN_AGE = timedelta(days=3650)
DURATION_FORMS = "a number of days (7), or a number and a unit: '7d', '36h', '90m'"

Reason = Literal["untrusted", "revoked", "too new"]


def parse_duration(text: str) -> timedelta:
    """`"7d"` or `"7"` -> 7 days, `"36h"`, `"90m"`; zero in any unit is no soak time. ValueError saying what
    is allowed otherwise."""
    found = _DURATION.match(text.strip())
    if found is None:
        raise ValueError(f"expected {DURATION_FORMS}")
    count = int(found["count"])
    if count > MAX_MIN_AGE / timedelta(**{_UNITS[found["unit"]]: 1}):  # before timedelta, which overflows
        raise ValueError(f"at most {MAX_MIN_AGE.days} days")
    age = timedelta(**{_UNITS[found["unit"]]: count})
    if age > MAX_MIN_AGE:
        raise ValueError(f"at most {MAX_MIN_AGE.days} days")
    return age


@dataclass(frozen=True)
class LeftOut:
    """A match that is not a candidate, and why (`detail`: the revocation's reason, the source...)."""

    image: Image
    reason: Reason
    detail: str


@dataclass(frozen=True)
class Guards:
    """The guards of one lookup, at the time `now` (UTC) when it started."""

    now: datetime
    min_age: timedelta | None
    revoked: dict[str, str]
    trusted_only: bool
    own_project: str | None = None  # the caller's project: its images are its own, even those it shares out
    market: bool = False  # Marketplace images asked for

    @staticmethod
    def trusted_only_for(query: ImageQuery) -> bool:
        return all(getattr(query, name) is None for name in SOURCE_FILTERS)

    @staticmethod
    def market_for(query: ImageQuery) -> bool:
        return query.imagetype == "market" or query.id is not None

    def left_out(self, image: Image) -> LeftOut | None:
        """None for a candidate; else what leaves `image` out."""
        if image.is_offshelved:
            return LeftOut(image, "untrusted", "off the shelf in the Marketplace")
        mine = self.own_project is not None and image.owner == self.own_project
        if image.imagetype == "market" and not self.market and not mine:
            return LeftOut(image, "untrusted", "a Marketplace image")
        if self.trusted_only and not mine and (image.imagetype in UNTRUSTED_TYPES or image.visibility == "shared"):
            return LeftOut(image, "untrusted", f"shared by project {image.owner}")
        if id_key(image.id or "") in self.revoked:
            return LeftOut(image, "revoked", self.revoked[id_key(image.id or "")])
        if self.min_age is not None and not self.old_enough(image):
            return LeftOut(
                image, "too new", f"created {_age(self.now - image.created_at) if image.created_at else '?'} ago"
            )
        return None

    def old_enough(self, image: Image) -> bool:
        """Created at least `min_age` before `now`; an image without a creation time never is."""
        return self.min_age is None or (image.created_at is not None and image.created_at <= self.now - self.min_age)

    def eligible_at(self, image: Image) -> datetime | None:
        return image.created_at + self.min_age if image.created_at and self.min_age is not None else None


def _age(age: timedelta) -> str:
    hours = int(age.total_seconds() // 3600)
    return f"{hours // 24}d{hours % 24}h" if hours >= 24 else f"{int(age.total_seconds() // 60)}m"
