"""Reading state documents: every format the `outdated` command takes, where each reference was found, values that
cannot be read, and the files it refuses (each named, with why)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pulumi_cloudimages.outdated.states import StateDocument, StateFileError, read_state

STATES = Path(__file__).parents[1] / "data" / "states"
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


# Terraform's sensitive marks, as hashicorp/terraform writes them: a state's `sensitive_attributes` is a list of cty
# paths (internal/states/statefile/version4.go, `marshalPaths`; its version4_test.go holds the JSON), `terraform show
# -json` has `sensitive_values` shaped like `values` (internal/command/jsonstate/state.go, `SensitiveAsBool`).
SENSITIVE = "6dd501b5-4d0a-4cb0-89e4-37f314b34bfc"  # every value here marked sensitive is this one
SUSE_15 = "82816525-5a11-4924-b1ab-2fcdfede4107"
MARKED = "marked sensitive: not read"
UNREAD = "Terraform's marks of what is sensitive are in a form not read here: not read"


def _attr(name: str) -> dict[str, object]:
    return {"type": "get_attr", "value": name}


def _index(key: object, kind: object) -> dict[str, object]:
    return {"type": "index", "value": {"value": key, "type": kind}}


def _found(document: StateDocument) -> tuple[list[tuple[str, str | None, str]], list[tuple[str | None, str, str]]]:
    assert SENSITIVE not in repr(document)
    return ([(r.image_id, r.where.resource, r.where.path) for r in document.references],
            [(s.where.resource, s.where.path, s.reason) for s in document.skipped])  # fmt: skip


def test_a_state_s_sensitive_attributes_are_never_read_and_what_is_beside_them_is() -> None:
    """Terraform 1.14's state: a marked attribute, a list's element in a nested block, a map's key, a whole block
    (a `dynamic` block over a sensitive value; a set's elements also take their marks to the set), and a value of
    dynamic type, which the state writes wrapped (`terraform_data`'s `input`: `{"value": ..., "type": ...}`)."""
    references, skipped = _found(read_state((STATES / "terraform-sensitive.tfstate").read_bytes(), "tfstate"))
    assert references == [
        (UBUNTU_2204, "huaweicloud_compute_instance.batch", "block_device[0].image_id"),
        (CENTOS_79, "huaweicloud_compute_instance.batch", "image_id"),
        (UBUNTU_2204, "huaweicloud_compute_instance.web[1]", "image_id"),
        (SUSE_15, 'terraform_data.image["plain"]', "input.value.image_id"),  # output.value.image_id: the same
        (CENTOS_79, "module.pool.huaweicloud_compute_instance.node[0]", "image_id"),
    ]
    assert skipped == [
        ("huaweicloud_as_configuration.workers", "instance_config[0].image_id", MARKED),
        ("huaweicloud_compute_instance.batch", "block_device[1].image_id", MARKED),
        ("huaweicloud_compute_instance.web[0]", "image_id", MARKED),
        ('terraform_data.image["secret"]', "input.value.image_id", MARKED),
        ("module.pool.huaweicloud_compute_instance.node[0]", "metadata.image_id", MARKED),
    ]


def _server(marks: object, **more: object) -> dict[str, object]:
    attributes = {"block_device": [{"image_id": SENSITIVE}, {"image_id": UBUNTU_2204}], "image_id": CENTOS_79}
    instance = {"schema_version": 0, "attributes": attributes, "sensitive_attributes": marks, **more}
    resource = {"mode": "managed", "type": "huaweicloud_compute_instance", "name": "batch", "instances": [instance]}
    return {"version": 4, "terraform_version": "1.14.0", "serial": 3, "lineage": "l", "resources": [resource]}


@pytest.mark.parametrize(
    "marks",
    [
        {"block_device": [{"image_id": True}]},  # shaped like the values: Terraform refuses it ("invalid structure")
        [[_attr("block_device"), {"type": "index", "value": 0}]],  # an index without its type: refused too
        [[_attr("block_device"), _index("0", "number")]],
        [[{"type": "get_attr", "value": 5}]],
        [[{"type": "get_attr_or_else", "value": "block_device"}]],  # a step of a future Terraform
        [[_attr("block_device"), _index({"image_id": SENSITIVE}, ["object", {"image_id": "string"}])]],  # a set's
        [[_attr("block_device"), _index(2, "number"), _attr("image_id")]],  # a path to no value
        [[_attr("image_id")], "block_device"],
    ],
)  # fmt: skip
def test_sensitive_marks_not_as_terraform_writes_them_leave_the_resource_unread(marks: object) -> None:
    references, skipped = _found(read_state(json.dumps(_server(marks)), "tfstate"))
    assert references == []
    assert skipped == [("huaweicloud_compute_instance.batch", "block_device[0].image_id", UNREAD)]  # one note


def test_a_state_marked_whole_or_written_before_marks() -> None:
    references, skipped = _found(read_state(json.dumps(_server([[]])), "tfstate"))  # the empty path: the object
    assert (references, [path for _, path, _ in skipped]) == ([], ["block_device[0].image_id"])
    # Terraform 0.13 and older wrote no `sensitive_attributes`, and marked nothing.
    old = _server(None)
    del old["resources"][0]["instances"][0]["sensitive_attributes"]  # type: ignore[index]
    references = [(r.image_id, r.where.path) for r in read_state(json.dumps(old).replace(SENSITIVE, SUSE_15),
                                                                  "tfstate").references]  # fmt: skip
    assert references == [(SUSE_15, "block_device[0].image_id"), (UBUNTU_2204, "block_device[1].image_id"),
                          (CENTOS_79, "image_id")]  # fmt: skip


def test_flat_attributes_of_a_state_upgraded_from_terraform_0_11() -> None:
    """internal/states/statefile/testdata/roundtrip/v4-legacy-simple.in.tfstate: `attributes_flat`, no marks."""
    flat = {"attributes_flat": {"id": "5388490630832483079", "block_device.#": "1",
                                "block_device.0.image_id": UBUNTU_2204, "image_id": CENTOS_79}}  # fmt: skip
    state = _server(None, **flat)
    del state["resources"][0]["instances"][0]["attributes"]  # type: ignore[index]
    references, skipped = _found(read_state(json.dumps(state), "tfstate"))
    assert references == [(UBUNTU_2204, "huaweicloud_compute_instance.batch", "block_device.0.image_id"),
                          (CENTOS_79, "huaweicloud_compute_instance.batch", "image_id")]  # fmt: skip
    assert skipped == []


def test_terraform_show_json_sensitive_values_are_never_read() -> None:
    """`terraform show -json` of Terraform 1.14 (shaped as internal/command/testdata/show-json-state/
    sensitive-variables/output.json): `true` where sensitive, `false` for a list's unmarked element, `{}` for an
    unmarked object; dynamic values unwrapped. Terraform 1.0 and older wrote no `sensitive_values`."""

    def resource(address: str, values: dict[str, object], marks: object = None) -> dict[str, object]:
        kind, name = address.split("[")[0].split(".")
        return {"address": address, "mode": "managed", "type": kind, "name": name,
                "provider_name": "registry.terraform.io/huaweicloud/huaweicloud", "schema_version": 0,
                "values": values, **({} if marks is None else {"sensitive_values": marks})}  # fmt: skip

    batch = {"admin_pass": "Zx9!kP2#vQ7m", "block_device": [{"boot_index": 0, "image_id": UBUNTU_2204},
             {"boot_index": 1, "image_id": SENSITIVE}], "image_id": CENTOS_79, "metadata": {}}  # fmt: skip
    ids = {"id": "d71fb368", "input": {"image_id": [SUSE_15, SENSITIVE]}, "triggers_replace": None}
    ids["output"] = ids["input"]
    resources = [
        resource("huaweicloud_compute_instance.batch", batch,
                 {"admin_pass": True, "block_device": [{}, {"image_id": True}], "metadata": {}}),
        resource('terraform_data.ids["a"]', ids, {"input": {"image_id": [False, True]},
                                                  "output": {"image_id": [False, True]}}),
        resource("huaweicloud_compute_instance.old", {"admin_pass": "Zx9!kP2#vQ7m", "image_id": SENSITIVE}),
    ]  # fmt: skip
    show = {"format_version": "1.0", "terraform_version": "1.14.0", "values": {"root_module": {"resources": resources}}}
    references, skipped = _found(read_state(json.dumps(show), "show.json"))
    assert references == [
        (UBUNTU_2204, "huaweicloud_compute_instance.batch", "block_device[0].image_id"),
        (CENTOS_79, "huaweicloud_compute_instance.batch", "image_id"),
        (SUSE_15, 'terraform_data.ids["a"]', "input.image_id[0]"),
    ]
    old = ("terraform show -json of Terraform 1.0 or older, which does not say what is sensitive: not read (give the "
           "state: terraform state pull)")  # fmt: skip
    assert skipped == [
        ("huaweicloud_compute_instance.batch", "block_device[1].image_id", MARKED),
        ('terraform_data.ids["a"]', "input.image_id[1]", MARKED),
        ("huaweicloud_compute_instance.old", "image_id", old),
    ]
    resources[0]["sensitive_values"] = {"block_device": [{}, {}, {"image_id": True}]}  # for no value: none read
    assert _found(read_state(json.dumps(show), "show.json"))[1][0][1:] == ("block_device[0].image_id", UNREAD)


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
        ("checkpoint.json", "a Pulumi checkpoint file from a backend's storage, not an export"),
        ("images-list.json", "a list of images (cloudimages list -o json?): give their IDs one a line (-o ids)"),
        ("main.tf", "line 1 is not an image ID (Terraform "
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
        (b"name: web\nruntime: python\n", "line 1 is not an image ID (YAML?"),
        (b"87c08afe-80fc-52f2-abe6\n", "line 1 ('87c08afe'…) is not an image ID"),
        (b"HW_SECRET_KEY=s3cr3t-value\n", "line 1 is not an image ID;"),  # a .env: never quoted
        (b"[1, 2]", "a JSON list, not a state"),
        (b'{"deployment": {}, "version": 3,}', "not valid JSON: "),  # the json module's own words vary by version
    ],
)  # fmt: skip
def test_damaged_and_foreign_content(content: bytes, why: str) -> None:
    with pytest.raises(StateFileError, match="^x.json: " + re.escape(why)):
        read_state(content, "x.json")


def test_terraform_outputs_by_the_rule_of_attributes_and_never_a_sensitive_one() -> None:
    """A state's root-module `outputs` (internal/states/statefile/version4.go, `outputStateV4`: `sensitive` left out
    when false) and `terraform show -json`'s `values.outputs` (internal/command/jsonstate/state.go, `Output`)."""
    outputs = {
        "image_id": {"value": UBUNTU_2204, "type": "string"},
        "imageId": {"value": [CENTOS_79, SUSE_15], "type": ["list", "string"]},
        "pools": {"value": {"web": [{"image_id": SUSE_15}], "image": "ignored-key"}, "type": "dynamic"},
        "admin_image": {"value": {"image_id": SENSITIVE}, "type": ["object", {"image_id": "string"}],
                        "sensitive": True},
        "image_ids": {"value": [SENSITIVE], "type": ["list", "string"]},  # no image ID key: not read, nor said
        "marked": {"value": {"image_id": SENSITIVE}, "type": "x", "sensitive": "true"},  # not as Terraform writes it
    }  # fmt: skip
    state = {"version": 4, "terraform_version": "1.14.0", "serial": 1, "lineage": "l", "outputs": outputs}
    show_outputs = {name: {"sensitive": False, **output} for name, output in outputs.items()}
    show = {"format_version": "1.0", "values": {"outputs": show_outputs}}
    for document in (state, show):
        references, skipped = _found(read_state(json.dumps(document), "tf"))
        assert references == [
            (UBUNTU_2204, "output.image_id", "value"),
            (CENTOS_79, "output.imageId", "value[0]"),
            (SUSE_15, "output.imageId", "value[1]"),
            (SUSE_15, "output.pools", "value.web[0].image_id"),
        ]
        assert skipped == [("output.admin_image", "value.image_id", MARKED),
                           ("output.marked", "value.image_id", UNREAD)]  # fmt: skip
    with pytest.raises(StateFileError, match=r"^tf: outputs\.image_id is a string, where an object belongs"):
        read_state(json.dumps({**state, "outputs": {"image_id": UBUNTU_2204}}), "tf")


def test_a_plan_is_read_as_what_will_ship() -> None:
    """`terraform show -json tfplan`: each change's `after`, what a plan deletes left out, a value known only after
    apply (`after_unknown`) said and not judged (internal/command/jsonplan/plan.go)."""
    plan = json.loads((STATES / "bad" / "plan.json").read_text())
    document = read_state(plan, "plan.json")
    assert document.kind == "terraform-plan"
    assert [(r.image_id, r.where.resource, r.where.path) for r in document.references] == [
        ("87c08afe-80fc-52f2-abe6-f0cf30e5b09e", "huaweicloud_compute_instance.bastion", "image_id")
    ]
    plan["resource_changes"][0]["change"].update(actions=["delete"])
    assert read_state(plan, "plan.json").references == []
    plan["resource_changes"][0]["change"].update(actions=["create"], after={"name": "bastion"},
                                                 after_unknown={"id": True, "image_id": True})  # fmt: skip
    unknown = read_state(plan, "plan.json")
    assert unknown.references == [] and [s.reason for s in unknown.skipped] == [
        "known only after apply: not judged in the plan (check the state after apply)"
    ]
