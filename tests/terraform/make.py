"""Writes the real Terraform files of tests/data/terraform/ with OpenTofu, from the configuration beside this script.

Regenerate (from the checkout's root; .ci/opentofu builds tofu once and prints its bin directory):

    PATH="$(.ci/opentofu):$PATH" uv run python tests/terraform/make.py

or into another folder: `... make.py DIR`; `TOFU=/path/to/tofu` picks the binary. It copies the configuration into
a temporary folder (nothing lands in the checkout but the three files), runs, offline (terraform_data is built in:
no provider is downloaded),

    tofu init; tofu apply -auto-approve; tofu show -json                   -> terraform.tfstate, show.json
    tofu plan -out tfplan -var web_image_id=<newer> -var canary=true;
    tofu show -json tfplan                                                 -> plan.json

and writes each file exactly as tofu wrote it: nothing is normalised, so the IDs of terraform_data, the state's
lineage and the plan's timestamp change with each run (the tests do not depend on them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[0] / "data" / "terraform"
# The plan's change: the web servers move to the newest gold build of their lineage (Ubuntu 22.04 server 64bit
# 20240129), and a canary is added whose image ID is known only after apply.
PLAN_VARS = ["-var", "web_image_id=87c08afe-80fc-52f2-abe6-f0cf30e5b09e", "-var", "canary=true"]
FILES = ("terraform.tfstate", "show.json", "plan.json")


def environment(work: Path) -> dict[str, str]:
    """This process's environment without Terraform's or OpenTofu's settings (a TF_VAR_ would change the files),
    with an empty CLI configuration (no credentials, no provider mirrors), no input and no version check."""
    config = work / "tofurc"
    config.write_text("")
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "TOFU_", "CHECKPOINT_"))}
    return {**kept, "TF_CLI_CONFIG_FILE": str(config), "TF_IN_AUTOMATION": "1", "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1"}  # fmt: skip


def generate(out: Path, tofu: str) -> str:
    """Applies and plans the configuration with `tofu`, writing FILES into `out`; returns `tofu version`'s line."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cloudimages-tofu-") as temporary:
        work = Path(temporary)
        stack = work / "stack"
        shutil.copytree(HERE, stack, ignore=shutil.ignore_patterns("make.py", "__pycache__", ".terraform*",
                                                                   "*.tfstate*", "tfplan"))  # fmt: skip
        env = environment(work)

        def run(*args: str) -> bytes:
            done = subprocess.run([tofu, *args], cwd=stack, env=env, stdout=subprocess.PIPE, check=False)
            if done.returncode:
                sys.stderr.buffer.write(done.stdout)
                sys.exit(f"make.py: tofu {' '.join(args)} failed (exit {done.returncode})")
            return done.stdout

        run("init", "-no-color", "-input=false")
        run("apply", "-no-color", "-input=false", "-auto-approve")
        show = run("show", "-json")
        run("plan", "-no-color", "-input=false", "-out=tfplan", *PLAN_VARS)
        plan = run("show", "-json", "tfplan")
        (out / "terraform.tfstate").write_bytes((stack / "terraform.tfstate").read_bytes())
        (out / "show.json").write_bytes(show)
        (out / "plan.json").write_bytes(plan)
        return run("version").decode().splitlines()[0]


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA
    tofu = os.environ.get("TOFU") or shutil.which("tofu")
    if not tofu:
        sys.exit('make.py: tofu not found: PATH="$(.ci/opentofu):$PATH" builds it and puts it first (or set TOFU)')
    version = generate(out, tofu)
    print(f"make.py: {', '.join(FILES)} written into {out} by {version}", file=sys.stderr)


if __name__ == "__main__":
    main()
