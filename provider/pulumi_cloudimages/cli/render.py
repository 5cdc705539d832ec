"""How the command line shows images: a rich table on a terminal, JSON with wire field names when
piped (so it can be fed to jq), or bare IDs; and the reports of `outdated` and `check` as a table or Markdown, each
cell plain text cut to a length (names and reasons come from other tenants' images and from files)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from rich.console import Console

from .common import out

if TYPE_CHECKING:
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
    from rich.table import Table  # loaded for a table only: JSON, for other programs, needs none of it

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


_CELL = 200  # characters of a cell
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")  # escapes (ANSI colours, cursor moves), line breaks, tabs
# What Markdown or the HTML a pull request renders could read in a cell: escaped, so that a name or a reason from
# another tenant's image shows as text, never as a link, an image, HTML or a broken table.
_MARKDOWN = re.compile(r"([\\`*_\[\]()!|~])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_UNLIMITED = 100_000  # columns to measure a table's natural width in


def plain_cell(text: str) -> str:
    """Text for a cell: control characters stripped, cut to `_CELL` characters."""
    text = _CONTROL.sub(" ", text)
    return text if len(text) <= _CELL else text[: _CELL - 1] + "…"


def markdown_cell(text: str) -> str:
    return "".join(_HTML.get(c, c) for c in _MARKDOWN.sub(r"\\\1", plain_cell(text)))


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[str]], *, empty: str) -> str:
    """A Markdown table (a pull request, `$GITHUB_STEP_SUMMARY`); an `Image ID` column as code."""
    code = columns.index("Image ID") if "Image ID" in columns else -1
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [f"`{cell}`" if n == code else markdown_cell(cell) for n, cell in enumerate(row)]
        lines.append("| " + " | ".join(cells) + " |")
    if not rows:
        lines.append(f"| {empty} |" + " |" * (len(columns) - 1))
    return "\n".join(lines)


def show_report(columns: Sequence[str], rows: Sequence[Sequence[str]], fmt: str, *, empty: str) -> None:
    """A report on stdout as Markdown or a table: folded on a terminal; piped (a CI log), each row on one line."""
    if fmt == "markdown":
        out.file.write(markdown_table(columns, rows, empty=empty) + "\n")
        return
    from rich.measure import Measurement
    from rich.table import Table
    from rich.text import Text

    table = Table(header_style="bold")
    for title in columns:
        table.add_column(title, overflow="fold", no_wrap=title == "Image ID")
    for row in rows:
        table.add_row(*(Text(plain_cell(cell)) for cell in row))  # text as it is: never read as rich markup
    if out.is_terminal:
        out.print(table)
    else:
        width = Measurement.get(out, out.options.update_width(_UNLIMITED), table).maximum
        Console(file=out.file, width=width, color_system=None).print(table)
