"""Which images do my stacks run, and are they still the newest? `find_outdated` reads state documents
(`states.py`) and reports each distinct image ID once: `current`, `outdated` (a newer active image of its kind
exists), `withdrawn` (visible but not active, or a Marketplace image off the shelf), `gone` (not visible any more),
or `revoked` (on the caller's revocation list, `exclude_ids` / `exclude_file`).

What "newer" means, the rule each report names:
- `pinned`: for an image kept by a `PinnedImage`, what its refresh reports: the newest match of its own filters and
  selection (`latest_id`);
- `lineage`: for any other, the newest active image of the same `__imagetype`, `__platform`, `__os_version`,
  architecture and name with its digit runs ignored (`web-server-2025-11-20` and `web-server-2025-12-01` are one
  lineage; so are the builds of `Ubuntu 22.04 server 64bit`, but not `Ubuntu 20.04 server 64bit with Tesla Driver`,
  which shares their OS version but is another image), and for private and shared images the same owner.

The guards of a selection (`guards.py`) decide which image may be offered as the newest, as they decide what a
lookup chooses: never a revoked image, nor one younger than `min_age`, nor a Marketplace image off the shelf.

Requests: each distinct ID is settled once. A round asks for up to `concurrency` unsettled IDs by ID, concurrently,
then lists the lineage of each image found (once per listing, shared by every lineage in it): every other ID that
listing holds is settled with it. Only the referenced images and the newest image of each lineage are kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Literal, Protocol, get_args

from typing_extensions import Unpack

from ..choice.arguments import split_arguments
from ..choice.guards import Guards
from ..choice.lineage import FAMILY_KEY, Lineage, architecture
from ..choice.lookup import alookup
from ..choice.orders import CHOSEN_STATUS, created_later, withdrawal
from ..choice.selection import ORDERS, Selection
from ..errors import InvalidQueryError, NoMatchError, shown
from ..ims.client import AsyncImsClient
from ..ims.image import IMAGE_ID, Image, format_time, id_key
from ..ims.query import ImageQuery
from ..ims.settings import ConnectionOptions, Settings
from .ignores import IgnoreList, read_ignore_file
from .states import IMAGE_KEYS, ImageKeys, Reference, Skipped, StateDocument, StateFileError, Where, read_state

Status = Literal["current", "outdated", "withdrawn", "gone", "revoked"]
STATUSES: tuple[Status, ...] = get_args(Status)  # in order of severity: each is worse than those before it
FailOn = Literal["outdated", "withdrawn", "gone", "revoked", "never"]
Rule = Literal["pinned", "family", "lineage"]
CONCURRENCY = 16
# Why an image in use is `gone`: the service shows it no more; or, asked with no project, it may never have shown it.
GONE = "not visible to this project any more"
GONE_WITHOUT_PROJECT = "not visible without a project ID (only public images are)"

# What `changes` compares between an image and the newest, by wire name (every `__support_*` flag as well).
_COMPARED = ("__os_version", "__os_bit", "__platform", "min_ram", "min_disk", "virtual_env_type", "hw_firmware_type",
             "disk_format", "__support_agent_list")  # fmt: skip


class Export(Protocol):
    """What the Automation API's `Stack.export_stack()` returns (`pulumi.automation.Deployment`)."""

    version: int | None
    deployment: Mapping[str, Any] | None


Document = bytes | str | Path | Mapping[str, Any] | Export
Listings = dict[tuple[tuple[str, str], ...], list[Image]]  # a lineage listing's images, by its query


@dataclass(frozen=True)
class ImageReport:
    """One distinct image ID, what became of it, and every place that uses it. `newest` is the newest image the
    guards allow in its place (None when it is that image): for an `outdated` image a newer build, for a revoked or
    withdrawn one what to move to, which may be an older build (`newest_is_older`)."""

    image_id: str
    status: Status
    image: Image | None
    newest: Image | None
    rule: Rule | None
    lineage: Mapping[str, Any] | None
    where: tuple[Where, ...]
    reason: str | None = None
    held_back: tuple[Image, ...] = ()  # newer images the soak time keeps from being offered, newest first
    next_eligible_at: datetime | None = None  # when the first of them may be offered
    ignored: str | None = None  # why the ignore list accepts this finding: reported, never failing
    region: str | None = None  # the region it was asked of

    @property
    def changes(self) -> dict[str, dict[str, Any]]:
        """What differs between the image and the newest, by wire name: `{"min_ram": {"from": 1024, "to": 2048}}`."""
        if self.image is None or self.newest is None:
            return {}
        old, new = _compared(self.image), _compared(self.newest)
        return {key: {"from": old.get(key), "to": new.get(key)} for key in sorted(old.keys() | new.keys())
                if old.get(key) != new.get(key)}  # fmt: skip

    @property
    def newest_is_older(self) -> bool:
        """The image offered in place of this one is an older build (a revoked or withdrawn image's replacement)."""
        return self.image is not None and self.newest is not None and created_later(self.image, self.newest)

    def age_days(self, now: datetime) -> int | None:
        created = self.image.created_at if self.image else None
        return (now - created).days if created else None

    def to_json(self, now: datetime) -> dict[str, Any]:
        image, newest = self.image, self.newest
        return {
            "image_id": self.image_id,
            "name": image.name if image else None,
            "status": self.status,
            "reason": self.reason,
            "created_at": _time(image.created_at if image else None),
            "age_days": self.age_days(now),
            "newest_id": newest.id if newest else None,
            "newest_name": newest.name if newest else None,
            "newest_created_at": _time(newest.created_at if newest else None),
            "held_back": [held.id for held in self.held_back],
            "next_eligible_at": _time(self.next_eligible_at),
            "rule": self.rule,
            "lineage": dict(self.lineage) if self.lineage is not None else None,
            "changes": self.changes,
            "references": len(self.where),
            "where": [{"file": w.file, "resource": w.resource, "path": w.path} for w in self.where],
            "ignored": self.ignored,
            "region": self.region,
        }


@dataclass(frozen=True)
class OutdatedReport:
    """The images of every document, worst status first; `skipped` are the values that could not be read.
    `without_project`: asked with no credentials and no project ID (a local emulator), so only public images were
    visible, and a private or shared image in use is reported `gone`."""

    images: tuple[ImageReport, ...]
    skipped: tuple[Skipped, ...] = ()
    documents: tuple[str, ...] = ()
    checked_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    without_project: bool = False

    def failing(self, fail_on: FailOn = "outdated") -> list[ImageReport]:
        """The images whose status is `fail_on` or worse (none for `never`), but those the ignore list accepts."""
        if fail_on == "never":
            return []
        worst = STATUSES.index(fail_on)
        return [r for r in self.images if STATUSES.index(r.status) >= worst and r.ignored is None]

    def ignoring(self, ignores: IgnoreList, today: date | None = None) -> OutdatedReport:
        """The report with the findings of the ignore list marked (a current image is never marked)."""
        day = today or self.checked_at.date()
        marked = tuple(
            replace(r, ignored=ignores.reason(r.image_id, r.where, day)) if r.status != "current" else r
            for r in self.images
        )
        return replace(self, images=marked)

    def to_json(self) -> list[dict[str, Any]]:
        return [report.to_json(self.checked_at) for report in self.images]


def find_outdated(
    documents: Iterable[Document],
    *,
    min_age: str | int | None = None,
    exclude_ids: Sequence[str] | None = None,
    exclude_file: str | None = None,
    ignore_file: str | None = None,
    image_keys: Iterable[str] = (),
    family_key: str = FAMILY_KEY,
    region_endpoints: Mapping[str, str] | None = None,
    region_projects: Mapping[str, str] | None = None,
    settings: Settings | None = None,
    concurrency: int = CONCURRENCY,
    **options: Unpack[ConnectionOptions],
) -> OutdatedReport:
    """Every image the documents reference, and its status, worst first.

    `documents`: `pulumi stack export` output, a Terraform state, `terraform show -json` output or image IDs one a
    line, each as bytes or text, a parsed JSON object, a `pathlib.Path` to read, or what the Automation API's
    `stack.export_stack()` returns. The guards, as for `get_images`: an image in `exclude_ids` or `exclude_file` is
    reported `revoked` (with the file's reason) and never offered as the newest, nor is one younger than `min_age`
    (`"7d"`, `"36h"`, `"90m"`, or whole days). Image IDs are read under `image_id`, `imageId` and (image IDs only)
    `image`, and under `image_keys`. The findings of `ignore_file` are marked (`ignored`) and never fail. An image
    tagged `<family_key>.<name>` is succeeded by the newest of its family (see `choice/lineage.py`). Each image
    is asked of the region the file records for its resource (`region_endpoints` and `region_projects` point a
    region at an endpoint and a project), else of the settings' region.
    Settings as for `ImsClient` (`region=`, `endpoint=`, ...).

    ```python
    report = find_outdated([stack.export_stack(), Path("infra/terraform.tfstate")], region="cn-north-4")
    for image in report.failing("withdrawn"):
        print(image.image_id, image.status, [str(w) for w in image.where])
    ```

    Raises `StateFileError` (a `ValueError` too) for a document that is none of these, and `InvalidQueryError`
    for a bad guard, before any request.
    """
    guards = offer_guards(min_age=min_age, exclude_ids=exclude_ids, exclude_file=exclude_file)
    ignores = read_ignore_file(ignore_file) if ignore_file is not None else IgnoreList()
    states = read_documents(documents, IMAGE_KEYS.adding(image_keys))
    found = afind_outdated(states, guards=guards, settings=settings, concurrency=concurrency, family_key=family_key,
                           region_endpoints=region_endpoints, region_projects=region_projects, **options)  # fmt: skip
    report = asyncio.run(found)
    return report.ignoring(ignores)


def offer_guards(
    *, min_age: str | int | None = None, exclude_ids: Sequence[str] | None = None, exclude_file: str | None = None
) -> Selection:
    """The guards on what may be offered as the newest, checked as `get_images` checks them (the file is read)."""
    ids = list(exclude_ids) if exclude_ids is not None and not isinstance(exclude_ids, str) else exclude_ids
    return split_arguments({"min_age": min_age, "exclude_ids": ids, "exclude_file": exclude_file})[1]


def read_documents(documents: Iterable[Document], keys: ImageKeys = IMAGE_KEYS) -> list[StateDocument]:
    """Each document read and its references found; the first bad one raises `StateFileError`."""
    read = []
    if isinstance(documents, (str, bytes, Path, Mapping)):
        raise StateFileError("documents", f"{shown(documents)}: expected a list of documents, e.g. [Path(...)]")
    for index, document in enumerate(documents):
        name = str(document) if isinstance(document, Path) else f"documents[{index}]"
        if isinstance(document, str) and _names_a_file(document):
            raise StateFileError(name, f"{shown(document)} is text, not a file to read: pass "
                                       f"pathlib.Path({document!r}) to read it")  # fmt: skip
        if isinstance(document, Path):
            try:
                content: bytes | str | Mapping[str, Any] = document.read_bytes()
            except OSError as exc:
                raise StateFileError(name, f"cannot be read: {exc.strerror or exc}") from None
        elif isinstance(document, (bytes, str, Mapping)):
            content = document
        elif hasattr(document, "deployment") and hasattr(document, "version"):
            content = {"version": document.version, "deployment": document.deployment}
        else:
            raise StateFileError(name, f"{shown(document)}: expected bytes, text, a mapping, a Path or an export")
        read.append(read_state(content, name, keys))
    return read


def _names_a_file(text: str) -> bool:
    """Text of one line that is no document but names a file (`"terraform.tfstate"`): a path passed as text."""
    line = text.strip()
    if "\n" in line or not line or line[0] in "{[" or IMAGE_ID.fullmatch(line):
        return False
    return line.endswith((".json", ".tfstate", ".txt")) or Path(line).is_file()


async def afind_outdated(
    documents: Sequence[StateDocument],
    *,
    guards: Selection | None = None,
    settings: Settings | None = None,
    concurrency: int = CONCURRENCY,
    family_key: str = FAMILY_KEY,
    region_endpoints: Mapping[str, str] | None = None,
    region_projects: Mapping[str, str] | None = None,
    revocations: Mapping[str, str] | None = None,
    listings: Listings | None = None,
    **options: Unpack[ConnectionOptions],
) -> OutdatedReport:
    """`find_outdated` for documents already read (`read_documents`) and guards (`offer_guards`), in a running
    event loop; `revocations` (image ID -> reason) are revoked besides the guards' own (a rule book's files);
    `listings` keeps the lineages' listings between reports of one caller (a policy pack, handed a resource at a
    time), so that each lineage is listed once."""
    if not (isinstance(concurrency, int) and not isinstance(concurrency, bool) and concurrency >= 1):
        raise InvalidQueryError(f"concurrency={shown(concurrency)}: expected a whole number, 1 or more")
    settings = settings or Settings.resolve(**options)
    guards = guards or Selection()
    revoked = {**(revocations or {}), **guards.revoked()}
    offer = Guards(datetime.now(timezone.utc), guards.soak(), revoked, trusted_only=False, market=True)
    # Image IDs belong to one region: each is asked of the region the file records for it (else the default).
    references: dict[str, list[Reference]] = {}
    for document in documents:
        for reference in document.references:
            references.setdefault(reference.image_id, []).append(reference)
    # Asked where each lives; images whose regions are asked at one place (one emulator) share its listings.
    places: dict[tuple[str, str | None], tuple[Settings, dict[str, list[Reference]]]] = {}
    for image_id, refs in references.items():  # the first region recorded for an image
        region = next((r.region for r in refs if r.region is not None), None)
        there = in_region(settings, region, region_endpoints or {}, region_projects or {})
        places.setdefault((there.ims_endpoint(), there.project_id), (there, {}))[1][image_id] = refs
    skipped = [item for document in documents for item in document.skipped]
    judged = await asyncio.gather(*(
        _in_region(refs, there, guards, revoked, offer, concurrency, family_key, listings)
        for there, refs in places.values()
    ))  # fmt: skip
    reports = [report for found, _, _ in judged for report in found]
    reports.sort(key=lambda r: (-STATUSES.index(r.status), r.image.name or "" if r.image else "", r.image_id))
    return OutdatedReport(tuple(reports), (*skipped, *(s for _, more, _ in judged for s in more)),
                          tuple(d.name for d in documents), without_project=any(a for _, _, a in judged))  # fmt: skip


def in_region(
    settings: Settings, region: str | None, endpoints: Mapping[str, str], projects: Mapping[str, str]
) -> Settings:
    """The settings for asking `region`: the caller's for its own region (or when none is recorded); for another,
    that region with the endpoint and project given for it (project IDs are per region), else the cloud's endpoint
    of that region and the project found through IAM. A caller that names an endpoint and no region (one emulator,
    one mirror) is asked of every region there."""
    if region is None:
        return settings
    own = region == settings.region or settings.region is None
    values = {name: getattr(settings, name) for name in type(settings).model_fields}
    values.update(
        region=region,
        endpoint=endpoints.get(region, settings.endpoint if own else None),
        project_id=projects.get(region, settings.project_id if own else None),
    )
    return Settings.model_validate(values)


async def _in_region(
    references: dict[str, list[Reference]],
    settings: Settings,
    guards: Selection,
    revoked: Mapping[str, str],
    offer: Guards,
    concurrency: int,
    family_key: str,
    listings: Listings | None,
) -> tuple[list[ImageReport], list[Skipped], bool]:
    """The findings of the images of one region, what could not be looked up, and whether it was asked anonymously."""
    pins, skipped_pins = _pin_lookups(references, guards, revoked)
    async with AsyncImsClient(settings=settings) as client:
        catalog = _Catalog(client, set(references), offer, concurrency, family_key, listings)
        _, latest = await asyncio.gather(
            catalog.settle(), asyncio.gather(*(catalog.newest_match(q, s, settings) for q, s in pins.values()))
        )
    newest_of_pin = dict(zip(pins, latest, strict=True))
    # Unsigned requests that name no project (a local emulator) see public images only: say so of what is gone.
    anonymous = settings.access_key is None and settings.auth_token is None and settings.project_id is None
    gone = GONE_WITHOUT_PROJECT if anonymous else GONE
    reports = [replace(_judge(image_id, refs, catalog, pins, newest_of_pin, revoked, gone),
                       region=next((r.region for r in refs if r.region is not None), settings.region))
               for image_id, refs in references.items()]  # fmt: skip
    return reports, skipped_pins, anonymous


_PinKey = tuple[Any, ...]


def _pin_key(reference: Reference) -> _PinKey:
    return tuple(sorted((key, repr(value)) for key, value in (reference.pin or {}).items()))


def _pin_lookups(
    references: Mapping[str, list[Reference]], guards: Selection, revoked: Mapping[str, str]
) -> tuple[dict[_PinKey, tuple[ImageQuery, Selection]], list[Skipped]]:
    """The distinct lookups of the PinnedImages, each asking for the newest match as refresh does, with its own
    guards and the report's: every revoked ID excluded, the longer soak time."""
    pins: dict[_PinKey, tuple[ImageQuery, Selection]] = {}
    skipped = []
    for reference in (r for refs in references.values() for r in refs if r.pin is not None):
        key = _pin_key(reference)
        if key in pins:
            continue
        pin = dict(reference.pin or {})
        try:
            query, selection, _overrides = split_arguments(pin, stored=True)  # settings: the caller's
        except InvalidQueryError as exc:
            if "exclude_file" in exc.names and pin.get("exclude_file") is not None:
                # Relative to the program's folder, which a state does not record: the pin's other arguments
                # (its filters, its min_age) still decide, without that file's revocations.
                why = f"PinnedImage exclude_file {pin.pop('exclude_file')!r} not readable from here: not applied"
                skipped.append(Skipped(reference.where, why))
            try:
                query, selection, _overrides = split_arguments(pin, stored=True)
            except InvalidQueryError as exc:  # a value this version refuses: the lineage decides instead
                why = f"PinnedImage arguments not usable ({exc}): judged by lineage"
                skipped.append(Skipped(reference.where, why))
                continue
        update: dict[str, Any] = {"most_recent": True}
        if revoked:
            update["exclude_ids"] = sorted({*(selection.exclude_ids or ()), *revoked})
        own, soak = selection.soak(), guards.soak()
        if soak is not None and (own is None or soak > own):
            update["min_age"] = guards.min_age
        pins[key] = (query, selection.model_copy(update=update))
    return pins, skipped


class _Catalog:
    """What the service says about the referenced images, kept small: the images themselves, and the newest
    image of each lineage that may be offered (active, on the shelf, not revoked)."""

    def __init__(
        self,
        client: AsyncImsClient,
        wanted: set[str],
        offer: Guards,
        concurrency: int,
        family_key: str = FAMILY_KEY,
        listings: Listings | None = None,
    ) -> None:
        self.client, self.wanted, self.offer, self.family_key = client, wanted, offer, family_key
        self.listings = listings if listings is not None else {}
        self.concurrency, self.limit = concurrency, asyncio.Semaphore(concurrency)
        self.found: dict[str, Image] = {}
        self.newest: dict[Lineage, Image] = {}
        self.held: dict[Lineage, dict[str, Image]] = {}  # held back by the soak time: younger than min_age, few
        self._pending = sorted(wanted, reverse=True)  # IDs not asked for yet, asked in order
        self._fresh: list[Image] = []  # wanted images found whose lineage is not looked at yet
        self._listed: set[tuple[tuple[str, str], ...]] = set()

    def lineage(self, image: Image) -> Lineage:
        return Lineage.of(image, self.family_key)

    async def settle(self) -> None:
        """Every wanted image found or asked for, and the lineage of each found image listed: up to `concurrency`
        requests in flight at all times (never in rounds that wait for their slowest), a lineage's listing before
        any ID (one listing settles every ID of its lineage), an ID only when no listing has found it yet."""
        running: set[asyncio.Task[None]] = set()
        while True:
            while len(running) < self.concurrency:
                query = self._next_listing() or self._next_id()
                if query is None:
                    break
                running.add(asyncio.ensure_future(self._list(query)))
            if not running:
                return
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # an error ends the report, as before

    def _next_listing(self) -> ImageQuery | None:
        while self._fresh:  # images found since: their lineages' listings, each asked once
            query = self.lineage(self._fresh.pop()).listing()
            key = tuple(query.to_params())
            if key not in self._listed:
                self._listed.add(key)
                return query
        return None

    def _next_id(self) -> ImageQuery | None:
        while self._pending:
            image_id = self._pending.pop()
            if image_id not in self.found:
                return ImageQuery(id=image_id)
        return None

    async def _list(self, query: ImageQuery) -> None:
        key = tuple(query.to_params())
        if query.id is None and key in self.listings:  # listed by an earlier report of this caller's
            for image in self.listings[key]:
                self._keep(image)
            return
        listed: list[Image] = []
        async with self.limit:
            async for page in self.client.iter_pages(query):
                listed += page
                for image in page:
                    self._keep(image)
        if query.id is None:
            self.listings[key] = listed

    def _keep(self, image: Image) -> None:
        if image.id is not None and id_key(image.id) in self.wanted and id_key(image.id) not in self.found:
            self.found[id_key(image.id)] = image
            self._fresh.append(image)
        if image.status != CHOSEN_STATUS:
            return
        left_out = self.offer.left_out(image)
        if left_out is None:
            lineage = self.lineage(image)
            best = self.newest.get(lineage)
            if best is None or ORDERS["created"](image) < ORDERS["created"](best):
                self.newest[lineage] = image
        elif left_out.reason == "too new" and image.id:
            self.held.setdefault(self.lineage(image), {})[image.id] = image

    async def newest_match(
        self, query: ImageQuery, selection: Selection, settings: Settings
    ) -> tuple[Image | None, tuple[Image, ...]]:
        """A pin's newest match, and the newer matches its soak time holds back."""
        async with self.limit:
            try:
                choice = await alookup(query, selection, settings)
            except NoMatchError:
                return None, ()
            return choice.latest, choice.held_back


def _judge(
    image_id: str,
    references: list[Reference],
    catalog: _Catalog,
    pins: Mapping[_PinKey, Any],
    newest_of_pin: Mapping[_PinKey, tuple[Image | None, tuple[Image, ...]]],
    revoked: Mapping[str, str],
    gone: str,
) -> ImageReport:
    image = catalog.found.get(image_id)
    pinned = next((r for r in references if r.pin is not None and _pin_key(r) in pins), None)
    rule: Rule | None = None
    lineage: dict[str, Any] | None = None
    candidate: Image | None = None
    held: Iterable[Image] = ()
    soak = catalog.offer.min_age
    if pinned is not None:
        query, selection = pins[_pin_key(pinned)]
        rule, (candidate, held), soak = "pinned", newest_of_pin[_pin_key(pinned)], selection.soak()
        lineage = {**query.model_dump(mode="json", by_alias=True, exclude_none=True),
                   **selection.model_dump(exclude_defaults=True)}  # fmt: skip
    elif image is not None:
        of = catalog.lineage(image)
        rule = "family" if of.family is not None else "lineage"
        lineage, candidate, held = of.describe(), catalog.newest.get(of), catalog.held.get(of, {}).values()
    # Held back: what would be offered but for the soak time, if newer than the image in use.
    held_back = tuple(sorted((h for h in held if h.id != image_id and (image is None or created_later(h, image))),
                             key=ORDERS["created"]))  # fmt: skip
    times = [h.created_at + soak for h in held_back if h.created_at is not None and soak is not None]
    newer = candidate if candidate is not None and candidate.id != image_id else None
    status: Status
    reason = None
    if image_id in revoked:
        status, reason = "revoked", revoked[image_id]
    elif image is None:
        status, reason = "gone", gone
    elif withdrawal(image) is not None:
        status, reason = "withdrawn", withdrawal(image)
    elif newer is not None and (rule == "pinned" or created_later(newer, image)):
        status = "outdated"
    else:
        status, newer = "current", None
    where = tuple(sorted((r.where for r in references), key=lambda w: (w.file, w.resource or "", w.path)))
    return ImageReport(image_id, status, image, newer, rule, lineage, where, reason, held_back,
                       min(times) if times else None)  # fmt: skip


def _compared(image: Image) -> dict[str, Any]:
    wire = image.to_wire()
    values = {key: wire.get(key) for key in _COMPARED}
    values.update((key, value) for key, value in wire.items() if key.startswith("__support_"))
    values["architecture"] = architecture(image)
    return {key: value for key, value in values.items() if value is not None}


def _time(value: datetime | None) -> str | None:
    return format_time(value) if value else None


__all__ = ["ImageReport", "OutdatedReport", "StateFileError", "afind_outdated", "find_outdated", "offer_guards",
           "read_documents"]  # fmt: skip
