"""How the command line shows images: a rich table on a terminal, JSON with wire field names when
piped (so it can be fed to jq), or bare IDs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Literal

from rich.console import Console
from rich.table import Table

from .image import Image

OutputFormat = Literal["table", "json", "ids"]


def output_format(asked: OutputFormat | None, console: Console) -> OutputFormat:
    """What was asked, else a table on a terminal and JSON otherwise."""
    return asked or ("table" if console.is_terminal else "json")


def _size(image: Image) -> str:
    size = int(image.image_size) if image.image_size and image.image_size.isdigit() else image.size
    if not size:
        return ""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.0f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def _table(images: Sequence[Image]) -> Table:
    table = Table(header_style="bold")
    table.add_column("ID", no_wrap=True, style="cyan")  # whole, so it can be copied
    for title in ("Name", "Platform", "OS version", "Created (UTC)", "Size"):
        table.add_column(title, overflow="fold")
    for image in images:
        created = image.created_at.strftime("%Y-%m-%d %H:%M") if image.created_at else ""
        table.add_row(image.id or "", image.name or "", image.platform or "", image.os_version or "", created,
                      _size(image))  # fmt: skip
    return table


def show_images(images: Sequence[Image], fmt: OutputFormat, console: Console) -> None:
    if fmt == "json":
        console.out(json.dumps([image.to_wire() for image in images], indent=2, ensure_ascii=False), highlight=False)
    elif fmt == "ids":
        console.out("\n".join(image.id or "" for image in images), highlight=False)
    else:
        console.print(_table(images))


def show_image(image: Image, fmt: OutputFormat, console: Console) -> None:
    if fmt == "json":
        console.out(json.dumps(image.to_wire(), indent=2, ensure_ascii=False), highlight=False)
    else:
        show_images([image], fmt, console)


def show_groups(groups: Mapping[str, Image], fmt: OutputFormat, console: Console) -> None:
    """The first image of each group, by group (the table's Platform / OS version column names it)."""
    ordered = sorted(groups.items())
    if fmt == "json":
        wire = {group: image.to_wire() for group, image in ordered}
        console.out(json.dumps(wire, indent=2, ensure_ascii=False), highlight=False)
    elif fmt == "ids":
        console.out("\n".join(f"{group}\t{image.id}" for group, image in ordered), highlight=False)
    else:
        console.print(_table([image for _, image in ordered]))
