"""Each door loads what it needs and not the other doors (issue: start fast): the command line never loads the
Pulumi SDK or gRPC, loads none of the core for `--help` or a mistyped option, asks the emulator of `--emulator`
in-process (its web stack loads only for `serve`, and for `outdated --emulator` and `check --emulator`, which ask
it over a port), and the provider plugin never loads `outdated`, the command line or its libraries. Read from
`python -X importtime`, which lists every module a process imports, in real processes doing real work. Only what
the package itself adds is forbidden: `import pulumi` always loads dill and `pulumi.automation`; `import httpx`
loads rich."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from engine_rpc import clean_environment, configure, invoke, provider_process
from pulumi_cloudimages.emulator import Emulator

STATES = Path(__file__).parent / "data" / "states"
CLI_NEVER = ("pulumi", "grpc", "dill")
WEB_STACK = ("starlette", "uvicorn")
# The core's models and client. (pydantic's own models are not ours to forbid: typer loads them to read a
# command's parameters whenever pydantic is installed.)
CORE = ("pulumi_cloudimages.ims", "pulumi_cloudimages.choice", "pulumi_cloudimages.outdated")


def imported(stderr: str) -> set[str]:
    """The modules a process imported, from its `-X importtime` lines."""
    return {line.rpartition("|")[2].strip() for line in stderr.splitlines() if line.startswith("import time:")}


def loaded(modules: set[str], *tops: str) -> set[str]:
    return {m for m in modules if any(m == top or m.startswith(top + ".") for top in tops)}


def cli(*args: str, exits: tuple[int, ...] = (0, 1)) -> set[str]:
    command = [sys.executable, "-X", "importtime", "-m", "pulumi_cloudimages.cli", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=clean_environment())
    assert done.returncode in exits, done.stderr[-2000:]
    return imported(done.stderr)


def test_help_loads_none_of_the_core_nor_pulumi_nor_the_emulator() -> None:
    for args in (["--help"], ["latest", "--help"], ["outdated", "--help"], ["check", "--help"]):
        modules = cli(*args)
        assert "pulumi_cloudimages.cli.app" in modules
        assert loaded(modules, *CLI_NEVER, *WEB_STACK, *CORE, "pulumi_cloudimages.emulator", "httpx") == set(), args


def test_a_mistyped_option_is_refused_before_the_core_loads() -> None:
    for args in (["latest", "--by", "colour", "--emulator"], ["list", "--imagetyp", "gold", "--emulator"]):
        modules = cli(*args, exits=(2,))
        assert "pulumi_cloudimages.cli.app" in modules
        assert loaded(modules, *CORE, "pulumi_cloudimages.emulator") == set(), args


def test_outdated_reads_a_pulumi_export_without_the_pulumi_sdk() -> None:
    with Emulator() as emulator:
        modules = cli("outdated", str(STATES / "pulumi-web.json"), "--endpoint", emulator.url, "-o", "json")
    assert "pulumi_cloudimages.outdated.states" in modules
    assert loaded(modules, *CLI_NEVER, *WEB_STACK) == set()


def test_the_main_job_asks_the_emulator_in_process_without_a_web_stack() -> None:
    modules = cli("latest", "--by", "platform", "--imagetype", "gold", "--emulator", "-o", "json")
    assert {"pulumi_cloudimages.emulator.in_process", "pulumi_cloudimages.choice.selection"} <= modules
    # No server, no connection (httpcore), no event loop: one process asking itself.
    assert loaded(modules, *CLI_NEVER, *WEB_STACK, "httpcore", "asyncio", "pulumi_cloudimages.outdated") == set()


def test_outdated_asks_the_emulator_over_its_port() -> None:
    modules = cli("outdated", str(STATES / "pulumi-web.json"), "--emulator", "-o", "json")
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
