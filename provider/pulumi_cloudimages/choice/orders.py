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


def withdrawal(image: Image) -> str | None:
    """Why an image in use can no longer be launched (its status is not active, or it is a Marketplace image taken
    off the shelf), or None: what `outdated` calls withdrawn and a PinnedImage's refresh warns of."""
    if image.status != CHOSEN_STATUS:
        return f"status {image.status}"
    if image.is_offshelved:
        return "a Marketplace image off the shelf"
    return None


def created_later(image: Image, than: Image) -> bool:
    """Whether `image` is a later build than `than` (an image without a time is never later)."""
    return image.created_at is not None and (than.created_at is None or image.created_at > than.created_at)
