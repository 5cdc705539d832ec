"""`cloudimages check`: the gate before an image ships. A Terraform/OpenTofu plan (`terraform show -json tfplan`),
a state or a Pulumi export, judged by the rule book (`--policy cloudimages-policy.yaml`); the violations as a
table, JSON or Markdown (a pull-request comment), and an exit code a CI job can gate on."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import CloudImagesError
from ._facts import CheckFailOn
from .common import EXIT_NO_MATCH, ReportOutputOption, fail, one_of, out, tell, words
from .options import Target, target_options
from .outdated import note_skipped, read_file
from .render import output_format, show_report

if TYPE_CHECKING:
    from ..outdated.gate import Verdict, Violation

_COLUMNS = ("Level", "Rule", "Image ID", "Name", "Reason", "Where")


@target_options
def check(
    ctx: typer.Context,
    target: Target,
    files: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="FILE",
            help="terraform show -json of a plan (or of a state), a terraform.tfstate, pulumi stack export output, "
            "or image IDs one a line; - or none: standard input.",
            show_default=False,
        ),
    ] = None,
    policy: Annotated[
        str,
        typer.Option(metavar="FILE", help="The rule book (cloudimages-policy.yaml).", show_default=False),
    ] = "cloudimages-policy.yaml",
    fail_on: Annotated[
        CheckFailOn,
        typer.Option(
            parser=one_of(CheckFailOn),
            metavar=words(CheckFailOn),
            help="Exit 1 on a violation of this level or a stricter one; never: exit 0 whatever is found.",
        ),
    ] = "mandatory",
    output: ReportOutputOption = None,
) -> None:
    """Stop a bad image before it ships: judge what a plan (or a stack) would run by the rule book.

    The rules: revoked, gone, withdrawn and outdated (the statuses of cloudimages outdated, the same verdicts),
    and untrusted, too_young, too_old and name; each mandatory (fails), advisory (warns) or disabled, as the rule
    book says. A value known only after apply is not judged: check the state after apply.

    Examples:

    \b
      terraform plan -out tfplan && terraform show -json tfplan > plan.json
      cloudimages check plan.json --policy cloudimages-policy.yaml -o markdown
    """
    import asyncio

    from ..outdated.gate import ajudge
    from ..outdated.policy import read_policy
    from ..outdated.states import IMAGE_KEYS, MAX_STATE_BYTES, StateFileError

    try:
        rules = read_policy(policy)
        if not files and sys.stdin.isatty():
            raise StateFileError("<stdin>", "a terminal: give a FILE, or pipe a plan in (terraform show -json tfplan "
                                            "| cloudimages check -)")  # fmt: skip
        documents = [read_file(name, MAX_STATE_BYTES, IMAGE_KEYS) for name in files or ["-"]]
        settings = target.settings(ctx, fallback={"region": rules.region, "endpoint": rules.endpoint})
        verdict = asyncio.run(ajudge(documents, rules, settings))
    except CloudImagesError as exc:
        raise fail(exc) from None
    fmt = output or ("table" if output_format(None, out) == "table" else "json")
    if fmt == "json":
        out.file.write(json.dumps([v.to_json() for v in verdict.violations], indent=2, ensure_ascii=False) + "\n")
    else:
        show_report(_COLUMNS, [_row(v) for v in verdict.violations], fmt, empty="(no violation)")
    _notes(verdict)
    if verdict.failing(fail_on):
        raise typer.Exit(EXIT_NO_MATCH)


def _row(violation: Violation) -> list[str]:
    first = str(violation.where[0]) if violation.where else ""
    more = f" +{len(violation.where) - 1} more" if len(violation.where) > 1 else ""
    return [violation.level, violation.rule, violation.image_id, violation.name or "", violation.reason, first + more]


def _notes(verdict: Verdict) -> None:
    note_skipped(verdict.report)
    counts = {level: sum(v.level == level for v in verdict.violations) for level in ("mandatory", "advisory")}
    tell(f"{len(verdict.report.images)} images judged: {counts['mandatory']} mandatory and {counts['advisory']} "
         f"advisory violations")  # fmt: skip
