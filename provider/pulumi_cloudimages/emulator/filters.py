"""The filter semantics of the emulated `GET /v2/cloudimages`, written from the emulator spec.

Deliberately independent of the client's `query.py`: the emulator reads the raw query string the
way the service would, so a mistake in the client's rendering cannot be hidden by the same mistake here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .catalog import Catalog, StoredImage


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

# What the service reads to filter or sort on, besides every `__support_*` flag, the times, and the
# fields that flavors require. The catalog keeps just these for matching; the rest is only sent back.
MATCHED_FIELDS = frozenset(
    {*EQUALITY_FIELDS, "protected", "__whole_image", "min_ram", "min_disk", "tags", "enterprise_project_id", "size"}
)

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
    "sort_key": ("name", "container_format", "disk_format", "status", "id", "size", "created_at"),
    "sort_dir": ("asc", "desc"),
}  # fmt: skip

TIME_OPERATORS: dict[str, Callable[[datetime, datetime], bool]] = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "eq": lambda a, b: a == b,
    "neq": lambda a, b: a != b,
}

Test = Callable[["StoredImage"], bool]


@dataclass(frozen=True)
class Listing:
    """A parsed request: the tests every image must pass, the order, and the page."""

    tests: tuple[Test, ...]
    sort_key: str
    descending: bool
    limit: int
    marker: str | None


def parse_listing(params: Mapping[str, str], catalog: Catalog, project: str | None) -> Listing:
    """Validate `params` (400 `BadParameter` for bad values) and turn them into tests."""
    for name, allowed in ENUMERATIONS.items():
        if name in params and params[name] not in allowed:
            code = "IMG.0024" if name == "__imagetype" else "IMG.0001"
            raise BadParameter(code, f"The {name} {params[name]!r} is invalid; allowed: {', '.join(allowed)}.")
    if "member_status" in params and params.get("visibility") != "shared":
        raise BadParameter("IMG.0001", "member_status can only be used with visibility=shared.")
    tests: list[Test] = []
    for name, value in params.items():
        if name in EQUALITY_FIELDS or name.startswith("__support_"):
            tests.append(_equals(name, value))
        elif name in ("protected", "__whole_image"):
            tests.append(_equals_bool(name, _boolean(name, value)))
        elif name in ("min_ram", "min_disk"):
            tests.append(_equals_int(name, _integer(name, value)))
        elif name in ("created_at", "updated_at"):
            tests.append(_time_test(name, value))
        elif name == "tag":
            tests.append(_has_tag(value))
        elif name == "member_status":
            tests.append(_member(catalog, project, value))
        elif name == "flavor_id":
            tests.append(_runs_on(catalog.flavors.get(value)))
        elif name == "enterprise_project_id":
            test = _enterprise_project(value)
            if test is not None:
                tests.append(test)
        elif name == "architecture":
            tests.append(_architecture(value == "arm"))
        # Anything else (marker, limit, sort_*, unknown parameters) is not a filter; unknown ones are ignored.
    return Listing(
        tests=tuple(tests),
        sort_key=params.get("sort_key", "created_at"),
        descending=params.get("sort_dir", "desc") == "desc",
        limit=_limit(params.get("limit")),
        marker=params.get("marker"),
    )


def _equals(name: str, value: str) -> Test:
    return lambda image: _text(image.fields.get(name)) == value


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def _boolean(name: str, value: str) -> bool:
    if value not in ("true", "false"):
        raise BadParameter("IMG.0001", f"The {name} {value!r} is invalid; allowed: true, false.")
    return value == "true"


def _equals_bool(name: str, wanted: bool) -> Test:
    if name == "__whole_image":  # absent means a system-disk image: false
        return lambda image: bool(image.fields.get(name, False)) == wanted
    return lambda image: image.fields.get(name) is wanted


def _integer(name: str, value: str) -> int:
    if not value.isdigit():
        raise BadParameter("IMG.0001", f"The {name} {value!r} is invalid; an integer is expected.")
    return int(value)


def _equals_int(name: str, wanted: int) -> Test:
    return lambda image: image.fields.get(name) == wanted


def parse_time(text: str) -> datetime:
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    raise ValueError(text)


def _time_test(name: str, value: str) -> Test:
    op, _, text = value.partition(":")
    compare = TIME_OPERATORS.get(op)
    try:
        when = parse_time(text)
    except ValueError:
        compare = None
    if compare is None:
        raise BadParameter(
            "IMG.0001",
            f"The {name} {value!r} is invalid; expected OP:TIME, OP in {', '.join(TIME_OPERATORS)}, "
            f"TIME as yyyy-MM-ddThh:mm:ssZ or yyyy-MM-dd hh:mm:ss.",
        )
    attribute = "created" if name == "created_at" else "updated"
    return lambda image: (t := getattr(image, attribute)) is not None and compare(t, when)


def _has_tag(value: str) -> Test:
    dotted = value.replace("=", ".", 1)  # tags written Key.Value are queried as Key=Value
    return lambda image: any(tag in (value, dotted) for tag in image.fields.get("tags") or ())


def _member(catalog: Catalog, project: str | None, state: str) -> Test:
    return lambda image: catalog.membership(image.id, project) == state


def _architecture(arm: bool) -> Test:
    return lambda image: (image.fields.get("__support_arm") == "true") == arm


def _runs_on(requirements: Mapping[str, str] | None) -> Test:
    if requirements is None:  # an unknown flavor matches nothing
        return lambda image: False
    return lambda image: all(_text(image.fields.get(k)) == v for k, v in requirements.items())


def _enterprise_project(value: str) -> Test | None:
    if value == "all_granted_eps":
        return None
    if value == "0":
        return lambda image: image.fields.get("enterprise_project_id") in (None, "0")
    return lambda image: image.fields.get("enterprise_project_id") == value


def _limit(value: str | None) -> int:
    if value is None:
        return 500
    if not value.isdigit() or not 1 <= int(value) <= 1000:
        raise BadParameter("IMG.0001", f"The limit {value!r} is invalid; an integer from 1 to 1000 is expected.")
    return int(value)
