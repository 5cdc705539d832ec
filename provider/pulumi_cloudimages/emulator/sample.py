"""The bundled sample catalog: realistic public images of every platform over several years, plus
private and shared images of two projects. Built in code so it is deterministic and easy to read;
`python -c 'from pulumi_cloudimages.emulator.sample import print_sample; print_sample()' > catalog.json` writes it
out as a starting point (not `python -m`: the package has imported this module already, and runpy warns).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from .catalog import Catalog

PUBLIC_OWNER = "1bed856811654c1cb661a6ca845ebc77"
PROJECT_A = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"  # the "web team": private images, and images shared with it
PROJECT_B = "f9e8d7c6b5a49382716f5e4d3c2b1a09"  # the "platform team": shares some images with PROJECT_A
ENTERPRISE_PROJECT = "7c9e6679-7425-40de-944b-e07fc1f90ae7"

# (platform, os type, OS version label, first build date, number of builds, arm variant)
_LINES: list[tuple[str, str, str, str, int, bool]] = [
    ("Ubuntu", "Linux", "Ubuntu 16.04 server 64bit", "2016-06-01", 3, False),
    ("Ubuntu", "Linux", "Ubuntu 18.04 server 64bit", "2018-06-15", 4, False),
    ("Ubuntu", "Linux", "Ubuntu 20.04 server 64bit", "2020-06-10", 4, True),
    ("Ubuntu", "Linux", "Ubuntu 22.04 server 64bit", "2022-06-08", 4, True),
    ("Ubuntu", "Linux", "Ubuntu 24.04 server 64bit", "2024-07-02", 3, True),
    ("CentOS", "Linux", "CentOS 7.6 64bit", "2019-03-12", 2, False),
    ("CentOS", "Linux", "CentOS 7.9 64bit", "2020-12-01", 3, True),
    ("CentOS", "Linux", "CentOS 8.2 64bit", "2020-09-20", 2, False),
    ("Debian", "Linux", "Debian 10.0.0 64bit", "2019-09-01", 2, False),
    ("Debian", "Linux", "Debian 11.1.0 64bit", "2021-11-15", 3, False),
    ("Debian", "Linux", "Debian 12.0.0 64bit", "2023-07-20", 3, False),
    ("EulerOS", "Linux", "EulerOS 2.5 64bit", "2019-05-10", 2, False),
    ("EulerOS", "Linux", "EulerOS 2.9 64bit", "2021-04-01", 3, True),
    ("EulerOS", "Linux", "EulerOS 2.10 64bit", "2022-03-01", 2, True),
    ("Windows", "Windows", "Windows Server 2016 Standard 64bit", "2017-03-01", 3, False),
    ("Windows", "Windows", "Windows Server 2019 Datacenter 64bit", "2019-04-01", 4, False),
    ("Windows", "Windows", "Windows Server 2022 Datacenter 64bit", "2022-02-01", 4, False),
    ("RedHat", "Linux", "Red Hat Enterprise Linux 7.9 64bit", "2020-11-01", 2, False),
    ("RedHat", "Linux", "Red Hat Enterprise Linux 8.4 64bit", "2021-07-01", 3, False),
    ("SUSE", "Linux", "SUSE Linux Enterprise Server 12 SP5 64bit", "2020-02-01", 2, False),
    ("SUSE", "Linux", "SUSE Linux Enterprise Server 15 SP4 64bit", "2022-08-01", 3, False),
    ("OpenSUSE", "Linux", "openSUSE 15.3 64bit", "2021-07-15", 2, False),
    ("OpenSUSE", "Linux", "openSUSE 15.5 64bit", "2023-07-01", 2, False),
    ("Oracle Linux", "Linux", "Oracle Linux 7.9 64bit", "2020-12-10", 2, False),
    ("Oracle Linux", "Linux", "Oracle Linux 8.6 64bit", "2022-06-01", 2, False),
    ("Fedora", "Linux", "Fedora 36 64bit", "2022-05-20", 2, False),
    ("Fedora", "Linux", "Fedora 38 64bit", "2023-05-01", 2, False),
    ("CoreOS", "Linux", "CoreOS 2345.3.0 64bit", "2020-04-01", 2, False),
    ("Other", "Other", "FreeBSD 13.1 64bit", "2022-06-01", 2, False),
]
_BUILD_INTERVAL = timedelta(days=200)
_LAST_DAY = datetime(2026, 10, 1, tzinfo=timezone.utc)


def _id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"cloudimages-sample:{name}"))


def _time(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _image(name: str, created: datetime, **fields: Any) -> dict[str, Any]:
    image_id = _id(name)
    return {
        "schema": "/v2/schemas/image",
        "file": f"/v2/images/{image_id}/file",
        "self": f"/v2/images/{image_id}",
        "id": image_id,
        "name": name,
        "owner": PUBLIC_OWNER,
        "status": "active",
        "visibility": "public",
        "protected": True,
        "tags": [],
        "checksum": "d41d8cd98f00b204e9800998ecf8427e",
        "container_format": "bare",
        "disk_format": "zvhd2",
        "min_ram": 1024,
        "max_ram": "",
        "min_disk": 40,
        "size": 0,
        "virtual_size": 42949672960,
        "created_at": _time(created),
        "updated_at": _time(created + timedelta(hours=1)),
        "active_at": _time(created + timedelta(minutes=20)),
        "virtual_env_type": "FusionCompute",
        "enterprise_project_id": "0",
        "__isregistered": "true",
        "__imagetype": "gold",
        "__os_bit": "64",
        "__image_source_type": "uds",
        "__image_size": "3221225472",
        "__lazyloading": "true",
        "__support_kvm": "true",
        "__support_agent_list": "hss,ces",
        "hw_firmware_type": "bios",
        **fields,
    }


def _public_images() -> list[dict[str, Any]]:
    images = []
    for platform, os_type, label, first, builds, arm in _LINES:
        start = datetime.fromisoformat(first).replace(tzinfo=timezone.utc, hour=8)
        dates = [d for d in (start + i * _BUILD_INTERVAL for i in range(builds)) if d < _LAST_DAY]
        for created in dates:
            name = f"{label} {created:%Y%m%d}"  # builds of a line differ by their date, as public images do
            common = {
                "__platform": platform,
                "__os_type": os_type,
                "__os_version": label,
                "__image_displayname": label,
                "__description": f"{label}, build {created:%Y-%m-%d}",
                "min_ram": 2048 if os_type == "Windows" else 1024,
            }
            old = created.year < 2019  # older builds also run on Xen hosts
            images.append(_image(name, created, **common, **({"__support_xen": "true"} if old else {})))
            if arm:  # published in the same second as the x86 build: a tie in creation time
                images.append(
                    _image(
                        f"{name} ARM",
                        created,
                        **common,
                        __support_arm="true",
                        hw_firmware_type="uefi",
                        __os_feature_list='[{"name":"arm64"}]',
                    )
                )
    return images


def _special_public_images() -> list[dict[str, Any]]:
    t = datetime(2025, 3, 3, 3, 3, 3, tzinfo=timezone.utc)
    ubuntu = {"__platform": "Ubuntu", "__os_type": "Linux", "__os_version": "Ubuntu 20.04 server 64bit"}
    return [
        # Re-tagged in 2026, created long ago: "latest by updated_at" would wrongly pick it.
        _image(
            "Ubuntu 18.04 server 64bit (legacy)",
            datetime(2018, 7, 1, 8, tzinfo=timezone.utc),
            **{**ubuntu, "__os_version": "Ubuntu 18.04 server 64bit"},
            updated_at="2026-09-30T12:00:00Z",
            __support_xen="true",
        ),
        # A patch build of an older line published after the newest build of the newer line.
        _image(
            "EulerOS 2.9 64bit (security update)",
            datetime(2026, 5, 5, 8, tzinfo=timezone.utc),
            __platform="EulerOS",
            __os_type="Linux",
            __os_version="EulerOS 2.9 64bit",
        ),
        _image(
            "Ubuntu 20.04 server 64bit with Tesla Driver",
            t,
            **ubuntu,
            __support_kvm=None,
            __support_kvm_gpu_type="V100",
            min_ram=8192,
        ),
        _image("CentOS 7.6 64bit with InfiniBand", t, __platform="CentOS", __os_type="Linux",
               __os_version="CentOS 7.6 64bit", __support_kvm_infiniband="true", __support_highperformance="true"),
        _image("SUSE Linux Enterprise Server for SAP 15 SP4 64bit", t, __platform="SUSE", __os_type="Linux",
               __os_version="SUSE Linux Enterprise Server 15 SP4 64bit", __support_kvm=None, __support_xen_hana="true",
               __support_largememory="true", min_ram=65536),
        _image("CentOS 7.9 64bit for BareMetal", t, __platform="CentOS", __os_type="Linux",
               __os_version="CentOS 7.9 64bit", virtual_env_type="Ironic", __support_kvm=None, __support_s4l="true",
               __support_diskintensive="true"),
        _image("Ubuntu 22.04 LAMP (Marketplace)", t, **{**ubuntu, "__os_version": "Ubuntu 22.04 server 64bit"},
               __imagetype="market", protected=False, __system_support_market=True, __productcode="00301-LAMP"),
        _image("Debian 12.0.0 64bit (withdrawn)", t, __platform="Debian", __os_type="Linux",
               __os_version="Debian 12.0.0 64bit", __isregistered="false"),
        _image("Windows Server 2012 R2 Standard 32bit", datetime(2016, 1, 10, 8, tzinfo=timezone.utc),
               __platform="Windows", __os_type="Windows", __os_bit="32",
               __os_version="Windows Server 2012 R2 Standard 32bit", __support_xen="true", __support_kvm=None,
               disk_format="vhd", min_ram=2048),
    ]  # fmt: skip


def _private(project: str, name: str, created: str, **fields: Any) -> dict[str, Any]:
    when = datetime.fromisoformat(created.replace("Z", "+00:00"))
    base = {
        "__platform": "Ubuntu",
        "__os_type": "Linux",
        "__os_version": "Ubuntu 22.04 server 64bit",
        "owner": project,
        "visibility": "private",
        "protected": False,
        "__imagetype": "private",
        "__originalimagename": _id("Ubuntu 22.04 server 64bit"),
        "disk_format": "zvhd2",
        "__lazyloading": "false",
        "size": 2147483648,
    }
    return _image(name, when, **{**base, **fields})


def _project_images() -> list[dict[str, Any]]:
    web = {"tags": ["role.web", "team.frontend"]}
    return [
        _private(PROJECT_A, "web-server-2025-01-15", "2025-01-15T09:00:00Z", **web),
        _private(PROJECT_A, "web-server-2025-06-02", "2025-06-02T09:00:00Z", **web),
        _private(PROJECT_A, "web-server-2025-11-20", "2025-11-20T09:00:00Z", **web,
                 enterprise_project_id=ENTERPRISE_PROJECT),
        _private(PROJECT_A, "web-server-canary-2025-11-20", "2025-11-20T09:00:00Z", tags=["role.web", "stage.canary"]),
        _private(PROJECT_A, "web-server-2026-01-05", "2026-01-05T09:00:00Z", **web, status="queued"),
        _private(PROJECT_A, "db-server-2025-09-01", "2025-09-01T10:00:00Z", tags=["role.db"], __platform="Debian",
                 __os_version="Debian 12.0.0 64bit"),
        _private(PROJECT_A, "data-volume-seed", "2025-04-01T00:00:00Z", virtual_env_type="DataImage",
                 __platform=None, __os_type=None, __os_version=None, __support_kvm=None),
        _private(PROJECT_A, "rescue-iso", "2024-12-01T00:00:00Z", virtual_env_type="IsoImage", disk_format="iso",
                 __support_kvm=None),
        _private(PROJECT_A, "whole-web-stack", "2025-08-08T08:08:08Z", __whole_image=True, tags=["role.web"]),
        _private(PROJECT_A, "encrypted-base", "2025-02-02T02:02:02Z",
                 __system__cmkid="a1b2c3d4-0000-4000-8000-000000000001"),
        _private(PROJECT_A, "failed-upload", "2025-03-03T03:03:03Z", status="killed"),
        _private(PROJECT_B, "platform-base-2025-05", "2025-05-05T05:05:05Z", tags=["role.base"]),
        _private(PROJECT_B, "platform-secret", "2025-07-07T07:07:07Z", tags=["role.web"]),
        _private(PROJECT_B, "shared-base-ubuntu-2025-03", "2025-03-01T00:00:00Z", visibility="shared",
                 __imagetype="shared", tags=["role.base"]),
        _private(PROJECT_B, "shared-tools-2025-08", "2025-08-01T00:00:00Z", visibility="shared",
                 __imagetype="shared", tags=["role.tools"]),
        _private(PROJECT_B, "shared-legacy-2024-01", "2024-01-01T00:00:00Z", visibility="shared",
                 __imagetype="shared", __platform="CentOS", __os_version="CentOS 7.9 64bit"),
    ]  # fmt: skip


MEMBERS = {
    _id("shared-base-ubuntu-2025-03"): {PROJECT_A: "accepted"},
    _id("shared-tools-2025-08"): {PROJECT_A: "pending"},
    _id("shared-legacy-2024-01"): {PROJECT_A: "rejected"},
}

FLAVORS = {
    "s6.large.2": {"__support_kvm": "true"},
    "c7.xlarge.2": {"__support_kvm": "true"},
    "s3.large.2": {"__support_xen": "true"},
    "kc1.large.2": {"__support_kvm": "true", "__support_arm": "true"},
    "p2v.2xlarge.8": {"__support_kvm_gpu_type": "V100"},
    "e3.7xlarge.12": {"__support_largememory": "true"},
}


def sample_data() -> dict[str, Any]:
    """The sample catalog in the file format (nulls in the recipes above mean "field absent")."""
    images = _public_images() + _special_public_images() + _project_images()
    cleaned = [{k: v for k, v in image.items() if v is not None} for image in images]
    return {"images": cleaned, "members": MEMBERS, "flavors": FLAVORS}


def sample_catalog() -> Catalog:
    return Catalog.from_data(sample_data(), "the bundled sample catalog")


def print_sample() -> None:
    """The sample catalog, in the file format `cloudimages serve --catalog` reads, on standard output."""
    print(json.dumps(sample_data(), indent=1))


if __name__ == "__main__":  # the older `python -m` form still works, with runpy's warning
    print_sample()
