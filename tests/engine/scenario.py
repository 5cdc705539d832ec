"""Real Pulumi projects driven with the real `pulumi` CLI (built by `.ci/pulumi-engine`), offline: a temporary
project folder, its own PULUMI_HOME and file backend, a stack, the emulator (`cloudimages serve`) as the cloud.

Small on purpose, and without pytest, so that any scenario can use it (a policy pack: `project.run("preview",
"--policy-pack", launcher)`):

    project = Project.create(tmp_path, engine, {"Pulumi.yaml": ...}, config={"cloudimages:endpoint": ims.url})
    ran = project.run("up", "--yes")        # a Ran: exit code, stdout, stderr; check=True fails on a non-zero exit
    state = project.export()                # `pulumi stack export`, parsed
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[2]
ENGINE_SCRIPT = ROOT / ".ci" / "pulumi-engine"
BUILD_COMMAND = ".ci/pulumi-engine"  # what builds the engine, as the skip says it
PASSPHRASE = "engine-tests-passphrase"
PROJECT_A = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"  # the sample catalog's web team (docs/emulator.md)
ACCESS_KEY = "AK-ENGINE"
SECRET_KEY = "SK-engine-5ecret-never-shown"  # the emulator checks signatures made with it
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # how `pulumi preview --json` writes a value not known yet
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def find_engine() -> Path | None:
    """The engine's bin directory when `.ci/pulumi-engine` has built it all, without building anything."""
    done = subprocess.run(["bash", str(ENGINE_SCRIPT), "--check"], capture_output=True, text=True, timeout=60)
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


def _ours(directory: str) -> bool:
    """A PATH entry with our plugin or command in it (the checkout's .venv under `uv run`)."""
    return any((Path(directory) / name).exists() for name in ("pulumi-resource-cloudimages", "cloudimages"))


def user_environment(*first: Path, **extra: str) -> dict[str, str]:
    """A user's shell: no credentials, Pulumi settings or virtualenv of this test run; PATH without our plugin
    or command unless `first` (put in front) has them."""
    dropped = ("HW_", "HUAWEICLOUD_SDK_", "OS_", "PULUMI_", "VIRTUAL_ENV", "PYTHON", "UV_", "CONDA")
    kept = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    path = [str(p) for p in first] + [p for p in kept.get("PATH", "").split(os.pathsep) if p and not _ours(p)]
    return {**kept, "PATH": os.pathsep.join(path), **extra}


@dataclass(repr=False)
class Ran:
    """A finished command: what a user sees of it."""

    args: list[str]
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __repr__(self) -> str:  # what an assertion's message shows: the command and all it printed
        return f"$ {shlex.join(self.args)}\n(exit {self.code})\n{self.stdout}\n--- stderr ---\n{self.stderr}"


def run(args: Sequence[str | Path], *, cwd: Path, env: Mapping[str, str], check: bool = True, timeout: float = 600,
        input: str | None = None) -> Ran:  # fmt: skip
    """A command; with check, a non-zero exit fails (AssertionError) showing everything it printed."""
    words = [str(arg) for arg in args]
    done = subprocess.run(words, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=timeout, input=input)
    ran = Ran(words, done.returncode, ANSI.sub("", done.stdout), ANSI.sub("", done.stderr))
    if check:
        assert ran.code == 0, repr(ran)
    return ran


@dataclass
class Project:
    """A Pulumi project in `root/project`, with its own PULUMI_HOME (`root/home`), file backend (`root/state`)
    and TMPDIR (`root/tmp`, where the engine's log files go), and one stack."""

    root: Path
    engine: Path
    path: tuple[Path, ...] = ()  # before the engine on PATH (a virtualenv's bin with our plugin, node, ...)
    env: dict[str, str] = field(default_factory=dict)
    stack: str = "dev"
    ran: list[Ran] = field(default_factory=list)  # every command so far, for assertions over all output

    @property
    def dir(self) -> Path:
        return self.root / "project"

    @classmethod
    def create(cls, root: Path, engine: Path, files: Mapping[str, str], *, path: Iterable[Path] = (),
               env: Mapping[str, str] | None = None, stack: str = "dev", config: Mapping[str, str] | None = None,
               secrets: Mapping[str, str] | None = None) -> Project:  # fmt: skip
        project = cls(root, engine, tuple(path), dict(env or {}), stack)
        for name in ("project", "home", "state", "tmp"):
            (root / name).mkdir(parents=True, exist_ok=True)
        project.write(files)
        project.run("stack", "init", stack)
        for key, value in (config or {}).items():
            project.config(key, value)
        for key, value in (secrets or {}).items():
            project.config(key, value, secret=True)
        return project

    def write(self, files: Mapping[str, str]) -> None:
        for name, text in files.items():
            (self.dir / name).parent.mkdir(parents=True, exist_ok=True)
            (self.dir / name).write_text(text)

    def environment(self) -> dict[str, str]:
        return user_environment(
            *self.path,
            self.engine,
            PULUMI_HOME=str(self.root / "home"),
            PULUMI_BACKEND_URL=(self.root / "state").as_uri(),
            PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
            TMPDIR=str(self.root / "tmp"),
            **self.env,
        )

    def run(self, *args: str | Path, check: bool = True, timeout: float = 600, input: str | None = None) -> Ran:
        """`pulumi ARGS --non-interactive --color never` in the project folder."""
        command = ["pulumi", *args, "--non-interactive", "--color", "never"]
        ran = run(command, cwd=self.dir, env=self.environment(), check=check, timeout=timeout, input=input)
        self.ran.append(ran)
        return ran

    def command(self, *args: str | Path, check: bool = True, timeout: float = 600) -> Ran:
        """Another command (npm, go, cloudimages) in the project folder, with the project's environment."""
        ran = run(args, cwd=self.dir, env=self.environment(), check=check, timeout=timeout)
        self.ran.append(ran)
        return ran

    def config(self, key: str, value: str, *, secret: bool = False) -> Ran:
        # The value on stdin: never on a command line, which `ps` shows and our assertions search.
        return self.run("config", "set", *(["--secret"] if secret else ["--plaintext"]), key, input=value)

    def up(self, *args: str, check: bool = True) -> Ran:
        return self.run("up", "--yes", "--skip-preview", *args, check=check)

    def preview_json(self, *args: str, check: bool = True) -> dict[str, Any]:
        """`pulumi preview --json`: steps (op, urn, diffReasons, detailedDiff, newState) and diagnostics."""
        ran = self.run("preview", "--json", *args, check=check)
        return json.loads(ran.stdout)

    def export(self) -> dict[str, Any]:
        return json.loads(self.run("stack", "export").stdout)

    def outputs(self) -> dict[str, Any]:
        return json.loads(self.run("stack", "output", "--json").stdout)

    def resource(self, name: str, export: dict[str, Any] | None = None) -> dict[str, Any]:
        """The exported state of the one resource named `name` (the URN's last part)."""
        resources = (export or self.export())["deployment"].get("resources", [])
        found = [r for r in resources if r["urn"].endswith("::" + name)]
        assert len(found) == 1, f"{len(found)} resources named {name}"
        return found[0]

    def logs(self) -> str:
        """Every file the engine and its plugins wrote: log files (TMPDIR), the backend's states, history and
        backups, PULUMI_HOME."""
        folders = [self.root / name for name in ("tmp", "state", "home")]
        files = sorted(p for folder in folders for p in folder.rglob("*") if p.is_file())
        return "\n".join(p.read_text(errors="replace") for p in files)

    def everything_shown(self) -> str:
        """All the output of every command so far, and the log files."""
        return "\n".join(r.output for r in self.ran) + "\n" + self.logs()


def generate_sdk(engine: Path, plugin: Path, language: str, out: Path) -> Path:
    """The SDK `pulumi package gen-sdk` would write, from the schema the installed plugin serves (`pulumi package
    get-schema`), generated by gensdk (pkg/v3's codegen) into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    env = user_environment(engine, PULUMI_HOME=str(out / ".pulumi-home"), PULUMI_SKIP_UPDATE_CHECK="true",
                           PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true")  # fmt: skip
    schema = run(["pulumi", "package", "get-schema", plugin, "--non-interactive"], cwd=out, env=env).stdout
    (out / ".pulumi-home" / "schema.json").write_text(schema)
    run([engine / "gensdk", out / ".pulumi-home" / "schema.json", language, out], cwd=out, env=env)
    return out


class Emulator:
    """`cloudimages serve` of an installed package, on a free port; the admin API over HTTP."""

    def __init__(self, command: Path | str, *args: str) -> None:
        self.process = subprocess.Popen(
            [str(command), "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=user_environment(),
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        match = re.match(r"listening on (http://\S+)", first)
        if not match:
            self.process.kill()
            raise AssertionError(f"cloudimages serve did not start: {first}{self.process.communicate()}")
        self.url = match.group(1)

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + "/_emulator/" + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def replace_catalog(self, document: dict[str, Any]) -> None:
        self._call("PUT", "catalog", document)

    def requests(self) -> list[dict[str, Any]]:
        return self._call("GET", "requests")  # type: ignore[no-any-return]

    def forget_requests(self) -> None:
        self._call("DELETE", "requests")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


@dataclass(frozen=True)
class UserVenv:
    """A virtualenv with the built wheel pip-installed, as a user does."""

    dir: Path
    wheel: Path

    @property
    def bin(self) -> Path:
        return self.dir / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"


NewProject = Callable[..., Project]  # the new_project fixture: files, then name, path, env, config, secrets


def signed_config(emulator: Emulator) -> tuple[dict[str, str], dict[str, str]]:
    """Stack config (plain, secret) for an emulator started with `--credential ACCESS_KEY:SECRET_KEY:PROJECT_A`."""
    plain = {"cloudimages:endpoint": emulator.url, "cloudimages:accessKey": ACCESS_KEY,
             "cloudimages:projectId": PROJECT_A, "cloudimages:maxRetries": "0"}  # fmt: skip
    return plain, {"cloudimages:secretKey": SECRET_KEY}


def wait_for(predicate: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def lifecycle_keeping_the_secret(project: Project, ims: Emulator) -> str:
    """`preview`, `up` and `refresh` logging everything (-v=9), then what every door must show of them: each request
    signed and for PROJECT_A, the access key among what is searched (config values are), and the secret key
    neither there nor in the export. Everything shown, for a door's own checks."""
    verbose = ("--logflow", "-v=9", "--logtostderr")
    for command in (("preview",), ("up", "--yes"), ("refresh", "--yes")):
        project.run(*command, *verbose)
    export = project.export()
    # Every request was signed with the secret key (the emulator refuses any other) and reached PROJECT_A.
    requests = ims.requests()
    assert requests and all(r["status"] == 200 and r["project"] == PROJECT_A for r in requests), requests
    shown = project.everything_shown()
    assert len(shown) > 100_000  # -v=9 did log: the searches had something to search
    assert ACCESS_KEY in shown  # config values are in what is searched: the access key, in plain text
    assert SECRET_KEY not in shown
    assert SECRET_KEY not in json.dumps(export)
    return shown
