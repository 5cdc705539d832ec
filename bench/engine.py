"""Benchmark (issue 25: the real engine): `pulumi preview` of a YAML program with 12 `getImages` invokes and one
`PinnedImage`, beside the same program without them (the engine's own floor: the CLI, the YAML host, the file
backend), side by side as a ratio; between them the PinnedImage alone (what loading the plugin costs a preview:
its start, its schema, its configuration); and the plugin's start alone (process start to its port printed).

The engine is the one `.ci/pulumi-engine` builds; the plugin and the emulator are this checkout's (the environment
running this script), the plugin named under `plugins: providers:`. The 12 invokes are distinct (identical ones
are sent to the service once per deployment). Each preview runs RUNS times, the programs in turn so that all see
the machine alike; medians.

    uv run python bench/engine.py
"""

from __future__ import annotations

import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The engine tests' helpers (tests/engine/scenario.py, standard library only), by path: this file is `engine` too.
_spec = importlib.util.spec_from_file_location("scenario", Path(__file__).parents[1] / "tests/engine/scenario.py")
assert _spec is not None and _spec.loader is not None
scenario = importlib.util.module_from_spec(_spec)
sys.modules["scenario"] = scenario  # dataclasses look their module up
_spec.loader.exec_module(scenario)

RUNS = 7
BIN = Path(sys.executable).parent
LOOKUPS = [
    "{ imagetype: gold, platform: Ubuntu, mostRecent: true }",
    "{ imagetype: gold, platform: CentOS, mostRecent: true }",
    "{ imagetype: gold, platform: Debian, mostRecent: true }",
    "{ imagetype: gold, platform: EulerOS, mostRecent: true }",
    "{ imagetype: gold, platform: Windows, mostRecent: true }",
    "{ imagetype: gold, platform: Ubuntu, supportKvm: true, mostRecent: true }",
    "{ imagetype: gold, platform: CentOS, supportKvm: true, mostRecent: true }",
    "{ imagetype: gold, platform: Debian, supportKvm: true, mostRecent: true }",
    "{ imagetype: gold, platform: Ubuntu, nameRegex: '^Ubuntu 22', mostRecent: true }",
    "{ imagetype: gold, platform: Ubuntu, nameRegex: '^Ubuntu 20', mostRecent: true }",
    "{ imagetype: gold, status: active, groupBy: platform }",
    "{ imagetype: private, tag: role.web, mostRecent: true }",
]
HEAD = f"""\
runtime: yaml
plugins:
  providers:
    - name: cloudimages
      path: {BIN}
"""


def with_lookups() -> str:
    variables = "".join(
        f"  lookup{n}:\n    fn::invoke:\n      function: cloudimages:index:getImages\n      arguments: {args}\n"
        for n, args in enumerate(LOOKUPS)
    )
    outputs = "".join(f"  lookup{n}: ${{lookup{n}.ids}}\n" for n in range(len(LOOKUPS)))
    return (
        f"name: lookups\n{HEAD}variables:\n{variables}resources:\n  ubuntu:\n"
        "    type: cloudimages:index:PinnedImage\n"
        "    properties: { imagetype: gold, platform: Ubuntu, supportKvm: true, mostRecent: true }\n"
        f"outputs:\n{outputs}  pinned: ${{ubuntu.imageId}}\n"
    )


def pin_only() -> str:
    outputs = "".join(f"  lookup{n}: none\n" for n in range(len(LOOKUPS)))
    return (
        f"name: pin\n{HEAD}resources:\n  ubuntu:\n    type: cloudimages:index:PinnedImage\n"
        "    properties: { imagetype: gold, platform: Ubuntu, supportKvm: true, mostRecent: true }\n"
        f"outputs:\n{outputs}  pinned: ${{ubuntu.imageId}}\n"
    )


def floor() -> str:
    outputs = "".join(f"  lookup{n}: none\n" for n in range(len(LOOKUPS)))
    return f"name: floor\n{HEAD}outputs:\n{outputs}  pinned: none\n"


def plugin_start() -> float:
    started = time.perf_counter()
    # The engine's address as the engine passes it (nothing listens there: only the start is timed).
    process = subprocess.Popen([BIN / "pulumi-resource-cloudimages", "127.0.0.1:1"], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    port = process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.terminate()
    process.wait(10)
    assert port.strip().isdigit(), port
    return elapsed


def main() -> None:
    engine = scenario.find_engine()
    if engine is None:
        sys.exit("the Pulumi engine is not built: run .ci/pulumi-engine")
    credential = f"{scenario.ACCESS_KEY}:{scenario.SECRET_KEY}:{scenario.PROJECT_A}"
    with (
        tempfile.TemporaryDirectory() as tmp,
        scenario.Emulator(BIN / "cloudimages", "--credential", credential) as ims,
    ):
        plain, secret = scenario.signed_config(ims)
        projects = {
            name: scenario.Project.create(Path(tmp) / name, engine, {"Pulumi.yaml": text}, config=plain, secrets=secret)
            for name, text in (("floor", floor()), ("pin", pin_only()), ("lookups", with_lookups()))
        }
        for project in projects.values():  # once, untimed: the OS's file cache, the stack's first write
            project.run("preview")
        times: dict[str, list[float]] = {name: [] for name in projects}
        for _ in range(RUNS):
            for name, project in projects.items():
                started = time.perf_counter()
                project.run("preview")
                times[name].append(time.perf_counter() - started)
        requests = len(ims.requests())
    starts = [plugin_start() for _ in range(RUNS)]

    low, pin, high = (statistics.median(times[name]) for name in ("floor", "pin", "lookups"))
    print(f"pulumi preview, median of {RUNS} (engine {engine})")
    print(f"  {'floor: no invokes, no resource':<44}{low:8.2f} s")
    print(f"  {'1 PinnedImage (the plugin started, schema)':<44}{pin:8.2f} s   {pin / low:.2f}x the floor")
    print(f"  {'12 getImages invokes + 1 PinnedImage':<44}{high:8.2f} s   {high / low:.2f}x the floor")
    print(f"  requests to the emulator over {RUNS + 1} previews: {requests}")
    print(f"plugin start (process start to port printed), median of {RUNS}: {statistics.median(starts):.2f} s")


if __name__ == "__main__":
    main()
