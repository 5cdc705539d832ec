"""Fixtures of the engine tests: the engine's bin directory, one virtualenv per test run with the built wheel
installed as users install it, an emulator (`cloudimages serve` of that install) that checks signatures, and
projects on it.

Every test that uses the engine is marked `engine` (`pytest -m "not engine"` leaves them out). Without a built
engine they are skipped with one line naming the command that builds it; on CI (CI=true) that is a failure."""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from engine.scenario import (
    ACCESS_KEY,
    BUILD_COMMAND,
    PROJECT_A,
    ROOT,
    SECRET_KEY,
    Emulator,
    NewProject,
    Project,
    UserVenv,
    find_engine,
    run,
    signed_config,
    user_environment,
)

ON_CI = os.environ.get("CI", "").lower() in ("true", "1")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "engine: runs the real Pulumi engine (built by .ci/pulumi-engine)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks the tests that use the engine; without a built engine (and not on CI) the first is skipped saying
    which command builds it, and the others are deselected: one line, not one a test."""
    # This folder's `engine` fixture: other tests have fixtures of that name (an emulator and Pulumi's mocks).
    here = Path(__file__).parent
    uses = [item for item in items if "engine" in getattr(item, "fixturenames", ()) and here in item.path.parents]
    for item in uses:
        item.add_marker(pytest.mark.engine)
    if not uses or ON_CI or find_engine() is not None:
        return
    first, *others = uses
    reason = f"the Pulumi engine is not built: run {BUILD_COMMAND} ({len(uses)} engine tests not run)"
    first.add_marker(pytest.mark.skip(reason=reason))
    if others:
        config.hook.pytest_deselected(items=others)
        items[:] = [item for item in items if item not in others]


def missing(what: str) -> None:
    """Skip, or on CI fail: there the engine tests must run."""
    if ON_CI:
        pytest.fail(f"{what} (CI=true: the engine tests must run)", pytrace=False)
    pytest.skip(what)


@pytest.fixture(scope="session")
def engine() -> Path:
    """The bin directory of the built engine (pulumi, the language hosts, gensdk)."""
    found = find_engine()
    if found is None:
        missing(f"the Pulumi engine is not built: run {BUILD_COMMAND}")
    assert found is not None
    return found


def tool(name: str) -> Path:
    """A program the scenario needs (node, npm, go): its folder, for PATH."""
    found = shutil.which(name, path=user_environment()["PATH"])
    if found is None:
        missing(f"{name} is not on PATH")
    assert found is not None
    return Path(found).parent


def shared(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A folder built once per test run, whichever xdist worker asks first; the others wait for it."""
    base = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's folder, shared by its workers (pytest-N/, beside popen-gwK/)
    folder = base / f"engine-{name}"
    with open(base / f"engine-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            (folder / ".done").touch()
    return folder


@pytest.fixture(scope="session")
def user_venv(engine: Path, tmp_path_factory: pytest.TempPathFactory) -> UserVenv:
    def build(folder: Path) -> None:
        env = user_environment()
        uv = os.environ.get("UV") or shutil.which("uv")
        assert uv, "uv builds the wheel: pip install uv"
        run([uv, "build", "--wheel", "--quiet", "--out-dir", folder / "dist", ROOT], cwd=folder, env=env)
        run([sys.executable, "-m", "venv", folder / "venv"], cwd=folder, env=env)
        (wheel,) = (folder / "dist").glob("*.whl")
        run([folder / "venv/bin/python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel],
            cwd=folder, env=env)  # fmt: skip

    folder = shared(tmp_path_factory, "user-venv", build)
    (wheel,) = (folder / "dist").glob("*.whl")
    return UserVenv(folder / "venv", wheel)


@pytest.fixture
def ims(user_venv: UserVenv) -> Iterator[Emulator]:
    """`cloudimages serve` of the installed wheel, checking signatures made with ACCESS_KEY and SECRET_KEY."""
    with Emulator(user_venv.bin / "cloudimages", "--credential", f"{ACCESS_KEY}:{SECRET_KEY}:{PROJECT_A}") as emulator:
        yield emulator


@pytest.fixture
def new_project(engine: Path, ims: Emulator, tmp_path: Path) -> NewProject:
    """new_project(files, name="project", path=(), env=None, config=None, secrets=None): a project with a stack
    whose config points at `ims` with signed requests (the secret key set with --secret), plus `config`."""
    count = iter(range(1000))

    def create(files: Mapping[str, str], *, name: str | None = None, path: tuple[Path, ...] = (),
               env: Mapping[str, str] | None = None, config: Mapping[str, str] | None = None,
               secrets: Mapping[str, str] | None = None) -> Project:  # fmt: skip
        plain, secret = signed_config(ims)
        return Project.create(tmp_path / (name or f"project-{next(count)}"), engine, files, path=path, env=env,
                              config={**plain, **(config or {})}, secrets={**secret, **(secrets or {})})  # fmt: skip

    return create
