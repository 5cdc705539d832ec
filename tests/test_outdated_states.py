"""Reading state documents: every format the `outdated` command takes, where each reference was found, values that
cannot be read, and the files it refuses (each named, with why)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pulumi_cloudimages.states import StateFileError, read_state

STATES = Path(__file__).parent / "data" / "states"
UBUNTU_2204 = "87c08afe-80fc-52f2-abe6-f0cf30e5b09e"
CENTOS_79 = "e7ce8bea-2c19-5bc3-bf74-a37e275a2eea"


def read(name: str) -> tuple[str, list[tuple[str, str | None, str]]]:
    document = read_state((STATES / name).read_bytes(), name)
    return document.kind, [(r.image_id, r.where.resource, r.where.path) for r in document.references]


def test_pulumi_export_references_with_urns_and_paths() -> None:
    kind, references = read("pulumi-web.json")
    stack = "urn:pulumi:prod::web::"
    assert kind == "pulumi"
    assert references == [
        (UBUNTU_2204, f"{stack}pulumi-python:dynamic/cloudimages:PinnedImage::ubuntu", "outputs.image_id"),
        (UBUNTU_2204, f"{stack}huaweicloud:Compute/instance:Instance::web-0", "outputs.imageId"),  # once, not twice
        ("ea91cb38-2d37-5841-a80b-669fc6bdbb94", f"{stack}huaweicloud:Compute/instance:Instance::web-legacy",
         "outputs.imageId"),
        ("ecd96b15-77e3-57ea-9a8a-11f8abd39f99", f"{stack}huaweicloud:As/configuration:Configuration::web-asg",
         "outputs.instanceConfig.imageId"),  # at depth
        ("0967bd98-28df-535f-bee6-4fdb9b917fdc", f"{stack}huaweicloud:Compute/instance:Instance::web-canary",
         "outputs.imageId"),
    ]  # fmt: skip


def test_a_pinned_image_carries_its_lookup_and_secrets_are_skipped_not_read() -> None:
    document = read_state((STATES / "pulumi-web.json").read_bytes(), "web.json")
    pin = document.references[0].pin
    assert pin == {"architecture": "x86", "imagetype": "gold", "most_recent": True,
                   "name_regex": r"^Ubuntu 22\.04 server", "platform": "Ubuntu"}  # fmt: skip
    assert all(r.pin is None for r in document.references[1:])
    # The provider's secret keys are not under an image ID key; the vault's secret image ID is, once.
    assert [(s.where.resource, s.where.path, s.reason) for s in document.skipped] == [
        ("urn:pulumi:prod::web::huaweicloud:Compute/instance:Instance::vault", "outputs.imageId",
         "a secret: not read"),
    ]  # fmt: skip


def test_secrets_are_never_read_even_shown_with_show_secrets() -> None:
    shown = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "plaintext": json.dumps(CENTOS_79)}
    pinned = {"urn": "urn:pulumi:dev::p::pulumi-python:dynamic/cloudimages:PinnedImage::base",
              "type": "pulumi-python:dynamic/cloudimages:PinnedImage",
              "outputs": {"image_id": UBUNTU_2204, "pinned_at": "2026-01-01T00:00:00Z", "upgrade_available": False,
                          "imagetype": "gold", "name_regex": shown}}  # fmt: skip
    server = {"urn": "urn:pulumi:dev::p::huaweicloud:Compute/instance:Instance::db", "type": "x",
              "outputs": {"imageId": shown}}  # fmt: skip
    document = read_state({"version": 3, "deployment": {"resources": [pinned, server]}}, "export")
    [reference] = document.references
    assert (reference.image_id, reference.pin) == (UBUNTU_2204, None)  # its lineage judges it
    assert [(s.where.path, s.reason) for s in document.skipped] == [
        ("outputs", "PinnedImage argument name_regex is secret: the image is judged by its lineage"),
        ("outputs.imageId", "a secret: not read"),
    ]
    assert CENTOS_79 not in repr(document)


def test_the_provider_plugins_pinned_image_is_a_pin_too() -> None:
    resource = {
        "urn": "urn:pulumi:dev::p::cloudimages:index:PinnedImage::base",
        "type": "cloudimages:index:PinnedImage",
        "outputs": {"imageId": UBUNTU_2204, "imagetype": "gold", "nameRegex": "^Ubuntu", "mostRecent": True,
                    "supportKvm": True, "latestId": UBUNTU_2204, "keepers": {}},
    }  # fmt: skip
    [reference] = read_state({"version": 3, "deployment": {"resources": [resource]}}, "export").references
    assert reference.where.path == "outputs.imageId"
    assert reference.pin == {"imagetype": "gold", "name_regex": "^Ubuntu", "most_recent": True, "support_kvm": True}


def test_terraform_state_addresses_with_modules_and_index_keys() -> None:
    kind, references = read("terraform.tfstate")
    assert kind == "terraform"
    assert references == [
        (CENTOS_79, "module.web.huaweicloud_compute_instance.app[0]", "image_id"),
        (CENTOS_79, "module.web.huaweicloud_compute_instance.app[1]", "image_id"),
        ("c21cd49d-c36e-52fb-8e0d-8b21b9fed5f0", 'huaweicloud_compute_instance.db["blue"]', "image_id"),
        ("53e2931d-86ff-5b65-b2e8-eb2ebf4b6f75", "huaweicloud_compute_instance.edge", "image_id"),
    ]  # the data source's `id` is not under an image ID key


def test_terraform_show_json_walks_child_modules() -> None:
    document = read_state((STATES / "show.json").read_bytes(), "show.json")
    assert document.kind == "terraform-show"
    assert [(r.image_id, r.where.resource) for r in document.references] == [
        ("7bafcf82-b197-5dba-9a4d-b5c2020dee9f", "huaweicloud_compute_instance.bastion"),
        (UBUNTU_2204, "module.workers.huaweicloud_compute_instance.app[0]"),
    ]
    # An empty image_id is an unset attribute; a value that is no image ID is said, not dropped.
    [skipped] = document.skipped
    assert skipped.where.resource == 'module.workers.module.batch.huaweicloud_compute_instance.job["nightly"]'
    assert (skipped.where.path, skipped.reason) == ("block_device[0].image_id", "'custom-built' is not an image ID")


def _instance(attributes: dict[str, object], marks: object) -> dict[str, object]:
    return {"schema_version": 0, "attributes": attributes, "sensitive_attributes": marks}


def test_terraform_sensitive_values_are_never_read_like_pulumi_secrets() -> None:
    """Both forms of a state's `sensitive_attributes` (a list of paths of steps, and an object shaped like the
    values), `sensitive_values` of `terraform show -json`, a value inside a marked block, and marks in a form not
    known here (then nothing of the resource is read): each said, none reported."""
    path = [{"type": "get_attr", "value": "block_device"}, {"type": "index", "value": {"value": 1, "type": "number"}}]
    by_key = [{"type": "get_attr", "value": "servers"}, {"type": "index", "value": {"value": "blue", "type": "string"}}]
    instances = [
        _instance({"image_id": UBUNTU_2204, "admin_pass": "x"}, [[{"type": "get_attr", "value": "image_id"}]]),
        _instance({"block_device": [{"image_id": CENTOS_79}, {"image_id": UBUNTU_2204}]}, [path]),
        _instance({"servers": {"blue": {"image_id": UBUNTU_2204}, "green": {"image_id": CENTOS_79}}}, [by_key]),
        _instance({"image_id": UBUNTU_2204}, {"image_id": True}),
        _instance({"image_id": UBUNTU_2204}, {"image_id": False, "tags": {}}),  # marks that mark nothing
        _instance({"image_id": CENTOS_79, "admin_pass": None}, []),
        _instance({"image_id": UBUNTU_2204}, [[{"type": "some_future_step", "value": 1}]]),
    ]
    for number, instance in enumerate(instances):
        instance["index_key"] = number
    resource = {"mode": "managed", "type": "huaweicloud_compute_instance", "name": "app", "instances": instances}
    state = {"version": 4, "terraform_version": "1.9.8", "lineage": "l", "resources": [resource]}
    document = read_state(json.dumps(state).encode(), "terraform.tfstate")
    app = "huaweicloud_compute_instance.app"
    assert [(r.image_id, r.where.resource, r.where.path) for r in document.references] == [
        (CENTOS_79, f"{app}[1]", "block_device[0].image_id"),
        (CENTOS_79, f"{app}[2]", "servers.green.image_id"),
        (UBUNTU_2204, f"{app}[4]", "image_id"),
        (CENTOS_79, f"{app}[5]", "image_id"),
    ]
    assert [(s.where.resource, s.where.path, s.reason) for s in document.skipped] == [
        (f"{app}[0]", "image_id", "marked sensitive: not read"),
        (f"{app}[1]", "block_device[1].image_id", "marked sensitive: not read"),
        (f"{app}[2]", "servers.blue.image_id", "marked sensitive: not read"),
        (f"{app}[3]", "image_id", "marked sensitive: not read"),
        (f"{app}[6]", "image_id", "marked sensitive: not read"),
    ]
    show = {"format_version": "1.0", "values": {"root_module": {"resources": [
        {"address": "huaweicloud_compute_instance.app[0]", "values": {"id": "i-0", "image_id": CENTOS_79},
         "sensitive_values": {}},
        {"address": "huaweicloud_compute_instance.app[1]", "values": {"id": "i-1", "image_id": UBUNTU_2204},
         "sensitive_values": {"image_id": True}},
        {"address": "huaweicloud_compute_instance.app[2]", "values": {"network": [{"image_id": UBUNTU_2204}]},
         "sensitive_values": {"network": True}}]}}}  # fmt: skip
    shown = read_state(json.dumps(show), "show.json")
    assert [r.image_id for r in shown.references] == [CENTOS_79]
    assert [(s.where.resource, s.where.path, s.reason) for s in shown.skipped] == [
        ("huaweicloud_compute_instance.app[1]", "image_id", "marked sensitive: not read"),
        ("huaweicloud_compute_instance.app[2]", "network[0].image_id", "marked sensitive: not read"),
    ]


def test_plain_id_lists_with_comments_lowercased() -> None:
    kind, references = read("images.txt")
    assert kind == "ids"
    assert references == [("c7f5ced5-b44c-56ac-ace2-ce4cf9eaa501", None, "line 2"),
                          ("3b0f6a1e-9d6c-4c1e-8a55-2f1d7c0e9b11", None, "line 4")]  # fmt: skip


def test_empty_states_have_no_references() -> None:
    assert read_state('{"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "x", "resources": []}',
                      "a").references == []  # fmt: skip
    assert read_state('{"format_version": "1.0"}', "b").references == []  # terraform show -json of no state
    assert read_state('{"version": 3, "deployment": {"manifest": {}}}', "c").references == []
    assert read_state("# nothing pinned yet\n", "d").references == []


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("truncated.json", "the JSON ends early (cut off?): Unterminated string starting at (line 59, column 24)"),
        ("cloudformation.json", "JSON of another kind (top-level keys: 'AWSTemplateFormatVersion', 'Description'"),
        ("tfstate-v3.json", "a Terraform state of format version 3 (Terraform 0.11 or older"),
        ("plan.json", "a Terraform plan (terraform show -json PLANFILE)"),
        ("checkpoint.json", "a Pulumi checkpoint file from a backend's storage, not an export"),
        ("images-list.json", "a list of images (cloudimages list -o json?): give their IDs one a line (-o ids)"),
        ("main.tf", "line 1: 'resource \"huaweicloud_compute_instance\" \"web\" {' is not an image ID (Terraform "
         "configuration, not state"),
        ("terraform.tfstate.gz", "gzip-compressed data: decompress it first"),
    ],
)  # fmt: skip
def test_bad_files_are_refused_naming_the_file_and_why(name: str, why: str) -> None:
    path = f"bad/{name}"
    with pytest.raises(StateFileError) as caught:
        read_state((STATES / path).read_bytes(), path)
    assert str(caught.value).startswith(f"{path}: {why}")
    assert isinstance(caught.value, ValueError)  # the command line's "bad input"


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "empty: no state and no image ID"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data, not text"),
        (b"\xff\xfe{\x00", "binary data, not text"),
        (b"caf\xe9 87c08afe-80fc-52f2-abe6-f0cf30e5b09e", "not UTF-8 text (byte 3)"),
        (b'{"version": 3, "deployment": {"resources": {"urn": "x"}}}', "deployment.resources is an object, where a "
         "list belongs"),
        (b'{"version": 9, "deployment": {}}', "a Pulumi export of version 9: versions 1 to 3 are read"),
        (b'{"version": 5, "terraform_version": "2.0.0", "resources": []}', "a Terraform state of format version 5"),
        (b'{"format_version": "2.0", "values": {}}', "terraform show -json of format_version '2.0': 1.x is read"),
        (b"name: web\nruntime: python\n", "line 1: 'name: web' is not an image ID (YAML?"),
        (b"87c08afe-80fc-52f2-abe6\n", "line 1: '87c08afe-80fc-52f2-abe6' is not an image ID"),
        (b"[1, 2]", "a JSON list, not a state"),
        (b'{"deployment": {}, "version": 3,}', "not valid JSON: "),  # the json module's own words vary by version
    ],
)  # fmt: skip
def test_damaged_and_foreign_content(content: bytes, why: str) -> None:
    with pytest.raises(StateFileError, match="^x.json: " + re.escape(why)):
        read_state(content, "x.json")
