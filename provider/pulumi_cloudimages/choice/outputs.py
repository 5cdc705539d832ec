"""A lookup's result as plain values, shaped like the outputs of `cloudimages:index:getImages` in
`schema.json`: the Python result types and the provider plugin are both built from these, the first
with Python names, the second with the schema's camelCase names."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from operator import attrgetter
from typing import Any, get_args

from ..ims.image import Image, UtcTime, format_time
from ..naming import rephrase
from .selection import Choice

Naming = Callable[[str], str]

# The outputs of getImages: Python name (the schema's is its camelCase), type (`Image`: an image with all its
# attributes; `| None`: may be unset) and description. `schema.json` is built from this table; `choice_values`
# and the Python result (`functions.GetImagesResult`) are held to it by tests.
RESULT_FIELDS: dict[str, tuple[Any, str]] = {
    "id": (str | None, "ID of the chosen image (unset with return_all or group_by)."),
    "image": (Image | None, "The chosen image, with all its attributes."),
    "images": (list[Image], "The matches in selection order; all of them unless `complete` is false."),
    "ids": (list[str], "IDs of `images`, in the same order."),
    "latest_id": (
        str | None,
        "ID of the first match in order_by order: differs from `id` when a pinned image is kept.",
    ),
    "groups": (dict[str, Image], "With group_by: the first image of each group (platform or OS version)."),
    "complete": (bool, "Whether `images` holds every match (false when only the newest were asked for)."),
    "held_back_ids": (
        list[str],
        "With min_age: IDs of the matches held back because they are younger, newest first.",
    ),
    "next_eligible_at": (
        str | None,
        "With min_age: when the first held-back image becomes old enough (UTC), else unset.",
    ),
    "excluded": (
        dict[str, str],
        "Matches left out by exclude_ids or exclude_file that would have been chosen (ordered before the image "
        "chosen, or its group's; any with return_all): image ID -> reason.",
    ),
}


@dataclass(frozen=True)
class Rows:
    """Maps that share their `keys`, as a table: one row of values a map, in that order (the plugin writes it
    column by column). `plain` makes plain the values that are not (e.g. a datetime as text), returning plain
    values as they are; values equal before must be equal after. Lists and maps must hold plain values only
    (they are told apart by `repr`)."""

    keys: tuple[str, ...]
    rows: Sequence[tuple[Any, ...]]
    plain: Callable[[Any], Any] = lambda value: value


def _python(name: str) -> str:
    return name


def _plain(value: Any) -> Any:
    return format_time(value) if isinstance(value, datetime) else value


_FIELDS = tuple(Image.model_fields)
_TIMES = tuple(field for field, info in Image.model_fields.items() if UtcTime in get_args(info.annotation))
_attributes = attrgetter(*_FIELDS)  # all of an image's attributes at once: a listing has thousands to read


@lru_cache(maxsize=8)
def _names(name: Naming) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """An image's keys as `name` writes them (its attributes, then `extra`), and those of its times."""
    return (*map(name, _FIELDS), "extra"), tuple(map(name, _TIMES))


def _row(image: Image) -> tuple[Any, ...]:
    """Every attribute of `image`, then `extra`: the unmodelled fields by wire name."""
    return (*_attributes(image), dict(image.model_extra or {}))


def image_values(image: Image, name: Naming = _python) -> dict[str, Any]:
    """Every attribute of `image` (times as UTC text), and `extra`: the unmodelled fields by wire name."""
    keys, times = _names(name)
    values = dict(zip(keys, _row(image), strict=True))
    for key in times:
        values[key] = _plain(values[key])
    return values


def image_rows(images: Sequence[Image], name: Naming = _python) -> Rows:
    """`image_values` of each image, as rows (which `wire.struct_bytes` writes column by column)."""
    return Rows(_names(name)[0], [_row(image) for image in images], _plain)


def choice_values(choice: Choice, name: Naming = _python, *, rows: bool = False) -> dict[str, Any]:
    """The result of a lookup, a value for each of `RESULT_FIELDS`; each name (and each image attribute's) as
    `name` writes it; group keys and image IDs are data and stay as they are. `rows`: `images` as `image_rows`."""
    return {
        name("id"): choice.image.id if choice.image else None,
        name("image"): image_values(choice.image, name) if choice.image else None,
        name("images"): image_rows(choice.images, name) if rows else [image_values(i, name) for i in choice.images],
        name("ids"): [str(image.id) for image in choice.images],
        name("latest_id"): choice.latest.id if choice.latest else None,
        name("groups"): {key: image_values(image, name) for key, image in choice.groups.items()},
        name("complete"): choice.complete,
        name("held_back_ids"): [str(image.id) for image in choice.held_back],
        name("next_eligible_at"): _plain(choice.next_eligible_at),
        name("excluded"): {key: rephrase(why, ["exclude_ids"], name) for key, why in choice.excluded.items()},
    }
