"""`ImageQuery`: the 38 filters of `GET /v2/cloudimages`, typed and validated.

This model is the single source of truth for the filters: their Python names, wire names, types,
allowed values and descriptions. `schema.json`, the CLI options and the docs are derived from it.

Python names are the wire names without the leading `__` (the official SDK's convention, e.g.
`__imagetype` -> `imagetype`); wire names are accepted as well. `__system__cmkid` is `system_cmkid`.
Further `__support_*` flags that the table does not list (e.g. `__support_s4l`) pass through.
Every bad value raises one `InvalidQueryError` naming the filter, the value and what is allowed.
"""

from __future__ import annotations

import difflib
import re
import types
from datetime import datetime, timezone
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from urllib.parse import quote

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails
from typing_extensions import Self

from ..errors import InvalidQueryError, shown
from .image import IMAGE_ID, id_key
from .inputs import STORED, as_flag, checked, reason

ImageType = Literal["gold", "private", "shared", "market"]
Visibility = Literal["public", "private", "shared"]
Status = Literal["queued", "saving", "deleted", "killed", "active"]
ContainerFormat = Literal["bare"]
DiskFormat = Literal["vhd", "raw", "zvhd", "zvhd2", "iso", "qcow2"]
OsBit = Literal["32", "64"]
Platform = Literal[
    "Windows", "Ubuntu", "RedHat", "SUSE", "CentOS", "Debian",
    "OpenSUSE", "Oracle Linux", "Fedora", "Other", "CoreOS", "EulerOS",
]  # fmt: skip
SortKey = Literal["name", "container_format", "disk_format", "status", "id", "size", "created_at"]
SortDir = Literal["asc", "desc"]
OsType = Literal["Linux", "Windows", "Other"]
MemberStatus = Literal["accepted", "rejected", "pending"]
VirtualEnvType = Literal["FusionCompute", "Ironic", "DataImage", "IsoImage"]
Architecture = Literal["x86", "arm"]
TimeOperator = Literal["gt", "gte", "lt", "lte", "eq", "neq"]

PLATFORMS: tuple[str, ...] = get_args(Platform)
# The longest encoded query sent: gateways refuse request lines much past 8 KiB (and httpx any URL past 64 KiB).
MAX_QUERY_LENGTH = 8192

# The two time formats the API documents; both are UTC.
_TIME_FORMATS = ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S")
_TIME_FILTER_ERROR = "invalid time filter: "
_EXTRA_SUPPORT_FLAG = re.compile(r"^(?:__)?(support_[a-z0-9_]+)$")


class TimeFilter(BaseModel):
    """A `created_at`/`updated_at` filter: an operator and a UTC time, on the wire `OP:TIME`.

    Accepts `"gt:2018-10-28T10:00:00Z"`, `"gt:2018-10-28 10:00:00"`, or `TimeFilter(op="gt", time=...)`
    with a timezone-aware datetime.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    op: TimeOperator
    time: datetime

    def __init__(self, **data: Any) -> None:
        # One clear error; within an ImageQuery (pydantic calls this __init__ there too), the query names the filter.
        try:
            super().__init__(**data)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors())
            raise InvalidQueryError(f"{_TIME_FILTER_ERROR}{problems.replace('Value error, ', '')}") from None

    @model_validator(mode="before")
    @classmethod
    def _parse_wire_form(cls, data: Any) -> Any:
        if not isinstance(data, str):
            return data
        op, _, text = data.partition(":")
        if op not in get_args(TimeOperator):
            raise ValueError(f"expected OP:TIME, OP one of {_quoted(get_args(TimeOperator))}, not {shown(op)}")
        for fmt in _TIME_FORMATS:
            try:
                return {"op": op, "time": datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)}
            except ValueError:
                continue
        raise ValueError(f"time {shown(text)} is not yyyy-MM-ddThh:mm:ssZ or yyyy-MM-dd hh:mm:ss (UTC)")

    @field_validator("time")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("the time must be timezone-aware (the API compares UTC times)")
        try:
            return value.astimezone(timezone.utc)
        except OverflowError:
            raise ValueError(f"{value.isoformat()} is outside the years 1 to 9999 once in UTC") from None

    def __str__(self) -> str:
        # isoformat, not strftime: the year keeps its four digits (0999, not 999).
        return f"{self.op}:{self.time.replace(tzinfo=None).isoformat(timespec='seconds')}Z"


def _filter(wire: str, description: str, **constraints: Any) -> Any:
    """A filter field: optional, known on the wire as `wire`."""
    return Field(default=None, alias=wire, description=description, **constraints)


class ImageQuery(BaseModel):
    """The filters of `GET /v2/cloudimages`. All optional; unset ones are not sent."""

    # defer_build: the validator is built on first use, not at import: `cloudimages --help` and the plugin's
    # start-up build none they do not use.
    model_config = ConfigDict(
        frozen=True, extra="allow", validate_by_name=True, validate_by_alias=True, str_min_length=1, defer_build=True
    )

    isregistered: bool | None = _filter("__isregistered", "Whether the image is registered (usable).")
    imagetype: ImageType | None = _filter(
        "__imagetype",
        "Image type: gold (public), private, shared (shared with you, or by you and accepted), market.",
    )
    whole_image: bool | None = _filter("__whole_image", "Whether the image is a whole-ECS image.")
    system_cmkid: str | None = Field(
        default=None,
        alias="__system__cmkid",
        validation_alias=AliasChoices("system_cmkid", "system__cmkid", "__system__cmkid"),
        description="ID of the KMS key that encrypts the image.",
    )
    protected: bool | None = _filter("protected", "Whether the image is protected (true for public images).")
    visibility: Visibility | None = _filter("visibility", "Who may see the image: public, private or shared.")
    owner: str | None = _filter("owner", "Project ID of the tenant that owns the image.")
    id: str | None = _filter("id", "Image ID.")
    status: Status | None = _filter("status", "Image status; active images are usable.")
    name: str | None = _filter("name", "Image name, exact match.")
    flavor_id: str | None = _filter("flavor_id", "An ECS flavor ID: only images that can run on it.")
    container_format: ContainerFormat | None = _filter("container_format", "Container format.")
    disk_format: DiskFormat | None = _filter("disk_format", "Disk format.")
    min_ram: int | None = _filter("min_ram", "Minimum memory (MB) the image needs.", ge=0, le=2**31 - 1)  # int32
    min_disk: int | None = _filter("min_disk", "Minimum disk (GB) the image needs.", ge=0, le=1024)
    os_bit: OsBit | None = _filter("__os_bit", "OS word size in bits: 32 or 64.")
    platform: Platform | None = _filter("__platform", "OS platform.")
    marker: str | None = _filter("marker", "Paging: the image ID after which the page starts.")
    limit: int | None = _filter("limit", "Page size (the service's default is 500).", ge=1, le=1000)
    sort_key: SortKey | None = _filter("sort_key", "Sort field (default `created_at`).")
    sort_dir: SortDir | None = _filter("sort_dir", "Sort direction (default `desc`).")
    os_type: OsType | None = _filter("__os_type", "OS type.")
    tag: str | None = _filter("tag", "A tag on the image; a tag written Key.Value is queried as Key=Value.")
    member_status: MemberStatus | None = _filter(
        "member_status", "Your membership state of a shared image; needs visibility=shared."
    )
    support_kvm: bool | None = _filter("__support_kvm", "Whether the image supports KVM.")
    support_xen: bool | None = _filter("__support_xen", "Whether the image supports Xen.")
    support_largememory: bool | None = _filter("__support_largememory", "Whether the image supports large-memory ECSs.")
    support_diskintensive: bool | None = _filter(
        "__support_diskintensive", "Whether the image supports disk-intensive ECSs."
    )
    support_highperformance: bool | None = _filter(
        "__support_highperformance", "Whether the image supports high-performance ECSs."
    )
    support_xen_gpu_type: str | None = _filter(
        "__support_xen_gpu_type", "GPU type supported on Xen; not with support_xen or support_kvm."
    )
    support_kvm_gpu_type: str | None = _filter(
        "__support_kvm_gpu_type", "GPU type supported on KVM; not with support_xen or support_kvm."
    )
    support_xen_hana: bool | None = _filter(
        "__support_xen_hana",
        "Whether the image supports HANA ECSs on Xen; not with support_xen or support_kvm.",
    )
    support_kvm_infiniband: bool | None = _filter(
        "__support_kvm_infiniband", "Whether the image supports InfiniBand NICs on KVM; not with support_xen."
    )
    virtual_env_type: VirtualEnvType | None = _filter(
        "virtual_env_type",
        "Environment: FusionCompute (ECS system disk), Ironic (BMS), DataImage (data disk), IsoImage.",
    )
    enterprise_project_id: str | None = _filter(
        "enterprise_project_id",
        "Enterprise project: 0 (default), a project UUID, or all_granted_eps (every one you may see).",
    )
    created_at: TimeFilter | None = _filter(
        "created_at", "Creation time, OP:TIME with OP gt, gte, lt, lte, eq or neq (UTC)."
    )
    updated_at: TimeFilter | None = _filter(
        "updated_at", "Update time, OP:TIME with OP gt, gte, lt, lte, eq or neq (UTC)."
    )
    architecture: Architecture | None = _filter("architecture", "CPU architecture: x86 or arm.")

    @field_validator("created_at", "updated_at", mode="wrap")
    @classmethod
    def _time_filter(cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
        try:
            return handler(value)
        except InvalidQueryError as exc:  # from TimeFilter's own check, which cannot know the filter's name
            # A ValueError: pydantic goes on to check the other filters, and `_describe` words it as theirs.
            raise ValueError(str(exc).removeprefix(_TIME_FILTER_ERROR)) from None

    @field_validator("*", mode="before")
    @classmethod
    def _not_guessed(cls, value: Any, info: ValidationInfo) -> Any:
        if info.context and info.context.get(STORED):  # read as the version that wrote it did
            return value
        return checked(cls.model_fields[str(info.field_name)].annotation, value)

    @field_validator("id", mode="after")
    @classmethod
    def _id_as_listed(cls, value: str | None) -> str | None:
        return (
            id_key(value) if value is not None and IMAGE_ID.fullmatch(value) else value
        )  # sent as the service lists it

    @field_validator("os_bit", mode="before")
    @classmethod
    def _bits_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="wrap")
    @classmethod
    def _one_clear_error(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        problems: list[InvalidQueryError] = []  # names refused before the values are read: told with the values'
        if isinstance(data, dict):
            data, problems = _normalise_keys(data)
        try:
            query = handler(data)
        except ValidationError as exc:
            located = [e for e in exc.errors() if e["loc"]]
            names = tuple(_BY_ANY_NAME.get(str(e["loc"][0]), str(e["loc"][0])) for e in located)
            each = tuple(
                InvalidQueryError(f"invalid image filter: {_describe_one(e)}", names=(name,))
                for e, name in zip(located, names, strict=True)
            )
            values = InvalidQueryError(_describe(exc), names=names, problems=each)
            raise InvalidQueryError.of_all([*problems, values]) from None
        if problems:
            raise InvalidQueryError.of_all(problems)
        query._check_combinations()
        query._check_length()
        return query

    def _check_combinations(self) -> None:
        for flag, excluded in _EXCLUSIONS.items():
            if getattr(self, flag) is None:
                continue
            clash = [name for name in excluded if getattr(self, name) is not None]
            if clash:
                raise InvalidQueryError(
                    f"invalid image filter: {flag} cannot be combined with {' or '.join(clash)} "
                    f"(the API refuses the combination); remove one of them",
                    names=(flag, *clash),
                )
        if self.member_status is not None and self.visibility != "shared":
            raise InvalidQueryError(
                f"invalid image filter: member_status={shown(self.member_status)} needs visibility='shared' "
                f"({'visibility is not set' if self.visibility is None else f'not {shown(self.visibility)}'})",
                names=("member_status", "visibility"),
            )

    def _check_length(self) -> None:
        encoded = {wire: len(quote(value, safe="~")) for wire, value in self.to_params()}
        total = sum(len(wire) + length + 2 for wire, length in encoded.items())
        if total > MAX_QUERY_LENGTH:
            wire, longest = max(encoded.items(), key=lambda item: item[1])
            name = _BY_ANY_NAME.get(wire, wire)
            raise InvalidQueryError(
                f"invalid image filter: {name} is {longest} characters long once encoded, which makes the query "
                f"{total} characters, over the {MAX_QUERY_LENGTH} a request line may carry; shorten it",
                names=(name,),
            )

    def to_params(self) -> list[tuple[str, str]]:
        """The query as wire (name, value) pairs: unset filters left out, booleans `true`/`false`."""
        return [(wire, _wire_value(value)) for wire, value in self.model_dump(by_alias=True).items()
                if value is not None]  # fmt: skip

    def with_options(self, **changes: Any) -> ImageQuery:
        """A copy with some filters changed, validated like any other query."""
        current = self.model_dump(exclude_none=True)
        return ImageQuery.model_validate({**current, **changes})


# Flags the API refuses to combine with others (see the filter table).
_EXCLUSIONS: dict[str, tuple[str, ...]] = {
    "support_xen_gpu_type": ("support_xen", "support_kvm"),
    "support_kvm_gpu_type": ("support_xen", "support_kvm"),
    "support_xen_hana": ("support_xen", "support_kvm"),
    "support_kvm_infiniband": ("support_xen",),
}

# Filters that only order or page a listing: choosing reads every match and orders them itself, so no lookup takes them.
LISTING_ONLY = frozenset({"marker", "sort_key", "sort_dir"})
FILTER_NAMES: tuple[str, ...] = tuple(ImageQuery.model_fields)
WIRE_NAMES: dict[str, str] = {name: str(field.alias) for name, field in ImageQuery.model_fields.items()}
_BY_ANY_NAME: dict[str, str] = {
    **{name: name for name in FILTER_NAMES},
    **{wire: name for name, wire in WIRE_NAMES.items()},
    "system__cmkid": "system_cmkid",
}


def is_filter_name(key: str) -> bool:
    """Whether `key` names a filter: its Python or wire name, or a further `__support_*` flag."""
    return key in _BY_ANY_NAME or _EXTRA_SUPPORT_FLAG.match(key) is not None


def sent_texts(name: str, value: Any) -> list[str]:
    """How a filter's value is sent, where that may differ from how it was written (a tag `role.web` is asked
    for as `role=web`, a time `gt:2018-10-28 10:00:00` as `gt:2018-10-28T10:00:00Z`): what masking a secret
    filter must cover in a request line. Nothing for a value that is no filter's."""
    try:
        return [text for _, text in ImageQuery.model_validate({name: value}).to_params()]
    except (InvalidQueryError, ValueError):
        return []


def _normalise_keys(data: dict[str, Any]) -> tuple[dict[str, Any], list[InvalidQueryError]]:
    """Every key by its Python name (unknown `__support_*` flags become wire-named extras), and a problem for each
    key refused (left out, so that the other filters are still checked)."""
    out: dict[str, Any] = {}
    problems = []
    for key, value in data.items():
        try:
            name, value = _normalised(key, value)
            if name in out:
                raise InvalidQueryError(
                    f"invalid image filter: {name} is given twice (as {shown(key)} and under another of its names)",
                    names=(name,),
                )
        except InvalidQueryError as problem:
            problems.append(problem)
            continue
        out[name] = value
    return out, problems


def _normalised(key: Any, value: Any) -> tuple[str, Any]:
    if not isinstance(key, str):
        raise InvalidQueryError(f"invalid image filter: {shown(key)} is not a filter name (names are text)")
    if key in _BY_ANY_NAME:
        return _BY_ANY_NAME[key], value
    if match := _EXTRA_SUPPORT_FLAG.match(key):
        name = "__" + match.group(1)
        if not isinstance(value, (bool, str)) or value == "":
            raise InvalidQueryError(
                f"invalid image filter: {key}={shown(value)}; a support flag takes true, false or a non-empty string",
                names=(name,),
            )
        return name, as_flag(value)
    close = difflib.get_close_matches(key.lstrip("_"), FILTER_NAMES, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise InvalidQueryError(
        f"invalid image filter: unknown filter {shown(key)}{hint} (the filters are: {', '.join(FILTER_NAMES)})",
        names=(key,),
    )


def _wire_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):  # a TimeFilter, dumped
        return str(TimeFilter.model_validate(value))
    return str(value)


def _quoted(values: tuple[Any, ...] | list[Any]) -> str:
    return ", ".join(repr(v) for v in values)


def _describe(exc: ValidationError) -> str:
    """One message for all the problems of one query, each naming filter, value and what is allowed."""
    return "invalid image filter: " + "; ".join(_describe_one(error) for error in exc.errors())


def _describe_one(error: ErrorDetails) -> str:
    key = str(error["loc"][0]) if error["loc"] else "?"
    name = _BY_ANY_NAME.get(key, key)
    value = error.get("input")
    if error["type"] == "literal_error":
        allowed = _literal_values(name)
        close = [v for v in allowed if isinstance(value, str) and v.lower() == value.lower()]
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"{name}={shown(value)} is not allowed; allowed: {_quoted(allowed)}{hint}"
    return f"{name}={shown(value)}: {reason(error['msg'])}"


def _literal_values(name: str) -> tuple[str, ...]:
    annotation = ImageQuery.model_fields[name].annotation
    (literal, _none) = get_args(annotation)
    return get_args(literal)


def inner_type(annotation: Any) -> Any:
    """The type inside `X | None` and `Annotated[X, ...]`."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            annotation = members[0] if len(members) == 1 else annotation
            if len(members) != 1:
                return annotation
        else:
            return annotation
