"""The filter options of the command line, derived from `ImageQuery`: one option per filter, named
after its Python name (`--imagetype`, `--support-kvm/--no-support-kvm`, `--created-at`), plus
`--filter WIRE_NAME=VALUE` for anything else the service understands (e.g. `__support_s4l=true`)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Literal, Optional, get_args, get_origin

import typer

from .naming import option
from .query import ImageQuery
from .schema import inner_type

PANEL = "Filters (GET /v2/cloudimages)"


def _help(name: str) -> str:
    field = ImageQuery.model_fields[name]
    kind = inner_type(field.annotation)
    allowed = f" One of: {', '.join(get_args(kind))}." if get_origin(kind) is Literal else ""
    return f"{field.description}{allowed}"


def _parameter(name: str) -> inspect.Parameter:
    is_flag = inner_type(ImageQuery.model_fields[name].annotation) is bool
    flag = f"{option(name)}/--no-{option(name)[2:]}" if is_flag else option(name)
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=typer.Option(None, flag, help=_help(name), rich_help_panel=PANEL, show_default=False),
        annotation=Optional[bool] if is_flag else Optional[str],  # noqa: UP045 (typer reads these at run time)
    )


_EXTRA = inspect.Parameter(
    "extra_filters",
    inspect.Parameter.KEYWORD_ONLY,
    default=typer.Option(
        None,
        "--filter",
        metavar="WIRE_NAME=VALUE",
        rich_help_panel=PANEL,
        help="Any other filter by its wire name, e.g. --filter __support_s4l=true (repeatable).",
    ),
    annotation=Optional[list[str]],  # noqa: UP045
)


def with_filters(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command every filter option; it receives those given as `filters` (for `ImageQuery`)."""
    own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != "filters"]

    @functools.wraps(command)
    def run(**options: Any) -> Any:
        given = {name: options.pop(name) for name in ImageQuery.model_fields if options.get(name) is not None}
        for name in ImageQuery.model_fields:
            options.pop(name, None)
        for item in options.pop("extra_filters") or []:
            wire, sep, value = item.partition("=")
            if not sep or not wire:
                raise typer.BadParameter(f"{item!r}: expected WIRE_NAME=VALUE", param_hint="--filter")
            given[wire] = value
        return command(filters=given, **options)

    parameters = [*own, *map(_parameter, ImageQuery.model_fields), _EXTRA]
    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters}  # real types, for typer's get_type_hints
    return run
