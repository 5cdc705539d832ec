"""The emulator's catalog: the images it serves, who they are shared with, and what flavors need.

The file is JSON in the response's own shape, `{"images": [...]}`, plus two optional keys that no
response shows: `members` (image ID -> project ID -> accepted|pending|rejected) and `flavors`
(flavor ID -> wire field -> value an image must have to run on it). A bad file is refused whole,
with a message naming the file, the image and the field.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from ..image import Image
from .filters import MATCHED_FIELDS

MemberState = Literal["accepted", "pending", "rejected"]


class CatalogError(Exception):
    """The catalog file cannot be served; the message says where and why."""


class _Extras(BaseModel):
    members: dict[str, dict[str, MemberState]] = {}
    flavors: dict[str, dict[str, str]] = {}


class StoredImage:
    """One image as served: its serialized wire form, and the fields and times that filters and sorting read."""

    __slots__ = ("body", "created", "fields", "id", "updated")

    def __init__(self, wire: dict[str, Any], image: Image, matched: frozenset[str]) -> None:
        self.id: str = wire["id"]
        self.body = json.dumps(wire, separators=(",", ":"), ensure_ascii=False).encode()
        self.fields = {k: _interned(v) for k, v in wire.items() if k in matched or k.startswith("__support_")}
        self.created: datetime | None = image.created_at
        self.updated: datetime | None = image.updated_at


@dataclass
class Catalog:
    images: list[StoredImage]
    members: dict[str, dict[str, MemberState]] = field(default_factory=dict)
    flavors: dict[str, dict[str, str]] = field(default_factory=dict)
    _visible: dict[str | None, list[StoredImage]] = field(default_factory=dict, repr=False)

    def visible_to(self, project: str | None) -> list[StoredImage]:
        """Public images, the project's own, and those shared with it; never unregistered ones."""
        if project not in self._visible:
            self._visible[project] = self._find_visible(project)
        return self._visible[project]

    def _find_visible(self, project: str | None) -> list[StoredImage]:
        return [
            image
            for image in self.images
            if image.fields.get("__isregistered") != "false"
            and (
                image.fields.get("visibility") == "public"
                or (project is not None and image.fields.get("owner") == project)
                or self.membership(image.id, project) is not None
            )
        ]

    def membership(self, image_id: str, project: str | None) -> MemberState | None:
        return self.members.get(image_id, {}).get(project or "")

    @classmethod
    def from_data(cls, data: Any, source: str) -> Catalog:
        """A catalog from parsed JSON. `data["images"]` is consumed (emptied as it is read), so that a
        large catalog is never in memory twice: once as parsed JSON and once as served."""
        if not isinstance(data, Mapping) or not isinstance(data.get("images"), list):
            raise CatalogError(f'{source}: expected a JSON object with an "images" list')
        try:
            extras = _Extras.model_validate({k: data[k] for k in ("members", "flavors") if k in data})
        except ValidationError as exc:
            first = exc.errors()[0]
            raise CatalogError(f"{source}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
        matched = MATCHED_FIELDS | {name for flavor in extras.flavors.values() for name in flavor}
        images: list[StoredImage] = []
        seen: set[str] = set()
        raw: list[Any] = data["images"]
        for index in range(len(raw)):
            wire, raw[index] = raw[index], None
            where = f"{source}: image #{index}"
            if not isinstance(wire, dict) or not isinstance(wire.get("id"), str) or not wire["id"]:
                raise CatalogError(f"{where}: field id: every image needs a non-empty string id")
            where += f" ({wire['id']})"
            if wire["id"] in seen:
                raise CatalogError(f"{where}: field id: the id is used by an earlier image too")
            seen.add(wire["id"])
            try:
                image = Image.model_validate(wire)
            except ValidationError as exc:
                first = exc.errors()[0]
                raise CatalogError(
                    f"{where}: field {first['loc'][0]}: {first['msg']} (got {first['input']!r})"
                ) from None
            images.append(StoredImage(wire, image, matched))
        raw.clear()
        unknown = sorted(set(extras.members) - seen)
        if unknown:
            raise CatalogError(f"{source}: members: image {unknown[0]} is not in the catalog")
        return cls(images, extras.members, extras.flavors)

    @classmethod
    def load(cls, path: str | Path) -> Catalog:
        try:
            data = json.loads(Path(path).read_bytes())
        except OSError as exc:
            raise CatalogError(f"{path}: cannot be read: {exc.strerror}") from None
        except ValueError as exc:
            raise CatalogError(f"{path}: not valid JSON: {exc}") from None
        return cls.from_data(data, str(path))


def _interned(value: Any) -> Any:
    # Large catalogs repeat the same short values ("true", "active", "Ubuntu") on every image: one copy
    # each keeps a 100,000-image catalog inside its memory target. Long values (IDs, names) are unique.
    return sys.intern(value) if isinstance(value, str) and len(value) <= 16 else value
