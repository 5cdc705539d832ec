"""schema.json and _args.py are derived from the models, current, and valid for Pulumi."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

import jsonschema

from pulumi_cloudimages import GetImagesResult, Image, ImageQuery, InvalidQueryError, Selection, get_images
from pulumi_cloudimages.choice.outputs import RESULT_FIELDS, choice_values
from pulumi_cloudimages.choice.selection import Choice, check_choosable
from pulumi_cloudimages.ims.query import TimeFilter
from pulumi_cloudimages.ims.settings import CallOverrides, Settings
from pulumi_cloudimages.naming import camel
from pulumi_cloudimages.plugin.schema import (
    ARGS_MODULE,
    FILTERS_DOC,
    FUNCTION,
    IMAGE_TYPE,
    build_args_module,
    build_filters_doc,
    build_schema,
)

ROOT = Path(__file__).parents[2]
SCHEMA: dict[str, Any] = json.loads((ROOT / "schema.json").read_text())
REGENERATE = "run `uv run python -m pulumi_cloudimages.plugin.schema` and commit the result"


def test_schema_json_is_current() -> None:
    assert build_schema() == SCHEMA, f"schema.json is stale: {REGENERATE}"


def test_args_module_is_current() -> None:
    assert build_args_module() == ARGS_MODULE.read_text(), f"_args.py is stale: {REGENERATE}"


def test_filters_doc_is_current() -> None:
    assert build_filters_doc() == (ROOT / FILTERS_DOC).read_text(), f"{FILTERS_DOC} is stale: {REGENERATE}"


def test_schema_is_valid_against_pulumis_metaschema() -> None:
    text = (Path(__file__).parents[1] / "data" / "pulumi-package-metaschema.json").read_text()
    meta = json.loads(re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", text))  # ECMAScript named groups -> Python
    jsonschema.validators.validator_for(meta)(meta).validate(SCHEMA)
    refs = re.findall(r'"\$ref": "#/types/([^"]+)"', json.dumps(SCHEMA))
    assert refs and set(refs) <= set(SCHEMA["types"])


def test_every_filter_and_option_is_an_input_but_those_every_lookup_refuses() -> None:
    inputs = SCHEMA["functions"][FUNCTION]["inputs"]["properties"]
    names = [*ImageQuery.model_fields, *Selection.model_fields, *CallOverrides.model_fields]
    refused = []
    for name in ImageQuery.model_fields:  # what the selection refuses, asked of the selection itself
        query = ImageQuery.model_validate({"visibility": "shared", name: _a_value(name)})  # member_status needs it
        try:
            check_choosable(query)
        except InvalidQueryError:
            refused.append(name)
    assert sorted(refused) == ["marker", "sort_dir", "sort_key"]
    assert list(inputs) == [camel(name) for name in names if name not in refused]
    assert not {"marker", "sortKey", "sortDir"} & set(inputs)
    assert inputs["supportKvm"] == {"type": "boolean", "description": "Whether the image supports KVM."}
    assert inputs["platform"]["$ref"] == "#/types/cloudimages:index:Platform"
    platform = SCHEMA["types"]["cloudimages:index:Platform"]["enum"]
    assert {"value": "Oracle Linux"} in platform and len(platform) == 12


def _a_value(name: str) -> Any:
    """A valid value of filter `name`."""
    annotation = ImageQuery.model_fields[name].annotation
    kind = get_args(get_args(annotation)[0]) if get_args(annotation) else ()
    samples: dict[Any, Any] = {bool: True, int: 1, str: "x", TimeFilter: "gt:2020-01-01T00:00:00Z"}
    inner = get_args(annotation)[0]
    return kind[0] if get_origin(inner) is Literal else samples[inner]


def test_numbers_are_bounded_and_the_descriptions_say_so() -> None:
    inputs = SCHEMA["functions"][FUNCTION]["inputs"]["properties"]
    assert inputs["minRam"]["description"].endswith("From 0 to 2147483647.")
    assert inputs["minDisk"]["description"].endswith("From 0 to 1024.")
    assert SCHEMA["config"]["variables"]["maxRetries"]["description"].endswith("From 0 to 10.")


def test_the_result_fields_are_one_table_for_the_schema_the_python_result_and_the_values() -> None:
    outputs = SCHEMA["functions"][FUNCTION]["outputs"]
    assert list(outputs["properties"]) == [camel(name) for name in RESULT_FIELDS]
    getters = {name: member for name, member in inspect.getmembers(GetImagesResult) if isinstance(member, property)}
    assert set(getters) == set(RESULT_FIELDS)
    for name, (kind, description) in RESULT_FIELDS.items():
        getter = getters[name].fget
        assert " ".join((inspect.getdoc(getter) or "").split()) == description, f"GetImagesResult.{name}"
        assert getattr(getter, "_pulumi_name", None) == camel(name)  # set by @pulumi.getter
        may_be_unset = type(None) in get_args(kind)
        assert (type(None) in get_args(get_type_hints(getter)["return"])) == may_be_unset, name
        assert (camel(name) not in outputs["required"]) == may_be_unset, name
    values = choice_values(Choice(image=None, images=(), latest=None))
    assert list(values) == list(RESULT_FIELDS)
    given = {**values, "latest_id": "b", "held_back_ids": ["a"]}
    result = GetImagesResult(**given)
    assert {name: getattr(result, name) for name in RESULT_FIELDS} == given  # each property reads its own value


def test_the_result_image_is_the_image_type() -> None:
    image = SCHEMA["types"][IMAGE_TYPE]["properties"]
    assert set(image) == {camel(name) for name in Image.model_fields} | {"extra"}
    assert image["createdAt"]["type"] == "string" and image["supportArm"]["type"] == "boolean"


def test_config_marks_secrets() -> None:
    variables = SCHEMA["config"]["variables"]
    assert list(variables) == [camel(name) for name in Settings.model_fields]
    assert {name for name, spec in variables.items() if spec.get("secret")} == {
        "secretKey",
        "securityToken",
        "authToken",
    }
    assert variables["maxRetries"]["type"] == "integer" and variables["insecure"]["type"] == "boolean"


def test_the_python_keyword_arguments_are_the_schema_inputs() -> None:
    from pulumi_cloudimages.program._args import GetImagesArgs, GetImagesOutputArgs

    inputs = SCHEMA["functions"][FUNCTION]["inputs"]["properties"]
    for args in (GetImagesArgs, GetImagesOutputArgs):
        assert [camel(name) for name in args.__annotations__] == list(inputs)
    assert "opts" in inspect.signature(get_images).parameters
