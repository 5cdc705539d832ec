"""`cloudimages serve` as a user runs it: a real process, its first line, signals, bad catalogs."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pulumi_cloudimages import ImsClient
from pulumi_cloudimages.emulator import PROJECT_A, Catalog, CatalogError

SERVE = [sys.executable, "-m", "pulumi_cloudimages.cli", "serve"]


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*SERVE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def server() -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = _start("--port", "0", "--credential", f"AK1:SK1:{PROJECT_A}", "--token", f"T1:{PROJECT_A}")
    assert process.stdout is not None
    first = process.stdout.readline().strip()
    assert first.startswith("listening on http://127.0.0.1:")
    yield process, first.removeprefix("listening on ")
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_answers_then_stops_cleanly(server: tuple[subprocess.Popen[str], str], stop: signal.Signals) -> None:
    process, url = server
    with ImsClient(endpoint=url, access_key="AK1", secret_key="SK1", project_id=PROJECT_A) as ims:
        assert ims.list_images(tag="role=web", max_results=1)[0].owner == PROJECT_A
    with ImsClient(endpoint=url, auth_token="T1") as ims:
        assert ims.list_images(platform="Fedora")
    process.send_signal(stop)
    assert process.wait(timeout=10) == 0


def _serve_error(*args: str) -> str:
    result = subprocess.run([*SERVE, *args], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and result.stdout == ""
    return result.stderr


def test_a_bad_catalog_is_refused_at_start_naming_file_image_and_field(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"images": [{"id": "a"}, {"id": "b", "min_ram": "lots"}]}))
    message = _serve_error("--catalog", str(path))
    assert f"{path}: image #1 (b): field min_ram" in message and "'lots'" in message


def test_bad_credentials_options_are_refused() -> None:
    assert "--credential" in _serve_error("--credential", "only-an-access-key")
    assert "--token 'T1': expected TOKEN:PROJECT_ID" in _serve_error("--token", "T1")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected a JSON object"),
        ({"images": [{"name": "no id"}]}, "image #0: field id"),
        ({"images": [{"id": "a"}, {"id": "a"}]}, "image #1 (a): field id: the id is used by an earlier image"),
        ({"images": [{"id": "a", "created_at": "yesterday"}]}, "image #0 (a): field created_at"),
        ({"images": [{"id": "a", "tags": "web"}]}, "image #0 (a): field tags"),
        ({"images": [{"id": "a"}], "members": {"a": {"p": "maybe"}}}, "members.a.p"),
        ({"images": [{"id": "a"}], "members": {"zz": {"p": "accepted"}}}, "image zz is not in the catalog"),
        ({"images": [{"id": "a"}], "flavors": {"f": {"__support_kvm": True}}}, "flavors.f.__support_kvm"),
    ],
)
def test_catalog_errors(data: Any, message: str) -> None:
    with pytest.raises(CatalogError, match=r"^cat\.json: ") as caught:
        Catalog.from_data(data, "cat.json")
    assert message in str(caught.value)


def test_unreadable_and_invalid_json_files(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot be read"):
        Catalog.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(CatalogError, match=r"bad\.json: not valid JSON"):
        Catalog.load(tmp_path / "bad.json")
    (tmp_path / "deep.json").write_text('{"images": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(CatalogError, match=r"deep\.json: not valid JSON: arrays and objects nested too deep"):
        Catalog.load(tmp_path / "deep.json")


def _stopped(process: subprocess.Popen[str], url: str) -> str:
    """What the server wrote on stderr, once stopped (after it has answered: it stops cleanly from then on)."""
    assert httpx.get(f"{url}/_emulator/health").status_code == 200
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    return stderr


def test_an_injected_broken_answer_is_one_line_on_stderr(server: tuple[subprocess.Popen[str], str]) -> None:
    process, url = server
    with httpx.Client(base_url=url) as http:
        for kind in ("drop", "truncated"):
            assert http.post("/_emulator/faults", json={"kind": kind}).status_code == 201
            with pytest.raises(httpx.RemoteProtocolError):
                http.get("/v2/cloudimages", headers={"X-Auth-Token": "T1"})
    lines = _stopped(process, url).splitlines()
    assert len(lines) == 2 and "Traceback" not in "".join(lines), lines
    assert "injected drop fault" in lines[0] and "injected truncated fault" in lines[1]


def test_serving_on_every_interface_warns() -> None:
    process = _start("--host", "0.0.0.0", "--port", "0")
    assert process.stdout is not None
    url = process.stdout.readline().strip().removeprefix("listening on ")
    assert url.startswith("http://0.0.0.0:")
    stderr = _stopped(process, url.replace("0.0.0.0", "127.0.0.1"))
    assert stderr.startswith("warning: listening on every interface (0.0.0.0)")
    assert "/_emulator/" in stderr and "replace the catalog" in stderr


def test_serving_on_loopback_says_nothing_on_stderr(server: tuple[subprocess.Popen[str], str]) -> None:
    assert _stopped(*server) == ""
