"""The `cloudimages` command line as a user drives it: each command, output format and exit code."""

from __future__ import annotations

import json
import logging
import os
import pty
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from pulumi_cloudimages.choice.lookup import forget
from pulumi_cloudimages.cli.app import app
from pulumi_cloudimages.emulator import PROJECT_A, Emulator
from pulumi_cloudimages.emulator.sample import sample_data
from pulumi_cloudimages.ims.query import FILTER_NAMES
from pulumi_cloudimages.naming import option

WIRE = {i["name"]: i for i in sample_data()["images"]}
runner = CliRunner()


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with Emulator() as emulator:
        yield emulator.url


def cli(*args: str) -> Any:
    forget()
    return runner.invoke(app, list(args))


def test_list_prints_wire_json_when_piped(url: str) -> None:
    result = cli("list", "--endpoint", url, "--imagetype", "gold", "--platform", "Fedora", "--support-kvm")
    assert result.exit_code == 0, result.output
    images = json.loads(result.stdout)
    assert [i["name"] for i in images] == ["Fedora 38 64bit 20231117", "Fedora 38 64bit 20230501",
                                           "Fedora 36 64bit 20221206", "Fedora 36 64bit 20220520"]  # fmt: skip
    assert images[0] == WIRE["Fedora 38 64bit 20231117"]  # the wire form, field for field


def test_list_with_regex_ids_and_max_results(url: str) -> None:
    result = cli("list", "--endpoint", url, "--platform", "Ubuntu", "--name-regex", "ARM$", "-o", "ids")
    ids = result.stdout.split()
    assert result.exit_code == 0 and ids and all(WIRE_BY_ID[i]["name"].endswith("ARM") for i in ids)
    capped = cli("list", "--endpoint", url, "--max-results", "3", "-o", "ids")
    assert len(capped.stdout.split()) == 3


WIRE_BY_ID = {i["id"]: i for i in sample_data()["images"]}


def test_list_time_and_extra_filters(url: str) -> None:
    newer = cli("list", "--endpoint", url, "--created-at", "gt:2026-01-01T00:00:00Z", "-o", "ids")
    assert {WIRE_BY_ID[i]["name"] for i in newer.stdout.split()} == {"EulerOS 2.9 64bit (security update)"}
    s4l = cli("list", "--endpoint", url, "--filter", "__support_s4l=true", "-o", "ids")
    assert [WIRE_BY_ID[i]["name"] for i in s4l.stdout.split()] == ["CentOS 7.9 64bit for BareMetal"]
    mine = cli(
        "list", "--endpoint", url, "--project-id", PROJECT_A, "--tag", "role=web", "--no-whole-image", "-o", "ids"
    )
    assert "web-server-2025-01-15" in {WIRE_BY_ID[i]["name"] for i in mine.stdout.split()}
    assert "whole-web-stack" not in {WIRE_BY_ID[i]["name"] for i in mine.stdout.split()}


def test_get_chooses_like_get_images(url: str) -> None:
    result = cli("get", "--endpoint", url, "--imagetype", "gold", "--platform", "Ubuntu", "--name-regex",
                 r"^Ubuntu 22\.04 ", "--most-recent")  # fmt: skip
    assert result.exit_code == 0 and json.loads(result.stdout)["name"] == "Ubuntu 22.04 server 64bit 20240129"
    highest = cli(
        "get", "--endpoint", url, "--platform", "EulerOS", "--most-recent", "--order-by", "version", "-o", "ids"
    )
    assert WIRE_BY_ID[highest.stdout.strip()]["name"] == "EulerOS 2.10 64bit 20220917"


def test_latest_per_platform(url: str) -> None:
    result = cli("latest", "--by", "platform", "--imagetype", "gold", "--endpoint", url)
    groups = json.loads(result.stdout)
    assert result.exit_code == 0 and len(groups) == 12
    assert groups["Ubuntu"]["name"] == "Ubuntu 24.04 server 64bit 20250806"
    by_version = cli("latest", "--by", "os_version", "--platform", "Debian", "--endpoint", url, "-o", "ids")
    assert by_version.stdout.splitlines()[0].split("\t")[0] == "Debian 10.0.0 64bit"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["get", "--imagetype", "gold", "--platform", "Fedora"], 1, "4 images match"),
        (["get", "--name", "no such image"], 1, "no image matches."),
        (["list", "--platform", "ubuntu"], 2, "--platform='ubuntu' is not allowed"),
        (["list", "--name-regex", "(unclosed"], 2, "is not a regular expression"),
        (["list", "--created-at", "yesterday"], 2, "--created-at='yesterday'"),
        (["get", "--most-recent", "--order-by", "size"], 2, "'size' is not one of 'created', 'version'"),
        (["list", "-o", "yaml"], 2, "error: --output: 'yaml' is not one of 'table', 'json', 'ids'"),
        (["latest", "--limit", "5"], 2, "--limit pages a listing; latest reads every match of each group"),
        (["latest", "--sort-key", "name"], 2, "--sort-key orders or pages a listing"),
        (["get", "--most-recent", "--sort-dir", "asc"], 2, "--sort-dir orders or pages a listing"),
        (["get", "--imagetype", "gold", "--platform", "Fedora"], 1, "Set --most-recent to take the first"),
        (["get", "--name", "Fedora 38 64bit 20231117", "--min-ram", "999999"], 1, "Without --min-ram='999999' the"),
        (["list", "--filter", "nothing"], 2, "expected WIRE_NAME=VALUE"),
        (
            ["get", "--filter", "__platfrom=Ubuntu"],
            2,
            "error: --filter: __platfrom=Ubuntu: unknown filter '__platfrom'; did you mean '__platform'?",
        ),
        (["list", "--filter", "bogus=1"], 2, "error: --filter: bogus=1: unknown filter 'bogus'"),
        (["get", "--most-recent", "--name-regex", "Zzz"], 1, "&status=active. The service returned"),  # sentences
    ],
)
def test_exit_codes_and_one_line_errors(url: str, args: list[str], code: int, message: str) -> None:
    result = cli(*args, "--endpoint", url)
    assert result.exit_code == code
    assert message in result.stderr
    assert "most_recent" not in result.stderr and "min_ram=" not in result.stderr.split("?")[0]
    assert "Value error" not in result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


FILTER_TYPO = "--filter: __platfrm=Ubuntu: unknown filter '__platfrm'; did you mean '__platform'?"
NOT_AN_INT = "--min-ram='abc': input should be a valid integer, unable to parse string as an integer"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["get", "--filter", "__platfrm=Ubuntu"], FILTER_TYPO),
        (["latest", "--filter", "__platfrm=Ubuntu"], FILTER_TYPO),
        (["list", "--filter", "__platfrm=Ubuntu"], FILTER_TYPO),
        (["get", "--min-ram", "abc"], NOT_AN_INT),
        (["latest", "--min-ram", "abc"], NOT_AN_INT),
        (["list", "--min-ram", "abc"], NOT_AN_INT),
        (["list", "--min-ram=2G"], "--min-ram='2G': input should be a valid integer"),
        (["list", "--max-results", "0"], "--max-results='0': input should be greater than or equal to 1"),
        (["get", "-o", "yaml"], "--output: 'yaml' is not one of 'table', 'json', 'ids'"),
        (["list", "--output=yaml"], "--output: 'yaml' is not one of 'table', 'json', 'ids'"),
        (["outdated", "-o", "xml"], "--output: 'xml' is not one of 'table', 'json', 'markdown'"),
        (["outdated", "--fail-on", "bad"], "--fail-on: 'bad' is not one of 'outdated', 'withdrawn', 'gone', "),
        (["latest", "--by", "arch"], "--by: 'arch' is not one of 'platform', 'os_version'"),
        (["get", "--order-by", "size"], "--order-by: 'size' is not one of 'created', 'version'"),
    ],
)
def test_a_value_the_command_line_refuses_is_one_line_naming_the_option(args: list[str], message: str) -> None:
    """Refused by the command line's own parsing, as bad input anywhere else: one line, exit 2, no usage banner
    (and no request: nothing answers at the endpoint)."""
    result = cli(*args, "--endpoint", "http://127.0.0.1:9")
    assert result.exit_code == 2 and result.stderr.startswith(f"error: {message}")
    assert result.stderr.count("\n") == 1 and "Usage:" not in result.stderr


def test_usage_errors_keep_the_usage() -> None:
    for args in (["nosuch"], ["list", "--min-rm", "3"]):  # no such command, no such option: what there is
        result = cli(*args)
        assert result.exit_code == 2 and result.stderr.startswith("Usage: cloudimages ")
    assert cli("--help").exit_code == 0 and "Commands" in cli("--help").stdout


def test_configuration_and_service_errors() -> None:
    no_credentials = cli("list", "--region", "cn-north-4")
    assert no_credentials.exit_code == 2 and no_credentials.stderr.startswith("error: no credentials")
    # In the words of the command line: options and environment variables, never Python names.
    assert "HW_ACCESS_KEY and HW_SECRET_KEY, or HW_AUTH_TOKEN" in no_credentials.stderr
    assert "--emulator" in no_credentials.stderr and "access_key" not in no_credentials.stderr
    no_region = cli("list")
    assert "no region: set --region (or HW_REGION_NAME), or --endpoint or --emulator" in no_region.stderr
    no_project = runner.invoke(app, ["get", "--endpoint", "http://127.0.0.1:9", "--name", "x"],
                               env={"HW_ACCESS_KEY": "AK", "HW_SECRET_KEY": "SK"})  # fmt: skip
    assert "needs a project: set --project-id (or HW_PROJECT_ID), or --region" in no_project.stderr
    with Emulator(credentials=["AK:SK:" + PROJECT_A]) as closed:
        refused = runner.invoke(app, ["list", "--endpoint", closed.url, "--project-id", PROJECT_A],
                                env={"HW_ACCESS_KEY": "AK", "HW_SECRET_KEY": "WRONG"})  # fmt: skip
    assert refused.exit_code == 3 and "HTTP 401 APIGW.0301" in refused.stderr and "WRONG" not in refused.stderr


def test_every_filter_is_an_option() -> None:
    result = runner.invoke(app, ["list", "--help"], env={"COLUMNS": "200"})
    for name in FILTER_NAMES:
        assert option(name) in result.stdout, name
    assert "--no-support-kvm" in result.stdout and "One of: gold, private, shared, market." in result.stdout
    assert re.search(r"--min-ram\s+<int>", result.stdout) and re.search(r"--limit\s+<int>", result.stdout)
    filters = [line.split()[0] for line in result.stdout.splitlines() if line.strip().startswith("--")]
    common = ["--imagetype", "--platform", "--architecture", "--os-type", "--os-bit", "--status", "--name", "--tag"]
    first = filters.index("--imagetype")
    assert filters[first : first + len(common)] == common  # the filters most lookups use come first


@pytest.mark.parametrize(("command", "count"), [([], 3), (["list"], 1), (["get"], 1), (["latest"], 1)])
def test_the_help_examples_run_as_written(command: list[str], count: int) -> None:
    text = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "80"}).stdout  # a narrow terminal
    examples = [line.strip() for line in text.splitlines() if line.strip().startswith("cloudimages ")]
    assert len(examples) == count
    for example in examples:
        result = runner.invoke(app, shlex.split(example)[1:])
        assert result.exit_code == 0, (example, result.stderr)


def test_the_emulator_ignores_cloud_credentials_in_the_environment() -> None:
    env = {"HW_ACCESS_KEY": "AK", "HW_SECRET_KEY": "SK", "HW_REGION_NAME": "cn-north-4"}
    result = runner.invoke(app, ["latest", "--by", "platform", "--imagetype", "gold", "--emulator"], env=env)
    assert result.exit_code == 0 and len(json.loads(result.stdout)) == 12


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["list", "--filter", "__platform=Ubuntu", "--platform", "Ubuntu"], {}, "under another of its names"),
        (
            ["list", "--member-status", "accepted"],
            {},
            "--member-status='accepted' needs --visibility='shared' (--visibility is not set)",
        ),
        (["list"], {"HW_REGION_NAME": "CN north"}, "invalid setting HW_REGION_NAME='CN north'"),
        (["list", "--endpoint", "http://[::1"], {}, "invalid setting --endpoint='http://[::1'"),
        (["list", "--emulator", "--project-id", "é"], {}, "invalid setting --project-id='é': expected visible ASCII"),
    ],
)
def test_bad_input_is_one_line_in_the_command_lines_words(args: list[str], env: dict[str, str], message: str) -> None:
    forget()
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1


def test_list_with_no_match_says_so_on_stderr(url: str) -> None:
    result = cli("list", "--endpoint", url, "--name", "no such image")
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    assert result.stderr == "no image matches these filters\n"


def test_get_return_all_shows_every_match_in_order(url: str) -> None:
    result = cli("get", "--endpoint", url, "--imagetype", "gold", "--platform", "Fedora", "--return-all")
    names = [image["name"] for image in json.loads(result.stdout)]
    assert names == ["Fedora 38 64bit 20231117", "Fedora 38 64bit 20230501", "Fedora 36 64bit 20221206",
                     "Fedora 36 64bit 20220520"]  # fmt: skip


def _tty(*args: str) -> str:
    """Run the command line on a pseudo-terminal, as a person would, and return what the screen received."""
    controller, terminal = pty.openpty()
    env = {**os.environ, "COLUMNS": "160", "TERM": "xterm-256color"}
    process = subprocess.Popen([sys.executable, "-m", "pulumi_cloudimages.cli", *args], stdout=terminal,
                               stderr=terminal, env=env)  # fmt: skip
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=60) == 0
    os.close(controller)
    return b"".join(chunks).decode()


def test_a_terminal_gets_a_table_and_a_progress_indicator(url: str) -> None:
    screen = _tty("list", "--endpoint", url, "--imagetype", "gold", "--platform", "Fedora")
    assert "┏" in screen and "OS version" in screen and "Created (UTC)" in screen
    assert "Status" in screen and "Arch" in screen and "active" in screen and "x86" in screen
    assert WIRE["Fedora 38 64bit 20231117"]["id"] in screen and "\x1b[" in screen  # styled
    paged = _tty("list", "--endpoint", url, "--imagetype", "gold", "--limit", "10")
    assert re.search(r"listed \d+ images", paged)  # the spinner, shown once a second page is needed


def test_the_readme_main_job() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pulumi_cloudimages.cli",
            "latest",
            "--by",
            "platform",
            "--imagetype",
            "gold",
            "--emulator",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert set(json.loads(result.stdout)) == {i["__platform"] for i in WIRE.values() if i["__imagetype"] == "gold"
                                              and i.get("__platform")}  # fmt: skip


def test_debug_shows_requests_and_signing_on_stderr_without_secrets() -> None:
    with Emulator(credentials=["AK:SK-CLI-SECRET:" + PROJECT_A]) as closed:
        result = runner.invoke(app, ["get", "--endpoint", closed.url, "--project-id", PROJECT_A, "--name",
                                     "Fedora 38 64bit 20231117", "--debug", "-o", "ids"],
                               env={"HW_ACCESS_KEY": "AK", "HW_SECRET_KEY": "SK-CLI-SECRET"})  # fmt: skip
    assert result.exit_code == 0 and result.stdout.strip() == WIRE["Fedora 38 64bit 20231117"]["id"]
    assert "debug: canonical request:" in result.stderr and "debug: string to sign:" in result.stderr
    assert "-> 200 in" in result.stderr and "SK-CLI-SECRET" not in result.stderr


def test_debug_logs_to_its_own_command_only() -> None:
    """A test runner, as here, gives each command a stderr of its own and closes it after: a --debug log left on
    it would fail every later command's records with "--- Logging error ---"."""
    package = logging.getLogger("pulumi_cloudimages")
    before = (list(package.handlers), package.level)
    name = "Fedora 38 64bit 20231117"
    with Emulator(credentials=["AK:SK:" + PROJECT_A]) as closed:  # unsigned requests get 401
        refused = cli("get", "--endpoint", closed.url, "--project-id", PROJECT_A, "--name", name, "--debug")
    second = cli("get", "--emulator", "--name", name, "--debug", "-o", "ids")
    plain = cli("get", "--emulator", "--name", name, "-o", "ids")
    assert refused.exit_code == 3 and "-> 401 in" in refused.stderr and "error: HTTP 401" in refused.stderr
    assert second.exit_code == 0 and second.stdout.strip() == WIRE[name]["id"]
    assert "Logging error" not in second.stderr and "Traceback" not in second.stderr
    [request] = second.stderr.splitlines()  # one lookup, logged once
    assert request.startswith("debug: GET /v2/cloudimages?") and "-> 200 in" in request
    assert plain.exit_code == 0 and plain.stderr == ""
    assert (list(package.handlers), package.level) == before


def test_run_as_a_module_the_command_line_is_loaded_once() -> None:
    """`python -m pulumi_cloudimages.cli` runs `cli/__main__.py`, which imports `cli/app.py` once: were the app
    loaded twice, the second copy would hold an app of its own, and commands registered there would be missing."""
    command = [sys.executable, "-X", "importtime", "-m", "pulumi_cloudimages.cli", "--help"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    imported = [
        line.rpartition("|")[2].strip() for line in result.stderr.splitlines() if line.startswith("import time:")
    ]
    assert "pulumi_cloudimages.cli.outdated" in imported and imported.count("pulumi_cloudimages.cli.app") == 1
    listed = [line.split()[0] for line in result.stdout.partition("Commands:")[2].splitlines() if line.strip()]
    assert listed == ["list", "get", "latest", "serve", "outdated", "check"]


def test_a_failed_project_discovery_says_which_option_skips_it() -> None:
    env = {"HW_ACCESS_KEY": "AK", "HW_SECRET_KEY": "SK", "HW_MAX_RETRIES": "0",
           "HUAWEICLOUD_SDK_IAM_ENDPOINT": "http://127.0.0.1:9"}  # fmt: skip
    result = runner.invoke(app, ["get", "--region", "cn-north-4", "--name", "x"], env=env)
    assert result.exit_code == 3 and "could not discover the project ID of region 'cn-north-4'" in result.stderr
    assert "Set --project-id (or HW_PROJECT_ID) to skip the discovery" in result.stderr


def test_serve_options_say_what_they_take() -> None:
    text = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "120"}).stdout
    assert "--credential AK:SK[:PROJECT_ID]" in text and "--token TOKEN:PROJECT_ID" in text
    for port in ("99999", "-1"):
        result = runner.invoke(app, ["serve", "--port", port])
        assert result.exit_code == 2 and result.stderr.startswith(f"error: --port='{port}': input should be ")


@pytest.mark.parametrize("command", ["list", "get", "latest", "outdated"])
def test_format_is_another_name_of_output_shown_in_the_help(command: str) -> None:
    text = runner.invoke(app, [command, "--help"], env={"COLUMNS": "120"}).stdout
    assert re.search(r"-o, --output, --format \[table\|json\|(ids|markdown)\]", text), text


def test_format_chooses_the_output_as_output_does(url: str) -> None:
    lookups = [["list", "--platform", "Fedora"], ["get", "--platform", "Fedora", "--most-recent"],
               ["latest", "--imagetype", "gold"]]  # fmt: skip
    for lookup in lookups:
        ids = cli(*lookup, "--endpoint", url, "-o", "ids")
        for named in (["--format", "ids"], ["--format=ids"]):
            result = cli(*lookup, "--endpoint", url, *named)
            assert (result.exit_code, result.stdout) == (0, ids.stdout), result.output
            assert ids.stdout.strip()
    refused = cli("list", "--endpoint", url, "--format", "yaml")
    assert (refused.exit_code, refused.stderr) == (2, "error: --format: 'yaml' is not one of 'table', 'json', 'ids'\n")
    short = cli("list", "--endpoint", url, "-o", "yaml")  # a short name: the option by its first long name
    assert short.stderr == "error: --output: 'yaml' is not one of 'table', 'json', 'ids'\n"
