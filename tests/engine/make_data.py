"""Writes tests/data/engine/: the `pulumi stack export` of real stacks run by the real engine (tests/engine/stacks.py:
a YAML fleet through the plugin, a Python program's dynamic PinnedImage), after the catalog moved on and a refresh,
so that unit tests read what Pulumi writes rather than hand-written states.

    uv run python tests/engine/make_data.py      # needs the engine: .ci/pulumi-engine

The plugin and the Python program run from a virtualenv of this checkout made for the run (uv; pip seeded: the
engine's Python host lists packages with `python -m pip list`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parents[1])]  # tests/: engine.*, pins

from engine.scenario import ACCESS_KEY, PROJECT_A, SECRET_KEY, Emulator, Project, find_engine, signed_config  # noqa: E402
from engine.stacks import fleet_program, live, python_files  # noqa: E402

OUT = Path(__file__).parents[1] / "data" / "engine"


def main() -> None:
    engine = find_engine()
    if engine is None:
        sys.exit("the Pulumi engine is not built: run .ci/pulumi-engine")
    uv = os.environ.get("UV") or shutil.which("uv") or "uv"
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([uv, "venv", "--quiet", "--seed", "--python", sys.executable, venv], check=True)
        subprocess.run([uv, "pip", "install", "--quiet", "--python", venv / "bin/python", OUT.parents[2]], check=True)
        bin_dir, python = venv / "bin", venv / "bin" / "python"
        with Emulator(bin_dir / "cloudimages", "--credential", f"{ACCESS_KEY}:{SECRET_KEY}:{PROJECT_A}") as ims:
            plain, secret = signed_config(ims)
            fleet = Project.create(Path(tmp) / "fleet", engine, {"Pulumi.yaml": fleet_program(bin_dir)},
                                   config=plain, secrets=secret)  # fmt: skip
            pinned = Project.create(Path(tmp) / "pinned", engine, python_files(python), config=plain,
                                    secrets=secret, env={"PULUMI_PYTHON_CMD": str(python)})  # fmt: skip
            exports = live([fleet, pinned], ims)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, export in zip(("fleet.json", "pinned.json"), exports, strict=True):
        (OUT / name).write_text(export)
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
