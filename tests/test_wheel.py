"""The wheel a user installs, tested where it is installed: built with `uv build --wheel`, installed into a fresh
virtual environment of this test run's Python, and run from a directory outside the checkout, so that nothing of the
source tree is on the path. What runs there must behave as the checkout does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime.proto import provider_pb2
from typer.testing import CliRunner

from engine_rpc import clean_environment, provider_process
from pulumi_cloudimages.cli.app import app
from pulumi_cloudimages.emulator.sample import sample_data

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "provider" / "pulumi_cloudimages"
WIRE = {image["name"]: image for image in sample_data()["images"]}
MAIN_JOB = ["latest", "--by", "platform", "--imagetype", "gold", "--emulator"]


def uv() -> str:
    """The uv that runs these tests (`uv run` names itself in $UV), else the one on PATH."""
    found = os.environ.get("UV") or shutil.which("uv")
    assert found, "uv is needed to build the wheel: install it (pip install uv)"
    return found


@dataclass
class Installed:
    wheel: Path
    venv: Path
    cwd: Path  # outside the checkout

    def command(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def environment(self) -> dict[str, str]:
        """A user's shell with the virtual environment activated, and nothing of this checkout or test run."""
        kept = {k: v for k, v in clean_environment().items() if not k.startswith(("PYTHON", "UV_", "VIRTUAL_ENV"))}
        return {**kept, "VIRTUAL_ENV": str(self.venv), "PATH": f"{self.venv / 'bin'}{os.pathsep}{kept['PATH']}"}

    def run(self, args: Sequence[str], **options: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, cwd=self.cwd, env=self.environment(), capture_output=True, text=True, timeout=120, **options
        )


def _run(args: Sequence[str | Path]) -> None:
    done = subprocess.run([str(arg) for arg in args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    _run([uv(), "build", "--wheel", "--quiet", "--out-dir", root / "dist", ROOT])
    (wheel,) = (root / "dist").glob("pulumi_cloudimages-*.whl")
    # --seed: pip, which Pulumi's language host runs to list the installed packages.
    _run([uv(), "venv", "--quiet", "--seed", "--python", sys.executable, root / "venv"])
    _run([uv(), "pip", "install", "--quiet", "--python", root / "venv" / "bin" / "python", wheel])
    (root / "work").mkdir()
    return Installed(wheel, root / "venv", root / "work")


def test_the_wheel_holds_every_module_and_data_file_of_the_package(installed: Installed) -> None:
    in_tree = {
        path.relative_to(PACKAGE.parent).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    with zipfile.ZipFile(installed.wheel) as wheel:
        in_wheel = {name for name in wheel.namelist() if name.startswith("pulumi_cloudimages/")}
    assert {"pulumi_cloudimages/py.typed", "pulumi_cloudimages/pulumi-plugin.json"} <= in_tree
    assert sorted(in_tree - in_wheel) == []
    assert sorted(in_wheel - in_tree) == []


def test_pulumis_language_host_finds_no_plugin_to_download(installed: Installed) -> None:
    """Read as Pulumi's Python language host reads it (pulumi/pulumi `sdk/python/cmd/pulumi-language-python/main.go`:
    `determinePulumiPackages` runs `python -m pip list -v --format json` in the program's virtualenv; for a `pulumi-*`
    distribution `readPulumiPluginJSON` opens `<location>/<module>/pulumi-plugin.json`, and `determinePluginDependency`
    asks for no plugin when it says `"resource": false`). Without it, the engine looks for a resource plugin
    `cloudimages` v0.1.0 and tries to download it (pulumi/pulumi#8011)."""
    listed = installed.run([installed.command("python"), "-m", "pip", "list", "-v", "--format", "json"])
    assert listed.returncode == 0, listed.stderr
    (package,) = [p for p in json.JSONDecoder().raw_decode(listed.stdout)[0] if p["name"] == "pulumi-cloudimages"]
    assert Path(package["location"]).is_relative_to(installed.venv)
    plugin_file = Path(package["location"]) / package["name"].replace("-", "_") / "pulumi-plugin.json"
    assert json.loads(plugin_file.read_text()) == {"resource": False}


def test_the_main_job_prints_what_the_checkout_prints(installed: Installed) -> None:
    done = installed.run([installed.command("cloudimages"), *MAIN_JOB])
    assert (done.returncode, done.stderr) == (0, "")
    groups = json.loads(done.stdout)  # JSON when piped: a group per platform
    assert len(groups) == 12 and all(image["__platform"] == platform for platform, image in groups.items())
    assert groups["Ubuntu"]["name"] == "Ubuntu 24.04 server 64bit 20250806"
    assert groups == json.loads(CliRunner().invoke(app, MAIN_JOB).stdout)


def test_the_plugin_serves_schema_json(installed: Installed) -> None:
    with provider_process([installed.command("pulumi-resource-cloudimages")], env=installed.environment()) as plugin:
        served = plugin.stub.GetSchema(provider_pb2.GetSchemaRequest(version=0)).schema
    assert served == (ROOT / "schema.json").read_text()


PROGRAM = """
import json
import pulumi
import pulumi_cloudimages
from pulumi_cloudimages import PinnedImage, get_images
from pulumi_cloudimages.testing import run_program

def program():
    pulumi.export("fedora", get_images(platform="Fedora", most_recent=True).id)
    ubuntu = PinnedImage("ubuntu", imagetype="gold", platform="Ubuntu", name_regex=r"^Ubuntu 22\\.04 ",
                         most_recent=True)
    pulumi.export("ubuntu", ubuntu.image_id)

print(json.dumps({"package": pulumi_cloudimages.__file__, "outputs": run_program(program)}))
"""


def test_a_pulumi_program_runs_under_the_harness(installed: Installed) -> None:
    (installed.cwd / "__main__.py").write_text(PROGRAM)
    done = installed.run([installed.command("python"), "__main__.py"])
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert Path(result["package"]).is_relative_to(installed.venv)
    assert result["outputs"] == {
        "fedora": WIRE["Fedora 38 64bit 20231117"]["id"],
        "ubuntu": WIRE["Ubuntu 22.04 server 64bit 20240129"]["id"],  # created by PinnedImage's dynamic provider
    }
