"""Pulumi YAML programs under the real engine through the provider plugin installed with the wheel: the two YAML
examples of the repository as they are, the plugin found on PATH and through `plugins: providers:`; `pulumi import`
and the generated code; a PinnedImage whose input is another resource's output not known yet in a preview.

What is changed in the examples: their `packages:` entry (the `provider/` folder, `runtime: python`) is taken out,
since that way of finding the plugin needs the current Python language host's RunPlugin, which this engine lacks
(.ci/pulumi-engine says why; `test_the_packages_entry_needs_the_current_python_host` keeps it in view). Nothing else:
the stack config adds the emulator's endpoint and the credentials."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any

import yaml

from engine.scenario import ROOT, UNKNOWN, Emulator, NewProject, UserVenv, lifecycle_keeping_the_secret
from pins import LISTED, NEWER_ID, PINNED, catalog_document, newest

EXAMPLES = ROOT / "examples"
PACKAGES_ENTRY = "packages:\n  cloudimages: ../../provider"


def example(name: str, *, plugins: Path | None = None) -> str:
    """The example's Pulumi.yaml without its `packages:` entry; with `plugins`, the plugin's folder named under
    `plugins: providers:`."""
    text = (EXAMPLES / name / "Pulumi.yaml").read_text()
    start = text.index(PACKAGES_ENTRY)
    end = text.index("\n", start + len(PACKAGES_ENTRY)) + 1
    text = text[:start] + text[end:]
    if plugins is not None:
        text += f"plugins:\n  providers:\n    - name: cloudimages\n      path: {plugins}\n"
    return text


PATH_WARNING = "using pulumi-resource-cloudimages from $PATH"


def test_yaml_gold_per_platform_runs_with_the_plugin_on_path(new_project: NewProject, user_venv: UserVenv) -> None:
    project = new_project({"Pulumi.yaml": example("yaml-gold-per-platform")}, path=(user_venv.bin,))
    up = project.up()
    assert PATH_WARNING in up.output, up  # the engine says where it found the plugin

    def gold(platform: str) -> dict[str, Any]:
        return newest([i for i in LISTED if i["__imagetype"] == "gold" and i["status"] == "active"
                       and i.get("__support_kvm") == "true" and i["__platform"] == platform])  # fmt: skip

    outputs = project.outputs()
    platforms = {"ubuntu": "Ubuntu", "centos": "CentOS", "debian": "Debian", "euleros": "EulerOS", "windows": "Windows"}
    assert {key: outputs[f"{key}ImageId"] for key in platforms} == {k: gold(p)["id"] for k, p in platforms.items()}
    assert outputs["ubuntuOsVersion"] == gold("Ubuntu")["__os_version"]
    types = [r["type"] for r in project.export()["deployment"]["resources"]]
    assert types == ["pulumi:pulumi:Stack", "pulumi:providers:cloudimages"]  # invokes only, no resource


def test_yaml_pinned_image_runs_with_the_plugin_under_plugins_providers(
    new_project: NewProject, user_venv: UserVenv, ims: Emulator
) -> None:
    project = new_project({"Pulumi.yaml": example("yaml-pinned-image", plugins=user_venv.bin)})
    up = project.up()
    assert PATH_WARNING not in up.output and "warning" not in up.output, up
    assert project.outputs() == {"imageId": PINNED["id"], "latestId": PINNED["id"], "upgradeAvailable": False}

    ims.replace_catalog(catalog_document(newer=True))
    project.run("refresh", "--yes")
    state = project.resource("ubuntu")["outputs"]
    assert (state["imageId"], state["latestId"], state["upgradeAvailable"]) == (PINNED["id"], NEWER_ID, True)

    project.config("imageRollout", "2026-q3")  # the example's own comment: then `pulumi up`
    moved = project.up()
    assert "1 updated" in moved.stdout, moved
    assert project.outputs()["imageId"] == NEWER_ID


def test_the_packages_entry_needs_the_current_python_host(new_project: NewProject, tmp_path: Path) -> None:
    """The README's `packages:` entry names `provider/` (a PulumiPlugin.yaml of `runtime: python`): the engine asks
    the current Python language host's RunPlugin for it, which this engine's v3.79.0 host lacks. Shown, not skipped:
    the command fails, saying the plugin could not be run (a copy of provider/: the host may write a venv in it)."""
    source = tmp_path / "provider"
    shutil.copytree(ROOT / "provider", source, ignore=shutil.ignore_patterns("__pycache__", "venv", "*.egg-info"))
    text = (EXAMPLES / "yaml-pinned-image" / "Pulumi.yaml").read_text().replace("../../provider", str(source))
    ran = new_project({"Pulumi.yaml": text}).run("preview", check=False)
    assert ran.code != 0, ran
    # The old host's RunPlugin runs `python ''` (it reads the deprecated `program` field, which the engine leaves
    # empty): the plugin exits at once, and the schema of the package cannot be read.
    assert "can't find '__main__' module" in ran.stdout, ran
    assert 'internal error loading package "cloudimages": Error loading schema from plugin' in ran.stdout, ran


def test_import_pins_the_image_and_the_generated_code_changes_nothing(
    new_project: NewProject, user_venv: UserVenv
) -> None:
    head = (
        f"name: imported\nruntime: yaml\nplugins:\n  providers:\n    - name: cloudimages\n      path: {user_venv.bin}\n"
    )
    project = new_project({"Pulumi.yaml": head})
    imported = project.run("import", "cloudimages:index:PinnedImage", "web", PINNED["id"], "--yes", "--out", "web.yaml")
    assert "1 imported" in imported.stdout, imported
    generated = yaml.safe_load((project.dir / "web.yaml").read_text())
    assert generated["resources"]["web"]["properties"] == {"id": PINNED["id"]}  # keeps exactly that image

    project.write(
        {"Pulumi.yaml": head + (project.dir / "web.yaml").read_text() + "\noutputs:\n  imageId: ${web.imageId}\n"}
    )
    project.run("up", "--yes", "--expect-no-changes", "--diff")  # fails (exit 255) on any resource change
    state = project.resource("web")
    assert state["id"] == PINNED["id"]
    assert state["outputs"]["imageId"] == PINNED["id"]
    assert project.outputs() == {"imageId": PINNED["id"]}

    missing = project.run("import", "cloudimages:index:PinnedImage", "gone", "no-such-image-id", "--yes", check=False)
    assert missing.code != 0 and "no-such-image-id" in missing.output, missing


UNKNOWN_KEEPER = textwrap.dedent(
    """\
    resources:
      first:
        type: cloudimages:index:PinnedImage
        properties:
          { imagetype: gold, platform: Ubuntu, supportKvm: true, nameRegex: '^Ubuntu 22\\.04 ', mostRecent: true }
      second:
        type: cloudimages:index:PinnedImage
        properties:
          imagetype: gold
          platform: CentOS
          mostRecent: true
          keepers: { after: "${first.id}" }   # a new resource's ID: not known in a preview
    outputs:
      first: ${first.imageId}
      second: ${second.imageId}
    """
)


def test_a_preview_with_an_input_not_known_yet(new_project: NewProject, user_venv: UserVenv, ims: Emulator) -> None:
    project = new_project({"Pulumi.yaml": "name: unknowns\nruntime: yaml\n" + UNKNOWN_KEEPER}, path=(user_venv.bin,))
    preview = project.preview_json()
    steps = {step["urn"].rsplit("::", 1)[1]: step for step in preview["steps"]}
    assert (steps["first"]["op"], steps["second"]["op"]) == ("create", "create")
    assert not [d for d in preview.get("diagnostics", []) if d["severity"] == "error"], preview
    # A new resource's ID is not known before it is created: the keeper that holds it is not known in a preview
    # (and nothing is looked up for that pin: it is checked and resolved once the ID is known).
    assert steps["second"]["newState"]["inputs"]["keepers"]["after"] == UNKNOWN, steps["second"]["newState"]
    lookups = [r for r in ims.requests() if r["path"].endswith("/cloudimages")]
    assert all("CentOS" not in r["query"] for r in lookups), lookups

    project.up()
    centos = newest([i for i in LISTED if i["__imagetype"] == "gold" and i["__platform"] == "CentOS"])
    assert project.outputs() == {"first": PINNED["id"], "second": centos["id"]}
    assert project.resource("second")["outputs"]["keepers"]["after"] == project.resource("first")["id"]


def test_the_secret_key_never_shows_in_the_plugins_output_or_logs(
    new_project: NewProject, user_venv: UserVenv, ims: Emulator
) -> None:
    project = new_project({"Pulumi.yaml": example("yaml-pinned-image", plugins=user_venv.bin)})
    shown = lifecycle_keeping_the_secret(project, ims)
    assert "pulumi-resource-cloudimages" in shown  # the plugin ran
