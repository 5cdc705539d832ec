"""The project as a user meets it: its version from the one source, and the README's commands printing nothing but
their own output (uv adds nothing on stderr)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

import pulumi_cloudimages

ROOT = Path(__file__).parent.parent


def test_the_package_version() -> None:
    """One source: `_version.py`, which the build reads (a dynamic version) and the package imports."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["dynamic"] == ["version"] and "version" not in pyproject["project"]
    assert pyproject["tool"]["hatch"]["version"]["path"] == "provider/pulumi_cloudimages/_version.py"
    assert pulumi_cloudimages.__version__ == version("pulumi-cloudimages")


def readme_command(*args: str) -> subprocess.CompletedProcess[str]:
    """`uv run ...` from the checkout, as the README says, in the environment this test run uses."""
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "uv is needed for the README's commands: install it (pip install uv)"
    # An activated virtualenv other than the project's makes uv warn; the README's user has none.
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    return subprocess.run([uv, "run", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_main_job_prints_its_json_and_nothing_else() -> None:
    done = readme_command("cloudimages", "latest", "--by", "platform", "--imagetype", "gold", "--emulator")
    assert (done.returncode, done.stderr) == (0, "")
    assert len(json.loads(done.stdout)) == 12


def test_uv_run_adds_nothing_to_the_test_command() -> None:
    done = readme_command("pytest", "--version")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("pytest ")
