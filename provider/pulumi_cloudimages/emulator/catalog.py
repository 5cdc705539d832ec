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

MemberState = Literal["accepted", "pending", "rejected"]


class CatalogError(Exception):
    """The catalog file cannot be served; the message says where and why."""


class _Extras(BaseModel):
    members: dict[str, dict[str, MemberState]] = {}
    flavors: dict[str, dict[str, str]] = {}


class StoredImage:
    """One image as served: its wire form, its serialized bytes, and the values sorting needs."""

    __slots__ = ("body", "created", "id", "updated", "wire")

    def __init__(self, wire: dict[str, Any], image: Image) -> None:
        self.wire = wire
        self.id: str = wire["id"]
        self.created: datetime | None = image.created_at
        self.updated: datetime | None = image.updated_at
        self.body = json.dumps(wire, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass
class Catalog:
    images: list[StoredImage]
    members: dict[str, dict[str, MemberState]] = field(default_factory=dict)
    flavors: dict[str, dict[str, str]] = field(default_factory=dict)

    def visible_to(self, project: str | None) -> list[StoredImage]:
        """Public images, the project's own, and those shared with it; never unregistered ones."""
        return [
            image
            for image in self.images
            if image.wire.get("__isregistered") != "false"
            and (
                image.wire.get("visibility") == "public"
                or (project is not None and image.wire.get("owner") == project)
                or self.membership(image.id, project) is not None
            )
        ]

    def membership(self, image_id: str, project: str | None) -> MemberState | None:
        return self.members.get(image_id, {}).get(project or "")

    @classmethod
    def from_data(cls, data: Any, source: str) -> Catalog:
        if not isinstance(data, Mapping) or not isinstance(data.get("images"), list):
            raise CatalogError(f'{source}: expected a JSON object with an "images" list')
        images: list[StoredImage] = []
        seen: set[str] = set()
        for index, wire in enumerate(data["images"]):
            where = f"{source}: image #{index}"
            if not isinstance(wire, dict) or not isinstance(wire.get("id"), str) or not wire["id"]:
                raise CatalogError(f"{where}: field id: every image needs a non-empty string id")
            where += f" ({wire['id']})"
            if wire["id"] in seen:
                raise CatalogError(f"{where}: field id: the id is used by an earlier image too")
            seen.add(wire["id"])
            try:
                image = Image.model_validate(_interned(wire))
            except ValidationError as exc:
                first = exc.errors()[0]
                raise CatalogError(
                    f"{where}: field {first['loc'][0]}: {first['msg']} (got {first['input']!r})"
                ) from None
            images.append(StoredImage(wire, image))
        try:
            extras = _Extras.model_validate({k: data[k] for k in ("members", "flavors") if k in data})
        except ValidationError as exc:
            first = exc.errors()[0]
            raise CatalogError(f"{source}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
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


def _interned(wire: dict[str, Any]) -> dict[str, Any]:
    # Large catalogs repeat the same short values ("true", "active", "Ubuntu") on every image; interning
    # them in place keeps a 100,000-image catalog well inside the memory target.
    for key, value in wire.items():
        if isinstance(value, str) and len(value) <= 40:
            wire[key] = sys.intern(value)
    return wire
