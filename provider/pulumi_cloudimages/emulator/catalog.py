"""The emulator's catalog: the images it serves, who they are shared with, and what flavors need.

The file is JSON in the response's own shape, `{"images": [...]}`, plus two optional keys that no
response shows: `members` (image ID -> project ID -> accepted|pending|rejected) and `flavors`
(flavor ID -> wire field -> value an image must have to run on it). A bad file is refused whole,
with a message naming the file, the image and the field.

Each image is validated by the response model once, at load; what is served, filtered and sorted are
those typed values (`"min_ram": "2048"` is served, matched and sorted as the number 2048). Images are
kept in creation order (position 0 the oldest), each as its serialized answer, and an index maps every
filtered field's value to the set of positions having it (`bits.py`), so a query is a few set operations
and a page the next positions in order.
"""

from __future__ import annotations

import json
import re
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from itertools import chain, islice
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from ..image import Image
from . import bits as positions
from .filters import INDEXED_FIELDS, SORT_KEYS, BadParameter, Listing

MemberState = Literal["accepted", "pending", "rejected"]

_ATTRIBUTES = {info.alias or name: name for name, info in Image.model_fields.items()}
# Every field an image's index entry holds: the filtered ones and the `__support_*` flags the model names
# (flags it does not name are indexed from the image's extra fields).
_FIELDS = tuple(dict.fromkeys([*INDEXED_FIELDS, *(f for f in _ATTRIBUTES if f.startswith("__support_"))]))
_SORTED = tuple(key for key in SORT_KEYS if key not in ("id", "created_at"))
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# A value of at least this many images is kept as a bit set (12 KB for 100,000 images), rarer ones as
# positions: a field with a value per image (id, name) then costs 4 bytes per image, not 12 KB.
_DENSE = 1024
_RESULTS_HELD = 1_000_000  # positions kept in sorted results for paging (4 MB)


class CatalogError(Exception):
    """The catalog file cannot be served; the message says where and why."""


class _Extras(BaseModel):
    members: dict[str, dict[str, MemberState]] = {}
    flavors: dict[str, dict[str, str]] = {}


def _microseconds(value: datetime | None) -> int | None:
    return None if value is None else (value - _EPOCH) // timedelta(microseconds=1)


def _text(value: Any) -> str | None:
    """A typed value as a query parameter writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


class _Image:
    """One image while the catalog is built: its answer, and the typed values it is found and sorted by."""

    __slots__ = ("body", "created", "extra", "id", "sort", "tags", "updated", "values")

    def __init__(self, image: Image, where: str) -> None:
        typed, extra = image.__dict__, image.model_extra or {}
        for name, value in extra.items():  # the model types its own fields; indexed extras must be flags
            if (name in _FIELDS or name.startswith("__support_")) and not isinstance(value, (str, bool, type(None))):
                raise CatalogError(f"{where}: field {name}: expected a string or a boolean (got {value!r})")
        self.id: str = typed["id"]
        self.body = json.dumps(image.to_wire(), separators=(",", ":"), ensure_ascii=False).encode()
        self.values = tuple(_text(typed[_ATTRIBUTES[f]] if f in _ATTRIBUTES else extra.get(f)) for f in _FIELDS)
        self.extra = {n: _text(v) for n, v in extra.items() if n.startswith("__support_") and n not in _FIELDS}
        self.tags = tuple(image.tags or ())
        self.sort = tuple(typed[_ATTRIBUTES[key]] for key in _SORTED)
        self.created = _microseconds(image.created_at)
        self.updated = _microseconds(image.updated_at)


class _Builder:
    """Validates images one at a time, so that a large catalog is never in memory as parsed JSON and served."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.images: list[_Image] = []
        self.seen: set[str] = set()

    def add(self, wire: Any) -> None:
        where = f"{self.source}: image #{len(self.images)}"
        if not isinstance(wire, dict) or not isinstance(wire.get("id"), str) or not wire["id"]:
            raise CatalogError(f"{where}: field id: every image needs a non-empty string id")
        where += f" ({wire['id']})"
        if wire["id"] in self.seen:
            raise CatalogError(f"{where}: field id: the id is used by an earlier image too")
        self.seen.add(wire["id"])
        try:
            image = Image.model_validate(wire)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise CatalogError(f"{where}: field {first['loc'][0]}: {first['msg']} (got {first['input']!r})") from None
        self.images.append(_Image(image, where))

    def finish(self, others: Mapping[str, Any]) -> Catalog:
        try:
            extras = _Extras.model_validate({k: others[k] for k in ("members", "flavors") if k in others})
        except ValidationError as exc:
            first = exc.errors()[0]
            raise CatalogError(f"{self.source}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
        unknown = sorted(set(extras.members) - self.seen)
        if unknown:
            raise CatalogError(f"{self.source}: members: image {unknown[0]} is not in the catalog")
        # Oldest first, images without a creation time before all; ties by ID: the service's order, ascending.
        self.images.sort(key=lambda i: (i.created is not None, i.created or 0, i.id))
        catalog = Catalog(self.images, extras.members, extras.flavors)
        self.images = []
        return catalog


class Catalog:
    """The images served, in creation order, with the index that queries read."""

    def __init__(
        self,
        images: list[_Image],
        members: Mapping[str, Mapping[str, MemberState]],
        flavors: Mapping[str, Mapping[str, str]],
    ) -> None:
        self.size = len(images)
        self.everything = positions.span(0, self.size)
        self.bodies = [image.body for image in images]
        self._ids = {image.id: p for p, image in enumerate(images)}
        found: dict[str, dict[str | None, list[int]]] = {}
        for p, image in enumerate(images):
            for field, value in chain(zip(_FIELDS, image.values, strict=True), image.extra.items()):
                found.setdefault(field, {}).setdefault(value, []).append(p)
            for tag in image.tags:
                found.setdefault("tags", {}).setdefault(tag, []).append(p)
        self._index = {field: {v: self._posting(ps) for v, ps in values.items()} for field, values in found.items()}
        del found
        self._created = array("q", (-(2**63) if i.created is None else i.created for i in images))
        self._undated = sum(1 for i in images if i.created is None)
        dated = sorted((i.updated, p) for p, i in enumerate(images) if i.updated is not None)
        self._updated = array("q", (t for t, _ in dated))
        self._updated_order = array("I", (p for _, p in dated))
        self._ranks = {key: self._rank([(i.sort[n] is not None, i.sort[n] or 0, i.id) for i in images])
                       for n, key in enumerate(_SORTED)}  # fmt: skip
        self._ranks["id"] = self._rank([i.id for i in images])
        self._members: dict[str, dict[str, array[int]]] = {}
        for image_id, states in members.items():
            for project, state in states.items():
                self._members.setdefault(project, {}).setdefault(state, array("I")).append(self._ids[image_id])
        self._flavors = {flavor: self._runs_on(needs) for flavor, needs in flavors.items()}
        self._results: OrderedDict[tuple[str, int], array[int]] = OrderedDict()
        self._held = 0

    def __len__(self) -> int:
        return self.size

    def _posting(self, found: list[int]) -> int | array[int]:
        return positions.from_positions(found, self.size) if len(found) >= _DENSE else array("I", found)

    def _rank(self, keys: list[Any]) -> array[int]:
        """Each position's place in ascending order of `keys`."""
        rank = array("I", bytes(4 * self.size))
        for place, p in enumerate(sorted(range(self.size), key=keys.__getitem__)):
            rank[p] = place
        return rank

    def _runs_on(self, needs: Mapping[str, str]) -> int:
        """The images having every field/value a flavor requires: from the index, else from their answers."""
        found = self.everything
        for field, value in needs.items():
            if field in _FIELDS or field.startswith("__support_"):
                found &= self.bits(field, value)
            else:
                found = positions.from_positions(
                    (p for p in positions.ascending(found) if _text(json.loads(self.bodies[p]).get(field)) == value),
                    self.size,
                )
        return found

    # What the filters read: sets of positions.

    def bits(self, field: str, value: str | None) -> int:
        """The images whose `field` is `value` (None: absent or null)."""
        posting = self._index.get(field, {}).get(value)
        if posting is None:
            return 0
        return posting if isinstance(posting, int) else positions.from_positions(posting, self.size)

    def visible(self, project: str | None) -> int:
        """Public images, the project's own, and those shared with it; never unregistered ones."""
        found = self.bits("visibility", "public")
        if project is not None:
            shared = chain.from_iterable(self._members.get(project, {}).values())
            found |= self.bits("owner", project) | positions.from_positions(shared, self.size)
        return found & ~self.bits("__isregistered", "false")

    def member_bits(self, project: str | None, state: str) -> int:
        return positions.from_positions(self._members.get(project or "", {}).get(state, ()), self.size)

    def flavor_bits(self, flavor: str) -> int:
        return self._flavors.get(flavor, 0)  # an unknown flavor matches nothing

    def time_bits(self, name: str, op: str, when: datetime) -> int:
        t = (when - _EPOCH) // timedelta(microseconds=1)
        if name == "created_at":  # positions are in creation order: a time range is a span of positions
            times, start, order = self._created, self._undated, None
        else:
            times, start, order = self._updated, 0, self._updated_order
        low, high, end = bisect_left(times, t, start), bisect_right(times, t, start), len(times)
        spans = {
            "gt": [(high, end)], "gte": [(low, end)], "lt": [(start, low)], "lte": [(start, high)],
            "eq": [(low, high)], "neq": [(start, low), (high, end)],
        }[op]  # fmt: skip
        if order is None:
            found = 0
            for a, b in spans:
                found |= positions.span(a, b)
            return found
        return positions.from_positions(chain.from_iterable(order[a:b] for a, b in spans), self.size)

    # Answers.

    def select(self, listing: Listing, project: str | None) -> list[bytes]:
        """The answers of the images of a page of `listing`, as `project` sees the catalog."""
        found = self.visible(project)
        for condition in listing.conditions:
            if not found:
                break
            found &= condition(self, project)
        marker = None
        if listing.marker is not None:
            marker = self._ids.get(listing.marker)
            if marker is None or not found >> marker & 1:
                raise BadParameter("IMG.0027", f"The image {listing.marker} does not exist.")
        if listing.sort_key == "created_at":  # the catalog's own order: the page is the next set bits
            if marker is not None:  # the positions after the marker's, in the listing's direction
                after = positions.span(0, marker) if listing.descending else found >> (marker + 1) << (marker + 1)
                found &= after
            walk = positions.descending(found) if listing.descending else positions.ascending(found)
            return [self.bodies[p] for p in islice(walk, listing.limit)]
        order = self._sorted(found, listing.sort_key)
        start = 0
        if marker is not None:
            start = order.index(marker)
            start = len(order) - start if listing.descending else start + 1
        walk = reversed(order) if listing.descending else iter(order)
        return [self.bodies[p] for p in islice(walk, start, start + listing.limit)]

    def _sorted(self, found: int, key: str) -> array[int]:
        """The positions of `found` in ascending `key` order, kept for the pages that follow."""
        order = self._results.get((key, found))
        if order is not None:
            self._results.move_to_end((key, found))
            return order
        order = array("I", sorted(positions.ascending(found), key=self._ranks[key].__getitem__))
        self._results[(key, found)] = order
        self._held += len(order)
        while self._held > _RESULTS_HELD and len(self._results) > 1:
            self._held -= len(self._results.popitem(last=False)[1])
        return order

    # Loading.

    @classmethod
    def from_data(cls, data: Any, source: str) -> Catalog:
        """A catalog from parsed JSON. `data["images"]` is consumed (emptied as it is read), so that a
        large catalog is never in memory twice: once as parsed JSON and once as served."""
        if not isinstance(data, Mapping) or not isinstance(data.get("images"), list):
            raise CatalogError(f'{source}: expected a JSON object with an "images" list')
        builder = _Builder(source)
        raw: list[Any] = data["images"]
        for index in range(len(raw)):
            wire, raw[index] = raw[index], None
            builder.add(wire)
        raw.clear()
        return builder.finish(data)

    @classmethod
    def from_json(cls, document: str | bytes, source: str) -> Catalog:
        """A catalog from a JSON document, read an image at a time (see `_Builder`)."""
        builder = _Builder(source)
        try:
            text = document.decode() if isinstance(document, bytes) else document
            others = _read_document(text, builder.add)
        except CatalogError:
            raise
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
            raise CatalogError(f"{source}: not valid JSON: {exc}") from None
        if others is None:
            raise CatalogError(f'{source}: expected a JSON object with an "images" list')
        return builder.finish(others)

    @classmethod
    def load(cls, path: str | Path) -> Catalog:
        try:
            document = Path(path).read_bytes()
        except OSError as exc:
            raise CatalogError(f"{path}: cannot be read: {exc.strerror}") from None
        return cls.from_json(document, str(path))


_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def _read_document(text: str, add: Callable[[Any], None]) -> dict[str, Any] | None:
    """Parse `{"images": [...], ...}`, handing each image to `add` as soon as it is read; the other keys
    are returned (None: not an object with an images list)."""

    def skip(at: int) -> int:
        match = _SPACE.match(text, at)
        assert match is not None  # the pattern matches the empty string
        return match.end()

    def expect(at: int, char: str) -> int:
        at = skip(at)
        if text[at : at + 1] != char:
            raise json.JSONDecodeError(f"expected {char!r}", text, at)
        return at + 1

    def after_item(at: int, end: str) -> int:
        """Past the `,` before the next item, or at the `end` of the list or object."""
        at = skip(at)
        if text[at : at + 1] == ",":
            at = skip(at + 1)
            if text[at : at + 1] != end:
                return at
        elif text[at : at + 1] == end:
            return at
        raise json.JSONDecodeError(f"expected ',' or {end!r}", text, at)

    if text[skip(0) : skip(0) + 1] != "{":
        return None
    others: dict[str, Any] = {}
    has_images = False
    at = skip(expect(0, "{"))
    while text[at : at + 1] != "}":
        key, at = _DECODER.raw_decode(text, at)
        if not isinstance(key, str):
            raise json.JSONDecodeError("expected a key", text, at)
        at = skip(expect(at, ":"))
        if key == "images" and text[at : at + 1] == "[":
            has_images = True
            at = skip(at + 1)
            while text[at : at + 1] != "]":
                image, at = _DECODER.raw_decode(text, at)
                add(image)
                at = after_item(at, "]")
            at += 1
        else:
            others[key], at = _DECODER.raw_decode(text, at)
        at = after_item(at, "}")
    if skip(at + 1) != len(text):
        raise json.JSONDecodeError("extra data", text, at + 1)
    return others if has_images else None
