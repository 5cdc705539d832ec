"""How the command line shows images: a rich table on a terminal, JSON with wire field names when
piped (so it can be fed to jq), or bare IDs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Literal

from rich.console import Console
from rich.table import Table

from ..ims.image import Image

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
    for title in ("Name", "Platform", "OS version", "Arch", "Status", "Created (UTC)", "Size"):
        table.add_column(title, overflow="fold")
    for image in images:
        created = image.created_at.strftime("%Y-%m-%d %H:%M") if image.created_at else ""
        table.add_row(image.id or "", image.name or "", image.platform or "", image.os_version or "",
                      "arm" if image.support_arm else "x86", image.status or "", created, _size(image))  # fmt: skip
    return table


def _plain(text: str, console: Console) -> None:
    # JSON and IDs go out as they are, for other programs: no wrapping, no tab expansion, no styling.
    console.file.write(text + "\n")


def _json(value: object, console: Console) -> None:
    _plain(json.dumps(value, indent=2, ensure_ascii=False), console)


def show_images(images: Sequence[Image], fmt: OutputFormat, console: Console) -> None:
    if fmt == "json":
        _json([image.to_wire() for image in images], console)
    elif fmt == "ids":
        _plain("\n".join(image.id or "" for image in images), console)
    else:
        console.print(_table(images))


def show_image(image: Image, fmt: OutputFormat, console: Console) -> None:
    if fmt == "json":
        _json(image.to_wire(), console)
    else:
        show_images([image], fmt, console)


def show_groups(groups: Mapping[str, Image], fmt: OutputFormat, console: Console) -> None:
    """The first image of each group, by group (the table's Platform / OS version column names it)."""
    ordered = sorted(groups.items())
    if fmt == "json":
        _json({group: image.to_wire() for group, image in ordered}, console)
    elif fmt == "ids":
        _plain("\n".join(f"{group}\t{image.id}" for group, image in ordered), console)
    else:
        console.print(_table([image for _, image in ordered]))
