"""The command docs/emulator.md gives for writing the sample catalog, run as written: JSON on stdout that
`cloudimages serve --catalog` takes, and nothing on stderr."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from pulumi_cloudimages.emulator import Catalog, sample_catalog

DOC = Path(__file__).parents[2] / "docs" / "emulator.md"


def test_the_documented_command_writes_the_sample_catalog_and_nothing_on_stderr(tmp_path: Path) -> None:
    [command] = re.findall(r"^\$ (uv run python .*sample.*) > catalog\.json$", DOC.read_text(), re.MULTILINE)
    command = command.replace("uv run ", "uv run --no-sync ", 1)
    run = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=120, check=False)
    assert (run.returncode, run.stderr) == (0, "")
    catalog = Catalog.from_data(json.loads(run.stdout), "catalog.json")
    assert catalog.size == sample_catalog().size > 100
