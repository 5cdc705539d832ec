"""The options every querying command shares: where to look (`--region`, `--endpoint`, `--project-id`,
`--emulator`, `--debug`: `target_options`) and, for the commands that take filters (`query_options`), the
filters of `ImageQuery` as `_facts.py` lists them: one option per filter, named after its Python name
(`--imagetype`, `--support-kvm/--no-support-kvm`, `--created-at`), plus `--filter WIRE_NAME=VALUE` for anything
else the service understands (`__support_s4l=true`)."""

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
from typing import TYPE_CHECKING, Any, Optional

import typer

from ..naming import LOGGER, option
from ._facts import FILTERS

if TYPE_CHECKING:
    from ..ims.client import ImsClient
    from ..ims.settings import Settings, Vocabulary

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
        endpoint). With --emulator, the bundled emulator serves on a local port until the command ends."""
        if not self.emulator:
            return self._settings(ctx, self.endpoint, fallback)
        from ..emulator.server import Emulator  # the emulator loads only for the commands that start it

        emulator = Emulator().start()
        ctx.call_on_close(lambda: emulator.stop(wait=False))  # the command is done with it: no need to wait
        return self._settings(ctx, emulator.url)

    def client(self, ctx: typer.Context) -> ImsClient:
        """A client of these options, closed when the command ends. With --emulator, the bundled emulator
        answers it in-process: a web server would take longer to load and start than the command takes."""
        from ..ims.client import ImsClient

        if not self.emulator:
            return ctx.with_resource(ImsClient(settings=self.settings(ctx)))
        from ..emulator.in_process import URL, EmulatorTransport

        return ctx.with_resource(ImsClient(settings=self._settings(ctx, URL), transport=EmulatorTransport()))

    def _settings(
        self, ctx: typer.Context, endpoint: str | None, fallback: Mapping[str, str | None] | None = None
    ) -> Settings:
        from ..ims.settings import Settings  # the core loads when a command runs: --help needs none of it

        if self.debug:
            ctx.with_resource(_log_to_stderr())  # removed when the command ends, however it ends
        # The emulator needs no account: credentials and a region in the environment are for the cloud.
        env: dict[str, str] | None = {} if self.emulator else None
        region = self.region
        if fallback:
            region = region or (None if os.environ.get("HW_REGION_NAME") else fallback.get("region"))
            endpoint = endpoint or fallback.get("endpoint")
        return Settings.resolve(env, words=cli_words(), region=region, endpoint=endpoint, project_id=self.project_id)


# Settings in the words of the command line: the options that set them, else their environment variables.
_OPTIONS = {"region": "--region", "endpoint": "--endpoint", "project_id": "--project-id"}


@functools.cache
def cli_words() -> Vocabulary:
    from ..ims.settings import ENVIRONMENT, Vocabulary, environment_hint

    def where(key: str) -> str:
        if key == "endpoint":
            return "--endpoint or --emulator"
        if key in _OPTIONS:
            return _OPTIONS[key] + environment_hint(key)
        return ENVIRONMENT[key][0] if key in ENVIRONMENT else key

    return Vocabulary(name=lambda key: _OPTIONS.get(key) or where(key), where=where)


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


def _parameter(name: str, kind: type, help: str) -> inspect.Parameter:
    flag = f"{option(name)}/--no-{option(name)[2:]}" if kind is bool else option(name)
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=typer.Option(None, flag, help=help, rich_help_panel=PANEL, show_default=False),
        annotation=Optional[kind],  # noqa: UP045 (typer reads these at run time)
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


_FILTERS = [*(_parameter(*facts) for facts in FILTERS), _EXTRA]


def query_options(command: Command) -> Command:
    """Give a command the target and filter options; it receives `target: Target` and `filters` (the
    filters given, for `ImageQuery`)."""
    return _gives(target_options(command), "filters", _FILTERS, _filters)


def _filters(values: dict[str, Any]) -> dict[str, Any]:
    """The filters given: options by their Python names, --filter by the wire names it names."""
    from ..ims.query import FILTER_NAMES, WIRE_NAMES, is_filter_name

    given = {name: value for name, value in values.items() if name != _EXTRA.name and value is not None}
    for item in values[_EXTRA.name] or []:
        wire, sep, value = item.partition("=")
        if not sep or not wire:
            raise typer.BadParameter(f"{item!r}: expected WIRE_NAME=VALUE", param_hint="--filter")
        if not is_filter_name(wire):
            close = difflib.get_close_matches(wire, sorted({*FILTER_NAMES, *WIRE_NAMES.values()}), n=1)
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
