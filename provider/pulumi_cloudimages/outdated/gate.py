"""The gate before an image ships: each image a plan, a stack or a program is about to run, judged by the rule book
(`policy.py`), with the same verdicts as `outdated` for what are its statuses (revoked, gone, withdrawn, outdated)
and the gate's own rules besides (untrusted, too young, too old, name). The Terraform plan gate
(`cloudimages check`) and the Pulumi policy pack both ask `ajudge`; only how they show a violation differs.

`min_age` means two things, both kept: `outdated` holds back a successor younger than it, and the gate flags an
image in use younger than it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal

from ..choice.name_regex import compile_name_regex, name_matches
from ..choice.revocations import read_exclude_file
from ..choice.selection import Selection
from ..ims.client import AsyncImsClient
from ..ims.image import Image, format_time
from ..ims.settings import Settings
from .ignores import IgnoreList, read_ignore_file
from .policy import Level, Policy, Rule
from .report import ImageReport, Listings, OutdatedReport, afind_outdated
from .states import StateDocument, Where

FailOn = Literal["mandatory", "advisory", "never"]


@dataclass(frozen=True)
class Violation:
    """A rule an image breaks, at the level the rule book sets, in the rule book's words."""

    rule: Rule
    level: Level
    image_id: str
    name: str | None
    reason: str
    where: tuple[Where, ...]

    def to_json(self) -> dict[str, object]:
        return {"rule": self.rule, "level": self.level, "image_id": self.image_id, "name": self.name,
                "reason": self.reason,
                "where": [{"file": w.file, "resource": w.resource, "path": w.path} for w in self.where]}  # fmt: skip


@dataclass(frozen=True)
class Verdict:
    violations: tuple[Violation, ...]
    report: OutdatedReport  # every image judged, with its status

    def failing(self, fail_on: FailOn = "mandatory") -> list[Violation]:
        """The violations at `fail_on`'s level or above (none for `never`)."""
        levels = {"mandatory": ("mandatory",), "advisory": ("mandatory", "advisory"), "never": ()}[fail_on]
        return [v for v in self.violations if v.level in levels]


async def ajudge(
    documents: Sequence[StateDocument], policy: Policy, settings: Settings, listings: Listings | None = None
) -> Verdict:
    """The verdict of the rule book on every image the documents reference (before any request, a bad revocation
    or ignore file is refused naming it); `listings` as `afind_outdated`'s."""
    revocations = {key: why for path in policy.revocations for key, why in read_exclude_file(path).items()}
    ignores = sum((read_ignore_file(path) for path in policy.ignore), IgnoreList())
    guards = Selection(min_age=policy.min_age)
    found = afind_outdated(documents, guards=guards, settings=settings, revocations=revocations, listings=listings)
    report = (await found).ignoring(ignores)
    async with AsyncImsClient(settings=settings) as client:  # whose images are the caller's own
        own = await client.own_project()
    now = datetime.now(timezone.utc)
    violations = [v for image in report.images if image.ignored is None for v in _broken(image, policy, own, now)]
    return Verdict(tuple(v for v in violations if v.level != "disabled"), report)


def _broken(found: ImageReport, policy: Policy, own: str | None, now: datetime) -> Iterable[Violation]:
    def violation(rule: Rule, reason: str) -> Violation:
        name = found.image.name if found.image else None
        return Violation(rule, policy.level(rule), found.image_id, name, reason, found.where)

    if found.status in ("revoked", "gone", "withdrawn"):
        yield violation(found.status, found.reason or found.status)
    elif found.status == "outdated" and found.newest is not None:
        grace, since = policy.duration("outdated_grace"), found.newest.created_at
        if grace is None or since is None or since + grace <= now:
            yield violation("outdated", f"a newer build, {found.newest.id} ({found.newest.name}), since "
                                        f"{format_time(since) if since else '?'}{_grace(policy)}")  # fmt: skip
    image = found.image
    if image is None:
        return
    source = _source(image, own)
    if not _trusted(image, source, policy.trusted_sources):
        yield violation("untrusted", f"from {source}, not a trusted source ({', '.join(policy.trusted_sources)})")
    created, young, old = image.created_at, policy.duration("min_age"), policy.duration("max_age")
    if created is not None and young is not None and now - created < young:
        yield violation("too_young", f"created {format_time(created)}: younger than min_age {policy.min_age}")
    if created is not None and old is not None and now - created > old:
        yield violation("too_old", f"created {format_time(created)}: older than max_age {policy.max_age}")
    if policy.names and not any(name_matches(compile_name_regex(p), image.name) for p in policy.names):
        yield violation("name", f"the name {image.name!r} matches none of the allowed names")


def _grace(policy: Policy) -> str:
    return f", longer than outdated_grace {policy.outdated_grace}" if policy.outdated_grace else ""


def _source(image: Image, own: str | None) -> str:
    """Where an image comes from, in the rule book's words: gold, own, market, shared (by project X)."""
    if image.imagetype == "gold":
        return "gold"
    if image.imagetype == "market":
        return f"market (vendor {image.owner})"
    if own is not None and image.owner == own:
        return "own"
    return f"shared (by project {image.owner})" if image.imagetype == "shared" else f"project {image.owner}"


def _trusted(image: Image, source: str, trusted: Iterable[str]) -> bool:
    allowed = set(trusted)
    if f"project:{image.owner}" in allowed:
        return True
    kind = source.split(" ", 1)[0]
    return kind in allowed and kind in ("gold", "own", "market", "shared")


def policy_settings(policy: Policy, env: Mapping[str, str] | None = None) -> Settings:
    """The settings of the environment (`HW_*`, as the command line reads them), else the rule book's `region` and
    `endpoint`: for the policy pack, which has no options."""
    env = os.environ if env is None else env
    region = None if env.get("HW_REGION_NAME") else policy.region
    return Settings.resolve(env, region=region, endpoint=policy.endpoint)
