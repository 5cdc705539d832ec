"""Lineages: the images that are builds of one another, so that the newest of an image's lineage succeeds it.

A team states a lineage with an image family, as GCP's images have: IMS tags are `key.value` strings, and an image
tagged `family.web-server` belongs to the family `web-server` (under the key `family` unless told another); the
newest active member of the family from the same owner and architecture is the successor.

Without a family, the lineage is read off the image: its type, platform, OS version, architecture, its owner when
it is a project's own (private, or shared out: one owner's either way) or a Marketplace vendor's, and its name with
the build taken out: dates and long build numbers go, a version keeps its major part (`rocky-8.9-base` is
`rocky-8.#-base`, never `rocky-9.3-base`'s lineage) and other numbers stay (`app-node16-…` is not `app-node20-…`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, get_args

from ..ims.image import Image
from ..ims.query import PLATFORMS, ImageQuery, ImageType

FAMILY_KEY = "family"
_OWNED = ("private", "shared")  # a project's own: the API lists what it shares out as shared
# The build in a name, in the order taken out: a date or a time stamp (20250101, 2025-01-01, 2025.01.01T0800),
# then a long build number, then a version's minor parts (22.04 -> 22.#), then a short build number at the end.
_DATE = re.compile(r"(?<!\d)(?:19|20)\d\d([-._]?)(?:0[1-9]|1[0-2])\1(?:0[1-9]|[12]\d|3[01])(?:[-._T]?\d{4,6})?(?!\d)")
_BUILD = re.compile(r"(?<!\d)\d{5,}(?!\d)")
_MINOR = re.compile(r"(?<![\d.])(\d+)(?:\.\d+)+(?![\d.])")
_LAST = re.compile(r"(?<=[-_ ])\d{3,4}$")


def name_pattern(name: str) -> str:
    """The name with the build taken out: what the builds of one lineage share."""
    for pattern, replacement in ((_DATE, "#"), (_BUILD, "#"), (_MINOR, r"\1.#"), (_LAST, "#")):
        name = pattern.sub(replacement, name)
    return name


def family_of(image: Image, key: str = FAMILY_KEY) -> str | None:
    """The image's family: the value of its tag `<key>.<value>` (or `<key>=<value>`), else None."""
    for tag in image.tags or ():
        for separator in (".", "="):
            found, sep, value = tag.partition(separator)
            if sep and found == key and value:
                return value
    return None


def architecture(image: Image) -> str:
    return "arm" if image.support_arm else "x86"  # as the service's `architecture` filter reads it


@dataclass(frozen=True)
class Lineage:
    """One lineage: a family, or the parts read off the image (the `lineage` rule of `outdated`)."""

    architecture: str
    owner: str | None  # a family's, a project's own images', a Marketplace vendor's; None for public images
    family: str | None = None
    family_key: str = FAMILY_KEY
    imagetype: str | None = None  # None for a project's own, private or shared out
    platform: str | None = None
    os_version: str | None = None
    name_pattern: str = ""

    @classmethod
    def of(cls, image: Image, family_key: str = FAMILY_KEY) -> Lineage:
        family = family_of(image, family_key)
        if family is not None:
            return cls(architecture(image), image.owner, family, family_key)
        owned, market = image.imagetype in _OWNED, image.imagetype == "market"
        return cls(
            architecture(image),
            image.owner if owned or market else None,
            imagetype=None if owned else image.imagetype,
            platform=image.platform,
            os_version=image.os_version,
            name_pattern=name_pattern(image.name or ""),
        )

    def listing(self) -> ImageQuery:
        """A listing that holds the whole lineage (and others: what the service cannot filter is checked here)."""
        filters: dict[str, Any] = {"architecture": self.architecture}
        if self.family is not None:
            filters["tag"] = f"{self.family_key}={self.family}"
        if self.imagetype in get_args(ImageType):
            filters["imagetype"] = self.imagetype
        if self.platform in PLATFORMS:
            filters["platform"] = self.platform
        if self.owner:
            filters["owner"] = self.owner
        return ImageQuery.model_validate(filters)

    def describe(self) -> dict[str, Any]:
        if self.family is not None:
            return {"family": self.family, "tag": f"{self.family_key}.{self.family}", "owner": self.owner,
                    "architecture": self.architecture}  # fmt: skip
        described = {"__imagetype": self.imagetype, "__platform": self.platform, "__os_version": self.os_version,
                     "architecture": self.architecture, "name_pattern": self.name_pattern}  # fmt: skip
        return {**described, "owner": self.owner} if self.owner else described
