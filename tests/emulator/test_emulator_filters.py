"""Every filter over real HTTP: the client against the emulator, sample catalog, as project A.

Each row names images the filter must include and images it must exclude; the result is also
checked against a plain reading of the catalog (a third, test-only, reading of the spec).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from pulumi_cloudimages import Image, ImageQuery, ImsClient
from pulumi_cloudimages.emulator import PROJECT_A, PROJECT_B, Emulator
from pulumi_cloudimages.emulator.sample import ENTERPRISE_PROJECT, MEMBERS, sample_data
from pulumi_cloudimages.ims.query import FILTER_NAMES

WIRE: list[dict[str, Any]] = sample_data()["images"]


def _visible_to_a(image: dict[str, Any]) -> bool:
    return image.get("__isregistered") != "false" and (
        image["visibility"] == "public" or image["owner"] == PROJECT_A or PROJECT_A in MEMBERS.get(image["id"], {})
    )


VISIBLE = [image for image in WIRE if _visible_to_a(image)]


def _time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def ims() -> Iterator[ImsClient]:
    with Emulator() as emulator, emulator.client(project_id=PROJECT_A) as client:
        yield client


Predicate = Callable[[dict[str, Any]], bool]
ROWS: list[tuple[dict[str, Any], Predicate, list[str], list[str]]] = [
    ({"isregistered": True}, lambda i: True, ["Ubuntu 22.04 server 64bit 20240129"], ["Debian 12.0.0 64bit (withdrawn)"]),
    ({"imagetype": "gold"}, lambda i: i["__imagetype"] == "gold", ["Fedora 38 64bit 20231117"],
     ["web-server-2025-01-15", "Ubuntu 22.04 LAMP (Marketplace)"]),
    ({"imagetype": "market"}, lambda i: i["__imagetype"] == "market", ["Ubuntu 22.04 LAMP (Marketplace)"], []),
    ({"whole_image": True}, lambda i: i.get("__whole_image") is True, ["whole-web-stack"], ["web-server-2025-01-15"]),
    ({"whole_image": False}, lambda i: not i.get("__whole_image"), ["web-server-2025-01-15"], ["whole-web-stack"]),
    ({"system_cmkid": "a1b2c3d4-0000-4000-8000-000000000001"}, lambda i: "__system__cmkid" in i,
     ["encrypted-base"], ["web-server-2025-01-15"]),
    ({"protected": True}, lambda i: i["protected"] is True, ["Ubuntu 22.04 server 64bit 20240129"], ["web-server-2025-01-15"]),
    ({"protected": False}, lambda i: i["protected"] is False, ["rescue-iso", "Ubuntu 22.04 LAMP (Marketplace)"],
     ["Ubuntu 22.04 server 64bit 20240129"]),
    ({"visibility": "private"}, lambda i: i["visibility"] == "private", ["web-server-2025-01-15"],
     ["platform-secret", "Fedora 38 64bit 20231117"]),
    ({"visibility": "shared"}, lambda i: i["visibility"] == "shared", ["shared-base-ubuntu-2025-03"],
     ["web-server-2025-01-15"]),
    ({"owner": PROJECT_A}, lambda i: i["owner"] == PROJECT_A, ["rescue-iso"], ["shared-base-ubuntu-2025-03"]),
    ({"owner": PROJECT_B}, lambda i: i["owner"] == PROJECT_B, ["shared-tools-2025-08"],
     ["platform-secret", "platform-base-2025-05"]),
    ({"status": "queued"}, lambda i: i["status"] == "queued", ["web-server-2026-01-05"], ["web-server-2025-11-20"]),
    ({"status": "killed"}, lambda i: i["status"] == "killed", ["failed-upload"], ["web-server-2025-11-20"]),
    ({"name": "Ubuntu 22.04 server 64bit 20240129"}, lambda i: i["name"] == "Ubuntu 22.04 server 64bit 20240129",
     ["Ubuntu 22.04 server 64bit 20240129"], ["Ubuntu 22.04 server 64bit 20240129 ARM"]),
    ({"flavor_id": "kc1.large.2"}, lambda i: i.get("__support_arm") == "true" and i.get("__support_kvm") == "true",
     ["Ubuntu 22.04 server 64bit 20240129 ARM"], ["Ubuntu 22.04 server 64bit 20240129"]),
    ({"flavor_id": "p2v.2xlarge.8"}, lambda i: i.get("__support_kvm_gpu_type") == "V100",
     ["Ubuntu 20.04 server 64bit with Tesla Driver"], ["Ubuntu 20.04 server 64bit 20220131"]),
    ({"flavor_id": "no.such.flavor"}, lambda i: False, [], ["Ubuntu 22.04 server 64bit 20240129"]),
    ({"container_format": "bare"}, lambda i: True, ["rescue-iso"], []),
    ({"disk_format": "iso"}, lambda i: i["disk_format"] == "iso", ["rescue-iso"], ["web-server-2025-01-15"]),
    ({"disk_format": "vhd"}, lambda i: i["disk_format"] == "vhd", ["Windows Server 2012 R2 Standard 32bit"], []),
    ({"min_ram": 65536}, lambda i: i["min_ram"] == 65536, ["SUSE Linux Enterprise Server for SAP 15 SP4 64bit"],
     ["Fedora 38 64bit 20231117"]),
    ({"min_disk": 40}, lambda i: i["min_disk"] == 40, ["Fedora 38 64bit 20231117"], []),
    ({"os_bit": "32"}, lambda i: i["__os_bit"] == "32", ["Windows Server 2012 R2 Standard 32bit"],
     ["Windows Server 2022 Datacenter 64bit 20230924"]),
    ({"platform": "Fedora"}, lambda i: i.get("__platform") == "Fedora", ["Fedora 36 64bit 20221206", "Fedora 38 64bit 20231117"],
     ["CoreOS 2345.3.0 64bit 20201018"]),
    ({"platform": "Oracle Linux"}, lambda i: i.get("__platform") == "Oracle Linux", ["Oracle Linux 8.6 64bit 20221218"], []),
    ({"os_type": "Windows"}, lambda i: i.get("__os_type") == "Windows", ["Windows Server 2019 Datacenter 64bit 20201121"],
     ["Fedora 38 64bit 20231117"]),
    ({"os_type": "Other"}, lambda i: i.get("__os_type") == "Other", ["FreeBSD 13.1 64bit 20221218"], []),
    ({"tag": "role=web"}, lambda i: "role.web" in i["tags"], ["web-server-2025-01-15", "whole-web-stack"],
     ["db-server-2025-09-01", "platform-secret"]),
    ({"tag": "role.db"}, lambda i: "role.db" in i["tags"], ["db-server-2025-09-01"], ["web-server-2025-01-15"]),
    ({"visibility": "shared", "member_status": "accepted"},
     lambda i: MEMBERS.get(i["id"], {}).get(PROJECT_A) == "accepted" and i["visibility"] == "shared",
     ["shared-base-ubuntu-2025-03"], ["shared-tools-2025-08", "shared-legacy-2024-01"]),
    ({"visibility": "shared", "member_status": "pending"},
     lambda i: MEMBERS.get(i["id"], {}).get(PROJECT_A) == "pending", ["shared-tools-2025-08"],
     ["shared-base-ubuntu-2025-03"]),
    ({"visibility": "shared", "member_status": "rejected"},
     lambda i: MEMBERS.get(i["id"], {}).get(PROJECT_A) == "rejected", ["shared-legacy-2024-01"], []),
    ({"support_kvm": True}, lambda i: i.get("__support_kvm") == "true", ["Ubuntu 22.04 server 64bit 20240129"],
     ["Windows Server 2012 R2 Standard 32bit", "rescue-iso"]),
    ({"support_xen": True}, lambda i: i.get("__support_xen") == "true", ["Ubuntu 18.04 server 64bit (legacy)"],
     ["Ubuntu 22.04 server 64bit 20240129"]),
    ({"support_largememory": True}, lambda i: i.get("__support_largememory") == "true",
     ["SUSE Linux Enterprise Server for SAP 15 SP4 64bit"], ["Fedora 38 64bit 20231117"]),
    ({"support_diskintensive": True}, lambda i: i.get("__support_diskintensive") == "true",
     ["CentOS 7.9 64bit for BareMetal"], ["CentOS 7.9 64bit 20220105"]),
    ({"support_highperformance": True}, lambda i: i.get("__support_highperformance") == "true",
     ["CentOS 7.6 64bit with InfiniBand"], ["CentOS 7.6 64bit 20190928"]),
    ({"support_xen_gpu_type": "M60"}, lambda i: False, [], ["Ubuntu 20.04 server 64bit with Tesla Driver"]),
    ({"support_kvm_gpu_type": "V100"}, lambda i: i.get("__support_kvm_gpu_type") == "V100",
     ["Ubuntu 20.04 server 64bit with Tesla Driver"], []),
    ({"support_xen_hana": True}, lambda i: i.get("__support_xen_hana") == "true",
     ["SUSE Linux Enterprise Server for SAP 15 SP4 64bit"], []),
    ({"support_kvm_infiniband": True}, lambda i: i.get("__support_kvm_infiniband") == "true",
     ["CentOS 7.6 64bit with InfiniBand"], []),
    ({"__support_s4l": True}, lambda i: i.get("__support_s4l") == "true", ["CentOS 7.9 64bit for BareMetal"], []),
    ({"virtual_env_type": "Ironic"}, lambda i: i["virtual_env_type"] == "Ironic", ["CentOS 7.9 64bit for BareMetal"],
     ["CentOS 7.9 64bit 20220105"]),
    ({"virtual_env_type": "DataImage"}, lambda i: i["virtual_env_type"] == "DataImage", ["data-volume-seed"], []),
    ({"enterprise_project_id": "0"}, lambda i: i.get("enterprise_project_id", "0") == "0",
     ["web-server-2025-06-02"], ["web-server-2025-11-20"]),
    ({"enterprise_project_id": ENTERPRISE_PROJECT}, lambda i: i.get("enterprise_project_id") == ENTERPRISE_PROJECT,
     ["web-server-2025-11-20"], ["web-server-2025-06-02"]),
    ({"enterprise_project_id": "all_granted_eps"}, lambda i: True, ["web-server-2025-11-20", "Fedora 38 64bit 20231117"], []),
    ({"created_at": "gte:2026-01-01T00:00:00Z"}, lambda i: _time(i["created_at"]) >= _time("2026-01-01T00:00:00Z"),
     ["web-server-2026-01-05", "EulerOS 2.9 64bit (security update)"], ["web-server-2025-11-20"]),
    ({"created_at": "lt:2016-06-01 08:00:00"}, lambda i: _time(i["created_at"]) < _time("2016-06-01T08:00:00Z"),
     ["Windows Server 2012 R2 Standard 32bit"], ["Ubuntu 16.04 server 64bit 20160601"]),
    ({"created_at": "eq:2025-11-20T09:00:00Z"}, lambda i: i["created_at"] == "2025-11-20T09:00:00Z",
     ["web-server-2025-11-20", "web-server-canary-2025-11-20"], []),
    ({"created_at": "neq:2025-11-20T09:00:00Z"}, lambda i: i["created_at"] != "2025-11-20T09:00:00Z",
     ["web-server-2025-06-02"], ["web-server-2025-11-20"]),
    ({"updated_at": "gt:2026-09-01T00:00:00Z"}, lambda i: _time(i["updated_at"]) > _time("2026-09-01T00:00:00Z"),
     ["Ubuntu 18.04 server 64bit (legacy)"], ["Ubuntu 18.04 server 64bit 20200205"]),
    ({"updated_at": "lte:2016-01-10 09:00:00"}, lambda i: _time(i["updated_at"]) <= _time("2016-01-10T09:00:00Z"),
     ["Windows Server 2012 R2 Standard 32bit"], []),
    ({"architecture": "arm"}, lambda i: i.get("__support_arm") == "true", ["Ubuntu 22.04 server 64bit 20240129 ARM"],
     ["Ubuntu 22.04 server 64bit 20240129"]),
    ({"architecture": "x86"}, lambda i: i.get("__support_arm") != "true", ["Ubuntu 22.04 server 64bit 20240129"],
     ["Ubuntu 22.04 server 64bit 20240129 ARM"]),
]  # fmt: skip


def _names(images: list[Image]) -> set[str]:
    return {str(image.name) for image in images}


@pytest.mark.parametrize(
    ("filters", "predicate", "included", "excluded"), ROWS, ids=lambda v: "as-defined" if callable(v) else str(v)[:60]
)
def test_each_filter_includes_and_excludes_the_right_images(
    ims: ImsClient, filters: dict[str, Any], predicate: Predicate, included: list[str], excluded: list[str]
) -> None:
    found = _names(ims.list_images(ImageQuery.model_validate(filters)))
    assert set(included) <= found
    assert not set(excluded) & found
    assert found == {image["name"] for image in VISIBLE if predicate(image)}


def test_every_filter_of_the_model_has_a_row() -> None:
    covered = {name for filters, *_ in ROWS for name in filters}
    paging = {"marker", "limit", "sort_key", "sort_dir"}  # covered by test_emulator_paging.py
    assert set(FILTER_NAMES) - paging - covered == {"id"}  # id: test_id_and_tenant_isolation below


def test_id_and_tenant_isolation(ims: ImsClient) -> None:
    wanted = next(image for image in WIRE if image["name"] == "web-server-2025-06-02")
    assert [i.name for i in ims.list_images(id=wanted["id"])] == ["web-server-2025-06-02"]
    secret = next(image for image in WIRE if image["name"] == "platform-secret")
    probes: list[dict[str, Any]] = [
        {"id": secret["id"]},
        {"name": "platform-secret"},
        {"owner": PROJECT_B, "visibility": "private"},
        {"tag": "role=web", "owner": PROJECT_B},
        {"imagetype": "private"},
        {},
    ]
    for filters in probes:
        assert "platform-secret" not in _names(ims.list_images(**filters)), filters
        assert "platform-base-2025-05" not in _names(ims.list_images(**filters)), filters


def test_a_caller_without_a_project_sees_public_images_only() -> None:
    with Emulator() as emulator, emulator.client() as anonymous:
        images = anonymous.list_images()
    assert images and {image.visibility for image in images} == {"public"}
    assert len(images) == sum(1 for i in WIRE if i["visibility"] == "public" and i["__isregistered"] == "true")


def test_unknown_parameters_are_ignored() -> None:
    with Emulator() as emulator:
        plain = httpx.get(f"{emulator.url}/v2/cloudimages", params={"__platform": "Fedora"}).json()
        extra = httpx.get(f"{emulator.url}/v2/cloudimages", params={"__platform": "Fedora", "colour": "blue"}).json()
    assert plain == extra
    assert len(plain["images"]) == sum(1 for i in WIRE if i.get("__platform") == "Fedora")
