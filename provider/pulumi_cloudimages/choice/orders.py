"""What a selection chooses among unless told otherwise, and the orders it chooses in (first = chosen)."""

from __future__ import annotations

from typing import Any

from ..ims.image import Image
from .versions import Descending, version_key

CHOSEN_STATUS = "active"  # what a selection chooses among unless the query sets a status


def newest_first(image: Image) -> tuple[Any, ...]:
    created = image.created_at
    return (created is None, -created.timestamp() if created else 0.0, image.name or "", image.id or "")


def highest_version_first(image: Image) -> tuple[Any, ...]:
    versions = Descending(version_key(image.os_version)), Descending(version_key(image.name))
    return (*versions, *newest_first(image))
