"""Benchmark (issue: start fast and stay small): each door's start-up beside the floor of the imports it cannot
avoid, as ratios from one run. Each command alternates with its floor, pair by pair, so that the ratio holds on a
machine whose speed drifts; figures are medians.

1. `cloudimages --help`, against `python -c "import typer, rich, httpx, pydantic"` (target: 1.2x);
2. the main job (`cloudimages latest --by platform --imagetype gold --emulator`), against the same (1.5x), and
   against the same imports with pydantic's models in use (1.5x): `import pydantic` alone loads none of them
   (pydantic 2 loads its names on first use), and the main job cannot avoid them (the wire format is pydantic
   models; typer itself loads them to read a command's parameters, and pydantic looks for its plugins then);
3. the provider plugin from process start to its port, against `python -c "import grpc, pulumi, httpx, pydantic"`
   (1.15x), and its first getImages answered after the port (0.15 s).

The package's bytecode is compiled first, as `uv sync --compile-bytecode` or an installed wheel has it.

    uv run python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import compileall
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import grpc
from google.protobuf import struct_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

import pulumi_cloudimages
from pulumi_cloudimages.emulator import Emulator
from pulumi_cloudimages.naming import FUNCTION

BIN = Path(sys.executable).parent
CLI_FLOOR = [sys.executable, "-c", "import typer, rich, httpx, pydantic"]
MODELS_USED = "class M(pydantic.BaseModel):\n    x: int\nM.model_validate({'x': 1})"
MODELS_FLOOR = [sys.executable, "-c", f"import typer, rich, httpx, pydantic\n{MODELS_USED}"]
PLUGIN_FLOOR = [sys.executable, "-c", "import grpc, pulumi, httpx, pydantic"]


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def plugin_start(url: str) -> tuple[float, float]:
    """Seconds from start to the port printed, then from the port to the first getImages answered."""
    started = time.perf_counter()
    process = subprocess.Popen([str(BIN / "pulumi-resource-cloudimages"), "127.0.0.1:1"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    assert process.stdout is not None
    port = process.stdout.readline().strip()
    at_port = time.perf_counter()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            config = struct_pb2.Struct()
            config.update({"endpoint": url})
            stub.Configure(provider_pb2.ConfigureRequest(args=config, acceptSecrets=True))
            args = struct_pb2.Struct()
            args.update({"imagetype": "gold", "platform": "Ubuntu", "mostRecent": True})
            stub.Invoke(provider_pb2.InvokeRequest(tok=FUNCTION, args=args))
        return at_port - started, time.perf_counter() - at_port
    finally:
        process.terminate()
        process.wait(timeout=10)


def paired(runs: int, measured: Callable[[], float], floor: Callable[[], float]) -> tuple[float, float, float]:
    """Medians of the measured command, of its floor, and of their ratio pair by pair (each side first in turn)."""
    pairs = []
    for n in range(runs + 1):
        first, second = (measured, floor) if n % 2 == 0 else (floor, measured)
        a, b = first(), second()
        if n:  # the first pair warms the caches up
            pairs.append((a, b) if n % 2 == 0 else (b, a))
    return (statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs),
            statistics.median(p[0] / p[1] for p in pairs))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    compileall.compile_dir(Path(pulumi_cloudimages.__file__).parent, quiet=1)
    cli = str(BIN / "cloudimages")
    main_job = [cli, "latest", "--by", "platform", "--imagetype", "gold", "--emulator"]
    rows = [
        ("cloudimages --help", *paired(runs, lambda: wall([cli, "--help"]), lambda: wall(CLI_FLOOR)), 1.2),
        ("main job, floor with pydantic's models used",
         *paired(runs, lambda: wall(main_job), lambda: wall(MODELS_FLOOR)), 1.5),
        ("main job, floor of the bare imports", *paired(runs, lambda: wall(main_job), lambda: wall(CLI_FLOOR)), 1.5),
    ]  # fmt: skip
    firsts: list[float] = []
    with Emulator() as emulator:

        def port() -> float:
            to_port, first = plugin_start(emulator.url)
            firsts.append(first)
            return to_port

        rows.append(("plugin: process start to port", *paired(runs, port, lambda: wall(PLUGIN_FLOOR)), 1.15))
    print(f"{'what':<44} {'median s':>9} {'floor s':>8} {'ratio':>6} {'target':>7}")
    for label, seconds, floor, ratio, target in rows:
        mark = "ok" if ratio <= target else "over"
        print(f"{label:<44} {seconds:>9.3f} {floor:>8.3f} {ratio:>5.2f}x {target:>6.2f}x {mark}")
    first = statistics.median(firsts)
    print(f"{'plugin: first getImages answered after port':<44} {first:>9.3f} {'':>8} {'':>6} {0.15:>6.2f}s "
          f"{'ok' if first <= 0.15 else 'over'}")  # fmt: skip


if __name__ == "__main__":
    main()
