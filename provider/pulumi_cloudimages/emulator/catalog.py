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

import ctypes
import ctypes.util
import json
import operator
import re
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from itertools import chain, compress, islice, repeat
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticSerializationError

from ..errors import CloudImagesError
from ..ims.image import Flag, Image
from . import bits as positions
from .filters import INDEXED_FIELDS, SORT_KEYS, BadParameter, Listing

MemberState = Literal["accepted", "pending", "rejected"]

_ATTRIBUTES = {info.alias or name: name for name, info in Image.model_fields.items()}
# Every field an image's index entry holds: the filtered ones and the `__support_*` flags the model names
# (flags it does not name are indexed from the image's extra fields).
# IDs are found through `Catalog._ids`.
_FIELDS = tuple(
    dict.fromkeys([*(f for f in INDEXED_FIELDS if f != "id"), *(f for f in _ATTRIBUTES if f.startswith("__support_"))])
)
# The flags besides every `__support_*` field: one rule for all, a string or a boolean. The model alone would
# take 1 and 0 for those it types as Flag; `__whole_image` it does not name.
_FLAGS = {info.alias or name for name, info in Image.model_fields.items() if Flag in get_args(info.annotation)}
_FLAGS.add("__whole_image")
_SORTED = tuple(key for key in SORT_KEYS if key not in ("id", "created_at"))
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# A value of at least this many images is kept as a bit set (12 KB for 100,000 images), rarer ones as
# positions: a field with a value per image (id, name) then costs 4 bytes per image, not 12 KB.
_DENSE = 1024
_STEP = 4096
_RESULTS_HELD = 1_000_000  # positions kept in sorted results for paging (4 MB)
# json's parser recurses once per level, so its depth is bounded by the interpreter's recursion limit.
NESTED_TOO_DEEP = f"arrays and objects nested too deep (at most about {sys.getrecursionlimit():,} levels)"


class CatalogError(CloudImagesError, ValueError):
    """The catalog file cannot be served; the message says where and why."""


class _Extras(BaseModel):
    members: dict[str, dict[str, MemberState]] = {}
    flavors: dict[str, dict[str, str]] = {}


def _text(value: Any) -> str | None:
    """A typed value as a query parameter writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def _time(text: str | None) -> int | None:
    """A time of an answer (`format_time`'s form) in microseconds."""
    if text is None:
        return None
    return (datetime.fromisoformat(text.replace("Z", "+00:00")) - _EPOCH) // timedelta(microseconds=1)


class _Builder:
    """Validates images one at a time and keeps only their answers, so that a large catalog is never in
    memory as parsed JSON and served at once (the index is then read from the answers: see `Catalog`)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.bodies: list[bytes] = []

    def add(self, wire: Any) -> None:
        where = f"{self.source}: image #{len(self.bodies)}"
        if not isinstance(wire, dict) or not isinstance(wire.get("id"), str) or not wire["id"]:
            raise CatalogError(f"{where}: field id: every image needs a non-empty string id")
        where += f" ({wire['id']})"
        for name, value in wire.items():
            if (name in _FLAGS or name.startswith("__support_")) and not isinstance(value, (str, bool, type(None))):
                raise CatalogError(f"{where}: field {name}: expected a string or a boolean (got {value!r})")
            # A flag the response types as true/false is that, written either way; the model alone would also
            # read "yes", "1" or "off" (some __support_* fields it does not name hold lists: "hss,ces").
            if name in _FLAGS and isinstance(value, str) and value not in ("true", "false"):
                raise CatalogError(f"{where}: field {name}: expected true or false (got {value!r})")
        try:
            image = Image.model_validate(wire)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise CatalogError(f"{where}: field {first['loc'][0]}: {first['msg']} (got {first['input']!r})") from None
        try:
            self.bodies.append(image.model_dump_json(by_alias=True, exclude_unset=True).encode())  # to_wire()
        except PydanticSerializationError:  # its depth limit (about 250 levels) is lower than the parser's
            raise CatalogError(f"{where}: arrays and objects nested too deep to be served") from None

    def finish(self, others: Mapping[str, Any]) -> Catalog:
        try:
            extras = _Extras.model_validate({k: others[k] for k in ("members", "flavors") if k in others})
        except ValidationError as exc:
            first = exc.errors()[0]
            raise CatalogError(f"{self.source}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
        catalog = Catalog(self.bodies, extras.members, extras.flavors, self.source)
        self.bodies = []
        _trim_memory()
        return catalog


class Catalog:
    """The images served, in creation order, with the index that queries read."""

    def __init__(
        self,
        bodies: list[bytes],
        members: Mapping[str, Mapping[str, MemberState]],
        flavors: Mapping[str, Mapping[str, str]],
        source: str,
    ) -> None:
        """`bodies`: the validated images' answers, in the file's order. Each is read back for the index (its
        typed values as the answer writes them); objects that stay are made after the validation's have gone."""
        self.size = n = len(bodies)
        self.everything = positions.span(0, n)
        shared: dict[str, str] = {}  # one copy of each value, however many images have it
        columns: list[list[str | None]] = [[] for _ in _FIELDS]
        sort_values: list[list[Any]] = [[] for _ in _SORTED]
        ids: list[str] = []
        created: list[int | None] = []
        updated: list[int | None] = []
        rare: list[tuple[int, str, str | None]] = []  # (index, field, value): tags and flags the model does not name
        for index, body in enumerate(bodies):
            wire = json.loads(body)
            ids.append(wire["id"])
            for column, field in zip(columns, _FIELDS, strict=True):
                text = _text(wire.get(field))
                column.append(None if text is None else shared.setdefault(text, text))
            for column, key in zip(sort_values, _SORTED, strict=True):
                column.append(wire.get(key))
            created.append(_time(wire.get("created_at")))
            updated.append(_time(wire.get("updated_at")))
            rare += [(index, "tags", shared.setdefault(tag, tag)) for tag in wire.get("tags") or ()]
            rare += [(index, k, _text(v)) for k, v in wire.items() if k.startswith("__support_") and k not in _FIELDS]
        first: dict[str, int] = {}
        for index, image_id in enumerate(ids):
            if first.setdefault(image_id, index) != index:
                where = f"{source}: image #{index} ({image_id})"
                raise CatalogError(f"{where}: field id: the id is used by an earlier image too")
        del first
        unknown = sorted(set(members) - set(ids))
        if unknown:
            raise CatalogError(f"{source}: members: image {unknown[0]} is not in the catalog")
        # Oldest first, images without a creation time before all; ties by ID: the service's order, ascending.
        order = sorted(range(n), key=lambda i: (created[i] is not None, created[i] or 0, ids[i]))
        place = array("I", bytes(4 * n))
        for p, i in enumerate(order):
            place[i] = p
        self.bodies = list(map(bodies.__getitem__, order))
        ids = list(map(ids.__getitem__, order))
        self._ids = {image_id: p for p, image_id in enumerate(ids)}
        self._index = {
            f: self._postings(list(map(c.__getitem__, order))) for f, c in zip(_FIELDS, columns, strict=True)
        }
        del columns
        found: dict[str, dict[str | None, list[int]]] = {}
        for index, field, value in rare:
            found.setdefault(field, {}).setdefault(value, []).append(place[index])
        for field, postings in found.items():
            self._index[field] = {value: self._posting(sorted(ps)) for value, ps in postings.items()}
        undated = -(2**63)  # before any time: the images without one come first
        self._created = array("q", (undated if (t := created[i]) is None else t for i in order))
        self._undated = created.count(None)
        dated = sorted((t, place[i]) for i, t in enumerate(updated) if t is not None)
        self._updated = array("q", (t for t, _ in dated))
        self._updated_order = array("I", (p for _, p in dated))
        # The first k * _STEP images by update time as bit sets, so that a range costs at most _STEP positions.
        self._updated_before = [0]
        for k in range(_STEP, len(dated) + _STEP, _STEP):
            self._updated_before.append(self._updated_before[-1] | self._updated_among(k - _STEP, k))
        self._orders = {key: self._order([(column[i] is not None, column[i] or 0, ids[p]) for p, i in enumerate(order)])
                        for key, column in zip(_SORTED, sort_values, strict=True)}  # fmt: skip
        self._orders["id"] = self._order(ids)
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

    def _postings(self, column: list[str | None]) -> dict[str | None, int | array[int]]:
        """Each value of a field's column, and where it is."""
        distinct = set(column)
        if len(distinct) > 64:  # IDs, names: one pass groups them
            found: dict[str | None, list[int]] = {}
            for p, value in enumerate(column):
                found.setdefault(value, []).append(p)
            return {value: self._posting(ps) for value, ps in found.items()}
        postings: dict[str | None, int | array[int]] = {}
        for value in distinct:  # few values: a pass per value, in C
            flags = bytes(map(operator.is_ if value is None else operator.eq, column, repeat(value)))
            dense = flags.count(1) >= _DENSE
            postings[value] = positions.from_flags(flags) if dense else array("I", compress(range(self.size), flags))
        return postings

    def _order(self, keys: list[Any]) -> array[int]:
        """The positions in ascending order of `keys`."""
        return array("I", sorted(range(self.size), key=keys.__getitem__))

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
        if field == "id":
            at = self._ids.get(value or "")
            return 0 if at is None else 1 << at
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
        found = 0
        for a, b in spans:
            found |= positions.span(a, b) if order is None else self._updated_among(0, b) & ~self._updated_among(0, a)
        return found

    def _updated_among(self, start: int, stop: int) -> int:
        """The images from the `start`th to the `stop`th by update time (`start` 0 or a multiple of _STEP)."""
        if start == 0 and len(self._updated_before) > stop // _STEP:
            base = stop // _STEP * _STEP
            return self._updated_before[stop // _STEP] | positions.from_positions(
                self._updated_order[base:stop], self.size
            )
        return positions.from_positions(self._updated_order[start:stop], self.size)

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
        everything = self._orders[key]
        order = array("I", compress(everything, map(positions.to_flags(found, self.size).__getitem__, everything)))
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
        except RecursionError:
            raise CatalogError(f"{source}: not valid JSON: {NESTED_TOO_DEEP}") from None
        if others is None:
            raise CatalogError(f'{source}: expected a JSON object with an "images" list')
        return builder.finish(others)

    @classmethod
    def load(cls, path: str | Path) -> Catalog:
        try:
            document = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CatalogError(f"{path}: cannot be read: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise CatalogError(f"{path}: not valid JSON: {exc}") from None
        return cls.from_json(document, str(path))


def _trim_memory() -> None:
    """Give the memory a load used and freed back to the system: glibc keeps freed blocks inside its heap,
    so without this a 100,000-image catalog leaves the process 150 MB larger than what it holds."""
    libc = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(libc), "malloc_trim", None) if libc else None
    if trim is not None:  # glibc only
        trim(0)


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
