"""A Python program under the real engine, with the wheel installed in its virtualenv as users install it:
`get_images`, `get_images_output` and the dynamic `PinnedImage` through preview, up, a newer build, refresh, a
keeper's change and destroy; the secret key never shown; the language host never asks for a `cloudimages` plugin.

The Python language host is sdk/v3 v3.79.0's (.ci/pulumi-engine says why): it ignores the `virtualenv` option,
so the program's interpreter is given as PULUMI_PYTHON_CMD too."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from engine.scenario import (
    SECRET_KEY,
    UNKNOWN,
    Emulator,
    NewProject,
    Project,
    UserVenv,
    lifecycle_keeping_the_secret,
)
from pins import NEWER_ID, PINNED, catalog_document

PROGRAM = textwrap.dedent(
    """\
    import pulumi

    from pulumi_cloudimages import PinnedImage, get_images, get_images_output

    ARGS = dict(imagetype="gold", platform="Ubuntu", support_kvm=True, name_regex=r"^Ubuntu 22\\.04 ", most_recent=True)
    now = get_images(**ARGS)
    later = get_images_output(**ARGS)
    ubuntu = PinnedImage("ubuntu", **ARGS, keepers={"rollout": pulumi.Config().get("imageRollout") or "initial"})

    pulumi.export("lookedUp", now.id)
    pulumi.export("lookedUpOutput", later.id)
    pulumi.export("imageId", ubuntu.image_id)
    pulumi.export("latestId", ubuntu.latest_id)
    pulumi.export("upgradeAvailable", ubuntu.upgrade_available)
    """
)
DYNAMIC = "pulumi-python:dynamic/cloudimages:PinnedImage"


def python_project(new_project: NewProject, venv: UserVenv, program: str = PROGRAM) -> Project:
    files = {
        "Pulumi.yaml": f"name: pyprogram\nruntime:\n  name: python\n  options:\n    virtualenv: {venv.dir}\n",
        "__main__.py": program,
    }
    # Not venv.bin on PATH: the program needs no plugin, and none named cloudimages must be looked for.
    return new_project(files, env={"PULUMI_PYTHON_CMD": str(venv.python)})


def test_a_python_program_looks_up_pins_refreshes_moves_and_destroys(new_project: NewProject, user_venv: UserVenv,
                                                                     ims: Emulator) -> None:  # fmt: skip
    project = python_project(new_project, user_venv)

    preview = project.run("preview")
    assert "+ 2 to create" in preview.stdout, preview
    assert f'lookedUp        : "{PINNED["id"]}"' in preview.stdout, preview  # get_images runs in a preview too

    project.up()
    assert project.outputs() == {"lookedUp": PINNED["id"], "lookedUpOutput": PINNED["id"], "imageId": PINNED["id"],
                                 "latestId": PINNED["id"], "upgradeAvailable": False}  # fmt: skip
    pin = project.resource("ubuntu")
    assert pin["type"] == DYNAMIC
    assert pin["id"].startswith("pin-")

    ims.replace_catalog(catalog_document(newer=True))  # a newer Ubuntu 22.04 build is published
    up = project.up()
    assert "~ 1 to update" not in up.stdout and "+-" not in up.stdout, up  # the pin holds
    outputs = project.outputs()
    assert outputs["imageId"] == PINNED["id"]
    assert outputs["lookedUp"] == outputs["lookedUpOutput"] == NEWER_ID  # most_recent follows the catalog

    refresh = project.run("refresh", "--yes")
    assert "error" not in refresh.output.lower(), refresh
    state = project.resource("ubuntu")["outputs"]
    assert (state["image_id"], state["latest_id"], state["upgrade_available"]) == (PINNED["id"], NEWER_ID, True)
    assert state["pinned_exists"] is True

    project.config("pyprogram:imageRollout", "2026-q1")  # a keeper changes: the pin moves, in place
    moved = project.up()
    assert "1 updated" in moved.stdout, moved
    assert project.resource("ubuntu")["id"] == pin["id"]
    assert project.outputs()["imageId"] == NEWER_ID == project.outputs()["latestId"]

    destroyed = project.run("destroy", "--yes")
    assert "3 deleted" in destroyed.stdout or "2 deleted" in destroyed.stdout, destroyed
    assert not project.export()["deployment"].get("resources")


def test_the_secret_key_is_never_shown_and_no_cloudimages_plugin_is_looked_for(
    new_project: NewProject, user_venv: UserVenv, ims: Emulator
) -> None:
    project = python_project(new_project, user_venv)
    listed = project.run("config")
    assert re.search(r"cloudimages:secretKey +\[secret\]", listed.stdout), listed

    shown = lifecycle_keeping_the_secret(project, ims)
    assert SECRET_KEY not in Path(project.root / "project" / "Pulumi.dev.yaml").read_text()
    # The language host lists the wheel as a Pulumi package and asks for no plugin: none is on PATH, and automatic
    # plugin acquisition is off, so a request for one would have failed the preview.
    assert "GetPluginPath(resource, cloudimages" not in shown
    assert "pulumi-resource-cloudimages" not in shown
    assert "Ignoring package pulumi-cloudimages" in shown  # what the host said of the wheel (pulumi-plugin.json)


UNKNOWN_KEEPER = textwrap.dedent(
    """\
    import pulumi
    from pulumi.dynamic import CreateResult, Resource, ResourceProvider

    from pulumi_cloudimages import PinnedImage


    class Servers(ResourceProvider):  # stands in for a cloud's server: its ID is known once it is created
        def create(self, props):
            return CreateResult(id_="server-" + props["name"], outs=props)


    class Server(Resource):
        def __init__(self, name):
            super().__init__(Servers(), name, {"name": name})


    server = Server("web")
    ubuntu = PinnedImage("ubuntu", imagetype="gold", platform="Ubuntu", support_kvm=True,
                         name_regex=r"^Ubuntu 22\\.04 ", most_recent=True, keepers={"server": server.id})
    pulumi.export("imageId", ubuntu.image_id)
    """
)


def test_a_preview_with_a_keeper_not_known_yet(new_project: NewProject, user_venv: UserVenv, ims: Emulator) -> None:
    project = python_project(new_project, user_venv, UNKNOWN_KEEPER)
    preview = project.preview_json()
    assert not [d for d in preview.get("diagnostics", []) if d["severity"] == "error"], preview
    (pin,) = [step for step in preview["steps"] if step["urn"].endswith("::ubuntu")]
    assert pin["op"] == "create"
    assert pin["newState"]["inputs"]["keepers"]["server"] == UNKNOWN  # the server's ID, not known yet
    assert not ims.requests()  # nothing looked up before the pin's inputs are known

    project.up()
    assert project.outputs() == {"imageId": PINNED["id"]}
    assert project.resource("ubuntu")["outputs"]["keepers"] == {"server": "server-web"}
    project.run("preview", "--expect-no-changes")
