"""`Image`: one image of the `GET /v2/cloudimages` response, and the response page itself.

Python names are the wire names without the leading `__` (`schema` and `self` become `schema_` and
`self_`, which would shadow Python and pydantic names). Every field may be missing or null. Times are
timezone-aware UTC datetimes; the `"true"`/`"false"` string flags read as booleans. Fields this
model does not name are kept (`model_extra`), since real responses carry more than any list names.
`to_wire()` gives back the wire form: what was read is what is written.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, model_validator
from typing_extensions import Self

# What an image ID looks like: IMS gives every image a UUID.
IMAGE_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def id_key(image_id: str) -> str:
    """An image ID as IDs compare: a UUID is the same in either case (RFC 9562), the service lists them in lower
    case, and consoles and tickets often show them in upper case. Every comparison of image IDs goes through it."""
    return image_id.lower()


def format_time(value: datetime) -> str:
    """The API's time format, `2018-09-06T14:03:27Z` (fractions kept when present)."""
    return _utc_text(value, value.fold) if value.tzinfo is not None else _format(value)


def _format(value: datetime) -> str:
    value = value.astimezone(timezone.utc).replace(tzinfo=None)
    # isoformat, not strftime: the year keeps its four digits (0999, not 999).
    return value.isoformat(timespec="microseconds" if value.microsecond else "seconds") + "Z"


@lru_cache(maxsize=4096)  # a listing's times repeat across its images and its answers
def _utc_text(value: datetime, fold: int) -> str:
    # Equal aware datetimes are one instant, but for `fold`: 01:30 in a repeated hour is equal in either fold.
    return _format(value)


def forget_formatted_times() -> None:
    """Empty the cache of formatted times. After a large batch (an emulator's catalog loaded), its last entries
    would keep memory the batch used and freed from going back to the system."""
    _utc_text.cache_clear()


def _flag_text(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


UtcTime = Annotated[datetime, PlainSerializer(format_time, when_used="json-unless-none")]
_TIMES = ("created_at", "updated_at", "active_at")
_SHARED_FIELD_SETS: list[set[str]] = []
_MAX_SHARED_FIELD_SETS = 32
# A boolean that travels as the string "true"/"false".
Flag = Annotated[bool, PlainSerializer(_flag_text, return_type=str | None)]


def _wire(wire: str, description: str) -> Any:
    return Field(default=None, alias=wire, description=description)


class Image(BaseModel):
    """One image, as `GET /v2/cloudimages` describes it."""

    model_config = ConfigDict(
        frozen=True, extra="allow", validate_by_name=True, validate_by_alias=True, defer_build=True
    )

    id: str | None = _wire("id", "Image ID.")
    name: str | None = _wire("name", "Image name.")
    status: str | None = _wire("status", "Image status: queued, saving, deleted, killed or active.")
    visibility: str | None = _wire("visibility", "public, private or shared.")
    owner: str | None = _wire("owner", "Project ID of the owner.")
    protected: bool | None = _wire("protected", "Whether the image is protected.")
    tags: list[str] | None = _wire("tags", "Tags of the image.")
    created_at: UtcTime | None = _wire("created_at", "Creation time (UTC).")
    updated_at: UtcTime | None = _wire("updated_at", "Last update time (UTC).")
    active_at: UtcTime | None = _wire("active_at", "Time the image became active (UTC).")
    imagetype: str | None = _wire("__imagetype", "gold (public), private, shared or market.")
    platform: str | None = _wire("__platform", "OS platform, e.g. Ubuntu.")
    os_type: str | None = _wire("__os_type", "Linux, Windows or Other.")
    os_bit: str | None = _wire("__os_bit", "OS word size: 32 or 64.")
    os_version: str | None = _wire("__os_version", "OS version, e.g. Ubuntu 22.04 server 64bit.")
    description: str | None = _wire("__description", "Description.")
    isregistered: Flag | None = _wire("__isregistered", "Whether the image is registered (usable).")
    container_format: str | None = _wire("container_format", "Container format.")
    disk_format: str | None = _wire("disk_format", "Disk format.")
    min_ram: int | None = _wire("min_ram", "Minimum memory (MB).")
    max_ram: str | None = _wire("max_ram", "Maximum memory (MB).")
    min_disk: int | None = _wire("min_disk", "Minimum disk (GB).")
    size: int | None = _wire("size", "Size of the image file (bytes).")
    virtual_size: int | None = _wire("virtual_size", "Virtual size (bytes).")
    image_size: str | None = _wire("__image_size", "Size of the image (bytes, as text).")
    checksum: str | None = _wire("checksum", "MD5 checksum of the image file.")
    virtual_env_type: str | None = _wire("virtual_env_type", "FusionCompute, Ironic, DataImage or IsoImage.")
    enterprise_project_id: str | None = _wire("enterprise_project_id", "Enterprise project ID.")
    schema_: str | None = _wire("schema", "Schema URI.")
    file: str | None = _wire("file", "URI of the image file.")
    self_: str | None = _wire("self", "URI of the image.")
    image_source_type: str | None = _wire("__image_source_type", "Image back-end storage (uds).")
    originalimagename: str | None = _wire("__originalimagename", "Parent image ID.")
    backup_id: str | None = _wire("__backup_id", "Backup ID.")
    productcode: str | None = _wire("__productcode", "Marketplace product code.")
    data_origin: str | None = _wire("__data_origin", "Source of the image.")
    lazyloading: Flag | None = _wire("__lazyloading", "Whether lazy loading is supported.")
    os_feature_list: str | None = _wire("__os_feature_list", "OS features (a JSON list, as text).")
    support_kvm: Flag | None = _wire("__support_kvm", "Supports KVM.")
    support_xen: Flag | None = _wire("__support_xen", "Supports Xen.")
    support_largememory: Flag | None = _wire("__support_largememory", "Supports large-memory ECSs.")
    support_diskintensive: Flag | None = _wire("__support_diskintensive", "Supports disk-intensive ECSs.")
    support_highperformance: Flag | None = _wire("__support_highperformance", "Supports high-performance ECSs.")
    support_xen_gpu_type: str | None = _wire("__support_xen_gpu_type", "GPU type supported on Xen.")
    support_kvm_gpu_type: str | None = _wire("__support_kvm_gpu_type", "GPU type supported on KVM.")
    support_xen_hana: Flag | None = _wire("__support_xen_hana", "Supports HANA ECSs on Xen.")
    support_kvm_infiniband: Flag | None = _wire("__support_kvm_infiniband", "Supports InfiniBand NICs on KVM.")
    system_support_market: bool | None = _wire("__system_support_market", "Whether a Marketplace image.")
    is_offshelved: Flag | None = _wire("__is_offshelved", "Whether the Marketplace image is off the shelf.")
    root_origin: str | None = _wire("__root_origin", "file: the image was created from an external file.")
    sequence_num: str | None = _wire("__sequence_num", "Sequence number of the ECS system disk.")
    support_fc_inject: Flag | None = _wire("__support_fc_inject", "Supports password/key injection by Cloud-Init.")
    hw_firmware_type: str | None = _wire("hw_firmware_type", "Boot mode: bios or uefi.")
    hw_vif_multiqueue_enabled: Flag | None = _wire("hw_vif_multiqueue_enabled", "Supports NIC multi-queue.")
    system_cmkid: str | None = _wire("__system__cmkid", "ID of the KMS key that encrypts the image.")
    account_code: str | None = _wire("__account_code", "Charging identifier of the image.")
    support_amd: Flag | None = _wire("__support_amd", "Uses AMD x86 architecture.")
    support_arm: Flag | None = _wire("__support_arm", "Uses the Arm architecture.")
    support_agent_list: str | None = _wire("__support_agent_list", "Agents the image carries, e.g. hss,ces.")
    image_displayname: str | None = _wire("__image_displayname", "Display name.")
    support_kvm_hi1822_hisriov: Flag | None = _wire("__support_kvm_hi1822_hisriov", "Supports SR-IOV.")
    support_kvm_hi1822_hivirtionet: Flag | None = _wire("__support_kvm_hi1822_hivirtionet", "Supports Virtio-Net.")
    os_shutdown_timeout: str | None = _wire("os_shutdown_timeout", "Time to wait for a graceful shutdown (s).")

    @model_validator(mode="after")
    def _settle(self) -> Self:
        """Runs once per image of every page, so it is written for speed and memory."""
        # The API documents UTC times: one written without a zone is UTC, not local time.
        for name in _TIMES:
            value = self.__dict__[name]
            if value is not None and value.tzinfo is None:
                self.__dict__[name] = value.replace(tzinfo=timezone.utc)
        # The images of a listing carry the same fields, so they share one (never mutated, the model
        # being frozen) set of field names instead of a set each: a third of an image's memory.
        fields_set = self.__pydantic_fields_set__
        for shared in _SHARED_FIELD_SETS:
            if shared == fields_set:
                object.__setattr__(self, "__pydantic_fields_set__", shared)
                return self
        if len(_SHARED_FIELD_SETS) < _MAX_SHARED_FIELD_SETS:
            _SHARED_FIELD_SETS.append(fields_set)
        return self

    def to_wire(self) -> dict[str, Any]:
        """The wire form: the fields that were present (nulls included), with their wire names."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class PageInfo(BaseModel):
    model_config = ConfigDict(defer_build=True)

    next_marker: str | None = None


class ImagePage(BaseModel):
    """The body of a `200` answer (its validator, which holds `Image`'s, is built at the first answer)."""

    model_config = ConfigDict(defer_build=True)

    images: list[Image]
    page_info: PageInfo | None = None
