"""The options every querying command shares: where to look (`--region`, `--endpoint`, `--project-id`,
`--emulator`, `--debug`: `target_options`) and, for the commands that take filters (`query_options`), the
filters, derived from `ImageQuery`: one option per filter, named after its Python name (`--imagetype`,
`--support-kvm/--no-support-kvm`, `--created-at`), plus `--filter WIRE_NAME=VALUE` for anything else the
service understands (`__support_s4l=true`)."""

from __future__ import annotations

import contextlib
import difflib
import functools
import inspect
import logging
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Optional, get_args, get_origin

import typer

from ..ims.query import FILTER_NAMES, WIRE_NAMES, ImageQuery, inner_type, is_filter_name
from ..ims.settings import ENVIRONMENT, Settings, Vocabulary, environment_hint
from ..naming import LOGGER, option

PANEL = "Filters (GET /v2/cloudimages)"
TARGET_PANEL = "Where to look (credentials come from HW_ACCESS_KEY / HW_SECRET_KEY or HW_AUTH_TOKEN)"


@dataclass(frozen=True)
class Target:
    """Where to look: a region, an endpoint, or the bundled emulator started for the command."""

    region: str | None
    endpoint: str | None
    project_id: str | None
    emulator: bool
    debug: bool

    def settings(self, ctx: typer.Context, fallback: Mapping[str, str | None] | None = None) -> Settings:
        """The settings of these options, else the environment, else `fallback` (a rule book's region and
        endpoint)."""
        if self.debug:
            ctx.with_resource(_log_to_stderr())  # removed when the command ends, however it ends
        endpoint = self.endpoint
        if self.emulator:
            from ..emulator.server import Emulator

            emulator = Emulator().start()
            ctx.call_on_close(lambda: emulator.stop(wait=False))  # the command is done with it: no need to wait
            endpoint = emulator.url
        # The emulator needs no account: credentials and a region in the environment are for the cloud.
        env: dict[str, str] | None = {} if self.emulator else None
        region = self.region
        if fallback and not self.emulator:
            region = region or (None if os.environ.get("HW_REGION_NAME") else fallback.get("region"))
            endpoint = endpoint or fallback.get("endpoint")
        return Settings.resolve(env, words=CLI_WORDS, region=region, endpoint=endpoint, project_id=self.project_id)


# Settings in the words of the command line: the options that set them, else their environment variables.
_OPTIONS = {"region": "--region", "endpoint": "--endpoint", "project_id": "--project-id"}


def _where(key: str) -> str:
    if key == "endpoint":
        return "--endpoint or --emulator"
    if key in _OPTIONS:
        return _OPTIONS[key] + environment_hint(key)
    return ENVIRONMENT[key][0] if key in ENVIRONMENT else key


CLI_WORDS = Vocabulary(name=lambda key: _OPTIONS.get(key) or _where(key), where=_where)


def _target_option(name: str, kind: Any, default: Any, help: str) -> inspect.Parameter:
    flag = option(name)
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=typer.Option(default, flag, help=help, rich_help_panel=TARGET_PANEL, show_default=False),
        annotation=kind,
    )


_TARGET = [
    _target_option("region", Optional[str], None, "Region, e.g. cn-north-4 (default: HW_REGION_NAME)."),  # noqa: UP045
    _target_option("endpoint", Optional[str], None, "IMS endpoint URL instead of the region's."),  # noqa: UP045
    _target_option("project_id", Optional[str], None, "Project ID (default: HW_PROJECT_ID, else discovered)."),  # noqa: UP045
    _target_option("emulator", bool, False, "Start the bundled emulator in-process and query it: no account needed."),
    _target_option(
        "debug",
        bool,
        False,
        "Show each request, its status, retries and waits on stderr, and for signed requests the canonical "
        "request and string-to-sign (never a secret).",
    ),
]


Command = Callable[..., Any]


def target_options(command: Command) -> Command:
    """Give a command the options that say where to look; it receives them as `target: Target`."""
    return _gives(command, "target", _TARGET, lambda values: Target(**values))


@contextlib.contextmanager
def _log_to_stderr() -> Iterator[None]:
    # On the stderr of this command: a test runner closes its stream when the command ends, and a handler left
    # behind would write every later command's records to it ("--- Logging error ---").
    logger = logging.getLogger(LOGGER)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("debug: %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _help(name: str) -> str:
    field = ImageQuery.model_fields[name]
    kind = inner_type(field.annotation)
    allowed = f" One of: {', '.join(get_args(kind))}." if get_origin(kind) is Literal else ""
    return f"{field.description}{allowed}"


def _parameter(name: str) -> inspect.Parameter:
    kind = inner_type(ImageQuery.model_fields[name].annotation)
    flag = f"{option(name)}/--no-{option(name)[2:]}" if kind is bool else option(name)
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=typer.Option(None, flag, help=_help(name), rich_help_panel=PANEL, show_default=False),
        annotation=Optional[kind if kind in (bool, int) else str],  # noqa: UP045 (typer reads these at run time)
    )


# The filters most lookups use come first in --help; the rest follow in the API's order.
COMMON_FILTERS = ("imagetype", "platform", "architecture", "os_type", "os_bit", "status", "name", "tag")
_FILTER_ORDER = [*COMMON_FILTERS, *(name for name in ImageQuery.model_fields if name not in COMMON_FILTERS)]


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


_FILTERS = [*map(_parameter, _FILTER_ORDER), _EXTRA]
_ANY_FILTER_NAME = sorted({*FILTER_NAMES, *WIRE_NAMES.values()})  # what --filter may name, for a did-you-mean


def query_options(command: Command) -> Command:
    """Give a command the target and filter options; it receives `target: Target` and `filters` (the
    filters given, for `ImageQuery`)."""
    return _gives(target_options(command), "filters", _FILTERS, _filters)


def _filters(values: dict[str, Any]) -> dict[str, Any]:
    """The filters given: options by their Python names, --filter by the wire names it names."""
    given = {name: value for name, value in values.items() if name != _EXTRA.name and value is not None}
    for item in values[_EXTRA.name] or []:
        wire, sep, value = item.partition("=")
        if not sep or not wire:
            raise typer.BadParameter(f"{item!r}: expected WIRE_NAME=VALUE", param_hint="--filter")
        if not is_filter_name(wire):
            close = difflib.get_close_matches(wire, _ANY_FILTER_NAME, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else " (see --help, and docs/filters.md)"
            raise typer.BadParameter(f"{item}: unknown filter {wire!r}{hint}", param_hint="--filter")
        given[wire] = value
    return given


def _gives(
    command: Command, name: str, options: list[inspect.Parameter], make: Callable[[dict[str, Any]], Any]
) -> Command:
    """`command` with `options` in place of its parameter `name`, which receives `make(their values)`; typer
    reads the options from the signature, where they follow the command's own."""
    own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != name]

    @functools.wraps(command)
    def run(**given: Any) -> Any:
        return command(**{name: make({p.name: given.pop(p.name) for p in options})}, **given)

    parameters = [*own, *options]
    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters}  # real types, for typer's get_type_hints
    return run
