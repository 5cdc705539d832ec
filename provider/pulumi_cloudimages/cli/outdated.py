"""`cloudimages outdated`: the command-line door to `find_outdated`, and the report as a table, JSON or Markdown.

Exit codes: 0 nothing reaches --fail-on; 1 something does; 2 bad input (a file, an option); 3 API, authentication or
network error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import CloudImagesError, InvalidQueryError
from ._facts import FAMILY_KEY, MAX_FILE_MIB, OutdatedFailOn
from .common import (
    EXIT_NO_MATCH,
    ExcludeFileOption,
    ExcludeIdOption,
    MinAgeOption,
    ReportFormat,
    ReportOutputOption,
    fail,
    one_of,
    out,
    tell,
    words,
)
from .options import Target, cli_words, target_options
from .render import markdown_table, output_format, show_report

if TYPE_CHECKING:
    from ..outdated.ignores import IgnoreList
    from ..outdated.report import ImageReport, OutdatedReport
    from ..outdated.states import ImageKeys, StateDocument

EXIT_FAILING = EXIT_NO_MATCH  # 1: the answer is not the one hoped for
_SKIPPED_SHOWN = 5


@target_options
def outdated(
    ctx: typer.Context,
    target: Target,
    files: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="FILE",
            help="pulumi stack export output, a terraform.tfstate, terraform show -json output, or image IDs one a "
            "line; - or none: standard input (none on a terminal is refused).",
            show_default=False,
        ),
    ] = None,
    fail_on: Annotated[
        OutdatedFailOn,
        typer.Option(
            parser=one_of(OutdatedFailOn),
            metavar=words(OutdatedFailOn),
            help="Exit 1 when an image has this status or a worse one (current < outdated < withdrawn < gone < "
            "revoked); never: exit 0 whatever the report says.",
        ),
    ] = "outdated",
    output: ReportOutputOption = None,
    min_age: MinAgeOption = None,
    exclude_id: ExcludeIdOption = None,
    exclude_file: ExcludeFileOption = None,
    ignore_file: Annotated[
        str | None,
        typer.Option(
            metavar="FILE",
            help="Findings to accept for now: an image ID, Terraform address or Pulumi URN a line, then 'until "
            "YYYY-MM-DD' and '# reason' (optional); reported, marked, never failing.",
            show_default=False,
        ),
    ] = None,
    region_endpoint: Annotated[
        list[str] | None,
        typer.Option(
            metavar="REGION=URL",
            help="Ask the images a file records in REGION at URL (repeatable); other regions: the cloud's endpoint.",
            show_default=False,
        ),
    ] = None,
    region_project: Annotated[
        list[str] | None,
        typer.Option(
            metavar="REGION=PROJECT_ID",
            help="The project to ask REGION with (repeatable; project IDs are per region); else found through IAM.",
            show_default=False,
        ),
    ] = None,
    family_key: Annotated[
        str,
        typer.Option(
            metavar="KEY",
            help="The tag key of image families: an image tagged KEY.NAME is succeeded by the newest image of the "
            "family NAME from the same owner.",
        ),
    ] = FAMILY_KEY,
    image_key: Annotated[
        list[str] | None,
        typer.Option(
            metavar="KEY",
            help="A key whose values are image IDs, besides image_id, imageId and image (repeatable).",
            show_default=False,
        ),
    ] = None,
    max_file_size: Annotated[
        int,
        typer.Option(min=1, metavar="MIB", help="The largest FILE read, in MiB (a bigger one is refused, exit 2)."),
    ] = MAX_FILE_MIB,
) -> None:
    """Which images do these stacks run, and are they outdated, withdrawn or gone?

    Each distinct image ID is reported once, with every place that uses it. Newer means, for a PinnedImage, the
    newest match of its own filters (what its refresh reports), and for any other image, the newest active image
    of its lineage (same image type, platform, OS version, architecture and name with digit runs ignored; same
    owner for private and shared images). The guards of get and latest apply to the newest: never an image
    listed by --exclude-id or --exclude-file (those in use are reported revoked, with the reason), nor one
    younger than --min-age.

    Examples:

    \b
      pulumi stack export | cloudimages outdated --fail-on withdrawn -
      cloudimages outdated terraform.tfstate prod.json -o markdown --min-age 7d --exclude-file revoked.txt
    """
    import asyncio

    from ..outdated.ignores import IgnoreList, read_ignore_file
    from ..outdated.report import afind_outdated, offer_guards
    from ..outdated.states import IMAGE_KEYS, StateFileError

    try:
        guards = offer_guards(min_age=min_age, exclude_ids=exclude_id, exclude_file=exclude_file)
        if not files and sys.stdin.isatty():  # no FILE and nothing piped: say so rather than wait on the keyboard
            raise StateFileError("<stdin>", "a terminal: give a FILE, or pipe a state in (pulumi stack export | "
                                            "cloudimages outdated -)")  # fmt: skip
        keys = IMAGE_KEYS.adding(image_key or ())
        documents = [read_file(name, max_file_size * 1024 * 1024, keys) for name in files or ["-"]]
        ignores = read_ignore_file(ignore_file) if ignore_file is not None else IgnoreList()
        endpoints = _by_region("--region-endpoint", region_endpoint, "URL")
        projects = _by_region("--region-project", region_project, "PROJECT_ID")
        found = afind_outdated(documents, guards=guards, settings=target.settings(ctx), family_key=family_key,
                               region_endpoints=endpoints, region_projects=projects)  # fmt: skip
        report = asyncio.run(found).ignoring(ignores)
    except CloudImagesError as exc:
        raise fail(exc) from None
    _show(report, output or _default_format())
    _note_empty(documents, keys)
    _note_expired(ignores, report)
    note_skipped(report)
    _note_held_back(report, min_age)
    _note_without_project(report)
    if report.failing(fail_on):
        raise typer.Exit(EXIT_FAILING)


def read_file(name: str, limit: int, keys: ImageKeys) -> StateDocument:
    """A FILE of the command line (`-`: standard input), read up to `limit` bytes."""
    from ..outdated.states import StateFileError, read_capped, read_state

    if name == "-":
        return read_state(read_capped(sys.stdin.buffer, "<stdin>", limit), "<stdin>", keys)
    try:
        with Path(name).open("rb") as stream:
            content = read_capped(stream, name, limit)
    except OSError as exc:
        raise StateFileError(name, f"cannot be read: {exc.strerror or exc}") from None
    return read_state(content, name, keys)


def _default_format() -> ReportFormat:
    return "table" if output_format(None, out) == "table" else "json"


def _show(report: OutdatedReport, fmt: ReportFormat) -> None:
    if fmt == "json":
        out.file.write(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
        return
    rows = [_row(image, report) for image in report.images]
    show_report(_COLUMNS, rows, fmt, empty="(no image referenced)")


def _row(report: ImageReport, outdated: OutdatedReport) -> list[str]:
    image, newest = report.image, report.newest
    age = report.age_days(outdated.checked_at)
    first = str(report.where[0]) if report.where else ""
    more = f" +{len(report.where) - 1} more" if len(report.where) > 1 else ""
    newest_text = f"{newest.id} ({newest.name}{', an older build' if report.newest_is_older else ''})" if newest else ""
    status = f"{report.status} (ignored)" if report.ignored else report.status
    reason = "; ".join(text for text in (report.reason, report.ignored and f"ignored: {report.ignored}") if text)
    changes = ", ".join(f"{key} {_value(c['from'])} → {_value(c['to'])}" for key, c in report.changes.items())
    return [status, reason, report.image_id, image.name or "" if image else "", "" if age is None else str(age),
            newest_text, changes, str(len(report.where)), first + more]  # fmt: skip


def _value(value: object) -> str:
    return "none" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


# "Replace with": the newest image the guards allow (`newest_id`), which for a revoked or withdrawn image may be an
# older build than the one in use. "Changes": what differs between the image and that one.
_COLUMNS = ("Status", "Reason", "Image ID", "Name", "Age (days)", "Replace with", "Changes", "Refs", "Where")


def markdown(report: OutdatedReport) -> str:
    """The report as a Markdown table (for a pull request or `$GITHUB_STEP_SUMMARY`)."""
    return markdown_table(_COLUMNS, [_row(image, report) for image in report.images], empty="(no image referenced)")


def _note_held_back(report: OutdatedReport, min_age: str | None) -> None:
    """Newer images a soak time keeps from being offered: a `current` image may be so only for now."""
    from ..ims.image import format_time

    for image in (image for image in report.images if image.held_back):
        newest, count = image.held_back[0], len(image.held_back)
        soak = f"--min-age {min_age}" if min_age and image.rule == "lineage" else "the soak time"
        when = f"; the next becomes eligible at {format_time(image.next_eligible_at)}" if image.next_eligible_at else ""
        tell(f"note: {image.image_id} ({image.image.name if image.image else '?'}): held back {count} newer "
             f"image{'s' if count > 1 else ''} by {soak}, the newest {newest.id} ({newest.name}){when}")  # fmt: skip


def _note_without_project(report: OutdatedReport) -> None:
    """Once: an image reported gone may be a private or shared one that a caller with no project cannot see."""
    if report.without_project and any(image.status == "gone" for image in report.images):
        tell(f"note: no project ID is set, so only public images are visible and a private or shared image in use "
             f"is reported gone: set {cli_words().where('project_id')}")  # fmt: skip


def _by_region(option: str, given: list[str] | None, what: str) -> dict[str, str]:
    """REGION=VALUE options as a map; a malformed one is bad input naming the option and the form."""
    found: dict[str, str] = {}
    for item in given or ():
        region, sep, value = item.partition("=")
        if not (sep and region.strip() and value.strip()):
            raise InvalidQueryError(f"{option} {item!r}: expected REGION={what}, e.g. ap-southeast-1=...")
        found[region.strip()] = value.strip()
    return found


def _note_expired(ignores: IgnoreList, report: OutdatedReport) -> None:
    """Lines of the ignore list past their date: they no longer apply, which a team wants to hear of."""
    for entry in ignores.expired(report.checked_at.date()):
        tell(f"note: {entry.where}: {entry.target} was ignored until {entry.until}: no longer ignored")


def _note_empty(documents: list[StateDocument], keys: ImageKeys) -> None:
    """A document in which no image was found at all: said, since a gate that reads nothing passes anything."""
    read = ", ".join(sorted(keys.strict | keys.loose))
    for document in documents:
        if not document.references and not document.skipped:
            tell(f"note: {document.name}: no image ID found (read under the keys {read}; --image-key adds one)")


def note_skipped(report: OutdatedReport) -> None:
    """Values under an image ID key that were not read: said on stderr, so that the output stays parseable."""
    for item in report.skipped[:_SKIPPED_SHOWN]:
        tell(f"note: {item.where}: {item.reason}")
    if len(report.skipped) > _SKIPPED_SHOWN:
        tell(f"note: and {len(report.skipped) - _SKIPPED_SHOWN} more values not read")
