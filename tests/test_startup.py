"""Each door loads what it needs and not the other doors (issue: start fast): the command line never loads the
Pulumi SDK, gRPC or the emulator's web stack (the emulator only for `--emulator` and `serve`), and the provider
plugin never loads `outdated`, the command line or its libraries. Read from `python -X importtime`, which lists
every module a process imports, in real processes doing real work. Only what the package itself adds is
forbidden: `import pulumi` always loads dill and `pulumi.automation`; `import httpx` loads rich."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from engine_rpc import clean_environment, configure, invoke, provider_process
from pulumi_cloudimages.emulator import Emulator

STATES = Path(__file__).parent / "data" / "states"
CLI_NEVER = ("pulumi", "grpc", "dill")
WEB_STACK = ("starlette", "uvicorn")


def imported(stderr: str) -> set[str]:
    """The modules a process imported, from its `-X importtime` lines."""
    return {line.rpartition("|")[2].strip() for line in stderr.splitlines() if line.startswith("import time:")}


def loaded(modules: set[str], *tops: str) -> set[str]:
    return {m for m in modules if any(m == top or m.startswith(top + ".") for top in tops)}


def cli(*args: str) -> set[str]:
    command = [sys.executable, "-X", "importtime", "-m", "pulumi_cloudimages.cli", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=clean_environment())
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return imported(done.stderr)


def test_the_command_line_loads_neither_pulumi_nor_the_emulator_for_help() -> None:
    modules = cli("--help")
    assert "pulumi_cloudimages.cli.app" in modules
    assert loaded(modules, *CLI_NEVER, *WEB_STACK, "pulumi_cloudimages.emulator") == set()


def test_outdated_reads_a_pulumi_export_without_the_pulumi_sdk() -> None:
    with Emulator() as emulator:
        modules = cli("outdated", str(STATES / "pulumi-web.json"), "--endpoint", emulator.url, "-o", "json")
    assert "pulumi_cloudimages.outdated.states" in modules
    assert loaded(modules, *CLI_NEVER, *WEB_STACK) == set()


def test_the_emulator_loads_with_emulator_only() -> None:
    modules = cli("latest", "--by", "platform", "--imagetype", "gold", "--emulator", "-o", "json")
    assert {"pulumi_cloudimages.emulator.server", "uvicorn"} <= modules
    assert loaded(modules, *CLI_NEVER) == set()


def test_the_plugin_loads_no_other_door_through_a_lookup() -> None:
    command = [sys.executable, "-X", "importtime", "-m", "pulumi_cloudimages.plugin.server"]
    with Emulator() as emulator, provider_process(command) as plugin:
        configure(plugin, {"endpoint": emulator.url})
        chosen, failures = invoke(plugin, {"imagetype": "gold", "platform": "Ubuntu", "mostRecent": True})
        assert failures == {} and chosen["id"]
        assert "imagetype" in invoke(plugin, {"imagetype": "bad"})[1]
        plugin.process.terminate()
        plugin.process.wait(timeout=10)
        modules = imported(plugin.stderr())
    assert "pulumi_cloudimages.plugin.engine" in modules and "grpc" in modules
    assert loaded(modules, "pulumi_cloudimages.outdated", "pulumi_cloudimages.cli", "typer", *WEB_STACK) == set()
