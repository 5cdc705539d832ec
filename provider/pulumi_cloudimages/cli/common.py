"""What the commands of the command line share: the consoles, the exit codes, how a failure or a note is told
on stderr (one line, in the command line's words), the command group that tells a bad option value the same
way, `one_of` for options that take one of a few words, and the guard options of `get`, `latest` and
`outdated`."""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal, get_args

import typer
from rich.console import Console
from typer.core import TyperGroup

from ..errors import CloudImagesError, ConfigurationError, InvalidQueryError, SelectionError, shown
from ..naming import option, rephrase
from .options import cli_words

EXIT_NO_MATCH, EXIT_BAD_INPUT, EXIT_SERVICE = 1, 2, 3

out = Console(soft_wrap=True)
err = Console(stderr=True)


class Commands(TyperGroup):
    """The command group. An option's value that click or an option's parser refuses (`--min-ram abc`, an unknown
    `--filter`, `-o yaml`) is told as every other bad input: one line naming the option and the value, exit 2, not
    click's usage banner. Other usage errors (no command, an unknown command or option) keep the banner, which
    lists what there is."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta[_ARGS] = list(args)  # the command line as typed, where a refused value is found again
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)  # parses the command's options, then runs it
        except typer.BadParameter as exc:
            tell(f"error: {' '.join(_bad_value(exc, ctx.meta.get(_ARGS, [])).split())}")
            raise typer.Exit(EXIT_BAD_INPUT) from None


_ARGS = "cloudimages.args"


def _bad_value(exc: typer.BadParameter, args: list[str]) -> str:
    """`--min-ram='abc': input should be a valid integer`: the option by the long name typed (`--format` or
    `--output`; its first long name for a short one) and the value given (unless the message starts with it),
    then what is wrong."""
    names: list[str] = list(getattr(exc.param, "opts", ()))
    typed, given = _given(args, names)
    hint = exc.param_hint if isinstance(exc.param_hint, str) else next((n for n in names if n.startswith("--")), None)
    if hint is not None and typed is not None and typed.startswith("--"):
        hint = typed
    if not exc.message or hint is None:  # a missing value (or an argument): click's sentence names it
        return exc.format_message()
    message = exc.message[:1].lower() + exc.message[1:]  # "Input should be...", from typer's own types
    if given is None or exc.message.startswith((given, repr(given))):  # the parsers of one_of and --filter
        return f"{hint}: {message}"
    return f"{hint}={shown(given)}: {message}"


def _given(args: list[str], names: list[str]) -> tuple[str | None, str | None]:
    """The name and value of the option called `names` as last given in `args` (`--min-ram abc` or
    `--min-ram=abc`)."""
    typed, given = None, None
    for at, arg in enumerate(args):
        name, equals, value = arg.partition("=")
        if name in names:
            typed, given = name, value if equals else next(iter(args[at + 1 : at + 2]), None)
    return typed, given


def one_of(literal: Any) -> Any:
    """Parse an option to one of a Literal's words, with a plain message for any other value."""
    allowed = get_args(literal)

    def parse(value: str) -> str:
        if value not in allowed:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(map(repr, allowed))}")
        return value

    return parse


MinAgeOption = Annotated[
    str | None,
    typer.Option(metavar="<7d|36h|90m>", help="Soak time: only images created at least this long ago (UTC)."),
]
ExcludeIdOption = Annotated[
    list[str] | None, typer.Option("--exclude-id", metavar="<id>", help="Never choose this image (repeatable).")
]


def words(literal: Any) -> str:
    """The metavar of an option that takes one of a Literal's words: `[table|json|ids]`."""
    return f"[{'|'.join(get_args(literal))}]"


ReportFormat = Literal["table", "json", "markdown"]
ReportOutputOption = Annotated[
    ReportFormat | None,
    typer.Option(
        "--output",
        "--format",
        "-o",
        parser=one_of(ReportFormat),
        metavar=words(ReportFormat),
        help="table, json or markdown (for a pull request or a CI summary); default: table on a terminal, else json.",
    ),
]
ExcludeFileOption = Annotated[
    str | None,
    typer.Option(metavar="<file>", help="Never choose the image IDs in this file: one a line, '# reason' after."),
]


def tell(line: str) -> None:
    """A line on stderr as it is (no markup, no highlighting), so that stdout stays the output."""
    err.print(line, highlight=False, markup=False, soft_wrap=True)


def fail(exc: Exception) -> typer.Exit:
    """One line on stderr, in the words of the command line, and the exit code of the kind of failure."""
    if isinstance(exc, SelectionError):
        code = EXIT_NO_MATCH
    elif isinstance(exc, (InvalidQueryError, ConfigurationError, ValueError)):  # a CatalogError is a ValueError
        code = EXIT_BAD_INPUT
    else:
        code = EXIT_SERVICE
    message = exc.in_words(cli_words().where) if isinstance(exc, CloudImagesError) else str(exc)
    if isinstance(exc, (InvalidQueryError, SelectionError)):  # settings' messages are phrased for us already
        message = in_options(message)
    tell(f"error: {' '.join(message.split())}")
    return typer.Exit(code)


# The options that set names that messages use, where they are not the names' own (`option(name)`).
_OPTION_WORDS = {"group_by": "--by", "exclude_ids": "--exclude-id"}


@functools.cache
def _option_names() -> tuple[str, ...]:
    """The names that messages use: of filters and selection, and of settings."""
    from ..choice.selection import Selection
    from ..ims.query import FILTER_NAMES

    return (*FILTER_NAMES, *Selection.model_fields, "region", "endpoint", "project_id")


def in_options(message: str) -> str:
    """A message of the lookup with the Python names of filters and selection as the options that set them."""
    return rephrase(message, _option_names(), lambda name: _OPTION_WORDS.get(name) or option(name))
