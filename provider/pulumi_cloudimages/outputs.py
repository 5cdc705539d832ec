"""A lookup's result as plain values, shaped like the outputs of `cloudimages:index:getImages` in
`schema.json`: the Python result types and the provider plugin are both built from these."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .image import Image, format_time
from .selection import Choice


def _plain(value: Any) -> Any:
    return format_time(value) if isinstance(value, datetime) else value


def image_values(image: Image) -> dict[str, Any]:
    """Every attribute of `image` by Python name (times as UTC text), and `extra`: unmodelled fields by wire name."""
    values = {name: _plain(getattr(image, name)) for name in Image.model_fields}
    return {**values, "extra": dict(image.model_extra or {})}


def choice_values(choice: Choice) -> dict[str, Any]:
    """The result of a lookup by Python name: `id`, `image`, `images`, `ids`, `latest_id`, `groups`, `complete`."""
    return {
        "id": choice.image.id if choice.image else None,
        "image": image_values(choice.image) if choice.image else None,
        "images": [image_values(image) for image in choice.images],
        "ids": [str(image.id) for image in choice.images],
        "latest_id": choice.latest.id if choice.latest else None,
        "groups": {key: image_values(image) for key, image in choice.groups.items()},
        "complete": choice.complete,
    }
