"""`pulumi_cloudimages.testing`: users' own programs, written as the README says, run offline."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime.sync_await import _sync_await

from conftest import start_engine
from pulumi_cloudimages import GetImagesError, PinnedImage, get_images, get_images_output
from pulumi_cloudimages.emulator import PROJECT_A, CatalogError, Emulator
from pulumi_cloudimages.emulator.sample import sample_data
from pulumi_cloudimages.errors import CloudImagesError, ConfigurationError
from pulumi_cloudimages.testing import CheckFailedError, ProgramStack, ProgramTimeoutError, run_program

WIRE = {image["name"]: image for image in sample_data()["images"]}


def program() -> None:
    """A user's `__main__.py`, as a function: the README's "Testing your own program"."""
    config = pulumi.Config()
    web = get_images(imagetype="private", tag="role=web", status="active", name_regex=r"^web-server-\d",
                     most_recent=True)  # fmt: skip
    pinned = PinnedImage("ubuntu", imagetype="gold", platform="Ubuntu", support_kvm=True,
                         name_regex=r"^Ubuntu 22\.04 ", most_recent=True,
                         keepers={"rollout": config.get("rollout") or "initial"})  # fmt: skip
    fedora = get_images_output(platform="Fedora", most_recent=True)
    pulumi.export("web_image", web.id)
    pulumi.export("ubuntu_image", pinned.image_id)
    pulumi.export("fedora_name", fedora.image.apply(lambda image: image["name"] if image else None))
    pulumi.export("rollout", config.get("rollout"))


def test_a_program_runs_against_the_sample_catalog_with_outputs_as_plain_values() -> None:
    outputs = run_program(program, config={"cloudimages:projectId": PROJECT_A, "shop:rollout": "2026-q1"},
                          project="shop")  # fmt: skip
    assert outputs == {
        "web_image": WIRE["web-server-2025-11-20"]["id"],
        "ubuntu_image": WIRE["Ubuntu 22.04 server 64bit 20240129"]["id"],  # created by PinnedImage's provider
        "fedora_name": "Fedora 38 64bit 20231117",
        "rollout": "2026-q1",
    }


def test_runs_follow_each_other_with_their_own_catalog_and_config() -> None:
    only = {**WIRE["Fedora 36 64bit 20220520"], "__platform": "Fedora"}

    def newest_fedora() -> None:
        pulumi.export("id", get_images(platform="Fedora", most_recent=True).id)

    assert run_program(newest_fedora) == {"id": WIRE["Fedora 38 64bit 20231117"]["id"]}
    assert run_program(newest_fedora, catalog={"images": [only]}) == {"id": only["id"]}
    assert run_program(newest_fedora) == {"id": WIRE["Fedora 38 64bit 20231117"]["id"]}  # nothing remembered
    with pytest.raises(GetImagesError, match="no image matches"):
        run_program(program)  # without the project, the private web images are not visible


def test_a_catalog_file_and_a_preview(tmp_path: Any) -> None:
    path = tmp_path / "catalog.json"
    image = {"id": "img-1", "name": "only", "__platform": "Fedora", "visibility": "public", "status": "active"}
    path.write_text(json.dumps({"images": [image]}))
    outputs = run_program(lambda: pulumi.export("n", get_images(platform="Fedora").image.name), catalog=path)
    assert outputs == {"n": "only"}
    previewed = run_program(program, config={"cloudimages:projectId": PROJECT_A}, preview=True)
    assert previewed["web_image"] == WIRE["web-server-2025-11-20"]["id"]  # lookups run in a preview too
    assert previewed["ubuntu_image"] is None  # the PinnedImage is not created in a preview: unknown


def test_the_callers_pulumi_state_is_left_as_it_was() -> None:
    start_engine(project="mine", config={"mine:colour": "blue"})
    root = pulumi.runtime.get_root_resource()
    run_program(program, config={"cloudimages:projectId": PROJECT_A})
    assert pulumi.runtime.get_root_resource() is root
    assert pulumi.Config().get("colour") == "blue" and pulumi.get_project() == "mine"
    assert _sync_await(pulumi.Output.from_input("still works").future()) == "still works"  # type: ignore[attr-defined]


def test_the_pytest_fixture(run_pulumi_program: Callable[..., dict[str, Any]], ims_emulator: Any) -> None:
    outputs = run_pulumi_program(program, config={"cloudimages:projectId": PROJECT_A})
    assert outputs["web_image"] == WIRE["web-server-2025-11-20"]["id"]
    assert {r.project for r in ims_emulator.requests} == {PROJECT_A}  # it ran against this test's emulator


def test_runs_from_two_threads_at_once_both_finish() -> None:
    results: dict[str, Any] = {}

    def run(name: str, config: dict[str, str]) -> None:
        results[name] = run_program(program, config={"cloudimages:projectId": PROJECT_A, **config}, project="shop")

    threads = [threading.Thread(target=run, args=(str(n), {"shop:rollout": str(n)})) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert {name: outputs["rollout"] for name, outputs in results.items()} == {"0": "0", "1": "1"}
    assert all(outputs["web_image"] == WIRE["web-server-2025-11-20"]["id"] for outputs in results.values())


def test_a_program_that_hangs_ends_in_a_clear_error() -> None:
    async def hangs() -> None:
        await asyncio.Event().wait()

    with pytest.raises(ProgramTimeoutError, match=r"did not finish within 0\.5 s .*; it was cancelled$"):
        run_program(hangs, timeout=0.5)
    assert run_program(lambda: pulumi.export("after", "works"), timeout=30) == {"after": "works"}


def test_a_program_blocked_outside_asyncio_is_named_to_the_programs_that_wait_for_it() -> None:
    release = threading.Event()

    def blocked() -> None:
        release.wait()  # as time.sleep or blocking I/O would: no task to cancel

    with pytest.raises(ProgramTimeoutError, match=r"it could not be cancelled \(blocked outside asyncio"):
        run_program(blocked, timeout=0.5)
    with pytest.raises(ProgramTimeoutError, match=r"another Pulumi program \(.*blocked of stack test/dev\) was still"):
        run_program(lambda: pulumi.export("after", "works"), timeout=0.5)
    release.set()
    assert run_program(lambda: pulumi.export("after", "works"), timeout=30) == {"after": "works"}


def test_a_catalog_that_cannot_be_served_is_an_error_of_the_package(tmp_path: Path) -> None:
    broken = tmp_path / "catalog.json"
    broken.write_text('{"images": [{"id": "not-a-uuid"')
    for start in (lambda: ProgramStack(program, catalog=str(broken)), lambda: run_program(program, catalog=broken)):
        with pytest.raises(CloudImagesError, match=r"catalog\.json: not valid JSON") as caught:
            start()
        assert isinstance(caught.value, CatalogError) and isinstance(caught.value, ValueError)
    with pytest.raises(CatalogError) as refused:
        run_program(program, catalog={"images": "none"})
    assert str(refused.value) == 'the catalog document given: expected a JSON object with an "images" list'


def test_a_catalog_and_an_emulator_together_are_refused() -> None:
    with Emulator() as emulator, pytest.raises(ConfigurationError) as caught:
        ProgramStack(program, catalog={"images": []}, emulator=emulator)
    assert str(caught.value) == (
        f"ProgramStack: catalog={{'images': []}} and emulator=<Emulator at {emulator.url}> given together: pass "
        "catalog for an emulator started for the stack, or emulator for one already serving its catalog"
    )


def test_a_preview_checks_pinned_image_inputs() -> None:
    def program() -> None:
        PinnedImage("ubuntu", imagetype="gold", platform="Ubuntu", keepers={"rollout": 2026})  # type: ignore[dict-item]

    with pytest.raises(CheckFailedError, match=r"keepers must be a map of strings, not \{'rollout': 2026"):
        run_program(program, preview=True)


def test_the_pytest_fixture_with_another_catalog_and_project(
    run_pulumi_program: Callable[..., dict[str, Any]], ims_emulator: Any, tmp_path: Any
) -> None:
    def program() -> None:  # the README's
        pulumi.export("rollout", pulumi.Config().get("imageRollout"))
        pulumi.export("n", get_images(platform="Fedora").image.name)

    path = tmp_path / "catalog.json"
    image = {"id": "img-1", "name": "only", "__platform": "Fedora", "visibility": "public", "status": "active"}
    path.write_text(json.dumps({"images": [image]}))
    ims_emulator.replace_catalog(str(path))
    outputs = run_pulumi_program(program, project="web", config={"web:imageRollout": "2026-q1"})
    assert outputs == {"rollout": "2026-q1", "n": "only"}


def test_a_preview_reports_every_bad_pinned_image_input_at_once_as_the_program_wrote_it() -> None:
    def program() -> None:
        wrong: dict[str, Any] = {"name_regx": "^Ubuntu", "most_recent": "yes", "min_ram": True}
        PinnedImage("ubuntu", imagetype="gold", keepers={"a": 1}, **wrong)  # type: ignore[dict-item]

    with pytest.raises(CheckFailedError) as caught:
        run_program(program, preview=True)
    assert caught.value.failures == (
        ("keepers", "keepers must be a map of strings, not {'a': 1}"),  # not 1.0, as the engine carries it
        ("name_regx", "unknown argument 'name_regx'; did you mean 'name_regex'?"),
        ("most_recent", "invalid selection: most_recent='yes': expected true or false"),
        ("min_ram", "invalid image filter: min_ram=True: expected a whole number, not true or false"),
    )
    assert str(caught.value) == "pulumi-python:dynamic/cloudimages:PinnedImage 'ubuntu': " + "; ".join(
        f"{name}: {reason}" for name, reason in caught.value.failures
    )


def test_get_images_names_every_bad_argument_and_a_flag_for_a_number_in_the_config() -> None:
    def program() -> None:
        wrong: dict[str, Any] = {"name_regx": "^Ubuntu", "most_recent": "yes", "min_ram": True}
        get_images(imagetype="gold", **wrong)

    with pytest.raises(GetImagesError) as caught:
        run_program(program)
    assert str(caught.value) == (
        "cloudimages:index:getImages: unknown argument 'name_regx'; did you mean 'name_regex'?; invalid selection: "
        "most_recent='yes': expected true or false; invalid image filter: min_ram=True: expected a whole number, not "
        "true or false"
    )

    def newest_ubuntu(most_recent: Any) -> Callable[[], None]:
        def program() -> None:
            pulumi.export("id", get_images(imagetype="gold", platform="Ubuntu", most_recent=most_recent).id)

        return program

    with pytest.raises(GetImagesError) as caught:  # Python stack config is text: "true", not True
        run_program(newest_ubuntu(True), config={"cloudimages:maxRetries": "true"})
    assert str(caught.value) == (
        "cloudimages:index:getImages: invalid setting cloudimages:maxRetries='true': expected a whole number, not "
        "true or false"
    )
    chosen = run_program(newest_ubuntu(True))
    assert chosen["id"] and run_program(newest_ubuntu("true")) == chosen  # a flag as config gives it: the same
