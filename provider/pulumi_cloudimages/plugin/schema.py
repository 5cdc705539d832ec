"""Everything derived from the models: the Pulumi package schema (`schema.json`), the typed keyword
arguments of the functions (`_args.py`) and the filter reference (`docs/filters.md`), from
`ImageQuery` (filters), `Selection`, `CallOverrides`, `RESULT_FIELDS` (the result), `Image` (its images) and
`Settings`.

    uv run python -m pulumi_cloudimages.plugin.schema     # rewrites all three; a test fails when one is stale
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from .._version import VERSION
from ..choice import selection
from ..choice.arguments import ARGUMENT_NAMES, INPUT_MODELS, NOT_PINNABLE
from ..choice.outputs import RESULT_FIELDS
from ..ims import query
from ..ims.image import Image
from ..ims.query import LISTING_ONLY, ImageQuery, TimeFilter, inner_type
from ..ims.settings import SECRET_SETTINGS, Settings
from ..naming import FUNCTION, PACKAGE, camel, option, rephrase
from ..pin.state import KEEPERS, KEEPERS_DESCRIPTION, OUTPUTS, PINNED_IMAGE

IMAGE_TYPE = f"{PACKAGE}:index:Image"
ARGS_MODULE = Path(__file__).parent.parent / "program" / "_args.py"
FILTERS_DOC = "docs/filters.md"

# Every Literal of the models, named: the enumerations of query.py and selection.py.
_ENUMS: dict[tuple[Any, ...], str] = {
    get_args(alias): name
    for module in (query, selection)
    for name, alias in vars(module).items()
    if get_origin(alias) is Literal
}


def _type_spec(annotation: Any) -> dict[str, Any]:
    kind = inner_type(annotation)
    if get_origin(kind) is Literal:
        return {"$ref": f"#/types/{PACKAGE}:index:{_ENUMS[get_args(kind)]}"}
    if get_origin(kind) is list:
        return {"type": "array", "items": _type_spec(get_args(kind)[0])}
    if get_origin(kind) is dict:  # keyed by text
        return {"type": "object", "additionalProperties": _type_spec(get_args(kind)[1])}
    if kind is Image:
        return {"$ref": f"#/types/{IMAGE_TYPE}"}
    simple = {bool: "boolean", int: "integer", str: "string", datetime: "string", TimeFilter: "string",
              SecretStr: "string"}  # fmt: skip
    return {"type": simple[kind]}


def bounds(field: FieldInfo) -> str:
    """The range a number must be in, as descriptions state it (` From 0 to 1024.`), or nothing."""
    low = next((m.ge for m in field.metadata if hasattr(m, "ge")), None)  # pydantic's Field(ge=..., le=...)
    high = next((m.le for m in field.metadata if hasattr(m, "le")), None)
    if high is not None:
        return f" From {low if low is not None else 'any'} to {high}."
    return f" {low} or more." if low is not None else ""


def _description(field: FieldInfo) -> str:
    return (field.description or "") + bounds(field)


def _properties(model: type[BaseModel], left_out: frozenset[str] = frozenset()) -> dict[str, dict[str, Any]]:
    return {
        camel(name): {**_type_spec(field.annotation), "description": _description(field)}
        for name, field in model.model_fields.items()
        if name not in left_out
    }


def _enum_types() -> dict[str, dict[str, Any]]:
    used = {
        get_args(inner_type(field.annotation))
        for model in INPUT_MODELS
        for field in model.model_fields.values()
        if get_origin(inner_type(field.annotation)) is Literal
    }
    return {
        f"{PACKAGE}:index:{_ENUMS[values]}": {
            "type": "string",
            "description": f"The allowed values of {_ENUMS[values]}.",
            "enum": [{"value": value} for value in values],
        }
        for values in sorted(used, key=lambda v: _ENUMS[v])
    }


def _result_outputs() -> dict[str, Any]:
    """The outputs of getImages, from `RESULT_FIELDS`: required unless their type allows None."""
    return {
        "properties": {
            camel(name): {**_type_spec(kind), "description": description}
            for name, (kind, description) in RESULT_FIELDS.items()
        },
        "required": [camel(name) for name, (kind, _) in RESULT_FIELDS.items() if type(None) not in get_args(kind)],
    }


def _config() -> dict[str, dict[str, Any]]:
    return {
        camel(name): {
            **_type_spec(field.annotation),
            "description": _description(field),
            **({"secret": True} if name in SECRET_SETTINGS else {}),
        }
        for name, field in Settings.model_fields.items()
    }


# Names that descriptions mention, written as the schema's readers (TypeScript, Go, C#, YAML) write them.
_MENTIONED = (*ARGUMENT_NAMES, *Settings.model_fields, *Image.model_fields, *RESULT_FIELDS, *OUTPUTS)


def _in_schema_words(node: Any) -> Any:
    """`node` with every description's Python names in camelCase (`most_recent` -> `mostRecent`)."""
    if isinstance(node, dict):
        return {key: rephrase(value, _MENTIONED, camel) if key == "description" and isinstance(value, str)
                else _in_schema_words(value) for key, value in node.items()}  # fmt: skip
    if isinstance(node, list):
        return [_in_schema_words(item) for item in node]
    return node


def build_schema() -> dict[str, Any]:
    return dict(_in_schema_words(_schema()))


def _pinned_image(inputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """`PinnedImage`: getImages' inputs but those that choose several images or keep a pin of their own, plus
    the keepers; the outputs `pinning.py` writes (the state also echoes the inputs, as every provider's does)."""
    keepers = {"type": "object", "additionalProperties": {"type": "string"}, "description": KEEPERS_DESCRIPTION}
    types: dict[str, dict[str, Any]] = {
        "image": {"$ref": f"#/types/{IMAGE_TYPE}"},
        "upgrade_available": {"type": "boolean"},
        "pinned_exists": {"type": "boolean"},
        "chosen_in": {"type": "object", "additionalProperties": {"type": "string"}},
    }
    outputs = {
        camel(name): {**types.get(name, {"type": "string"}), "description": description}
        for name, description in OUTPUTS.items()
    }
    left_out = {camel(name) for name in NOT_PINNABLE}
    return {
        "description": "An image chosen once and kept in the stack's state: a newer image never replaces servers "
        "by surprise. A change of a filter, an option or a keeper resolves it again (an update in place); refresh "
        "reports latestId and upgradeAvailable, and warns when the pinned image is gone or revoked. Import: "
        "`pulumi import cloudimages:index:PinnedImage <name> <image-id>` pins that image.",
        "inputProperties": {
            **{name: spec for name, spec in inputs.items() if name not in left_out},
            camel(KEEPERS): keepers,
        },
        "properties": {**outputs, camel(KEEPERS): keepers},
        "required": ["imageId", "image", "upgradeAvailable", "pinnedExists", "pinnedAt"],
    }


def _schema() -> dict[str, Any]:
    inputs: dict[str, dict[str, Any]] = {}
    for model in INPUT_MODELS:
        inputs.update(_properties(model, LISTING_ONLY))
    image = _properties(Image)
    image["extra"] = {
        "type": "object",
        "additionalProperties": {"$ref": "pulumi.json#/Any"},
        "description": "Fields the service returned that the model does not name, by wire name.",
    }
    config = _config()
    return {
        "name": PACKAGE,
        "displayName": "Huawei Cloud images",
        "version": VERSION,
        "description": "Find Huawei Cloud machine images (IMS GET /v2/cloudimages) with every filter typed and a "
        "stable selection.",
        "keywords": ["pulumi", "huaweicloud", "ims", "images", "category/cloud"],
        "license": "Apache-2.0",
        "config": {"variables": config},
        "provider": {"description": "Settings of cloudimages lookups.", "inputProperties": config},
        "types": {
            **_enum_types(),
            IMAGE_TYPE: {
                "type": "object",
                "description": "An image as GET /v2/cloudimages describes it (times are UTC, "
                "e.g. 2018-09-06T14:03:27Z).",
                "properties": image,
            },
        },
        "resources": {PINNED_IMAGE: _pinned_image(inputs)},
        "functions": {
            FUNCTION: {
                "description": "Find images by the filters of GET /v2/cloudimages and choose one: exactly one "
                "match, the newest (most_recent), the highest version, the first of each group, or a pinned one.",
                "inputs": {"properties": inputs},
                "outputs": _result_outputs(),
            }
        },
        # Names for SDKs generated from this schema (`pulumi package add`). Python programs use this package
        # itself; a generated Python SDK gets another name so that it can never shadow it.
        "language": {
            "nodejs": {"packageName": "pulumi-cloudimages", "packageDescription": "Find Huawei Cloud images."},
            "go": {"importBasePath": "pulumi-cloudimages/sdk/go/cloudimages"},
            "csharp": {"rootNamespace": "Pulumi", "namespaces": {PACKAGE: "CloudImages"}},
            "java": {"basePackage": "com.pulumi"},
            "python": {"packageName": "pulumi_cloudimages_sdk"},
        },
    }


# --- _args.py -------------------------------------------------------------------------------------


def _python_type(annotation: Any) -> str:
    kind = inner_type(annotation)
    if get_origin(kind) is Literal:
        name = _ENUMS[get_args(kind)]
    elif kind is TimeFilter:
        name = "str | TimeFilter"
    else:
        name = str(kind) if get_origin(kind) is list else kind.__name__  # list[str], not list
    return f"{name} | None"


def build_args_module() -> str:
    fields = [
        (name, field)
        for model in INPUT_MODELS
        for name, field in model.model_fields.items()
        if name not in LISTING_ONLY
    ]
    enums = sorted(
        {
            _ENUMS[get_args(inner_type(f.annotation))]
            for _, f in fields
            if get_origin(inner_type(f.annotation)) is Literal
        }
    )
    lines = [
        '"""The keyword arguments of get_images, get_images_output and PinnedImage.',
        "",
        "Generated by `python -m pulumi_cloudimages.plugin.schema` from ImageQuery, Selection and CallOverrides; "
        "do not edit.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import TypedDict",
        "",
        "import pulumi",
        "",
        "from ..ims.query import " + ", ".join([*(e for e in enums if hasattr(query, e)), "TimeFilter"]),
    ]
    selection_enums = [e for e in enums if not hasattr(query, e)]
    if selection_enums:
        lines.append("from ..choice.selection import " + ", ".join(selection_enums))
    classes = (
        ("GetImagesArgs", "{}", ()),
        ("GetImagesOutputArgs", "pulumi.Input[{}]", ()),
        ("PinnedImageArgs", "pulumi.Input[{}]", tuple(NOT_PINNABLE)),
    )
    for class_name, wrap, left_out in classes:
        lines += ["", "", f"class {class_name}(TypedDict, total=False):"]
        for name, field in fields:
            if name in left_out:
                continue
            lines.append(f"    {name}: {wrap.format(_python_type(field.annotation))}")
            lines.append(f'    """{_description(field).replace(chr(92), chr(92) * 2)}"""')  # \\w stays \\w
    return "\n".join(lines) + "\n"


# --- docs/filters.md --------------------------------------------------------------------------------


def _allowed(annotation: Any) -> str:
    kind = inner_type(annotation)
    if get_origin(kind) is Literal:
        return ", ".join(f"`{value}`" for value in get_args(kind))
    return {bool: "`true`, `false`", int: "integer", TimeFilter: "`OP:TIME`"}.get(kind, "text")


def build_filters_doc() -> str:
    lines = [
        "# The filters",
        "",
        "Generated by `python -m pulumi_cloudimages.plugin.schema` from `ImageQuery`; do not edit.",
        "",
        "Every filter of `GET /v2/cloudimages`, under each of its names. Unset filters are not sent. A bad value",
        "raises one `InvalidQueryError` naming the filter, the value and what is allowed, before any request.",
        "Further `__support_*` flags pass through: `support_s4l=True` in Python, `--filter __support_s4l=true`",
        "on the command line.",
        "",
        "| Python (`get_images`, `ImageQuery`) | wire | Pulumi schema | command line | values | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for name, field in ImageQuery.model_fields.items():
        flag = option(name)
        if inner_type(field.annotation) is bool:
            flag = f"{flag} / --no-{flag[2:]}"
        lines.append(
            f"| `{name}` | `{field.alias}` | `{camel(name)}` | `{flag}` | {_allowed(field.annotation)} "
            f"| {field.description} |"
        )
    return "\n".join(lines) + "\n"


def schema_text() -> str:
    """`schema.json` as written to the file and served by the provider plugin."""
    return json.dumps(build_schema(), indent=2) + "\n"


def main(argv: list[str]) -> None:
    root = Path(argv[0]) if argv else Path.cwd()
    (root / "schema.json").write_text(schema_text())
    ARGS_MODULE.write_text(build_args_module())
    (root / FILTERS_DOC).write_text(build_filters_doc())
    print(f"wrote {root / 'schema.json'}, {root / FILTERS_DOC} and {ARGS_MODULE}")


if __name__ == "__main__":
    main(sys.argv[1:])
