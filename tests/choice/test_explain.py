"""Why a lookup chose nothing, in the words of each caller, against the emulator: the provider plugin as the engine
runs it (a subprocess over gRPC, camelCase), `get_images` under the Pulumi runtime (Python names) and the command
line (options). A hint names only images the lookup could choose, and an ID that matches nothing is said to be
not visible, rather than answered with other images."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import start_engine
from engine_rpc import PLUGIN, Provider, configure, invoke_error, provider_process
from pulumi_cloudimages import GetImagesError, ImageQuery, ImsClient, Settings, get_images
from pulumi_cloudimages.choice.explain import PROBES, probes
from pulumi_cloudimages.choice.lookup import forget
from pulumi_cloudimages.cli.app import app
from pulumi_cloudimages.emulator import PROJECT_A, PROJECT_B, Emulator
from pulumi_cloudimages.emulator.sample import sample_data
from pulumi_cloudimages.naming import FUNCTION

BY_NAME = {image["name"]: image for image in sample_data()["images"]}
MARKETPLACE = "Ubuntu 22.04 LAMP (Marketplace)"
QUEUED = BY_NAME["web-server-2026-01-05"]  # a build of the project's own, not active yet
WEB = BY_NAME["web-server-2025-11-20"]
OTHER_PROJECTS = BY_NAME["platform-base-2025-05"]  # private to another project: never visible to PROJECT_A
NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"
runner = CliRunner()
VISIBILITY = "(only public images, your project's own and those shared with it are visible, whatever the filters)"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with provider_process(PLUGIN) as process:
        yield process


@pytest.fixture
def plugin(provider: Provider, ims_emulator: Emulator) -> Provider:
    """The plugin, configured as a stack would be for the emulator of the test."""
    configure(provider, {"endpoint": ims_emulator.url, "projectId": PROJECT_A, "maxRetries": "0"})
    return provider


@pytest.fixture
def engine(ims_emulator: Emulator) -> Emulator:
    start_engine(config={"cloudimages:endpoint": ims_emulator.url, "cloudimages:projectId": PROJECT_A})
    return ims_emulator


def untrusted_active(emulator: Emulator) -> list[str]:
    """The names of the active images a lookup without a source filter never chooses: Marketplace images, and
    those other projects share with this one (asked of the service, as the lookup asks)."""
    settings = Settings.resolve({}, endpoint=emulator.url, project_id=PROJECT_A)
    with ImsClient(settings=settings) as client:
        images = [image for page in client.iter_pages(ImageQuery(status="active")) for image in page]
    return [str(image.name) for image in images
            if image.imagetype in ("market", "shared") and image.owner != PROJECT_A]  # fmt: skip


def test_the_nearest_names_are_of_images_the_lookup_could_choose(plugin: Provider, ims_emulator: Emulator) -> None:
    """The reported lookup: `nameRegex: '^Ubuntu 23\\.04'` matched nothing, and the nearest name offered was the
    Marketplace image, which is never chosen unless asked for."""
    left_out = untrusted_active(ims_emulator)
    assert MARKETPLACE in left_out
    message = invoke_error(plugin, {"nameRegex": r"^Ubuntu 23\.04"})
    assert message.startswith(f"{FUNCTION}: no image matches. Query sent: GET /v2/cloudimages?status=active.")
    assert r"nameRegex '^Ubuntu 23\.04' kept none." in message
    nearest = re.search(r"Nearest names: (.*)\.\n", message)
    assert nearest is not None, message
    names = re.findall(r"'([^']*)'", nearest[1])
    assert len(names) == 5 and all(BY_NAME[name]["__imagetype"] == "gold" for name in names), names
    assert names[0].startswith("Ubuntu 2")
    assert message.endswith(f"Not among them: {len(left_out)} images the lookup would not choose anyway (from a "
                            "source not chosen by default).")  # fmt: skip
    assert MARKETPLACE not in message
    # Asked for Marketplace images, the lookup could choose it: then it is the nearest name.
    market = invoke_error(plugin, {"imagetype": "market", "nameRegex": r"^Ubuntu 23\.04"})
    assert f"Nearest names: '{MARKETPLACE}'." in market and "Not among them" not in market


@pytest.mark.parametrize("image_id", [NO_SUCH_ID, OTHER_PROJECTS["id"]])
def test_an_id_that_matches_nothing_is_said_to_be_not_visible(
    plugin: Provider, ims_emulator: Emulator, image_id: str
) -> None:
    """Without the ID the service would return other images, which is no help: whether an image of that ID is
    visible is, and that is asked once, by the ID alone."""
    message = invoke_error(plugin, {"id": image_id})
    assert message == (
        f"{FUNCTION}: no image matches. Query sent: GET /v2/cloudimages?id={image_id}&status=active.\n"
        "The service returned no image for these filters.\n"
        f"No image with ID '{image_id}' is visible to the project: it does not exist, or it is another project's "
        f"and not shared with this one {VISIBILITY}."
    )
    queries = [entry.query for entry in ims_emulator.requests if entry.path == "/v2/cloudimages"]
    assert queries == [f"id={image_id}&limit=500&status=active", f"id={image_id}&limit=5"]


def test_an_id_with_other_filters_says_which_excludes_the_image(engine: Emulator) -> None:
    def failure(**args: Any) -> str:
        with pytest.raises(GetImagesError) as caught:
            get_images(**args)
        return str(caught.value)

    queued = failure(id=QUEUED["id"])
    assert queued.endswith("Only images with status 'active' are chosen unless status is set; in other states the "
                           f"service has images, e.g. 'web-server-2026-01-05' ({QUEUED['id']}, created "
                           "2026-01-05T09:00:00Z, queued).")  # fmt: skip
    named = failure(id=WEB["id"], name="web-server")
    assert named.endswith(f"Without name='web-server' the service would return images, e.g. 'web-server-2025-11-20' "
                          f"({WEB['id']}, created 2025-11-20T09:00:00Z).")  # fmt: skip
    # Each of name and os_type alone excludes it: only the ID alone finds it.
    engine.requests.clear()
    together = failure(id=WEB["id"], name="web-server", os_type="Windows")
    assert together.endswith("No single filter is to blame: several exclude 'web-server-2025-11-20' "
                             f"({WEB['id']}, created 2025-11-20T09:00:00Z) together.")  # fmt: skip
    probes = [entry.query for entry in engine.requests if entry.path == "/v2/cloudimages"][1:]
    assert sorted(probes) == sorted([
        f"__os_type=Windows&id={WEB['id']}&limit=5&status=active",  # without name
        f"id={WEB['id']}&limit=5&name=web-server&status=active",  # without os_type
        f"__os_type=Windows&id={WEB['id']}&limit=5&name=web-server",  # without status
        f"id={WEB['id']}&limit=5",  # the ID alone
    ])  # fmt: skip
    assert "Without id" not in queued + named + together and "visible" not in queued + named + together


def cli(*args: str) -> Any:
    forget()
    return runner.invoke(app, list(args))


def test_on_the_command_line_in_options(ims_emulator: Emulator) -> None:
    target = ["--endpoint", ims_emulator.url, "--project-id", PROJECT_A]
    # Most images are younger than ten years: held back, they are no nearer name either.
    held = cli("get", *target, "--platform", "Ubuntu", "--name-regex", "^Ubuntu 23", "--min-age", "3650d")
    assert held.exit_code == 1
    assert re.search(
        r"Nearest names: '[^']*'\. Not among them: \d+ images the lookup would not choose anyway "
        r"\(\d+ held back by --min-age, \d+ from a source not chosen by default\)\.\n$",
        held.stderr,
    ), held.stderr
    # None could be chosen at all: said, with what leaves them out and how to opt in.
    none = cli("get", *target, "--name-regex", "^Ubuntu 23", "--visibility", "shared", "--min-age", "3650d")
    assert none.exit_code == 1
    assert "kept none. None of them could be chosen, whatever their names. Held back 3 newer images by " in none.stderr
    unseen = cli("get", *target, "--id", OTHER_PROJECTS["id"])
    assert unseen.exit_code == 1
    assert f"No image with ID '{OTHER_PROJECTS['id']}' is visible to the project" in unseen.stderr
    assert PROJECT_B not in unseen.stderr


def test_the_probes_of_a_query_with_an_id_and_many_filters_stay_within_their_cap() -> None:
    many = {"name": "x", "platform": "Ubuntu", "os_type": "Linux", "min_ram": 1, "min_disk": 1, "tag": "a",
            "owner": PROJECT_B, "flavor_id": "s6.large.2", "enterprise_project_id": "0"}  # fmt: skip
    asked = probes(ImageQuery(id="87c08afe-80fc-52f2-abe6-f0cf30e5b09e", **many))
    assert len(asked) == PROBES and asked[-1][0] == "id"
    by_id = asked[-1][1]
    assert (by_id.id, by_id.enterprise_project_id, by_id.name) == ("87c08afe-80fc-52f2-abe6-f0cf30e5b09e", "0", None)
