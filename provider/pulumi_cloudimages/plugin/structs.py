"""Plain values (None, bool, int, float, str, lists and string-keyed maps of them) as the bytes of a
protobuf `Struct` (google/protobuf/struct.proto), written directly rather than through `Struct.update`.

`Struct.update` sets value after value through Python (protobuf's well_known_types.py), some 0.5 us each, and
a listing of 100 images is 7,000 of them. Here the bytes are written directly and parsed once, in C
(`MergeFromString`); and as the images of one listing share most of their values (`"status": "active"`, the
nulls, the flags, the owner), a map entry of a key and a scalar is encoded once per message and then reused.
A list of Structs that share their keys (a listing's images) can be given as `Rows`: written column by column,
each column's values looked up in C among those already encoded (lists and maps by their `repr`), it costs a
Python call per distinct value (and a `repr` per list or map), and the rows are joined in one step.
The Struct that results is the one `Struct.update` builds from the same values (tests/plugin/test_wire.py)."""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from functools import partial
from itertools import chain
from typing import Any

from ..choice.outputs import Rows

_double = struct.Struct("<d").pack
_ONE_BYTE = [bytes([n]) for n in range(128)]
# Entries (key, type, value) looked up once encoded: the hashable scalars whose equal values encode alike
# (not float: -0.0 == 0.0; the type keeps True apart from 1).
_REMEMBERED = frozenset({str, int, bool, type(None)})
# Wire tags: Struct.fields (1) and ListValue.values (1) are length-delimited; a map entry's key (1) and value (2);
# Value's null_value (1, varint), number_value (2, 64-bit), string_value (3), bool_value (4, varint),
# struct_value (5) and list_value (6).
_FIELD = b"\x0a"
_ENTRY_VALUE = b"\x12"
_NULL = b"\x08\x00"
_TRUE, _FALSE = b"\x20\x01", b"\x20\x00"
_NUMBER, _STRING, _STRUCT, _LIST = b"\x11", b"\x1a", b"\x2a", b"\x32"


def struct_bytes(values: Mapping[str, Any]) -> bytes:
    """The serialised `Struct` of `values`, as `Struct.update(values)` would build it."""
    return _Encoder().fields(values)


def message_field(number: int, message: bytes) -> bytes:
    """A message whose field `number` holds the message serialised as `message` (and no other field)."""
    return _delimited(_varint(number << 3 | 2), message)


def _varint(number: int) -> bytes:
    if number < 128:
        return _ONE_BYTE[number]
    out = bytearray()
    while number >= 128:
        out.append((number & 0x7F) | 0x80)
        number >>= 7
    out.append(number)
    return bytes(out)


_KEYS: dict[str, bytes] = {}  # a map entry's key, and the tag of the value after it, by key


def _key(key: str) -> bytes:
    encoded = _delimited(_FIELD, key.encode()) + _ENTRY_VALUE
    if len(_KEYS) < 10_000:  # the schema's names, and the keys of the images' unmodelled fields
        _KEYS[key] = encoded
    return encoded


def _text_entry(head: bytes, value: str) -> bytes:
    """A map entry of a string (`head`: its key's, from `_key`), in one join."""
    text = value.encode()
    size = len(text)
    if size < 124 - len(head):  # most: every length is one byte
        return b"".join(
            (_FIELD, _ONE_BYTE[len(head) + size + 3], head, _ONE_BYTE[size + 2], _STRING, _ONE_BYTE[size], text)
        )
    value_size = 1 + len(_varint(size)) + size
    body_size = len(head) + len(_varint(value_size)) + value_size
    return b"".join((_FIELD, _varint(body_size), head, _varint(value_size), _STRING, _varint(size), text))


def _delimited(tag: bytes, body: bytes) -> bytes:
    return tag + _varint(len(body)) + body


class _Remembered(dict[Any, bytes]):
    """A column's map entries by value, each written the first time it is asked for."""

    def __init__(self, write: Callable[[Any], bytes]) -> None:
        super().__init__()
        self.write = write

    def __missing__(self, value: Any) -> bytes:
        entry = self[value] = self.write(value)
        return entry


class _Encoder:
    """Writes one message: remembers the entries of scalars it has written, by key, type and value."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, type, Any], bytes] = {}

    def fields(self, values: Mapping[str, Any]) -> bytes:
        """A Struct's fields, each a map entry."""
        entries = self.entries
        parts = []
        for key, value in values.items():
            kind = type(value)
            if kind in _REMEMBERED:
                seen = (key, kind, value)
                entry = entries.get(seen)
                if entry is None:
                    entry = entries[seen] = self.entry(key, value)
                parts.append(entry)
            else:
                parts.append(self.entry(key, value))
        return b"".join(parts)

    def entry(self, key: str, value: Any) -> bytes:
        head = _KEYS.get(key) or _key(key)
        encoded = self.value(value)
        body = head + _varint(len(encoded)) + encoded
        return _FIELD + _varint(len(body)) + body

    def value(self, value: Any) -> bytes:
        """A Value: the same kinds, in the same order of checks, as protobuf's `_SetStructValue`."""
        if type(value) is str:  # most of them
            text = value.encode()
            return _STRING + _varint(len(text)) + text
        if value is None:
            return _NULL
        if isinstance(value, bool):  # before the numbers: a bool is an int
            return _TRUE if value else _FALSE
        if isinstance(value, str):
            return _delimited(_STRING, value.encode())
        if isinstance(value, (int, float)):
            return _NUMBER + _double(value)
        if isinstance(value, dict):
            return _delimited(_STRUCT, self.fields(value))
        if isinstance(value, (list, tuple)):
            return _delimited(_LIST, b"".join([_delimited(_FIELD, self.value(item)) for item in value]))
        if isinstance(value, Rows):
            return _delimited(_LIST, self.rows(value))
        raise ValueError(f"a Struct cannot hold a {type(value).__name__}")

    def rows(self, table: Rows) -> bytes:
        """A ListValue's items, one Struct per row: written column by column, then each row's entries after its
        item's head, all joined at once (no Python step per entry)."""
        if not table.keys:  # rows of empty Structs
            return _item_head(0) * len(table.rows)
        if not table.rows:
            return b""
        columns = zip(table.keys, zip(*table.rows, strict=True), strict=True)
        entries = [self.column(key, values, table.plain) for key, values in columns]
        heads = map(_item_head, map(sum, zip(*[map(len, column) for column in entries], strict=True)))
        return b"".join(chain.from_iterable(zip(heads, *entries, strict=True)))

    def column(self, key: str, values: tuple[Any, ...], plain: Callable[[Any], Any]) -> list[bytes]:
        """The map entries of one key in every row, each distinct value encoded once. A column's values are told
        apart by value when of one hashable kind (and None), by `repr` when all lists or all maps (exact for plain
        values but NaN: `[1]`, `[True]` and `[1.0]` differ); never across kinds (True == 1), nor floats
        (-0.0 == 0.0) or tuples (which may hold lists)."""
        kinds = set(map(type, values)) - {type(None)}
        kind = next(iter(kinds)) if len(kinds) == 1 else type(None)
        if len(kinds) > 1 or issubclass(kind, (float, tuple)) or (kind.__hash__ is None and kind not in (list, dict)):
            return [self.entry(key, plain(value)) for value in values]
        head = _KEYS.get(key) or _key(key)
        reprs = [repr(value) for value in values] if kind in (list, dict) else []
        if any("nan" in text for text in reprs):  # every NaN shows as `nan`, whatever its sign and payload
            return [self.entry(key, plain(value)) for value in values]
        if reprs:
            value_of = dict(zip(reprs, values, strict=True))
            by_repr = _Remembered(lambda text: self.entry(key, plain(value_of[text])))
            return list(map(by_repr.__getitem__, reprs))
        # Most columns are texts, plain already: each entry in one join.
        write = partial(_text_entry, head) if kind is str else partial(self.plain_entry, key, head, plain)
        remembered = _Remembered(write)
        remembered[None] = _null_entry(head)
        return list(map(remembered.__getitem__, values))

    def plain_entry(self, key: str, head: bytes, plain: Callable[[Any], Any], value: Any) -> bytes:
        """The map entry of `key` (`head`: its key's) for `value` made plain; a text in one join."""
        made = plain(value)
        return _text_entry(head, made) if type(made) is str else self.entry(key, made)


def _item_head(size: int) -> bytes:
    """The head of a ListValue's item that is a Struct of `size` bytes: the item (a Value), its struct_value."""
    struct_size = _varint(size)
    return _FIELD + _varint(1 + len(struct_size) + size) + _STRUCT + struct_size


def _null_entry(head: bytes) -> bytes:
    """A map entry of null (`head`: its key's, from `_key`)."""
    return _FIELD + _varint(len(head) + 1 + len(_NULL)) + head + _ONE_BYTE[len(_NULL)] + _NULL
