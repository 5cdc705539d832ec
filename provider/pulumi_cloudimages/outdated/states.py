"""Reading the image references out of the documents that record what a stack runs.

Recognised by content, never by file name:
- a Pulumi state export (`pulumi stack export`): `{"version": 3, "deployment": {"resources": [{"urn", "type",
  "inputs", "outputs"}]}}`; a secret is `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
  "ciphertext": ...}` (or `"plaintext"`, after `--show-secrets`);
- a Terraform state, format version 4 (`terraform.tfstate`, `terraform state pull`):
  `resources[].instances[].attributes` (or `attributes_flat`, upgraded from 0.11), with `module` and `index_key`
  making the address, and the root module's `outputs` (`output.NAME`);
- `terraform show -json` of a state: `values.root_module.resources[].values` and `child_modules`, recursively, and
  `values.outputs`;
- plain text: image IDs, one a line, `#` comments and blank lines allowed.

A reference is every value under a key `image_id` or `imageId`, at any depth, that is an image ID (a Terraform
output named so is one itself, as a Pulumi stack output is one under that key of the stack's outputs), and every
`PinnedImage` (the dynamic resource, and the provider plugin's `cloudimages:index:PinnedImage`), which also
carries the filters and selection that its refresh would look up again. A value that cannot be read (a secret, or
not an image ID) is recorded as skipped, with where it was. A secret is never read, even when the export shows it:
what the caller marked secret must not appear in a report; a PinnedImage with a secret argument is judged by its
lineage instead of by its lookup. Terraform's sensitive values are Pulumi's secrets: written in plain text, marked
beside them (`sensitive_attributes` of a state's instance, `sensitive_values` of `terraform show -json`, an output's
`sensitive`), and never read either.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, BinaryIO, Literal

from ..choice.arguments import ARGUMENT_NAMES, argument_name
from ..choice.listfile import start_of
from ..errors import CloudImagesError, shown
from ..ims.image import IMAGE_ID, id_key
from ..ims.query import is_filter_name
from ..pin.state import PINNED_IMAGE, STATE_MARKERS

Kind = Literal["pulumi", "terraform", "terraform-show", "terraform-plan", "ids"]
Steps = tuple[str | int, ...]  # where a value is: the keys of objects and indexes of lists leading to it


@dataclass(frozen=True)
class ImageKeys:
    """The keys whose values are image IDs, at any depth: under a `strict` one, a value that is not an image ID is
    reported as skipped; under a `loose` one only an image ID counts (`image` holds an image's name as often;
    `huaweicloud_as_configuration.instance_config[0].image`, Pulumi's `instanceConfig.image`, holds its ID)."""

    strict: frozenset[str] = frozenset({"image_id", "imageId"})
    loose: frozenset[str] = frozenset({"image"})

    def adding(self, keys: Iterable[str]) -> ImageKeys:
        """These keys too, strict: the caller says they hold image IDs (`--image-key`)."""
        return ImageKeys(self.strict | set(keys), self.loose - set(keys))


IMAGE_KEYS = ImageKeys()
# Pulumi's secret signature (sdk/go/common/resource/sig/sig.go, `Secret`), and the fields of a secret in an
# export (sdk/go/common/apitype/core.go, `SecretV1`: `ciphertext`, or `plaintext` with --show-secrets).
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
# A PinnedImage written by `pulumi.dynamic.Resource` subclasses: `pulumi-python:dynamic/cloudimages:PinnedImage`
# (sdk/python/lib/pulumi/dynamic/dynamic.py, `__init_subclass__`), or `pulumi-python:dynamic:Resource` by older SDKs.
DYNAMIC_TYPE_PREFIX = "pulumi-python:dynamic"
_PULUMI_VERSIONS = (1, 2, 3)
_SNIFFED = 8192  # bytes looked at to tell text from binary
# Limits on what is read, checked while reading (a FIFO, /dev/zero or a pipe has no size to stat): a state of
# 100 MB fits with room, and real documents nest under 30 levels.
MAX_STATE_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 256


class StateFileError(CloudImagesError, ValueError):
    """A document is none of the formats read here, or is damaged; the message names it and says why."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file, self.reason = file, reason


@dataclass(frozen=True)
class Where:
    """Where a reference was found: the document, the resource (URN or Terraform address) and the path in it."""

    file: str
    resource: str | None
    path: str

    def __str__(self) -> str:
        return f"{self.file}: {self.resource} {self.path}" if self.resource else f"{self.file}: {self.path}"


@dataclass(frozen=True)
class Reference:
    """An image ID a stack uses; `pin` holds a PinnedImage's lookup arguments (Python names), else None."""

    image_id: str
    where: Where
    pin: Mapping[str, Any] | None = None
    region: str | None = None  # where the file records the resource to be (image IDs belong to one region)


@dataclass(frozen=True)
class Skipped:
    """A value under an image ID key that was not read, and why."""

    where: Where
    reason: str


@dataclass
class StateDocument:
    name: str
    kind: Kind
    references: list[Reference] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def read_capped(stream: BinaryIO, name: str, limit: int = MAX_STATE_BYTES) -> bytes:
    """Up to `limit` bytes of a stream; a `StateFileError` as soon as there are more, rather than memory exhausted
    (`--max-file-size` raises the limit)."""
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise StateFileError(name, f"larger than {limit // 1024 // 1024} MiB (--max-file-size): not a state file?")
    return content


def read_state(content: bytes | str | Mapping[str, Any], name: str, keys: ImageKeys = IMAGE_KEYS) -> StateDocument:
    """The references in one document: its bytes or text, or a parsed JSON object; `name` names it in messages,
    `keys` are where image IDs are read."""
    if isinstance(content, Mapping):
        return _read_json(content, name, keys)
    text = _text(content, name) if isinstance(content, bytes) else content.removeprefix("\ufeff")
    stripped = text.lstrip()
    if not stripped:
        raise StateFileError(name, "empty: no state and no image ID (did the command that wrote it fail?)")
    if stripped[0] not in "{[":
        return _read_ids(text, name)
    try:
        document = json.loads(text)
        _check_depth(document, name)
    except RecursionError:
        raise StateFileError(name, f"JSON nested deeper than {MAX_DEPTH} levels: not a state") from None
    except json.JSONDecodeError as exc:
        # Only the end of the text leaves a string open: a line break inside one is another error.
        cut = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        why = "the JSON ends early (cut off?): " if cut else "not valid JSON: "
        raise StateFileError(name, f"{why}{exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    if isinstance(document, list):
        images = bool(document) and isinstance(document[0], Mapping) and "__imagetype" in document[0]
        hint = "a list of images (cloudimages list -o json?): give their IDs one a line (-o ids)"
        raise StateFileError(name, (hint if images else "a JSON list, not a state") + _FORMATS)
    if not isinstance(document, Mapping):
        raise StateFileError(name, f"JSON {type(document).__name__}, not a state{_FORMATS}")
    return _read_json(document, name, keys)


_FORMATS = (
    "; expected a Pulumi state export (pulumi stack export), a Terraform state (format version 4), "
    "terraform show -json, or image IDs one a line"
)


def _check_depth(document: Any, name: str) -> None:
    """A `StateFileError` for JSON nested deeper than `MAX_DEPTH`: the readers below walk it recursively."""
    level: list[Any] = [document]
    for _ in range(MAX_DEPTH):
        level = [
            child
            for value in level
            if isinstance(value, dict | list)
            for child in (value.values() if isinstance(value, dict) else value)
            if isinstance(child, dict | list)
        ]
        if not level:
            return
    raise StateFileError(name, f"JSON nested deeper than {MAX_DEPTH} levels: not a state")


def _text(content: bytes, name: str) -> str:
    head = content[:_SNIFFED]
    if head.startswith(b"\x1f\x8b"):
        raise StateFileError(name, "gzip-compressed data: decompress it first")
    if b"\x00" in head:
        raise StateFileError(name, "binary data, not text" + _FORMATS)
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StateFileError(name, f"not UTF-8 text (byte {exc.start}): binary data?{_FORMATS}") from None


def read_resource(
    values: Mapping[str, Any], name: str, resource: str, under: str, keys: ImageKeys = IMAGE_KEYS
) -> StateDocument:
    """The image references of one resource's properties (`under`: `inputs` or `outputs`), by the same key rule
    as a state's: for a policy pack, which is handed each resource in turn."""
    found = StateDocument(name, "pulumi")
    _add_found(found, name, resource, _under_image_keys(values, (under,), keys), region=_region(values))
    return found


def _read_ids(text: str, name: str) -> StateDocument:
    document = StateDocument(name, "ids")
    for number, line in enumerate(text.splitlines(), 1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        if not IMAGE_ID.fullmatch(value):
            # Never the line itself: a file given by mistake (`.env`) may hold a secret.
            raise StateFileError(name, f"line {number}{start_of(value)} is not an image ID{_hint(value)}{_FORMATS}")
        document.references.append(Reference(id_key(value), Where(name, None, f"line {number}")))
    return document


def _hint(line: str) -> str:
    if re.match(r"(resource|data|module|terraform|provider|variable|output)\b[^{]*\{", line):
        return " (Terraform configuration, not state: give terraform show -json, or the terraform.tfstate)"
    if re.match(r"[\w-]+:(\s|$)", line):
        return " (YAML? a Pulumi project or stack file holds no state: give pulumi stack export)"
    return ""


def _read_json(document: Mapping[str, Any], name: str, keys: ImageKeys) -> StateDocument:
    if "deployment" in document:
        return _read_pulumi(document, name, keys)
    if "checkpoint" in document:
        raise StateFileError(name, "a Pulumi checkpoint file from a backend's storage, not an export: give the "
                                   "output of pulumi stack export")  # fmt: skip
    if "format_version" in document:
        return _read_terraform_show(document, name, keys)
    if "terraform_version" in document or "lineage" in document:
        return _read_terraform(document, name, keys)
    top = ", ".join(map(shown, list(document)[:8])) or "none"
    raise StateFileError(name, f"JSON of another kind (top-level keys: {top}){_FORMATS}")


def _read_pulumi(document: Mapping[str, Any], name: str, keys: ImageKeys) -> StateDocument:
    version = document.get("version")
    if type(version) is not int or version not in _PULUMI_VERSIONS:  # `true` is no version 1
        raise StateFileError(name, f"a Pulumi export of version {shown(version)}: versions 1 to 3 are read")
    deployment = _object(document["deployment"], name, "deployment")
    found = StateDocument(name, "pulumi")
    resources = _list(deployment.get("resources"), name, "deployment.resources")
    # A provider resource's region (its inputs), by the reference its resources name it with: `URN::ID`.
    providers = {f"{r.get('urn')}::{r.get('id')}": _region(r.get("inputs")) for r in resources
                 if isinstance(r, Mapping) and str(r.get("type", "")).startswith("pulumi:providers:")}  # fmt: skip
    for index, resource in enumerate(resources):
        resource = _object(resource, name, f"deployment.resources[{index}]")
        urn = resource.get("urn")
        if not isinstance(urn, str):
            raise StateFileError(name, f"deployment.resources[{index}] has no urn: not a Pulumi export")
        outputs, inputs = resource.get("outputs") or {}, resource.get("inputs") or {}
        chosen = outputs.get("chosen_in") or outputs.get("chosenIn")  # where a PinnedImage was chosen
        region = _region(chosen) or _region(outputs) or _region(inputs) or providers.get(str(resource.get("provider")))
        pin = _pin(str(resource.get("type", "")), outputs)
        secret = sorted(key for key, value in (pin or {}).items() if _is_secret(value))
        if secret:
            why = f"PinnedImage argument {', '.join(secret)} is secret: the image is judged by its lineage"
            found.skipped.append(Skipped(Where(name, urn, "outputs"), why))
            pin = {}
        if pin is not None:
            key = "image_id" if "image_id" in outputs else "imageId"
            _add_values(found, Where(name, urn, f"outputs.{key}"), outputs[key], pin or None, region=region)
            continue
        under = chain(_under_image_keys(outputs, ("outputs",), keys), _under_image_keys(inputs, ("inputs",), keys))
        _add_found(found, name, urn, under, region=region)
    return found


def _pin(kind: str, outputs: Mapping[str, Any]) -> dict[str, Any] | None:
    """A PinnedImage's lookup arguments by Python name, if the resource is one."""
    if kind.startswith(DYNAMIC_TYPE_PREFIX) and all(key in outputs for key in STATE_MARKERS):
        return {key: value for key, value in outputs.items() if key in ARGUMENT_NAMES or _extra_filter(key)}
    if kind == PINNED_IMAGE and "imageId" in outputs:
        named = {argument_name(key): value for key, value in outputs.items()}
        return {name: value for name, value in named.items() if name is not None}
    return None


def _extra_filter(key: str) -> bool:
    return key.startswith("__support_") and is_filter_name(key)


def _read_terraform(document: Mapping[str, Any], name: str, keys: ImageKeys) -> StateDocument:
    version = document.get("version")
    if version != 4:
        old = " (Terraform 0.11 or older: upgrade it by running Terraform 0.12 or newer)" if version == 3 else ""
        raise StateFileError(name, f"a Terraform state of format version {shown(version)}{old}: version 4 is read")
    found = StateDocument(name, "terraform")
    for index, resource in enumerate(_list(document.get("resources"), name, "resources")):
        resource = _object(resource, name, f"resources[{index}]")
        module = f"{resource['module']}." if resource.get("module") else ""
        data = "data." if resource.get("mode") == "data" else ""
        base = f"{module}{data}{resource.get('type')}.{resource.get('name')}"
        for number, instance in enumerate(_list(resource.get("instances"), name, f"resources[{index}].instances")):
            instance = _object(instance, name, f"resources[{index}].instances[{number}]")
            key = instance.get("index_key")
            address = base if key is None else f"{base}[{json.dumps(key)}]"
            attributes, marks = instance.get("attributes"), instance.get("sensitive_attributes")
            flat = instance.get("attributes_flat")
            if attributes is None and isinstance(flat, Mapping):
                # An object upgraded from a state of Terraform 0.11 and not applied since keeps its attributes flat
                # (internal/states/statefile/version3_upgrade.go), `block_device.0.image_id`, and has no marks.
                values = [
                    ((path,), flat[path]) for path in flat if _holds_image(path.rsplit(".", 1)[-1], flat[path], keys)
                ]
                _add_found(found, name, address, values, UNREAD_MARKS if marks else frozenset())
                continue
            # No `sensitive_attributes`: written by Terraform 0.13 or older, which marked nothing.
            sensitive = frozenset() if marks is None else _placed(_cty_paths(marks), attributes or {})
            # A state does not record the provider's configuration: the resource's own `region` is the source.
            under = _under_image_keys(attributes or {}, (), keys)
            _add_found(found, name, address, under, sensitive, region=_region(attributes))
    _read_outputs(found, name, document.get("outputs"), "outputs", keys)
    return found


def _read_terraform_show(document: Mapping[str, Any], name: str, keys: ImageKeys) -> StateDocument:
    if "planned_values" in document or "resource_changes" in document:
        return _read_terraform_plan(document, name, keys)
    if not str(document.get("format_version", "")).startswith("1."):
        raise StateFileError(name, f"terraform show -json of format_version {shown(document.get('format_version'))}: "
                                   "1.x is read")  # fmt: skip
    found = StateDocument(name, "terraform-show")
    values = _object(document.get("values") or {}, name, "values")
    modules = [(_object(values.get("root_module") or {}, name, "values.root_module"), "values.root_module")]
    while modules:
        module, path = modules.pop()
        for index, resource in enumerate(_list(module.get("resources"), name, f"{path}.resources")):
            resource = _object(resource, name, f"{path}.resources[{index}]")
            attributes, marks = resource.get("values") or {}, resource.get("sensitive_values")
            sensitive = OLD_SHOW if marks is None else _placed(list(_marked_in(marks, ())), attributes)
            under = _under_image_keys(attributes, (), keys)
            _add_found(found, name, str(resource.get("address")), under, sensitive, region=_region(attributes))
        children = _list(module.get("child_modules"), name, f"{path}.child_modules")
        modules += [(_object(child, name, f"{path}.child_modules[{n}]"), f"{path}.child_modules[{n}]")
                    for n, child in reversed(list(enumerate(children)))]  # fmt: skip
    _read_outputs(found, name, values.get("outputs"), "values.outputs", keys)
    return found


# A plan, as `terraform show -json PLANFILE` writes it (internal/command/jsonplan/plan.go): `resource_changes[]`,
# each with its `address` and `change`: `actions`, `after` (the values after apply, those not known yet left out or
# null), `after_unknown` and `after_sensitive` (shaped like `after`, `true` where a value is not known yet, or
# sensitive); `output_changes` alike for the root module's outputs. What a plan deletes is not what ships.
UNKNOWN_YET = "known only after apply: not judged in the plan (check the state after apply)"


def _read_terraform_plan(document: Mapping[str, Any], name: str, keys: ImageKeys) -> StateDocument:
    if not str(document.get("format_version", "")).startswith("1."):
        raise StateFileError(name, f"a Terraform plan of format_version {shown(document.get('format_version'))}: "
                                   "1.x is read")  # fmt: skip
    found = StateDocument(name, "terraform-plan")
    for index, item in enumerate(_list(document.get("resource_changes"), name, "resource_changes")):
        item = _object(item, name, f"resource_changes[{index}]")
        change = _object(item.get("change") or {}, name, f"resource_changes[{index}].change")
        if change.get("actions") == ["delete"] or not isinstance(change.get("after"), Mapping):
            continue
        _add_planned(found, name, str(item.get("address")), change, keys)
    for key, change in _object(document.get("output_changes") or {}, name, "output_changes").items():
        change = _object(change, name, f"output_changes.{key}")
        if change.get("actions") != ["delete"]:
            _add_planned(found, name, f"output.{key}", {**change, "after": {key: change.get("after")},
                         "after_unknown": {key: change.get("after_unknown", False)},
                         "after_sensitive": {key: change.get("after_sensitive", False)}}, keys)  # fmt: skip
    return found


def _add_planned(found: StateDocument, name: str, address: str, change: Mapping[str, Any], keys: ImageKeys) -> None:
    after = change.get("after") or {}
    marks = change.get("after_sensitive")
    sensitive = frozenset() if marks in (None, False) else _placed(list(_marked_in(marks, ())), after)
    _add_found(found, name, address, _under_image_keys(after, (), keys), sensitive, region=_region(after))
    for path in _marked_in(change.get("after_unknown") or {}, ()):
        key = next((step for step in reversed(path or ()) if isinstance(step, str)), None)  # image_id of image_id[0]
        if key in keys.strict or key in keys.loose:
            found.skipped.append(Skipped(Where(name, address, _dotted(path or ())), UNKNOWN_YET))


# The root module's outputs (only those are kept), as Terraform writes them: in a state, `outputs` holds
# `{"value", "type", "sensitive"}` each, `sensitive` left out when false (internal/states/statefile/version4.go,
# `outputStateV4`); `terraform show -json` has `values.outputs`, `{"sensitive", "value", "type"}` each
# (internal/command/jsonstate/state.go, `Output`). Both write a sensitive output's value in plain text.
def _read_outputs(found: StateDocument, name: str, outputs: Any, path: str, keys: ImageKeys) -> None:
    """The image IDs of each output, as `output.NAME` (Terraform's address of it): under an image ID key at any
    depth of its value, or the value itself for an output named `image_id` / `imageId`; none of a sensitive one."""
    for key, output in _object(outputs or {}, name, path).items():
        output = _object(output, name, f"{path}.{key}")
        marked = output.get("sensitive", False)
        sensitive = _WHOLE if marked is True else frozenset() if marked is False else UNREAD_MARKS
        under = _under_image_keys({key: output.get("value")}, (), keys)
        values = ((("value", *at[1:]), value) for at, value in under)
        _add_found(found, name, f"output.{key}", values, sensitive)


# How Terraform writes what is sensitive (hashicorp/terraform, alike from 0.14 to 1.14 and main):
# - a state: `sensitive_attributes` of an instance, a list of cty paths (internal/states/statefile/version4.go,
#   `marshalPaths`; since 0.14, and Terraform reads nothing else there). A step is `{"type": "get_attr", "value":
#   NAME}`, or `{"type": "index", "value": KEY}` with KEY as go-cty writes a value of dynamic type (cty/json/
#   marshal.go, `marshalDynamic`): `{"value": 0, "type": "number"}` in a list, `{"value": "blue", "type": "string"}`
#   in a map. No step enters a set: go-cty moves the marks of its elements onto the set (cty/value_init.go, `SetVal`).
# - `terraform show -json`: `sensitive_values` beside `values`, shaped like them with `true` where sensitive
#   (internal/command/jsonstate/state.go, `SensitiveAsBool`); since 1.1, before which the values came unmarked.
MARKED = "marked sensitive: not read"
_WHOLE: AbstractSet[Steps] = frozenset({()})  # the empty path: everything is under it
UNREAD_MARKS = "Terraform's marks of what is sensitive are in a form not read here: not read"
OLD_SHOW = ("terraform show -json of Terraform 1.0 or older, which does not say what is sensitive: not read (give "
            "the state: terraform state pull)")  # fmt: skip


def _cty_paths(marks: Any) -> list[Steps | None]:
    """The paths of a state's `sensitive_attributes`; None for a path not written as Terraform writes them."""
    return [_cty_path(path) for path in marks] if isinstance(marks, list) else [None]


def _cty_path(path: Any) -> Steps | None:
    steps = [_cty_step(step) for step in path] if isinstance(path, list) else [None]
    return None if None in steps else tuple(step for step in steps if step is not None)


def _cty_step(step: Any) -> str | int | None:
    kind, value = (step.get("type"), step.get("value")) if isinstance(step, Mapping) else (None, None)
    if kind == "index" and isinstance(value, Mapping):
        kind, value = f"index {value.get('type')}", value.get("value")  # an index is a typed value
    name = kind in ("get_attr", "index string") and isinstance(value, str)
    if name or (kind == "index number" and isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return value
    return None


def _marked_in(marks: Any, at: Steps) -> Iterator[Steps | None]:
    """The paths marked `true` in `sensitive_values`; None for a part in a form not known here."""
    if marks is True:
        yield at
    elif isinstance(marks, Mapping):
        for key, item in marks.items():
            yield from _marked_in(item, (*at, key))
    elif isinstance(marks, list):
        for index, item in enumerate(marks):
            yield from _marked_in(item, (*at, index))
    elif marks is not False:
        yield None


def _placed(paths: list[Steps | None], values: Any) -> AbstractSet[Steps] | str:
    """Where the marked paths are in the values as written, or why nothing is read: a path in a form not known
    here, or one that leads to no value, leaves the resource unread rather than misread."""
    placed: set[Steps] = set()
    for path in paths:
        landed = set() if path is None else _place(path, values, ())
        if not landed:
            return UNREAD_MARKS
        placed |= landed
    return placed


def _place(path: Steps, value: Any, at: Steps) -> set[Steps]:
    """Where a cty path is in the JSON of the values; in a value of dynamic type, it goes on inside (and where an
    object's attributes look like one, both ways)."""
    if not path:
        return {at}
    step, rest = path[0], path[1:]
    found: set[Steps] = set()
    if _is_dynamic(value):
        found |= _place(path, value["value"], (*at, "value"))
    in_list = isinstance(value, list) and isinstance(step, int) and step < len(value)
    if in_list or (isinstance(value, Mapping) and step in value):
        found |= _place(rest, value[step], (*at, step))
    return found


def _region(values: Any) -> str | None:
    """The `region` a resource's attributes (or a provider's inputs) record, if plainly."""
    region = values.get("region") if isinstance(values, Mapping) else None
    return region if isinstance(region, str) and region else None


def _add_found(
    found: StateDocument,
    name: str,
    resource: str,
    values: Iterable[tuple[Steps, Any]],
    sensitive: AbstractSet[Steps] | str = frozenset(),
    region: str | None = None,
) -> None:
    """The image IDs of one resource, once each: a server's input and output `imageId` are one reference (and
    one secret in both is one value not read). A value under a `sensitive` path (Terraform's) is not read, nor
    any when `sensitive` says why none is; nor a copy of a sensitive value elsewhere in the resource, which
    Terraform and OpenTofu leave unmarked (`terraform_data`'s `output` copies its `input` without its marks:
    hashicorp/terraform#35609)."""
    seen: set[str] = set()
    before = len(found.skipped)
    found_here = list(values)

    def marked(at: Steps, value: Any) -> bool:
        return value not in (None, "") and (isinstance(sensitive, str) or any(at[: len(m)] == m for m in sensitive))

    secrets = {id_key(value) for at, value in found_here if marked(at, value) and isinstance(value, str)}
    for at, value in found_here:
        where = Where(name, resource, _dotted(at))
        if marked(at, value) or (isinstance(value, str) and id_key(value) in secrets):
            found.skipped.append(Skipped(where, sensitive if isinstance(sensitive, str) else MARKED))
            continue
        for reference in _add_values(found, where, value, None, seen, region):
            seen.add(reference.image_id)
    first = {item.reason: item for item in reversed(found.skipped[before:])}
    found.skipped[before:] = [item for item in found.skipped[before:] if first[item.reason] is item]


def _add_values(
    found: StateDocument,
    where: Where,
    value: Any,
    pin: Mapping[str, Any] | None,
    seen: set[str] | None = None,
    region: str | None = None,
) -> list[Reference]:
    """Record the value found under an image ID key: a reference, or why it was skipped."""
    if _is_secret(value):
        found.skipped.append(Skipped(where, "a secret: not read"))
        return []
    if value is None or value == "":
        return []  # an attribute left unset
    if isinstance(value, str) and IMAGE_ID.fullmatch(value):
        if seen is not None and id_key(value) in seen:
            return []
        reference = Reference(id_key(value), where, pin, region)
        found.references.append(reference)
        return [reference]
    found.skipped.append(Skipped(where, f"{shown(value)} is not an image ID"))
    return []


def _under_image_keys(value: Any, at: Steps, keys: ImageKeys) -> Iterator[tuple[Steps, Any]]:
    """(where, value) of every value under an image key, at any depth (under a loose key, image IDs only)."""
    if _is_dynamic(value):
        yield from _under_image_keys(value["value"], (*at, "value"), keys)  # its type names attributes only
    elif isinstance(value, Mapping):
        if _is_secret(value):
            return
        for key, item in value.items():
            here = (*at, key)
            if key in keys.strict and isinstance(item, list):
                yield from (((*here, index), each) for index, each in enumerate(item))
            elif (key in keys.strict and (_is_secret(item) or not isinstance(item, Mapping))) or (
                key in keys.loose and _holds_image(key, item, keys)
            ):
                yield here, item
            else:
                yield from _under_image_keys(item, here, keys)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _under_image_keys(item, (*at, index), keys)


def _holds_image(key: str, value: Any, keys: ImageKeys) -> bool:
    """Whether a value under `key` is read as an image reference: anything under a strict key, an image ID
    under a loose one."""
    return key in keys.strict or (
        key in keys.loose and isinstance(value, str) and IMAGE_ID.fullmatch(value) is not None
    )


def _is_dynamic(value: Any) -> bool:
    """A value of an attribute of dynamic type, as a state writes it: `{"value": {"image_id": ...}, "type":
    ["object", {"image_id": "string"}]}` (go-cty's cty/json/marshal.go, `marshalDynamic`, and `MarshalType`)."""
    if not isinstance(value, Mapping) or value.keys() != {"value", "type"}:
        return False
    kind = value["type"]
    if isinstance(kind, list) and kind:
        return kind[0] in ("list", "set", "map", "object", "tuple")
    return kind in ("string", "number", "bool", "dynamic")


def _dotted(at: Steps) -> str:
    """`network[0].image_id`."""
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" if n else step for n, step in enumerate(at))


def _is_secret(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get(SECRET_SIG_KEY) == SECRET_SIG


def _object(value: Any, name: str, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise StateFileError(name, f"{path} is {_kind(value)}, where an object belongs: a damaged state?")
    return value


def _list(value: Any, name: str, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise StateFileError(name, f"{path} is {_kind(value)}, where a list belongs: a damaged state?")
    return value


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(type(value), f"{shown(value)}")
