"""Two real stacks whose exports go to `cloudimages outdated`: a YAML fleet through the plugin (a PinnedImage that
a newer build overtakes, one whose image is deleted, and a lookup's ID as a stack output) and a Python program
with the dynamic PinnedImage. Shared by tests/engine/test_engine_outdated.py and tests/engine/make_data.py
(which keeps their exports in tests/data/engine/ for the unit tests)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from engine.scenario import Emulator, Project
from pins import LISTED, NEWER_ID, PINNED, catalog_document, newest


def _gold_kvm(platform: str, without: tuple[str, ...] = ()) -> dict[str, Any]:
    matches = [i for i in LISTED if i["__imagetype"] == "gold" and i["status"] == "active"
               and i.get("__support_kvm") == "true" and i["__platform"] == platform]  # fmt: skip
    return newest([i for i in matches if i["id"] not in without])


DEBIAN = _gold_kvm("Debian")  # pinned, then deleted from the catalog: gone
DEBIAN_NOW = _gold_kvm("Debian", without=(DEBIAN["id"],))  # the newest match of the Debian pin once it is gone
CENTOS = _gold_kvm("CentOS")  # looked up, exported as the stack's imageId: still the newest of its lineage


def later_catalog() -> dict[str, Any]:
    """The catalog once a newer Ubuntu 22.04 build is out and the pinned Debian image deleted."""
    return catalog_document(newer=True, without=(DEBIAN["id"],))


# image ID -> (status, rule, what to replace it with) that `outdated` must report against later_catalog()
EXPECTED = {
    PINNED["id"]: ("outdated", "pinned", NEWER_ID),
    DEBIAN["id"]: ("gone", "pinned", DEBIAN_NOW["id"]),
    CENTOS["id"]: ("current", "lineage", None),
}


def fleet_program(plugin_dir: Path) -> str:
    return textwrap.dedent(
        f"""\
        name: fleet
        runtime: yaml
        plugins:
          providers:
            - name: cloudimages
              path: {plugin_dir}
        variables:
          centos:
            fn::invoke:
              function: cloudimages:index:getImages
              arguments: {{ imagetype: gold, platform: CentOS, supportKvm: true, mostRecent: true }}
        resources:
          ubuntu:
            type: cloudimages:index:PinnedImage
            properties:
              imagetype: gold
              platform: Ubuntu
              supportKvm: true
              nameRegex: '^Ubuntu 22\\.04 '
              mostRecent: true
          debian:
            type: cloudimages:index:PinnedImage
            properties: {{ imagetype: gold, platform: Debian, supportKvm: true, mostRecent: true }}
        outputs:
          imageId: ${{centos.id}}
        """
    )


PYTHON_PROGRAM = textwrap.dedent(
    """\
    import pulumi

    from pulumi_cloudimages import PinnedImage

    ubuntu = PinnedImage("ubuntu", imagetype="gold", platform="Ubuntu", support_kvm=True,
                         name_regex=r"^Ubuntu 22\\.04 ", most_recent=True)
    pulumi.export("pinned", ubuntu.image_id)
    """
)


def python_files(python: Path) -> dict[str, str]:
    return {
        "Pulumi.yaml": f"name: pinned\nruntime:\n  name: python\n  options:\n    virtualenv: {python.parent.parent}\n",
        "__main__.py": PYTHON_PROGRAM,
    }


def live(projects: list[Project], ims: Emulator) -> list[str]:
    """Each stack up; then the catalog moves on (later_catalog) and a refresh of each records it: their
    `pulumi stack export` as printed."""
    for project in projects:
        project.up()
    ims.replace_catalog(later_catalog())
    for project in projects:
        refreshed = project.run("refresh", "--yes")  # the pins are kept; the one whose image is gone with a warning
        assert "debian" not in project.dir.joinpath("Pulumi.yaml").read_text() or DEBIAN["id"] in refreshed.output
    return [project.run("stack", "export").stdout for project in projects]
