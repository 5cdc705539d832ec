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
import operator
import re
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from itertools import accumulate, chain, compress, islice
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticSerializationError

from ..errors import CloudImagesError
from ..ims.image import Flag, Image, forget_formatted_times
from . import bits as positions
from .filters import INDEXED_FIELDS, SORT_KEYS, BadParameter, Listing

MemberState = Literal["accepted", "pending", "rejected"]

_ATTRIBUTES = {info.alias or name: name for name, info in Image.model_fields.items()}
# Every field an image's index entry holds: the filtered ones and the `__support_*` flags the model names
# (flags it does not name are indexed from the image's extra fields, as tags are).
# IDs are found through `Catalog._unique["id"]`.
_FIELDS = tuple(
    dict.fromkeys([*(f for f in INDEXED_FIELDS if f != "id"), *(f for f in _ATTRIBUTES if f.startswith("__support_"))])
)
# The flags besides every `__support_*` field: one rule for all, a string or a boolean. The model alone would
# take 1 and 0 for those it types as Flag; `__whole_image` it does not name.
_FLAGS = {info.alias or name for name, info in Image.model_fields.items() if Flag in get_args(info.annotation)}
_FLAGS.add("__whole_image")
_SORTED = tuple(key for key in SORT_KEYS if key not in ("id", "created_at"))
# The values the index reads that differ from image to image in a real catalog (besides the ID and the times): each
# image's own, kept apart. The others are few (owners, platforms, flags, min_disk...) and together make a row.
_PER_IMAGE = ("name", "size")
# The typed values the index reads of an image besides those, a row: mostly those of many other images, so each
# distinct row is kept once. The model's fields come first, then those it does not name (extra fields).
_ROW = tuple(
    sorted(dict.fromkeys(f for f in (*_FIELDS, *_SORTED) if f not in _PER_IMAGE), key=lambda f: f not in _ATTRIBUTES)
)
_NAMED = operator.itemgetter(*(_ATTRIBUTES[f] for f in _ROW if f in _ATTRIBUTES))  # of a model's __dict__
_UNNAMED = tuple(f for f in _ROW if f not in _ATTRIBUTES)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)
_UNDATED = -(2**63)  # before any time: the images without one come first
# A value of at least this many images is kept as a bit set (12 KB for 100,000 images), rarer ones as
# positions, and a value of one image (an ID, most names) in its field's `_Unique` table.
_DENSE = 1024
# Translations of a byte per position, byte i to 1 and the others to 0: the flags of a value's positions, made in C
# (12 values over 100,000 positions: about 1 ms, where comparing each byte in Python takes 30).
_ONLY = [bytes(code == i for code in range(256)) for i in range(64)]
_STEP = 4096
_TRIMMED_FROM = 10_000  # images: a smaller load leaves too little memory behind to be worth giving back
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


def _micros(value: datetime | None) -> int:
    """A time in microseconds since 1970 (`_UNDATED` for none)."""
    return _UNDATED if value is None else (value - _EPOCH) // _MICROSECOND


@lru_cache(maxsize=64)
def _flags_among(fields: tuple[str, ...]) -> tuple[str, ...]:
    """The flags among an image's fields: images mostly carry the same fields, so this is worked out once."""
    return tuple(name for name in fields if name in _FLAGS or name.startswith("__support_"))


class _Builder:
    """Validates images one at a time and keeps only their answers and the typed values the index reads, so that
    a large catalog is never in memory as parsed JSON or as models and served at once (see `Catalog`)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._start()

    def _start(self) -> None:
        self.answers: list[bytes] = []
        self.ids: list[str] = []
        self.names: list[str | None] = []
        self.sizes: list[int | None] = []  # ints of any size, as the model reads them
        self.rows: dict[tuple[Any, ...], int] = {}  # each distinct `_ROW`, numbered
        self.row_of = array("I")  # each image's row number
        self.distinct: list[dict[Any, Any]] = [{} for _ in _ROW]  # each field's values: rows share them
        self.created = array("q")
        self.updated = array("q")
        # (index, field, value): tags and the flags the model does not name, which few images have
        self.rare: list[tuple[int, str, str | None]] = []
        self.texts: dict[str, str] = {}  # one copy of each tag

    def add(self, wire: Any) -> None:
        index = len(self.answers)
        where = f"{self.source}: image #{index}"
        if not isinstance(wire, dict) or not isinstance(wire.get("id"), str) or not wire["id"]:
            raise CatalogError(f"{where}: field id: every image needs a non-empty string id")
        where += f" ({wire['id']})"
        for name in _flags_among(tuple(wire)):
            value = wire[name]
            if not isinstance(value, (str, bool, type(None))):
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
        try:  # model_dump_json(by_alias=True, exclude_unset=True), as bytes: to_wire()
            self.answers.append(image.__pydantic_serializer__.to_json(image, by_alias=True, exclude_unset=True))
        except PydanticSerializationError:  # its depth limit (about 250 levels) is lower than the parser's
            raise CatalogError(f"{where}: arrays and objects nested too deep to be served") from None
        fields, extra = image.__dict__, image.model_extra or {}
        self.ids.append(fields["id"])
        self.names.append(fields["name"])
        self.sizes.append(fields["size"])
        row = (*_NAMED(fields), *map(extra.get, _UNNAMED))
        # A field's values are of the model's one type for it, or strings and booleans for the flags it does not
        # name: no two of them are equal and written differently (as True and 1 would be), so equal rows are alike.
        row_number = self.rows.get(row)
        if row_number is None:
            # A new row holds the first copy of each of its values, shared with the other rows holding it.
            row = tuple(values.setdefault(value, value) for values, value in zip(self.distinct, row, strict=True))
            row_number = self.rows[row] = len(self.rows)
        self.row_of.append(row_number)
        self.created.append(_micros(fields["created_at"]))
        self.updated.append(_micros(fields["updated_at"]))
        if fields["tags"]:
            self.rare += [(index, "tags", self.texts.setdefault(tag, tag)) for tag in fields["tags"]]
        if extra:
            self.rare += [
                (index, k, _text(v)) for k, v in extra.items() if k.startswith("__support_") and k not in _FIELDS
            ]

    def finish(self, others: Mapping[str, Any]) -> Catalog:
        try:
            extras = _Extras.model_validate({k: others[k] for k in ("members", "flavors") if k in others})
        except ValidationError as exc:
            first = exc.errors()[0]
            raise CatalogError(f"{self.source}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
        catalog = Catalog(self, extras.members, extras.flavors)
        self._start()  # what the catalog was made from is freed before the memory is trimmed
        if catalog.size >= _TRIMMED_FROM:
            # The model's cache of formatted times holds the last of the load's times, among memory the load used
            # and freed: emptied, that memory can go back to the system too (11 MB for 100,000 images).
            forget_formatted_times()
            _trim_memory()
        return catalog


class _Unique:
    """A field's values that one image each holds (IDs, most names), sorted, with the image of each: found by
    bisection. A value costs its UTF-8 bytes and 12 more, where a dict of strings to positions takes about 150
    (100,000 IDs: about 8 MB, not 30)."""

    def __init__(self, values: list[str], where: array[int]) -> None:
        """`values` in order (of their UTF-8 bytes too), `where[i]` the position of the image holding `values[i]`."""
        encoded = list(map(str.encode, values))  # none has a lone surrogate: its image's answer was written
        self._values = b"".join(encoded)
        self._bounds = array("Q", accumulate(map(len, encoded), initial=0))
        self._where = where

    @classmethod
    def of(cls, where: Mapping[str, int]) -> _Unique:
        """The table of the values of `where`, each with its position."""
        values = sorted(where)
        return cls(values, array("I", map(where.__getitem__, values)))

    def find(self, value: str) -> int | None:
        """The position of the image holding `value`, if one does."""
        wanted = value.encode(errors="surrogatepass")  # a lone surrogate then matches nothing
        # Bisecting the indexes, each read as its value: the values are slices of one bytes, not a list of their own.
        i = bisect_left(range(len(self._where)), wanted, key=self._value)
        return self._where[i] if i < len(self._where) and self._value(i) == wanted else None

    def _value(self, i: int) -> bytes:
        return self._values[self._bounds[i] : self._bounds[i + 1]]


class Catalog:
    """The images served, in creation order, with the index that queries read."""

    def __init__(
        self,
        built: _Builder,
        members: Mapping[str, Mapping[str, MemberState]],
        flavors: Mapping[str, Mapping[str, str]],
    ) -> None:
        """The catalog of the images `built` kept, in the file's order. Besides the answers, what stays is a few
        objects, most of them large (arrays, bit sets, tables), not one or more per image: a small object made
        among the load's, which are freed, keeps their memory from going back to the system."""
        self.size = n = len(built.answers)
        self.everything = positions.span(0, n)
        ids = built.ids
        known = set(ids)
        if len(known) < n:
            first: dict[str, int] = {}
            for index, image_id in enumerate(ids):
                if first.setdefault(image_id, index) != index:
                    where = f"{built.source}: image #{index} ({image_id})"
                    raise CatalogError(f"{where}: field id: the id is used by an earlier image too")
        unknown = sorted(members.keys() - known)
        if unknown:
            raise CatalogError(f"{built.source}: members: image {unknown[0]} is not in the catalog")
        # Positions: oldest first, images without a creation time before all; ties by ID (the sort is stable): the
        # service's order, ascending.
        by_id = sorted(range(n), key=ids.__getitem__)
        order = sorted(by_id, key=built.created.__getitem__)  # the image at each position
        place = array("I", bytes(4 * n))  # the position of each image
        for p, i in enumerate(order):
            place[i] = p
        self._answers = list(map(built.answers.__getitem__, order))
        self._orders = {"id": array("I", map(place.__getitem__, by_id))}
        # IDs are unique (checked above), and `by_id` has them in order.
        self._unique = {"id": _Unique(list(map(ids.__getitem__, by_id)), self._orders["id"])}
        # The index: each field's value at each position, the values of the rows read through each position's row.
        self._index: dict[str, dict[str | None, int | array[int]]] = {}
        names = list(map(built.names.__getitem__, order))  # a name is a string (or None): its own text
        self._keep("name", names, range(n))
        rows = list(built.rows)  # each distinct row, in the order of its number
        # Each position's row number: a byte each if there are 256 rows at most, which `_keep` translates in C.
        in_order = map(built.row_of.__getitem__, order)
        row_at: Sequence[int] = bytes(in_order) if len(rows) <= 256 else array("I", in_order)
        for i, field in enumerate(_ROW):
            if field in _FIELDS:
                self._keep(field, [_text(row[i]) for row in rows], row_at)
        found: dict[str, dict[str | None, list[int]]] = {}
        for index, field, value in built.rare:
            found.setdefault(field, {}).setdefault(value, []).append(place[index])
        for field, held in found.items():
            self._keep_found(field, {value: sorted(ps) for value, ps in held.items()})
        # The sort orders: of each image's own values (`_PER_IMAGE`), or of its row's.
        per_image: dict[str, list[Any]] = {"name": names, "size": list(map(built.sizes.__getitem__, order))}
        for key in _SORTED:
            if key in per_image:
                values = per_image[key]
            else:
                of_rows = [row[_ROW.index(key)] for row in rows]
                values = list(map(of_rows.__getitem__, row_at))
            self._orders[key] = self._order(values, self._orders["id"])
        # The times.
        self._created = array("q", map(built.created.__getitem__, order))
        self._undated = self._created.count(_UNDATED)
        updated = array("q", map(built.updated.__getitem__, order))
        by_update = sorted(range(n), key=updated.__getitem__)  # ties in creation order, the images without one first
        self._updated_order = array("I", by_update[updated.count(_UNDATED) :])
        self._updated = array("q", map(updated.__getitem__, self._updated_order))
        # The first k * _STEP images by update time as bit sets, so that a range costs at most _STEP positions.
        self._updated_before = [0]
        for k in range(_STEP, len(self._updated) + _STEP, _STEP):
            self._updated_before.append(self._updated_before[-1] | self._updated_among(k - _STEP, k))
        self._members: dict[str, dict[str, array[int]]] = {}
        for image_id, states in members.items():
            at = self._find("id", image_id)
            assert at is not None  # every image named is in the catalog: checked above
            for project, state in states.items():
                self._members.setdefault(project, {}).setdefault(state, array("I")).append(at)
        self._flavors = {flavor: self._runs_on(needs) for flavor, needs in flavors.items()}
        self._results: OrderedDict[tuple[str, int], array[int]] = OrderedDict()
        self._held = 0

    def __len__(self) -> int:
        return self.size

    def _posting(self, found: list[int]) -> int | array[int]:
        return positions.from_positions(found, self.size) if len(found) >= _DENSE else array("I", found)

    def _keep(self, field: str, values: list[str | None], at: Sequence[int]) -> None:
        """Index a field from its value at each position p, `values[at[p]]`: `at` is each position's row number for
        the fields of the rows (bytes if there are 256 rows at most), or `range(size)` for a value per image."""
        distinct = set(values)
        found: dict[str | None, list[int]] = {}
        if len(distinct) > 64:  # names, mostly: the values of one image each apart, the others in one pass
            column = list(map(values.__getitem__, at))
            counts = Counter(column)
            last = {value: p for p, value in enumerate(column)}  # each value's last position: of one image, its own
            once = {value: last[value] for value, c in counts.items() if c == 1 and value is not None}
            several = counts.keys() - once.keys()  # and None, absent, which stays a posting
            for p in compress(range(self.size), map(several.__contains__, column)):
                found.setdefault(column[p], []).append(p)
            self._keep_found(field, found, once)
            return
        # Few values: each position's as a byte, then the positions of each value, in C.
        code = {value: i for i, value in enumerate(distinct)}
        codes = bytes(map(code.__getitem__, values))
        # Row numbers as bytes are translated to their row's code in C: 0.2 ms a field, where mapping each takes 5.
        codes = at.translate(codes.ljust(256, b"\0")) if isinstance(at, bytes) else bytes(map(codes.__getitem__, at))
        dense: dict[str | None, int] = {}
        for value, i in code.items():
            flags = codes.translate(_ONLY[i])
            if flags.count(1) >= _DENSE:
                dense[value] = positions.from_flags(flags)
            else:
                found[value] = list(compress(range(self.size), flags))
        self._keep_found(field, found)
        self._index[field].update(dense)

    def _keep_found(
        self, field: str, found: Mapping[str | None, list[int]], once: dict[str, int] | None = None
    ) -> None:
        """Index a field from the positions (ascending) of each of its values, and the position of each value that
        one image holds (`once`; else those of `found` with one position): these are in the field's `_Unique`
        table, the others (and None, absent) are postings."""
        if once is None:
            once = {value: ps[0] for value, ps in found.items() if value is not None and len(ps) == 1}
        if once:
            self._unique[field] = _Unique.of(once)
        self._index[field] = {value: self._posting(ps) for value, ps in found.items() if value not in once}

    def _find(self, field: str, value: str | None) -> int | None:
        """The position of the one image whose `field` is `value`, if that value is held by one image."""
        unique = self._unique.get(field)
        return None if unique is None or value is None else unique.find(value)

    @staticmethod
    def _order(values: list[Any], by_id: array[int]) -> array[int]:
        """The positions in ascending order of their `values`, those without one first; ties in ID order (`by_id`,
        the positions in that order, is sorted again: the sort is stable)."""
        absent = [p for p in by_id if values[p] is None]
        present = sorted((p for p in by_id if values[p] is not None), key=values.__getitem__)
        return array("I", absent + present)

    def _runs_on(self, needs: Mapping[str, str]) -> int:
        """The images having every field/value a flavor requires: from the index, else from their answers."""
        found = self.everything
        for field, value in needs.items():
            if field in _FIELDS or field.startswith("__support_"):
                found &= self.bits(field, value)
            else:
                found = positions.from_positions(
                    (p for p in positions.ascending(found) if _text(json.loads(self._answers[p]).get(field)) == value),
                    self.size,
                )
        return found

    # What the filters read: sets of positions.

    def bits(self, field: str, value: str | None) -> int:
        """The images whose `field` is `value` (None: absent or null)."""
        posting = self._index.get(field, {}).get(value)
        if posting is None:
            at = self._find(field, value)
            return 0 if at is None else 1 << at
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
        t = _micros(when)
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
            marker = self._find("id", listing.marker)
            if marker is None or not found >> marker & 1:
                raise BadParameter("IMG.0027", f"The image {listing.marker} does not exist.")
        if listing.sort_key == "created_at":  # the catalog's own order: the page is the next set bits
            if marker is not None:  # the positions after the marker's, in the listing's direction
                after = positions.span(0, marker) if listing.descending else found >> (marker + 1) << (marker + 1)
                found &= after
            walk = positions.descending(found) if listing.descending else positions.ascending(found)
            page = islice(walk, listing.limit)
        else:
            order = self._sorted(found, listing.sort_key)
            start = 0
            if marker is not None:
                start = order.index(marker)
                start = len(order) - start if listing.descending else start + 1
            walk = reversed(order) if listing.descending else iter(order)
            page = islice(walk, start, start + listing.limit)
        return list(map(self._answers.__getitem__, page))

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
    so without this a 100,000-image catalog leaves the process about 30 MB larger than what it holds."""
    if not sys.platform.startswith("linux"):  # malloc_trim is glibc's (and CDLL(None) fails on Windows)
        return
    import ctypes  # only for a large load: the command line starts without it

    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # the C library the interpreter runs on (musl has none)
    if trim is not None:
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
