"""The `cloudimages` command line: explore images with the filters of `GET /v2/cloudimages`, choose
one with the selection of `get_images`, and run the local emulator.

Exit codes: 0 ok; 1 no match or ambiguous; 2 bad input; 3 API, authentication or network error.

The commands load the core (its models, the client) when they run, so that `--help` and a mistyped option answer
at once; what they show of it before is in `_facts.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import CloudImagesError, InvalidQueryError
from ._facts import GroupBy, OrderBy
from .check import check
from .common import (
    Commands,
    ExcludeFileOption,
    ExcludeIdOption,
    MinAgeOption,
    err,
    fail,
    in_options,
    one_of,
    out,
    tell,
    words,
)
from .options import Target, query_options
from .outdated import outdated
from .render import OutputFormat, output_format, show_groups, show_image, show_images

if TYPE_CHECKING:
    from rich.progress import Progress

    from ..choice.selection import Choice
    from ..ims.image import Image

app = typer.Typer(
    name="cloudimages",
    help="Find Huawei Cloud machine images with the filters of GET /v2/cloudimages, and run a local emulator.\n\n"
    "Examples, against the bundled emulator (for the cloud: --region cn-north-4, and HW_ACCESS_KEY and "
    "HW_SECRET_KEY in the environment):\n\n"
    "\b\n"  # click keeps this paragraph's lines as they are: each example stays on one line
    "  cloudimages latest --by platform --imagetype gold --emulator\n"
    "  cloudimages list --imagetype gold --platform Ubuntu --support-kvm --emulator\n"
    "  cloudimages get --imagetype gold --platform Ubuntu --name-regex '^Ubuntu 22\\.04' --most-recent --emulator",
    cls=Commands,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

OutputOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "--output",
        "--format",
        "-o",
        parser=one_of(OutputFormat),
        metavar=words(OutputFormat),
        help="table, json (wire field names) or ids; default: table on a terminal, else json.",
    ),
]
NameRegexOption = Annotated[
    str | None,
    typer.Option(help="Keep only images whose name matches this regular expression (RE2 syntax, as Terraform's)."),
]
OrderByOption = Annotated[
    OrderBy,
    typer.Option(
        parser=one_of(OrderBy),
        metavar=words(OrderBy),
        help="created: newest first; version: highest OS version first.",
    ),
]


@app.callback()
def _commands() -> None:
    """Find Huawei Cloud machine images, and run a local emulator of the image service."""


@app.command("list")
@query_options
def list_images(
    ctx: typer.Context,
    target: Target,
    filters: dict[str, Any],
    name_regex: NameRegexOption = None,
    output: OutputOption = None,
    max_results: Annotated[
        int | None, typer.Option(min=1, metavar="<int>", help="Stop after this many images (1 or more).")
    ] = None,
) -> None:
    """List the images that match the filters, in the service's order (newest first unless --sort-key).

    Example:

    \b
      cloudimages list --emulator --imagetype gold --support-kvm --created-at 'gt:2024-01-01T00:00:00Z'
    """
    from ..choice.name_regex import compile_name_regex, name_matches
    from ..ims.query import ImageQuery

    try:
        query = ImageQuery.model_validate(filters)
        regex = compile_name_regex(name_regex) if name_regex is not None else None
        images: list[Image] = []
        client = target.client(ctx)
        with _progress() as progress:
            task = progress.add_task("listing images", total=None, visible=False)
            for page in client.iter_pages(query, max_results=max_results):
                images += page
                progress.update(task, description=f"listed {len(images)} images", visible=True)
        matching = [image for image in images if regex is None or name_matches(regex, image.name)]
        show_images(matching, output_format(output, out), out)
        if not matching:  # said on stderr, so that JSON output stays an empty list
            tell("no image matches these filters")
    except CloudImagesError as exc:
        raise fail(exc) from None


def _progress() -> Progress:
    # On stderr, on a terminal only, once a listing needs more than one page (made visible then); loaded then.
    from rich.progress import Progress, SpinnerColumn, TextColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True,
                    disable=not err.is_terminal)  # fmt: skip


@app.command()
@query_options
def get(
    ctx: typer.Context,
    target: Target,
    filters: dict[str, Any],
    name_regex: NameRegexOption = None,
    most_recent: Annotated[bool, typer.Option(help="Take the first in --order-by order when several match.")] = False,
    order_by: OrderByOption = "created",
    pinned_id: Annotated[str | None, typer.Option(help="Keep this image while it still matches.")] = None,
    return_all: Annotated[bool, typer.Option(help="Show every match in --order-by order; choose none.")] = False,
    family: Annotated[
        str | None,
        typer.Option(metavar="<name>", help="The newest image tagged family.<name> (an image family, as GCP's)."),
    ] = None,
    min_age: MinAgeOption = None,
    exclude_id: ExcludeIdOption = None,
    exclude_file: ExcludeFileOption = None,
    output: OutputOption = None,
) -> None:
    """Choose one image exactly as get_images does: exactly one match, or --most-recent, or the newest of --family.

    Example:

    \b
      cloudimages get --emulator --imagetype gold --platform Ubuntu --name-regex '^Ubuntu 22\\.04 ' --most-recent
    """
    try:
        choice = _choose(ctx, target, filters, name_regex=name_regex, most_recent=most_recent, order_by=order_by,
                         pinned_id=pinned_id, return_all=return_all, family=family, min_age=min_age,
                         exclude_ids=exclude_id, exclude_file=exclude_file)  # fmt: skip
        if choice.image is None:
            show_images(choice.images, output_format(output, out), out)
        else:
            show_image(choice.image, output_format(output, out), out)
    except CloudImagesError as exc:
        raise fail(exc) from None


@app.command()
@query_options
def latest(
    ctx: typer.Context,
    target: Target,
    filters: dict[str, Any],
    by: Annotated[
        GroupBy,
        typer.Option(
            "--by",
            parser=one_of(GroupBy),
            metavar=words(GroupBy),
            help="Group by platform or os_version.",
        ),
    ] = "platform",
    name_regex: NameRegexOption = None,
    order_by: OrderByOption = "created",
    min_age: MinAgeOption = None,
    exclude_id: ExcludeIdOption = None,
    exclude_file: ExcludeFileOption = None,
    output: OutputOption = None,
) -> None:
    """The latest image of each platform (or OS version), from one listing.

    Example:

    \b
      cloudimages latest --emulator --by platform --imagetype gold
    """
    try:
        if "limit" in filters:
            raise InvalidQueryError("invalid selection: limit pages a listing; latest reads every match of each group")
        choice = _choose(ctx, target, filters, name_regex=name_regex, group_by=by, order_by=order_by, min_age=min_age,
                         exclude_ids=exclude_id, exclude_file=exclude_file)  # fmt: skip
        show_groups(choice.groups, output_format(output, out), out)
    except CloudImagesError as exc:
        raise fail(exc) from None


def _choose(ctx: typer.Context, target: Target, filters: dict[str, Any], **selection: Any) -> Choice:
    """The lookup of `get_images` with these filters and selection (checked as it checks them), and on stderr
    what the guards left out that would have come first."""
    from ..choice.arguments import split_arguments
    from ..choice.selection import choose

    query, chosen, _ = split_arguments({**filters, **selection})
    choice = choose(query, chosen, target.client(ctx))
    for note in choice.notes:
        tell(f"note: {in_options(note)}")
    return choice


@app.command()
def serve(
    catalog: Annotated[
        Path | None, typer.Option(help="Catalog JSON file (default: the bundled sample catalog).")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, metavar="<port>", help="Port to listen on; 0 picks a free one.")
    ] = 0,
    credential: Annotated[
        list[str] | None,
        typer.Option(metavar="AK:SK[:PROJECT_ID]", help="Accept this access key pair (repeatable)."),
    ] = None,
    token: Annotated[
        list[str] | None,
        typer.Option(metavar="TOKEN:PROJECT_ID", help="Accept this IAM token for a project (repeatable)."),
    ] = None,
    log_size: Annotated[
        int, typer.Option(min=0, help="Requests kept in the log that GET /_emulator/requests answers (the last N).")
    ] = 1000,
) -> None:
    """Serve the emulated image service until stopped (Ctrl-C or SIGTERM).

    The first line printed is `listening on http://HOST:PORT`. With no --credential and no --token,
    unsigned requests are accepted and the project comes from X-Project-Id.

    Example:

    \b
      cloudimages serve --port 8080 --credential AK1:SK1:0a1b2c3d4e5f60718293a4b5c6d7e8f9
    """
    from ..emulator.server import serve as run  # the emulator loads only for the commands that start it
    from ..emulator.state import Credential

    tokens: dict[str, str] = {}
    try:
        for item in token or []:
            value, sep, project = item.partition(":")
            if not (value and sep and project):
                raise ValueError(f"--token {item!r}: expected TOKEN:PROJECT_ID")
            tokens[value] = project
        for item in credential or []:
            try:
                Credential.parse(item)
            except ValueError as exc:
                raise ValueError(f"--credential: {exc}") from None
        run(catalog, host=host, port=port, credentials=credential or [], tokens=tokens, log_size=log_size)
    except ValueError as exc:  # a CatalogError too
        raise fail(exc) from None
    except OSError as exc:
        raise fail(ValueError(f"cannot listen on {host}:{port}: {exc.strerror}")) from None


app.command()(outdated)
app.command()(check)


def main() -> None:
    app()
