"""Why a lookup chose nothing: the messages of `NoMatchError` and `AmbiguousMatchError`, and the notes on
what the guards left out. Each message shows the query sent (`request_line`) and names images by `label`.

When the service returned nothing at all, `probes` are the queries that tell which filter excluded
everything (each filter left out in turn); the lookup's flow sends them and hands their answers to `no_match`.
"""

from __future__ import annotations

import difflib
from collections import Counter
from typing import Any

from ..errors import InvalidQueryError, shown
from ..ims.auth import canonical_query
from ..ims.client import IMAGES_PATH
from ..ims.image import Image, format_time
from ..ims.query import LISTING_ONLY, WIRE_NAMES, ImageQuery
from .guards import Guards, LeftOut, Reason
from .orders import CHOSEN_STATUS, newest_first

SHOWN = 5  # images named in a message, and asked for by each probe
PROBES = 8  # at most this many extra requests to explain an empty result
_REQUEST_SHOWN = 600  # characters of a request line quoted in a message
_NOT_PROBED = LISTING_ONLY | {"limit"}
_WORDS: dict[Reason, str] = {
    "untrusted": "from a source not chosen by default",
    "revoked": "excluded",
    "too new": "held back by min_age",
}
_VISIBLE = "public images, your project's own and those shared with it"  # what a project sees, by any filter
_OPT_IN = {
    "shared": "imagetype='shared' or visibility='shared' (images shared with the project)",
    "market": "imagetype='market' (Marketplace images)",
}


def probes(query: ImageQuery) -> list[tuple[str, ImageQuery]]:
    """The query without each of its filters in turn, by filter name (a query the service would not take, such
    as member_status without visibility, is skipped). Without `id` the service would return other images, which
    tell nothing: for `id`, the probe is the ID alone, which tells whether that image is visible at all (left out
    when another probe, or the query itself, is the ID alone already)."""
    others = [name for name in _filters(query) if name != "id"]
    by_id = query.id is not None and len(others) > 1
    relaxed = []
    for name in others[: PROBES - 1 if by_id else PROBES]:  # the ID's own probe counts too
        values = query.model_dump(exclude_none=True)
        values.pop(name, None)
        try:
            relaxed.append((name, ImageQuery.model_validate({**values, "limit": SHOWN})))
        except InvalidQueryError:
            continue
    if by_id:  # in the query's enterprise project, if it names one: what the service lists depends on it
        scope = {"enterprise_project_id": query.enterprise_project_id} if query.enterprise_project_id else {}
        relaxed.append(("id", ImageQuery(id=query.id, limit=SHOWN, **scope)))
    return relaxed


def no_match(
    query: ImageQuery,
    sent: ImageQuery,
    found: list[Image],
    left: list[LeftOut],
    guards: Guards,
    *,
    name_regex: str | None,
    min_age: str | None,
    status_defaulted: bool,
    probed: list[tuple[str, list[Image]]],
) -> str:
    """Why nothing matched: what the service returned (`found`), what the guards left out of it (`left`), and,
    when it returned nothing, what each probe (see `probes`) would have returned."""
    lines = [f"no image matches. Query sent: {request_line(sent)}."]  # every line a sentence: the CLI joins them
    if left:
        named = f"; name_regex {shown(name_regex)} kept {len(left)}" if name_regex else ""
        lines.append(f"The service returned {len(found)} image(s){named}, and every one was left out.")
        lines += left_out_lines(guards, left, min_age)
        return "\n".join(lines)
    if found:
        lines.append(f"The service returned {len(found)} image(s); name_regex {shown(name_regex)} kept none.")
        lines += _nearest_names(found, guards, name_regex or "", min_age)
        return "\n".join(lines)
    lines.append("The service returned no image for these filters.")
    # Every probe keeps the ID (or is the ID alone): any image they return is the one asked for.
    by_id = [image for _, nearby in probed for image in nearby] if query.id is not None else []
    if query.id is not None and not by_id:
        lines.append(f"No image with ID {shown(query.id)} is visible to the project: it does not exist, or it is "
                     f"another project's and not shared with this one (only {_VISIBLE} are visible, whatever the "
                     "filters).")  # fmt: skip
        return "\n".join(lines)
    for name, nearby in probed:
        if nearby and name != "id":  # the ID alone tells only that the image is visible
            value = getattr(query, name, None) if name in WIRE_NAMES else (query.model_extra or {}).get(name)
            examples = ", ".join(label(image) for image in nearby[:3])
            if name == "status" and status_defaulted:
                lines.append(f"Only images with status 'active' are chosen unless status is set; in other states "
                             f"the service has images, e.g. {examples}.")  # fmt: skip
            else:
                lines.append(f"Without {name}={_wire_text(value)} the service would return images, e.g. {examples}.")
    if len(lines) == 2 and len(_filters(query)) > 1:
        excluded = label(by_id[0]) if by_id else "everything"
        lines.append(f"No single filter is to blame: several exclude {excluded} together.")
    if query.imagetype != "private" and query.owner is None and query.id is None:
        lines.append(f"(Only {_VISIBLE} are visible.)")
    return "\n".join(lines)


def _nearest_names(found: list[Image], guards: Guards, name_regex: str, min_age: str | None) -> list[str]:
    """The names nearest to the pattern, among the images the lookup could choose: a name it would never
    choose (a Marketplace image, say, when only trusted sources are) is no hint. Those left out are counted, by
    why; when every image is, the guards' sentences say what leaves them out and how to opt in."""
    verdicts = [(image, guards.left_out(image)) for image in found]
    left = [out for _, out in verdicts if out is not None]
    if len(left) == len(found):
        return ["None of them could be chosen, whatever their names.", *left_out_lines(guards, left, min_age)]
    names = list(dict.fromkeys(image.name for image, out in verdicts if out is None and image.name))
    near = difflib.get_close_matches(name_regex, names, n=SHOWN, cutoff=0.0)
    lines = [f"Nearest names: {', '.join(map(repr, near))}."] if near else []
    if left:
        reasons = Counter(map(_why, left))
        why = ", ".join(reason if len(reasons) == 1 else f"{count} {reason}" for reason, count in reasons.items())
        lines.append(f"Not among them: {_count(left, 'image')} the lookup would not choose anyway ({why}).")
    return lines


def _why(out: LeftOut) -> str:
    # An image off the shelf is never chosen, whatever the source asked for.
    return "off the shelf in the Marketplace" if out.image.is_offshelved else _WORDS[out.reason]


def ambiguous(matches: list[Image], sent: ImageQuery, order_by: str, notes: list[str]) -> str:
    """Why several matches are no choice, and how to choose among them; `notes` on what the guards left out."""
    named = "; ".join(label(image) for image in matches[:SHOWN])
    more = f" and {len(matches) - SHOWN} more" if len(matches) > SHOWN else ""
    guarded = "".join(f" {line}" for line in notes)
    return (
        f"{len(matches)} images match (query sent: {request_line(sent)}): {named}{more}. Set most_recent to take "
        f"the first in {order_by} order, return_all to get them all, or narrow the filters "
        f"(name, name_regex, created_at...).{guarded}"
    )


def pin_lost(pinned_id: str, out: LeftOut | None, sent: ImageQuery, latest: Image) -> str:
    """Why the pinned image is no choice any more (`out`: what leaves it out, if it still matches)."""
    why = "no longer matches the filters" if out is None else f"is {_WORDS[out.reason]} ({out.detail})"
    return (
        f"the pinned image {pinned_id} {why} (query sent: {request_line(sent)}); the newest match is "
        f"{label(latest)}: pin that one to move on"
    )


def left_out_lines(guards: Guards, left: list[LeftOut], min_age: str | None) -> list[str]:
    """What the guards left out, in sentences: why, how many, the first of each kind, and how to opt in."""
    lines = []
    revoked = [out for out in left if out.reason == "revoked"]
    for out in revoked[:SHOWN]:
        lines.append(f"Excluded {label(out.image)}: {out.detail}.")
    if len(revoked) > SHOWN:
        lines.append(f"{len(revoked) - SHOWN} more excluded images matched.")
    offshelf = [out for out in left if out.reason == "untrusted" and out.image.is_offshelved]
    if offshelf:
        lines.append(f"Left out {_count(offshelf, 'Marketplace image')} off the shelf (never chosen), e.g. "
                     f"{label(offshelf[0].image)}.")  # fmt: skip
    untrusted = [out for out in left if out.reason == "untrusted" and not out.image.is_offshelved]
    if untrusted:
        kinds = {out.image.imagetype for out in untrusted}
        ways = [way for kind, way in _OPT_IN.items() if kind in kinds] or list(_OPT_IN.values())
        lines.append(
            f"Left out {_count(untrusted, 'image')} from sources not chosen by default (only public images and "
            f"images of the project are chosen unless imagetype, visibility, owner, member_status or id is set; "
            f"Marketplace images only with imagetype='market' or an id), e.g. "
            f"{label(untrusted[0].image)}, {untrusted[0].detail}: to consider them, set {' or '.join(ways)}."
        )
    held = [out for out in left if out.reason == "too new"]
    if held:
        newest = min((out.image for out in held), key=newest_first)
        times = [when for when in (guards.eligible_at(out.image) for out in held) if when is not None]
        when = f"; the next becomes eligible at {format_time(min(times))}" if times else ""
        lines.append(f"Held back {_count(held, 'newer image')} by min_age={shown(min_age)}, the newest "
                     f"{label(newest)}{when}.")  # fmt: skip
    return lines


def request_line(query: ImageQuery) -> str:
    """The request as sent. A long one is cut between parameters, never inside one (the parameters from the first
    that does not fit on are left out): the adapters mask a secret value by its whole text, so each value is shown
    whole or not at all."""
    head = f"GET {IMAGES_PATH}?"
    params = canonical_query(query.to_params()).split("&")
    line = head + "&".join(params)
    if len(line) <= _REQUEST_SHOWN:
        return line
    shown_params: list[str] = []
    size = len(head)
    for param in params:
        size += len(param) + 1  # and the `&` after it
        if size > _REQUEST_SHOWN:
            break
        shown_params.append(param)
    return f"{head}{''.join(param + '&' for param in shown_params)}... ({len(line)} characters)"


def label(image: Image) -> str:
    created = image.created_at.strftime("%Y-%m-%dT%H:%M:%SZ") if image.created_at else "no creation time"
    status = "" if image.status == CHOSEN_STATUS else f", {image.status or 'no status'}"
    return f"{image.name!r} ({image.id}, created {created}{status})"


def _filters(query: ImageQuery) -> list[str]:
    """The filters the query sets, but those that only order or page it."""
    return sorted(name for name in query.model_fields_set | set(query.model_extra or {}) if name not in _NOT_PROBED)


def _count(items: list[Any], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _wire_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return shown(str(value))
