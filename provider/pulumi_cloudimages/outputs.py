"""A lookup's result as plain values, shaped like the outputs of `cloudimages:index:getImages` in
`schema.json`: the Python result types and the provider plugin are both built from these, the first
with Python names, the second with the schema's camelCase names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from operator import attrgetter
from typing import Any, get_args

from .image import Image, UtcTime, format_time
from .naming import rephrase
from .selection import Choice

Naming = Callable[[str], str]


def _python(name: str) -> str:
    return name


def _plain(value: Any) -> Any:
    return format_time(value) if isinstance(value, datetime) else value


_FIELDS = tuple(Image.model_fields)
_TIMES = tuple(field for field, info in Image.model_fields.items() if UtcTime in get_args(info.annotation))
_attributes = attrgetter(*_FIELDS)  # all of an image's attributes at once: a listing has thousands to read


@lru_cache(maxsize=8)
def _names(name: Naming) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The attributes' names as `name` writes them, and the time attributes' (each beside its own)."""
    return tuple(map(name, _FIELDS)), tuple((name(field), field) for field in _TIMES)


def image_values(image: Image, name: Naming = _python) -> dict[str, Any]:
    """Every attribute of `image` (times as UTC text), and `extra`: the unmodelled fields by wire name."""
    names, times = _names(name)
    values = dict(zip(names, _attributes(image), strict=True))
    for key, field in times:
        values[key] = _plain(getattr(image, field))
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
