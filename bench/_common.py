"""Helpers shared by the benchmarks: a scaled catalog, the emulator in its own process, figures."""

from __future__ import annotations

import hashlib
import json
import random
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pulumi_cloudimages.emulator.sample import sample_data


def scaled_catalog(count: int) -> Path:
    """A catalog file of `count` public images: the sample's public images, cloned with new IDs and times.

    What a real catalog holds per image is per image here too: the size (`size`, `__image_size`), the checksum and
    the times, so that the emulator loads what it would load of a real one. The rest (`min_disk`, the flags, the
    platforms...) keeps the sample's few values.
    """
    public = [image for image in sample_data()["images"] if image["visibility"] == "public"]
    start = datetime(2016, 1, 1, tzinfo=timezone.utc)
    # Distinct sizes from 512 MB to 32 GB, in no relation to the creation order (a sort by size is its own order).
    sizes = random.Random(count).sample(range(2**29, 2**35, 512), count)
    images = []
    for n in range(count):
        image = dict(public[n % len(public)])
        image_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench:{n}"))
        created = start + timedelta(minutes=7 * n)
        image.update(
            id=image_id,
            name=f"{image['name']} #{n}",
            file=f"/v2/images/{image_id}/file",
            self=f"/v2/images/{image_id}",
            checksum=hashlib.md5(image_id.encode()).hexdigest(),
            size=sizes[n],
            __image_size=str(sizes[n]),
            created_at=created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            updated_at=(created + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            active_at=(created + timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            __isregistered="true",
        )
        images.append(image)
    path = Path(tempfile.gettempdir()) / f"cloudimages-bench-{count}.json"
    path.write_text(json.dumps({"images": images}))
    return path


@contextmanager
def emulator_process(catalog: Path) -> Iterator[subprocess.Popen[str]]:
    """`cloudimages serve` in its own process (so it does not share the measured process).

    The process is yielded with its URL as `.url` (the first line it prints).
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "pulumi_cloudimages.cli", "serve", "--catalog", str(catalog)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        process.url = process.stdout.readline().split()[-1]  # type: ignore[attr-defined]
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_json(*command: str) -> dict[str, float]:
    """Run a command that prints one JSON object of figures; return it."""
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _status_mb(field: str, pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def reset_peak_memory() -> float:
    """Reset this process's peak RSS (Linux clear_refs) and return the current RSS in MB.

    ru_maxrss is not used: it survives exec, so a child reports its parent's peak.
    """
    Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS")


def peak_memory(pid: int | str = "self") -> float:
    """Peak RSS in MB since the last reset."""
    return _status_mb("VmHWM", pid)


def memory(pid: int | str = "self") -> float:
    """Current RSS in MB."""
    return _status_mb("VmRSS", pid)


def median(values: list[float]) -> float:
    return statistics.median(values)
