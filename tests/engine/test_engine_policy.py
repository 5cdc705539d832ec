"""The cloudimages policy pack (provider/pulumi_cloudimages/policy/) under the real engine, given on the command line
(`--policy-pack`, `--policy-pack-config`): a Python program whose dynamic `Server`s stand in for ECS instances
(an `imageId` input each) and a YAML program of `cloudimages:index:PinnedImage`s through the plugin. Each rule of
the rule book is broken once, by one resource that breaks it alone, while the others pass it; then a clean stack
passes. A mandatory violation fails `pulumi preview` and `pulumi up` with a message naming the resource, the
property, the image (name and ID) and the rule; an advisory one warns; an image ID not known in a preview is no
violation, and is judged at `up`; an image ID known only as an output (a pin's `imageId`) is judged by the stack
policies, which fail the update after it ran.

How the pack is given: the engine starts a `runtime: python` pack folder through the Python language host's
RunPlugin, which the only Python host this engine has (sdk/v3 v3.79.0's, .ci/pulumi-engine says why) does not
have as the engine expects (it reads the deprecated `program` field). So `--policy-pack` names an executable
launcher beside a copy of the pack's PulumiPolicy.yaml and __main__.py: the engine runs it as an analyzer with its
own address as the only argument (and still reads the PulumiPolicy.yaml beside it), and the launcher runs what
the host would, `python -m pulumi.policy <engine> <folder>`, with the Python where `pulumi-cloudimages[policy]`
is installed. With a current Pulumi install, `--policy-pack <the pack folder>` does the same directly.

The rule book reaches the pack from CLOUDIMAGES_POLICY (the engine passes its environment on to its plugins; the
Python test) or from `policyFile` in `--policy-pack-config` (the YAML test); its `endpoint` points at the emulator,
the credentials are HW_* in the environment. The catalog is the sample's plus a gold Ubuntu 22.04 build made an
hour ago (too young) and the newest gold Debian 12 build killed (withdrawn)."""

from __future__ import annotations

import copy
import json
import re
import shutil
import sys
import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from engine.conftest import shared
from engine.scenario import (
    ACCESS_KEY,
    PROJECT_A,
    ROOT,
    SECRET_KEY,
    Emulator,
    NewProject,
    Project,
    Ran,
    UserVenv,
    run,
    user_environment,
)
from pins import LISTED, PINNED, catalog_document

PACK = ROOT / "provider" / "pulumi_cloudimages" / "policy"
NOW = datetime.now(timezone.utc)
YOUNG_ID = "b3f1c2d4-0000-4000-8000-0000000000aa"
GONE_ID = "00000000-0000-4000-8000-00000000dead"  # in no catalog


def _image(image_id: str) -> dict[str, Any]:
    return next(i for i in LISTED if i["id"] == image_id)


def _created(image: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(image["created_at"].replace("Z", "+00:00"))


# rule -> the image of the sample catalog (with the two changes below) that breaks that rule and no other, under
# RULE_BOOK; OK_ID (the newest gold Ubuntu 22.04 build for KVM) breaks none.
OK_ID = PINNED["id"]
IMAGES = {
    "revoked": "06e2072d-c128-5edd-8a6d-dc869a2eab5c",  # Ubuntu 24.04 server 64bit 20250806 ARM, in revoked.txt
    "untrusted": "ecd96b15-77e3-57ea-9a8a-11f8abd39f99",  # web-server-2025-11-20: PROJECT_A's own, not gold
    "gone": GONE_ID,
    "withdrawn": "14c714e5-00f3-5607-b189-1dee8363aacc",  # Debian 12.0.0 64bit 20240823: killed below
    "too_young": YOUNG_ID,  # an Ubuntu 22.04 build made an hour ago (below)
    "too_old": "4c29f272-b376-5039-ae87-57f8e801eba2",  # openSUSE 15.5 64bit 20240117: 12 days older than OK_ID
    "outdated": "2cdd5333-f74a-5888-8ed9-694888de31be",  # Ubuntu 24.04 server 64bit 20250118: 20250806 is out
    "name": "ed23b301-5282-5d96-835e-aae86c793f30",  # EulerOS 2.9 64bit (security update)
}
RULES = tuple(IMAGES)
MANDATORY = ("revoked", "untrusted", "gone", "withdrawn")  # the defaults; the others are advisory
# Older than OK_ID by a few days more than the margin: openSUSE 20240117 too old, OK_ID not.
MAX_AGE = f"{(NOW - _created(PINNED)).days + 5}d"
RULE_BOOK = f"""\
trusted_sources: [gold]
min_age: 7d
max_age: {MAX_AGE}
revocations: [revoked.txt]
outdated_grace: 1d
names: ['^Ubuntu 2[24]\\.04 ', '^Debian ', '^web-server-', '^openSUSE ']
"""
REVOKED = f"{IMAGES['revoked']}  # CVE-2026-1234: broken cloud-init\n"


def catalog() -> dict[str, Any]:
    """The sample catalog, with a gold Ubuntu 22.04 build made an hour ago and the newest Debian 12 build killed."""
    document = catalog_document()
    young = copy.deepcopy(PINNED)
    made = (NOW - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    young.update(id=YOUNG_ID, name=f"Ubuntu 22.04 server 64bit {NOW:%Y%m%d}", created_at=made, updated_at=made,
                 self=f"/v2/images/{YOUNG_ID}", file=f"/v2/images/{YOUNG_ID}/file")  # fmt: skip
    document["images"].append(young)
    next(i for i in document["images"] if i["id"] == IMAGES["withdrawn"])["status"] = "killed"
    return document


def image_names() -> dict[str, str]:
    names = {i["id"]: i["name"] for i in catalog()["images"]}
    return {image_id: names[image_id] for image_id in (*IMAGES.values(), OK_ID) if image_id in names}


# ---------------------------------------------------------------------------------------------------------------
# The pack, as the engine is given it


@pytest.fixture(scope="session")
def pack_python(user_venv: UserVenv, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with the built wheel and its `policy` extra (pulumi-policy, PyYAML), as the README says the
    pack's Python is installed; not the program's virtualenv, which needs neither."""

    def build(folder: Path) -> None:
        env = user_environment()
        run([sys.executable, "-m", "venv", folder / "venv"], cwd=folder, env=env)
        run([folder / "venv/bin/python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             f"{user_venv.wheel}[policy]"], cwd=folder, env=env, timeout=900)  # fmt: skip

    return shared(tmp_path_factory, "policy-venv", build) / "venv" / "bin" / "python"


@pytest.fixture
def pack(pack_python: Path, tmp_path: Path) -> Path:
    """The launcher beside a copy of the pack's folder (the module docstring says why)."""
    folder = tmp_path / "pack"
    folder.mkdir()
    for name in ("PulumiPolicy.yaml", "__main__.py"):
        shutil.copy(PACK / name, folder / name)
    launcher = folder / "run-pack"
    launcher.write_text(f'#!/bin/sh\ncd "$(dirname "$0")" || exit 1\nexec {pack_python} -u -m pulumi.policy "$1" .\n')
    launcher.chmod(0o755)
    return launcher


@pytest.fixture
def rule_book(ims: Emulator, tmp_path: Path) -> Path:
    ims.replace_catalog(catalog())
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "revoked.txt").write_text(REVOKED)
    path = folder / "cloudimages-policy.yaml"
    path.write_text(RULE_BOOK + f"endpoint: {ims.url}\n")
    return path


CREDENTIALS = {"HW_ACCESS_KEY": ACCESS_KEY, "HW_SECRET_KEY": SECRET_KEY, "HW_PROJECT_ID": PROJECT_A}


# ---------------------------------------------------------------------------------------------------------------
# What the engine prints of a pack: its Policies block


@dataclass(frozen=True)
class Reported:
    level: str  # mandatory, advisory
    policy: str  # cloudimages-revoked, cloudimages-revoked-outputs
    resource: str  # the resource's name (the stack's for a stack policy that could not run)
    message: str  # the pack's message (pulumi-policy's line after the policy's description)


HEADER = re.compile(r"^\s+- \[(\w+)\]\s+(\S+)\s+\(([^:]+(?::[^:]+)*): ([^)]+)\)\s*$")


def reported(ran: Ran | str) -> list[Reported]:
    """Every policy report the command printed (`- [level]  policy  (type: name)`, then its lines)."""
    found: list[Reported] = []
    lines = (ran if isinstance(ran, str) else ran.stdout).splitlines()
    for index, line in enumerate(lines):
        header = HEADER.match(line)
        if not header:
            continue
        body = []
        for following in lines[index + 1 :]:
            if not following.strip() or HEADER.match(following) or not following.startswith(" " * 10):
                break
            body.append(following.strip())
        found.append(Reported(header[1], header[2], header[4], body[-1] if body else ""))
    return found


CANT_RUN = re.compile(r"^can't run policy '(\S+)' from policy pack 'cloudimages@v\S+' during preview: string value "
                      r"at \.imageId can't be known during preview$")  # fmt: skip


def updating(ran: Ran) -> str:
    """What `pulumi up` printed of the update, after its preview."""
    assert "\nUpdating (dev):\n" in ran.stdout, ran
    return ran.stdout.split("\nUpdating (dev):\n", 1)[1]


def breaks(found: list[Reported]) -> dict[tuple[str, str], Reported]:
    """The violations (not the notes that a policy could not run in a preview), by (policy, resource)."""
    real = [r for r in found if not CANT_RUN.match(r.message)]
    keyed = {(r.policy, r.resource): r for r in real}
    assert len(keyed) == len(real), real  # each once
    return keyed


def message(urn: str, where: str, image_id: str, rule: str) -> str:
    name = image_names().get(image_id)
    shown = f"{name!r} " if name else ""
    return f"{urn} {where}: image {shown}({image_id}) breaks {rule}: "


def policy_name(rule: str, outputs: bool = False) -> str:
    return f"cloudimages-{rule.replace('_', '-')}" + ("-outputs" if outputs else "")


# ---------------------------------------------------------------------------------------------------------------
# A Python program: dynamic servers with an imageId input each

PROGRAM = textwrap.dedent(
    """\
    import json

    import pulumi
    from pulumi.dynamic import CreateResult, Resource, ResourceProvider

    from pulumi_cloudimages import PinnedImage


    class Servers(ResourceProvider):  # stands in for an ECS instance: its inputs are its outputs
        def create(self, props):
            return CreateResult(id_="server-" + props["name"], outs=props)


    class Server(Resource):
        def __init__(self, name, image_id):
            super().__init__(Servers(), name, {"name": name, "imageId": image_id, "flavorId": "s6.large.2"})


    for name, image_id in json.loads(pulumi.Config().require("servers")).items():
        Server(name, image_id)
    # An image ID not known in a preview: the pin is made at up (min_age holds the build of an hour ago back).
    ubuntu = PinnedImage("ubuntu", imagetype="gold", platform="Ubuntu", support_kvm=True,
                         name_regex=r"^Ubuntu 22\\.04 ", most_recent=True, min_age="7d")
    Server("pinned", ubuntu.image_id)
    """
)


def python_project(new_project: NewProject, user_venv: UserVenv, rule_book: Path, servers: dict[str, str]) -> Project:
    files = {
        "Pulumi.yaml": f"name: fleet\nruntime:\n  name: python\n  options:\n    virtualenv: {user_venv.dir}\n",
        "__main__.py": PROGRAM,
    }
    env = {"PULUMI_PYTHON_CMD": str(user_venv.python), "CLOUDIMAGES_POLICY": str(rule_book), **CREDENTIALS}
    return new_project(files, env=env, config={"fleet:servers": json.dumps(servers)})


def server_urn(name: str) -> str:
    return f"urn:pulumi:dev::fleet::pulumi-python:dynamic:Resource::{name}"


def assert_each_rule_broken_once(ran: Ran) -> None:
    """Each rule's policy on inputs reports its own server and no other, at its level, naming the resource, the
    property, the image and the rule; the server on OK_ID and the pinned one (not known in a preview) break none."""
    found = breaks(reported(ran))
    inputs = {key: r for key, r in found.items() if not key[0].endswith("-outputs")}
    assert set(inputs) == {(policy_name(rule), rule) for rule in RULES}, ran
    for rule in RULES:
        report = inputs[(policy_name(rule), rule)]
        level = "mandatory" if rule in MANDATORY else "advisory"
        assert report.level == level, report
        assert report.message.startswith(message(server_urn(rule), "inputs.imageId", IMAGES[rule], rule)), report
    assert not [r for r in found.values() if r.resource in ("ok", "pinned")], ran


def test_a_python_program_breaking_each_rule_fails_preview_and_up_and_a_clean_one_passes(
    new_project: NewProject, user_venv: UserVenv, pack: Path, rule_book: Path
) -> None:
    project = python_project(new_project, user_venv, rule_book, {**IMAGES, "ok": OK_ID})

    preview = project.run("preview", "--policy-pack", pack, check=False)
    assert preview.code == 1 and "error: preview failed" in preview.stdout, preview
    assert_each_rule_broken_once(preview)
    # The pinned server's image ID is not known in a preview: not a violation, and no policy is kept from running
    # (the pack reads the values behind pulumi-policy's proxies, leaving the unknown out): judged at up.
    assert not any(r.resource == "pinned" for r in reported(preview)), preview
    assert not any(CANT_RUN.match(r.message) for r in reported(preview)), preview
    revoked = breaks(reported(preview))[(policy_name("revoked"), "revoked")]
    assert revoked.message == (
        f"{server_urn('revoked')} inputs.imageId: image 'Ubuntu 24.04 server 64bit 20250806 ARM' ({IMAGES['revoked']})"
        f" breaks revoked: CVE-2026-1234: broken cloud-init ({rule_book.parent / 'revoked.txt'} line 1)"
    )

    up = project.run("up", "--yes", "--policy-pack", pack, check=False)
    assert up.code == 1 and "Updating (dev):" not in up.stdout, up  # its preview failed
    assert_each_rule_broken_once(up)
    assert not project.export()["deployment"].get("resources"), up  # refused before anything was made

    # The update itself refuses it too (no preview first): each server's inputs are judged before it is made, and
    # the first mandatory violation ends the update ("Resource monitor has terminated, shutting down").
    skipped = project.run("up", "--yes", "--skip-preview", "--policy-pack", pack, check=False)
    assert skipped.code == 1, skipped
    stopped = [r for r in breaks(reported(skipped)).values() if r.level == "mandatory"]
    assert stopped and {r.resource for r in stopped} <= set(MANDATORY), skipped
    made = {r["urn"].rsplit("::", 1)[1] for r in project.export()["deployment"].get("resources", [])}
    assert not made & set(MANDATORY), skipped

    # A clean fleet: the preview passes (the pinned server's image not known yet), the up judges it and passes.
    project.config("fleet:servers", json.dumps({"ok": OK_ID}))
    clean_preview = project.run("preview", "--policy-pack", pack)
    assert not breaks(reported(clean_preview)), clean_preview
    up = project.run("up", "--yes", "--policy-pack", pack)
    assert not breaks(reported(up)), up
    assert not reported(updating(up)) and "✅ cloudimages@v" in updating(up), up
    assert project.resource("pinned")["outputs"]["imageId"] == OK_ID  # judged at up, by inputs and outputs


# ---------------------------------------------------------------------------------------------------------------
# A YAML program: PinnedImages through the plugin (on PATH), their imageId judged as outputs


# The newest gold Ubuntu 22.04 build for KVM, x86, older than a week: OK_ID (the build of an hour ago held back).
UBUNTU_PIN = """\
  ubuntu:
    type: cloudimages:index:PinnedImage
    properties:
      imagetype: gold
      platform: Ubuntu
      supportKvm: true
      architecture: x86
      nameRegex: '^Ubuntu 22\\.04 '
      mostRecent: true
      minAge: 7d
"""


def pins(ids: dict[str, str]) -> str:
    """A YAML program of a PinnedImage by `id` for each of `ids`, and the ubuntu pin."""
    resources = "".join(f"  {name}:\n    type: cloudimages:index:PinnedImage\n    properties:\n      id: {image_id}\n"
                        for name, image_id in ids.items())  # fmt: skip
    return f"name: pins\nruntime: yaml\nresources:\n{resources}{UBUNTU_PIN}"


def pin_urn(name: str) -> str:
    return f"urn:pulumi:dev::pins::cloudimages:index:PinnedImage::{name}"


def yaml_project(new_project: NewProject, user_venv: UserVenv, ids: dict[str, str]) -> Project:
    return new_project({"Pulumi.yaml": pins(ids)}, path=(user_venv.bin,), env=CREDENTIALS)


def pack_config(tmp_path: Path, rule_book: Path, **levels: str) -> Path:
    """`--policy-pack-config`: the rule book for `cloudimages-revoked`, and Pulumi's own levels."""
    config: dict[str, Any] = {"cloudimages-revoked": {"policyFile": str(rule_book)}}
    config.update({policy: {"enforcementLevel": level} for policy, level in levels.items()})
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps(config))
    return path


PINNABLE = tuple(rule for rule in RULES if rule not in ("gone", "withdrawn"))  # a pin is made of a visible image


def test_a_yaml_program_pins_judged_by_their_outputs_and_gone_or_withdrawn_later(
    new_project: NewProject, user_venv: UserVenv, ims: Emulator, pack: Path, rule_book: Path, tmp_path: Path
) -> None:
    config = pack_config(tmp_path, rule_book, **{"cloudimages-outdated-outputs": "mandatory"})
    project = yaml_project(new_project, user_venv, {rule: IMAGES[rule] for rule in PINNABLE})
    given = ("--policy-pack", pack, "--policy-pack-config", config)

    # The plugin chooses each pin in the preview: the stack policies judge the imageId outputs there already.
    preview = project.run("preview", *given, check=False)
    assert preview.code == 1 and "error: preview failed" in preview.stdout, preview
    found = breaks(reported(preview))
    outputs = {key: r for key, r in found.items() if key[0].endswith("-outputs")}
    assert set(outputs) == {(policy_name(rule, outputs=True), rule) for rule in PINNABLE}, preview
    for rule in PINNABLE:
        report = outputs[(policy_name(rule, outputs=True), rule)]
        # Pulumi's enforcementLevel in --policy-pack-config overrides the pack's (outdated: advisory by default)
        level = "mandatory" if rule in (*MANDATORY, "outdated") else "advisory"
        assert report.level == level, report
        assert report.message.startswith(message(pin_urn(rule), "outputs.imageId", IMAGES[rule], rule)), report
    assert not [r for r in found.values() if r.resource == "ubuntu"], preview

    up = project.run("up", "--yes", *given, check=False)
    assert up.code == 1 and "Updating (dev):" not in up.stdout, up
    assert not project.export()["deployment"].get("resources"), up

    # A clean stack: the ubuntu pin (the build of an hour ago held back by minAge) and the Debian 12 build.
    ims.replace_catalog(catalog() | {"images": [i for i in catalog()["images"] if i["id"] != IMAGES["withdrawn"]]
                                     + [_image(IMAGES["withdrawn"])]})  # fmt: skip  # not killed yet
    project.write({"Pulumi.yaml": pins({"debian": IMAGES["withdrawn"]})})
    up = project.run("up", "--yes", *given)
    assert not reported(up) and "✅ cloudimages@v" in updating(up), up
    assert project.resource("ubuntu")["outputs"]["imageId"] == OK_ID

    # Then the Ubuntu build is deleted and the Debian build killed: nothing changes in the program, and the stack
    # policies fail the preview on the pins' imageId, gone and withdrawn.
    ims.replace_catalog(catalog() | {"images": [i for i in catalog()["images"] if i["id"] != OK_ID]})
    later = project.run("preview", *given, check=False)
    assert later.code == 1 and "error: preview failed" in later.stdout, later
    found = breaks(reported(later))
    assert found[("cloudimages-gone-outputs", "ubuntu")].message.startswith(
        f"{pin_urn('ubuntu')} outputs.imageId: image ({OK_ID}) breaks gone: "
    ), later
    assert found[("cloudimages-withdrawn-outputs", "debian")].message == (
        f"{pin_urn('debian')} outputs.imageId: image 'Debian 12.0.0 64bit 20240823' ({IMAGES['withdrawn']}) breaks "
        "withdrawn: status killed"
    ), later
    assert {r.level for r in found.values()} == {"mandatory"}, later

    # The update itself, with nothing to change, fails: a pin's `id` input is judged as each resource registers,
    # and the first mandatory violation stops the update.
    after = project.run("up", "--yes", "--skip-preview", *given, check=False)
    assert after.code == 1, after
    assert ("cloudimages-withdrawn", "debian") in breaks(reported(after)), after


def test_a_pinned_image_id_input_is_judged_by_the_input_policies(
    new_project: NewProject, user_venv: UserVenv, pack: Path, rule_book: Path, tmp_path: Path
) -> None:
    config = pack_config(tmp_path, rule_book)
    project = yaml_project(new_project, user_venv, {"untrusted": IMAGES["untrusted"]})
    preview = project.run("preview", "--policy-pack", pack, "--policy-pack-config", config, check=False)
    report = breaks(reported(preview)).get(("cloudimages-untrusted", "untrusted"))
    assert report is not None, preview
    assert report.message.startswith(message(pin_urn("untrusted"), "inputs.id", IMAGES["untrusted"], "untrusted"))
