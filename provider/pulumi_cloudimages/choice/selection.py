"""Choosing among the images found: `name_regex`, the orders, exactly-one, `most_recent`, latest per
group, pinning; `explain.py` words why nothing (or too much) matched.

The whole lookup is one generator, `lookup_flow`, in the manner of httpx's auth flows: it yields each
`Fetch` it needs and receives that fetch's images; `choose` drives it over one client, and `lookup.py` over the
clients it keeps, from a thread or an event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..errors import AmbiguousMatchError, InvalidQueryError, NoMatchError
from ..ims.image import Image, id_key
from ..ims.inputs import checked, refusal
from ..ims.query import LISTING_ONLY, ImageQuery
from .explain import SHOWN, ambiguous, left_out_lines, no_match, pin_lost, probes
from .guards import DURATION_FORMS, Guards, LeftOut, parse_duration
from .lineage import FAMILY_KEY
from .name_regex import compile_name_regex, name_matches
from .orders import CHOSEN_STATUS, highest_version_first, newest_first
from .revocations import LISTED, check_exclude_ids, read_exclude_file

if TYPE_CHECKING:
    from ..ims.client import ImsClient

OrderBy = Literal["created", "version"]
GroupBy = Literal["platform", "os_version"]

# Page sizes when only the newest match is wanted: small enough to cost one short request, larger
# when a client-side regex may skip many.
NEWEST_PAGE = 25
NEWEST_PAGE_WITH_REGEX = 200


# Each argument's own check beyond its kind; a missing file or a malformed line is refused before any request.
_OWN_CHECKS: dict[str, Callable[[Any], object]] = {
    "name_regex": compile_name_regex,
    "exclude_ids": check_exclude_ids,
    "exclude_file": read_exclude_file,
}


class Selection(BaseModel):
    """How to choose the image among those the service returns."""

    model_config = ConfigDict(
        frozen=True, strict=True, defer_build=True
    )  # most_recent=1 or "yes" is a mistake, not a choice

    name_regex: str | None = Field(
        None,
        description="Keep only images whose name matches this regular expression, searched anywhere in the name. "
        "RE2 syntax, as Go's regexp and Terraform's name_regex (linear time; no backreferences or lookaround; "
        "\\w and \\d are ASCII, \\pL is any letter).",
    )
    most_recent: bool = Field(
        False, description="Choose the first image in order_by order when several match, instead of failing."
    )
    order_by: OrderBy = Field(
        "created",
        description="created: newest creation time first (never update time); version: highest OS version, then "
        "name, read as versions (22.04.1 > 22.04, 7.10 > 7.9, SP3 > SP1; 64bit is not a version). Ties: newest, "
        "then name, then ID.",
    )
    group_by: GroupBy | None = Field(
        None, description="Choose the first image of each platform or OS version (returned as groups)."
    )
    return_all: bool = Field(False, description="Return every match (images, ids) and choose none.")
    pinned_id: str | None = Field(
        None,
        description="Keep choosing this image while it still matches, even when a newer one appears; "
        "latest_id then shows the newest match, so moving to it is a deliberate change.",
    )
    min_age: str | None = Field(
        None,
        description="Soak time: consider only images created at least this long ago (by the service's "
        "created_at, UTC): '7d', '36h', '90m', or whole days as a number. Newer matches are held back "
        "(held_back_ids, next_eligible_at).",
    )
    family: str | None = Field(
        None,
        description="An image family, as GCP's: the newest image tagged family.<name> (IMS tags are key.value), "
        "so a team states which builds succeed one another; implies most_recent. Not with tag.",
    )
    exclude_ids: list[str] | None = Field(
        None, description="Image IDs never to choose (a revocation list); matches left out are in excluded."
    )
    exclude_file: str | None = Field(
        None,
        description="A file of image IDs never to choose, one a line, optionally followed by '# reason'; blank "
        "lines and lines starting with # are comments. Read at each lookup, relative to the working directory.",
    )

    @field_validator("*", mode="before")
    @classmethod
    def _not_guessed(cls, value: Any, info: ValidationInfo) -> Any:
        # Flags read as the filters' do (inputs.py): true or false, or that text in any case, as stack config gives
        # it (`most_recent=config.get("latest")`). Refusing the text here alone would take "true" for support_kvm
        # and refuse it for most_recent in the same call; "yes" or 1 is refused, in the filters' words.
        return checked(cls.model_fields[str(info.field_name)].annotation, value)

    @field_validator("min_age", mode="before")
    @classmethod
    def _whole_days(cls, value: Any) -> Any:
        # Whole days may be a number (7, or 7 in YAML; 7.0 from Pulumi's wire, where numbers are floats), as they
        # may be text ("7"); True is not a number of days.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value}d"
        if value is not None and not isinstance(value, str):  # 7.5, True, a list: not a duration in any form
            raise ValueError(f"expected {DURATION_FORMS}")
        return value

    @field_validator("min_age")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _every_problem(cls, data: Any, handler: ModelWrapValidatorHandler[Selection]) -> Selection:
        """Every problem at once, one `InvalidQueryError`: the values of a wrong kind (pydantic's checks), then each
        other argument's own check (a regex RE2 cannot read, an exclude_file that cannot be read; in strict mode
        a value of the right kind is the value validated), and only then whether they go together."""
        problems: list[InvalidQueryError] = []
        try:
            selection = handler(data)
        except ValidationError as exc:
            problems.append(refusal(exc, "invalid selection"))
        refused = {name for problem in problems for name in problem.names}
        given = data if isinstance(data, Mapping) else {}
        for name, check in _OWN_CHECKS.items():
            if given.get(name) is not None and name not in refused:
                try:
                    check(given[name])
                except InvalidQueryError as exc:
                    problems.append(exc)
        if problems:
            raise InvalidQueryError.of_all(problems)
        chosen = [name for name in ("most_recent", "group_by", "return_all") if getattr(selection, name)]
        if len(chosen) > 1:
            raise InvalidQueryError(
                f"invalid selection: {' and '.join(chosen)} exclude each other; keep one", names=tuple(chosen)
            )
        if selection.pinned_id is not None and (selection.group_by or selection.return_all):
            raise InvalidQueryError("invalid selection: pinned_id chooses one image; it does not go with group_by "
                                    "or return_all", names=("pinned_id",))  # fmt: skip
        return selection

    def __hash__(self) -> int:  # lookups are cached by selection; exclude_ids is a list
        return hash(tuple((name, tuple(value) if isinstance(value, list) else value) for name, value in self))

    def soak(self) -> timedelta | None:
        """`min_age` as a duration; None without one, or for zero (no soak time)."""
        return (parse_duration(self.min_age) or None) if self.min_age is not None else None

    def revoked(self) -> dict[str, str]:
        """Image ID -> why it must not be chosen, from `exclude_ids` and `exclude_file` (read afresh)."""
        listed = dict.fromkeys(map(id_key, self.exclude_ids or ()), LISTED)
        return {**(read_exclude_file(self.exclude_file) if self.exclude_file else {}), **listed}

    def revocation(self, image_id: str) -> str | None:
        """Why the image `image_id` is revoked by this selection, or None when it is not (e.g. for a pinned
        image that was put on the list after it was chosen)."""
        return self.revoked().get(id_key(image_id))


@dataclass(frozen=True)
class Fetch:
    """A request the flow needs: `query`, up to `max_results` images (None: every page)."""

    query: ImageQuery
    max_results: int | None = None


@dataclass(frozen=True)
class Choice:
    """What a lookup found.

    `images` are the matches in selection order; `complete` says whether they are all of them (when only
    the newest is wanted, the service is asked for the newest few, and `images` holds just those).
    What the guards left out of the matches examined: `held_back`, younger than `min_age` (newest first;
    the first of them becomes eligible at `next_eligible_at`), and `excluded`, revoked images that would have
    been chosen (ID -> reason): ordered before the newest match, or before its group's, or any with `return_all`.
    `notes` say in words what the guards changed about the choice, for the adapters to show.
    """

    image: Image | None
    images: tuple[Image, ...]
    latest: Image | None
    groups: dict[str, Image] = field(default_factory=dict)
    complete: bool = True
    held_back: tuple[Image, ...] = ()
    next_eligible_at: datetime | None = None
    excluded: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


Flow = Generator[Fetch, list[Image], Choice]


def check_choosable(query: ImageQuery) -> None:
    """Refuse what only orders or pages a listing: a selection reads every match and orders them itself."""
    listing_only = sorted(LISTING_ONLY & query.model_fields_set)
    if listing_only:
        raise InvalidQueryError(
            f"invalid selection: {' and '.join(listing_only)} "
            f"{'order or page' if len(listing_only) > 1 else 'orders or pages'} a listing; choosing reads every "
            f"match and orders them itself (order_by): leave {'them' if len(listing_only) > 1 else 'it'} out",
            names=tuple(listing_only),
        )


def _with_family(query: ImageQuery, selection: Selection) -> tuple[ImageQuery, Selection]:
    """A family is a tag filter (`family=<name>`, as the service queries a tag) and the newest of its images."""
    family = selection.family
    if family is None:
        return query, selection
    if query.tag is not None:
        # Quoted values only: an adapter rewrites argument names in its words, and would rewrite bare ones here.
        why = f"give one of them ({family!r} means {FAMILY_KEY + '.' + family!r})"
        raise InvalidQueryError(f"invalid selection: family={family!r} and tag={query.tag!r}: {why}",
                                names=("family", "tag"))  # fmt: skip
    return query.with_options(tag=f"{FAMILY_KEY}={family}"), selection.model_copy(update={"most_recent": True})


def choose(query: ImageQuery, selection: Selection, client: ImsClient) -> Choice:
    """The choice for `query` and `selection`, asked of `client` (each time: `lookup.py` keeps results)."""
    flow = lookup_flow(query, selection, client.own_project)
    step = _step(flow, None)
    while isinstance(step, Fetch):
        step = _step(flow, client.list_images(step.query, max_results=step.max_results))
    return step


def _step(flow: Flow, images: list[Image] | None) -> Fetch | Choice:
    """The flow's next request once it has `images` (None to start it), or its choice."""
    try:
        return flow.send(images)  # type: ignore[arg-type]  # a generator starts with send(None)
    except StopIteration as done:
        return cast(Choice, done.value)


def lookup_flow(query: ImageQuery, selection: Selection, own_project: Callable[[], str | None] = lambda: None) -> Flow:
    """Fetch what the selection needs, then choose; raises `NoMatchError` / `AmbiguousMatchError`.

    Only usable images are chosen: unless the query sets `status`, it asks for `status=active` (an image
    still `queued` or `saving` in a build pipeline must never win `most_recent`). The guards (`guards.py`)
    then leave out untrusted sources, revoked images and those younger than `min_age`; `own_project()`, the
    caller's project ID, keeps the images it shares out among its own: asked once the selection is known to
    be valid (it may ask IAM, and bad input is refused before any request)."""
    check_choosable(query)
    query, selection = _with_family(query, selection)
    status_defaulted = query.status is None
    if status_defaulted:
        query = query.with_options(status=CHOSEN_STATUS)
    pattern = compile_name_regex(selection.name_regex) if selection.name_regex is not None else None
    trusted_only = Guards.trusted_only_for(query)
    soak, revoked = selection.soak(), selection.revoked()
    own = own_project() if trusted_only else None
    guards = Guards(datetime.now(timezone.utc), soak, revoked, trusted_only, own, market=Guards.market_for(query))

    def named(image: Image) -> bool:
        return pattern is None or name_matches(pattern, image.name)

    def keep(image: Image) -> bool:
        return named(image) and guards.left_out(image) is None

    newest_only = selection.order_by == "created" and selection.most_recent
    if newest_only:
        # Kept images may be far down the newest pages when many are skipped client-side: ask for more a page.
        skipping = pattern is not None or guards.min_age is not None
        sent, found = yield from _newest(query, keep, NEWEST_PAGE_WITH_REGEX if skipping else NEWEST_PAGE)
    else:
        sent, found = query, (yield Fetch(query))
    order = ORDERS[selection.order_by]
    verdicts = [(image, guards.left_out(image)) for image in sorted(filter(named, found), key=order)]
    matches = [image for image, out in verdicts if out is None]
    left = [out for _, out in verdicts if out is not None]
    if not matches:
        probed = [] if found else (yield from _probe(query))
        why = no_match(query, sent, found, left, guards, name_regex=selection.name_regex, min_age=selection.min_age,
                       status_defaulted=status_defaulted, probed=probed)  # fmt: skip
        raise NoMatchError(why)

    latest = matches[0]
    report = _guard_report(guards, left, ahead_of=latest, order=order, selection=selection)
    if selection.return_all:  # every excluded match would have been returned
        return Choice(None, tuple(matches), None, **report, excluded=_excluded(left))
    if selection.group_by is not None:
        groups = _first_per_group(matches, selection.group_by)
        won = [out for out in left if _ahead_in_group(out.image, groups, selection.group_by, order)]
        return Choice(None, tuple(matches), None, groups=groups, **report, excluded=_excluded(won))
    report["excluded"] = _excluded([out for out in left if order(out.image) < order(latest)])
    if selection.pinned_id is not None:
        pinned = next((image for image, _ in verdicts if id_key(image.id or "") == id_key(selection.pinned_id)), None)
        if pinned is None and newest_only:
            pinned = next(iter((yield Fetch(query.with_options(id=selection.pinned_id), 1))), None)
            pinned = pinned if pinned is not None and named(pinned) else None
        out = guards.left_out(pinned) if pinned is not None else None
        if pinned is None or out is not None:
            raise NoMatchError(pin_lost(selection.pinned_id, out, sent, latest))
        return Choice(pinned, tuple(matches), latest, complete=not newest_only, **report)
    if len(matches) > 1 and not selection.most_recent:
        notes = left_out_lines(guards, left, selection.min_age)
        raise AmbiguousMatchError(ambiguous(matches, sent, selection.order_by, notes))
    return Choice(latest, tuple(matches), latest, complete=not newest_only, **report)


def _guard_report(
    guards: Guards, left: list[LeftOut], ahead_of: Image, order: Callable[[Image], Any], selection: Selection
) -> dict[str, Any]:
    """The `Choice` fields that say what the guards held back, and notes on what they left out that would have
    come first; `excluded` is the caller's, as what would have been chosen depends on how it chooses."""
    held_back = tuple(sorted((out.image for out in left if out.reason == "too new"), key=newest_first))
    times = [when for when in map(guards.eligible_at, held_back) if when is not None]
    first = order(ahead_of)
    passed_over = [out for out in left if order(out.image) < first]
    return {
        "held_back": held_back,
        "next_eligible_at": min(times, default=None),
        "notes": tuple(left_out_lines(guards, passed_over, selection.min_age)),
    }


def _excluded(left: list[LeftOut]) -> dict[str, str]:
    """`Choice.excluded` from what was left out that would have been chosen: the revoked, ID -> reason."""
    return {str(out.image.id): out.detail for out in left if out.reason == "revoked"}


def _ahead_in_group(image: Image, groups: dict[str, Image], group_by: GroupBy, order: Callable[[Image], Any]) -> bool:
    key = getattr(image, group_by)
    return key is not None and (key not in groups or order(image) < order(groups[key]))


def _newest(
    query: ImageQuery, keep: Callable[[Image], bool], page_size: int
) -> Generator[Fetch, list[Image], tuple[ImageQuery, list[Image]]]:
    """Ask for the newest images first, page by page, until the newest kept image and every image created
    in the same second (a tie, settled by name then ID) are in hand."""
    size = query.limit or page_size
    first = query.model_copy(update={"sort_key": "created_at", "sort_dir": "desc", "limit": size})
    page_query, found, best = first, [], None
    while True:
        page = yield Fetch(page_query, size)
        found += page
        if best is None:
            best = next((image for image in page if keep(image)), None)
        if len(page) < size or (best is not None and _older(page[-1].created_at, best.created_at)):
            return first, found
        page_query = page_query.model_copy(update={"marker": page[-1].id})


def _older(time: datetime | None, than: datetime | None) -> bool:
    return than is not None and (time is None or time < than)


def _probe(query: ImageQuery) -> Generator[Fetch, list[Image], list[tuple[str, list[Image]]]]:
    """What the service returns for each of `explain.probes`: which filter excluded everything."""
    probed = []
    for name, probe in probes(query):
        probed.append((name, (yield Fetch(probe, SHOWN))))
    return probed


def _first_per_group(ordered: Iterable[Image], group_by: GroupBy) -> dict[str, Image]:
    groups: dict[str, Image] = {}
    for image in ordered:
        key = getattr(image, group_by)
        if key is not None and key not in groups:
            groups[key] = image
    return groups


ORDERS: dict[OrderBy, Callable[[Image], tuple[Any, ...]]] = {
    "created": newest_first,
    "version": highest_version_first,
}
