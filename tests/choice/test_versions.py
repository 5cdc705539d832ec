"""Version order on real Huawei Cloud public image labels: each list is in the order a person reads it,
lowest version first."""

from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest

from pulumi_cloudimages import Image
from pulumi_cloudimages.choice.selection import ORDERS
from pulumi_cloudimages.choice.versions import _number, version_key

ASCENDING = {
    "Ubuntu": [
        "Ubuntu 18.04 server 64bit",
        "Ubuntu 20.04 server 64bit",
        "Ubuntu 22.04 server 64bit",
        "Ubuntu 22.04.1 server 64bit",
        "Ubuntu 22.10 server 64bit",
        "Ubuntu 24.04 server 64bit",
    ],
    "CentOS": ["CentOS 6.10 64bit", "CentOS 7.6 64bit", "CentOS 7.9 64bit", "CentOS 7.10 64bit", "CentOS 8.2 64bit"],
    "Debian": ["Debian GNU/Linux 10.0.0 64bit", "Debian GNU/Linux 11.1.0 64bit", "Debian GNU/Linux 12.0.0 64bit"],
    "EulerOS": ["EulerOS 2.2 64bit", "EulerOS 2.5 64bit", "EulerOS 2.9 64bit", "EulerOS 2.10 64bit"],
    "Huawei Cloud EulerOS": ["Huawei Cloud EulerOS 1.1 64bit", "Huawei Cloud EulerOS 2.0 64bit"],
    "openEuler": [
        "openEuler 20.03 64bit",
        "openEuler 20.03 LTS SP3 64bit",
        "openEuler 22.03 64bit",
        "openEuler 22.03 LTS SP1 64bit",
        "openEuler 22.03 LTS SP3 64bit",
    ],
    "SUSE": [
        "SUSE Linux Enterprise Server 12 SP5 64bit",
        "SUSE Linux Enterprise Server 15 64bit",
        "SUSE Linux Enterprise Server 15 SP1 64bit",
        "SUSE Linux Enterprise Server 15 SP5 64bit",
    ],
    "SLES for SAP": ["SLES 12 SP4 for SAP 64 bit", "SLES 15 SP2 for SAP 64 bit", "SLES 15 SP4 for SAP 64 bit"],
    "Rocky": ["Rocky Linux 8.4 64bit", "Rocky Linux 8.10 64bit", "Rocky Linux 9.0 64bit", "Rocky Linux 9.3 64bit"],
    "AlmaLinux": ["AlmaLinux 8.4 64bit", "AlmaLinux 8.9 64bit", "AlmaLinux 9.2 64bit"],
    "Kylin": [
        "Kylin Linux Advanced Server for Kunpeng V10 64bit",
        "Kylin Linux Advanced Server for Kunpeng V10 SP1 64bit",
        "Kylin Linux Advanced Server for Kunpeng V10 SP2 64bit",
        "Kylin Linux Advanced Server for Kunpeng V10 SP3 64bit",
    ],
    "UnionTech": [
        "UnionTech OS Server 20 Euler 1020e 64bit",
        "UnionTech OS Server 20 Euler 1050e 64bit",
        "UnionTech OS Server 20 Euler 1060e 64bit",
    ],
    "Windows": [
        "Windows Server 2012 Datacenter 64bit English",
        "Windows Server 2012 R2 Datacenter 64bit English",
        "Windows Server 2016 Datacenter 64bit English",
        "Windows Server 2019 Datacenter 64bit English",
        "Windows Server 2022 Datacenter 64bit English",
    ],
    "Oracle Linux": ["Oracle Linux 7.9 64bit", "Oracle Linux 8.8 64bit", "Oracle Linux 9.2 64bit"],
    "Fedora": ["Fedora 36 64bit", "Fedora 37 64bit", "Fedora 38 64bit"],
}


@pytest.mark.parametrize("labels", ASCENDING.values(), ids=ASCENDING.keys())
def test_labels_sort_as_a_person_reads_them(labels: list[str]) -> None:
    shuffled = random.Random(7).sample(labels, len(labels))
    assert sorted(shuffled, key=version_key) == labels


@pytest.mark.parametrize("labels", ASCENDING.values(), ids=ASCENDING.keys())
def test_version_order_chooses_the_highest(labels: list[str]) -> None:
    older_first = datetime(2020, 1, 1, tzinfo=timezone.utc)
    # Creation times run against the versions, so that only the version can put the highest first.
    images = [Image(id=f"id-{n}", name=label, os_version=label, created_at=older_first.replace(year=2030 - n))
              for n, label in enumerate(labels)]  # fmt: skip
    assert [i.name for i in sorted(images, key=ORDERS["version"])] == labels[::-1]


@pytest.mark.parametrize(
    ("label", "version", "update"),
    [
        ("Ubuntu 22.04 server 64bit", (22, 4), 0),
        ("Ubuntu 22.04.1 server 64 bit", (22, 4, 1), 0),
        ("CentOS 7.9 x86_64", (7, 9), 0),
        ("CentOS 7.9 64bit for BareMetal", (7, 9), 0),
        ("openEuler 22.03 LTS SP3 aarch64", (22, 3), 3),
        ("Kylin Linux Advanced Server V10 SP2 64bit", (10,), 2),
        ("Windows Server 2012 R2 Standard 64bit Chinese", (2012,), 2),
        ("64bit", (), 0),
        ("", (), 0),
        (None, (), 0),
    ],
)
def test_the_parts_of_a_label(label: str | None, version: tuple[int, ...], update: int) -> None:
    assert version_key(label)[:2] == (tuple(_number(str(v)) for v in version), _number(str(update)))


def test_pre_releases_come_before_the_release() -> None:
    labels = ["web-server-1.10", "web-server-2.0-beta", "web-server-2.0-rc1", "web-server-2.0", "web-server-2.0.1"]
    assert sorted(random.Random(3).sample(labels, len(labels)), key=version_key) == labels


def test_odd_labels_are_read_without_failing() -> None:
    # Only ASCII digits are digits: a superscript two and full-width digits are text, not numbers.
    assert version_key("Fedora 38 64bit build 7\u00b2")[0] == version_key("Fedora 38 64bit")[0]
    assert version_key("Ubuntu \uff12\uff12.\uff10\uff14")[0] == ()
    assert version_key("v" + "9" * 5000) > version_key("v" + "9" * 4999) > version_key("V10")  # past int()'s limit
    assert sorted([version_key("\x00"), version_key("١٢ ٣"), version_key("")])  # comparable, whatever the text
