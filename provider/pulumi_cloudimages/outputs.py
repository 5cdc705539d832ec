"""A lookup's result as plain values, shaped like the outputs of `cloudimages:index:getImages` in
`schema.json`: the Python result types and the provider plugin are both built from these, the first
with Python names, the second with the schema's camelCase names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from .image import Image, format_time
from .naming import rephrase
from .selection import Choice

Naming = Callable[[str], str]


def _python(name: str) -> str:
    return name


def _plain(value: Any) -> Any:
    return format_time(value) if isinstance(value, datetime) else value


def image_values(image: Image, name: Naming = _python) -> dict[str, Any]:
    """Every attribute of `image` (times as UTC text), and `extra`: the unmodelled fields by wire name."""
    values = {name(field): _plain(getattr(image, field)) for field in Image.model_fields}
    values["extra"] = dict(image.model_extra or {})
    return values


def choice_values(choice: Choice, name: Naming = _python) -> dict[str, Any]:
    """The result of a lookup: `id`, `image`, `images`, `ids`, `latest_id`, `groups`, `complete`, and what
    the guards left out: `held_back_ids`, `next_eligible_at`, `excluded` (image ID -> reason); each name
    (and each image attribute's) as `name` writes it; group keys and image IDs are data and stay as they are."""
    return {
        name("id"): choice.image.id if choice.image else None,
        name("image"): image_values(choice.image, name) if choice.image else None,
        name("images"): [image_values(image, name) for image in choice.images],
        name("ids"): [str(image.id) for image in choice.images],
        name("latest_id"): choice.latest.id if choice.latest else None,
        name("groups"): {key: image_values(image, name) for key, image in choice.groups.items()},
        name("complete"): choice.complete,
        name("held_back_ids"): [str(image.id) for image in choice.held_back],
        name("next_eligible_at"): _plain(choice.next_eligible_at),
        name("excluded"): {key: rephrase(why, ["exclude_ids"], name) for key, why in choice.excluded.items()},
    }
