"""The filter semantics of the emulated `GET /v2/cloudimages`, written from the emulator spec.

Deliberately independent of the client's `query.py`: the emulator reads the raw query string the
way the service would, so a mistake in the client's rendering cannot be hidden by the same mistake here.
Every value is checked before anything is looked up; each filter becomes a condition that gives the set
of matching catalog positions (see `bits.py`) from the catalog's index.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol


class BadParameter(Exception):
    """A parameter value the service refuses: answered 400 in the IMS shape."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


EQUALITY_FIELDS = (
    "__isregistered", "__imagetype", "visibility", "owner", "id", "status", "name", "container_format",
    "disk_format", "__os_bit", "__platform", "__os_type", "virtual_env_type", "__system__cmkid",
)  # fmt: skip

# The fields the catalog indexes by value (besides every `__support_*` flag, the tags, and the fields that
# flavors require): what a filter compares. The rest of an image is only sent back.
INDEXED_FIELDS = (*EQUALITY_FIELDS, "protected", "__whole_image", "min_ram", "min_disk", "enterprise_project_id")
SORT_KEYS = ("name", "container_format", "disk_format", "status", "id", "size", "created_at")

ENUMERATIONS: dict[str, tuple[str, ...]] = {
    "__imagetype": ("gold", "private", "shared", "market"),
    "visibility": ("public", "private", "shared"),
    "status": ("queued", "saving", "deleted", "killed", "active"),
    "container_format": ("bare",),
    "disk_format": ("vhd", "raw", "zvhd", "zvhd2", "iso", "qcow2"),
    "__os_bit": ("32", "64"),
    "__platform": (
        "Windows", "Ubuntu", "RedHat", "SUSE", "CentOS", "Debian", "OpenSUSE", "Oracle Linux", "Fedora",
        "Other", "CoreOS", "EulerOS",
    ),
    "__os_type": ("Linux", "Windows", "Other"),
    "member_status": ("accepted", "rejected", "pending"),
    "virtual_env_type": ("FusionCompute", "Ironic", "DataImage", "IsoImage"),
    "architecture": ("x86", "arm"),
    "sort_key": SORT_KEYS,
    "sort_dir": ("asc", "desc"),
}  # fmt: skip

TIME_OPERATORS = ("gt", "gte", "lt", "lte", "eq", "neq")


class Index(Protocol):
    """What a condition reads of the catalog (`Catalog` is one): sets of positions, as `bits.py` describes."""

    everything: int

    def bits(self, field: str, value: str | None) -> int: ...
    def member_bits(self, project: str | None, state: str) -> int: ...
    def flavor_bits(self, flavor: str) -> int: ...
    def time_bits(self, name: str, op: str, when: datetime) -> int: ...


# The set of catalog positions a filter lets through, for the calling project.
Condition = Callable[[Index, "str | None"], int]


@dataclass(frozen=True)
class Listing:
    """A parsed request: the conditions every image must meet, the order, and the page."""

    conditions: tuple[Condition, ...]
    sort_key: str
    descending: bool
    limit: int
    marker: str | None


def parse_listing(params: Mapping[str, str]) -> Listing:
    """Validate `params` (400 `BadParameter` for bad values) and turn them into conditions."""
    for name, allowed in ENUMERATIONS.items():
        if name in params and params[name] not in allowed:
            code = "IMG.0024" if name == "__imagetype" else "IMG.0001"
            raise BadParameter(code, f"The {name} {params[name]!r} is invalid; allowed: {', '.join(allowed)}.")
    if "member_status" in params and params.get("visibility") != "shared":
        raise BadParameter("IMG.0001", "member_status can only be used with visibility=shared.")
    conditions: list[Condition] = []
    for name, value in params.items():
        if name in EQUALITY_FIELDS or name.startswith("__support_"):
            conditions.append(_equals(name, value))
        elif name == "protected":
            conditions.append(_equals(name, _boolean(name, value)))
        elif name == "__whole_image":  # absent means a system-disk image: false
            conditions.append(_equals(name, "true") if _boolean(name, value) == "true" else _absent_or(name, "false"))
        elif name in ("min_ram", "min_disk"):
            conditions.append(_equals(name, str(_integer(name, value))))
        elif name in ("created_at", "updated_at"):
            conditions.append(_in_time(name, *_time(name, value)))
        elif name == "tag":
            conditions.append(_has_tag(value))
        elif name == "member_status":
            conditions.append(_member(value))
        elif name == "flavor_id":
            conditions.append(_runs_on(value))
        elif name == "enterprise_project_id" and value != "all_granted_eps":
            conditions.append(_absent_or(name, "0") if value == "0" else _equals(name, value))
        elif name == "architecture":
            conditions.append(_arm(value == "arm"))
        # Anything else (marker, limit, sort_*, unknown parameters) is not a filter; unknown ones are ignored.
    return Listing(
        conditions=tuple(conditions),
        sort_key=params.get("sort_key", "created_at"),
        descending=params.get("sort_dir", "desc") == "desc",
        limit=_limit(params.get("limit")),
        marker=params.get("marker"),
    )


def _equals(name: str, text: str) -> Condition:
    return lambda catalog, _: catalog.bits(name, text)


def _absent_or(name: str, text: str) -> Condition:
    return lambda catalog, _: catalog.bits(name, text) | catalog.bits(name, None)


def _in_time(name: str, op: str, when: datetime) -> Condition:
    return lambda catalog, _: catalog.time_bits(name, op, when)


def _has_tag(value: str) -> Condition:
    dotted = value.replace("=", ".", 1)  # tags written Key.Value are queried as Key=Value
    return lambda catalog, _: catalog.bits("tags", value) | catalog.bits("tags", dotted)


def _member(state: str) -> Condition:
    return lambda catalog, project: catalog.member_bits(project, state)


def _runs_on(flavor: str) -> Condition:
    return lambda catalog, _: catalog.flavor_bits(flavor)


def _arm(wanted: bool) -> Condition:
    def test(catalog: Index, _: str | None) -> int:
        arm = catalog.bits("__support_arm", "true")
        return arm if wanted else catalog.everything & ~arm

    return test


def _boolean(name: str, value: str) -> str:
    if value not in ("true", "false"):
        raise BadParameter("IMG.0001", f"The {name} {value!r} is invalid; allowed: true, false.")
    return value


def _integer(name: str, value: str, allowed: str = "an integer is expected") -> int:
    # Only ASCII digits are a number: str.isdigit() also takes superscripts, Arabic-Indic and full-width
    # digits. Ten digits are plenty for any value the service knows, and keep int() far from its limit.
    if not (value.isascii() and value.isdigit() and len(value) <= 10):
        raise BadParameter("IMG.0001", f"The {name} {value!r} is invalid; {allowed}.")
    return int(value)


def parse_time(text: str) -> datetime:
    if text.isascii():  # strptime's %Y takes any Unicode digit
        for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S"):
            try:
                return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
            except ValueError:
                continue
    raise ValueError(text)


def _time(name: str, value: str) -> tuple[str, datetime]:
    op, _, text = value.partition(":")
    try:
        when = parse_time(text)
    except ValueError:
        op = ""
    if op not in TIME_OPERATORS:
        raise BadParameter(
            "IMG.0001",
            f"The {name} {value!r} is invalid; expected OP:TIME, OP in {', '.join(TIME_OPERATORS)}, "
            f"TIME as yyyy-MM-ddThh:mm:ssZ or yyyy-MM-dd hh:mm:ss.",
        )
    return op, when


def _limit(value: str | None) -> int:
    if value is None:
        return 500
    allowed = "an integer from 1 to 1000 is expected"
    limit = _integer("limit", value, allowed)
    if not 1 <= limit <= 1000:
        raise BadParameter("IMG.0001", f"The limit {value!r} is invalid; {allowed}.")
    return limit
