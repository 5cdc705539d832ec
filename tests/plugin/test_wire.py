"""The plugin's fast marshalling (`wire.struct_bytes`) gives exactly the Struct that `Struct.update` builds from
the same plain values: for a realistic listing (every sample image, plus images with every kind of field, nested
unmodelled fields, nulls, booleans, unicode and long text), in the plain and the secret-wrapped answer, in process
and over gRPC from the plugin; and for any plain value (hypothesis)."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

import pytest
from google.protobuf import struct_pb2
from hypothesis import given
from hypothesis import strategies as st
from pulumi.runtime.proto import provider_pb2

from engine_rpc import PLUGIN, provider_process, secret, struct
from pulumi_cloudimages import ImageQuery, Selection, Settings
from pulumi_cloudimages.choice.lookup import forget, lookup
from pulumi_cloudimages.choice.outputs import Rows, choice_values
from pulumi_cloudimages.choice.selection import Choice
from pulumi_cloudimages.emulator import PROJECT_A, Emulator
from pulumi_cloudimages.emulator.sample import sample_data
from pulumi_cloudimages.ims.image import Image
from pulumi_cloudimages.naming import camel
from pulumi_cloudimages.plugin.server import _answer
from pulumi_cloudimages.plugin.structs import struct_bytes

ODD_IMAGES: list[dict[str, Any]] = [
    {
        "id": "5a1d7c3e-0000-4000-8000-000000000001",
        "name": "Ubuntu 22.04 server 64bit 中文版 — édition spéciale 🚀",
        "status": "saving",
        "protected": False,
        "tags": ["role.web", "名前", ""],
        "created_at": "2024-02-29T23:59:59.123456Z",
        "min_ram": 0,
        "size": 2**53 + 1,  # a whole number beyond a double's: rounded alike on both paths
        "virtual_size": 42949672960,
        "__description": "x" * 20_000,  # lengths of two and three varint bytes
        "__isregistered": "false",
        "__support_kvm": "true",
        "__os_version": "Windows Server 2019 Datacenter 64bit English",
        "__whole_image": True,
        "__flag_or_number": True,
        "__nested": {"disks": [{"size": 40, "type": None}, [], {}], "ratio": 0.25, "note": "ü"},
        "__zero": -0.0,
        "__empty": {},
    },
    {
        "id": "5a1d7c3e-0000-4000-8000-000000000002",
        "name": "SUSE Linux Enterprise Server 15 SP5 64bit",
        "status": "deleted",
        "tags": None,
        "__isregistered": "true",
        "__flag_or_number": 1,  # the same key as a number: never confused with the boolean above
        "__zero": 0.0,
        "__nested": {"disks": None, "ratio": 1e300, "note": "ü" * 200},
        "__empty": [],
        "hw_firmware_type": None,
    },
]


def realistic_choice() -> Choice:
    """Every sample image (every platform and status) and the odd ones, with groups and guard results."""
    images = tuple(Image.model_validate(image) for image in [*sample_data()["images"], *ODD_IMAGES])
    return Choice(
        image=images[-1],
        images=images,
        latest=images[0],
        groups={"Ubuntu": images[3], "SUSE": images[-1], "名前": images[-2]},
        complete=False,
        held_back=images[5:7],
        next_eligible_at=datetime(2026, 12, 1, 22, 0, 0, 5, tzinfo=timezone.utc),
        excluded={images[8].id or "": "revoked: CVE-2024-1234", images[9].id or "": "from an untrusted source"},
    )


def exactly(message: struct_pb2.Struct) -> bytes:
    """A Struct's whole content, map keys in order: equal bytes, equal Structs (-0.0 and NaN included)."""
    return message.SerializeToString(deterministic=True)


def straightforward(choice: Choice, *, secret_outputs: bool) -> struct_pb2.Struct:
    outputs = choice_values(choice, camel)
    return struct({key: secret(value) for key, value in outputs.items()} if secret_outputs else outputs)


@pytest.mark.parametrize("secret_outputs", [False, True])
def test_the_answer_is_the_struct_that_struct_update_builds(secret_outputs: bool) -> None:
    choice = realistic_choice()
    answered = getattr(provider_pb2.InvokeResponse.FromString(_answer(choice, secret_outputs)), "return")
    expected = straightforward(choice, secret_outputs=secret_outputs)
    assert exactly(answered) == exactly(expected)
    assert answered == expected
    images = answered["images"]["value"] if secret_outputs else answered["images"]
    assert len(images) == len(choice.images) and images[-1]["name"] == ODD_IMAGES[-1]["name"]


def test_repeated_values_in_one_message_keep_their_own_types() -> None:
    values = {"a": [{"k": True}, {"k": 1}, {"k": 1.0}, {"k": None}, {"k": "1"}, {"k": -0.0}, {"k": 0.0}]}
    parsed = struct_pb2.Struct.FromString(struct_bytes(values))
    kinds = [item["k"] if item.fields["k"].WhichOneof("kind") else "unset" for item in parsed["a"]]
    assert kinds == [True, 1.0, 1.0, None, "1", -0.0, 0.0]
    assert [item.fields["k"].WhichOneof("kind") for item in parsed["a"]] == [
        "bool_value", "number_value", "number_value", "null_value", "string_value", "number_value", "number_value",
    ]  # fmt: skip
    assert math.copysign(1.0, parsed["a"][5]["k"]) == -1.0
    assert exactly(parsed) == exactly(struct(values))


def test_rows_keep_each_value_its_own_type_column_by_column() -> None:
    keys = ("k", "tags", "text")
    rows = [(True, ["a"], "x"), (1, None, "x"), (1.0, [], None), (None, ["a"], "ü" * 200), ("1", ["a"], "x"),
            (-0.0, None, ""), (0.0, ["b", None], "")]  # fmt: skip
    parsed = struct_pb2.Struct.FromString(struct_bytes({"a": Rows(keys, rows)}))
    assert exactly(parsed) == exactly(struct({"a": [dict(zip(keys, row, strict=True)) for row in rows]}))
    assert [item.fields["k"].WhichOneof("kind") for item in parsed["a"]][:2] == ["bool_value", "number_value"]
    assert math.copysign(1.0, parsed["a"][5]["k"]) == -1.0


def test_rows_with_lists_holding_nans_of_either_sign_keep_each_its_own() -> None:
    nan = float("nan")
    rows = [([nan],), ([-nan],), ([nan],), (None,), ({"x": -nan},)]
    parsed = struct_pb2.Struct.FromString(struct_bytes({"a": Rows(("k",), rows[:4])}))
    assert exactly(parsed) == exactly(struct({"a": [{"k": row[0]} for row in rows[:4]]}))
    signs = [math.copysign(1.0, parsed["a"][n]["k"][0]) for n in range(3)]
    assert signs == [math.copysign(1.0, nan), math.copysign(1.0, -nan), math.copysign(1.0, nan)]
    parsed = struct_pb2.Struct.FromString(struct_bytes({"a": Rows(("k",), [({"x": nan},), rows[4]])}))
    signs = [math.copysign(1.0, parsed["a"][n]["k"]["x"]) for n in range(2)]
    assert signs == [math.copysign(1.0, x) for x in (nan, -nan)]


def test_rows_without_keys_are_empty_structs() -> None:
    parsed = struct_pb2.Struct.FromString(struct_bytes({"a": Rows((), [(), (), ()])}))
    assert exactly(parsed) == exactly(struct({"a": [{}, {}, {}]})) and len(parsed["a"]) == 3


def test_rows_of_texts_of_every_length_around_one_and_two_byte_lengths() -> None:
    rows = [("x" * size, "é" * size) for size in range(300)]
    parsed = struct_pb2.Struct.FromString(struct_bytes({"texts": Rows(("imageSourceType", "k"), rows)}))
    expected = struct({"texts": [{"imageSourceType": a, "k": b} for a, b in rows]})
    assert exactly(parsed) == exactly(expected)


def test_a_value_a_struct_cannot_hold_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot hold a datetime"):
        struct_bytes({"when": datetime(2026, 1, 1)})


plain_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(st.dictionaries(st.text(), plain_values, max_size=6))
def test_any_plain_values_give_the_same_struct(values: dict[str, Any]) -> None:
    assert exactly(struct_pb2.Struct.FromString(struct_bytes(values))) == exactly(struct(values))


@given(st.lists(st.lists(plain_values, min_size=3, max_size=3), max_size=8))
def test_any_rows_give_the_same_struct_as_the_list_of_their_structs(rows: list[list[Any]]) -> None:
    keys = ("a", "b", "c")
    written = struct_bytes({"rows": Rows(keys, [tuple(row) for row in rows])})
    expected = struct({"rows": [dict(zip(keys, row, strict=True)) for row in rows]})
    assert exactly(struct_pb2.Struct.FromString(written)) == exactly(expected)


@pytest.mark.parametrize("secret_argument", [False, True])
def test_the_plugin_returns_over_grpc_what_struct_update_builds_in_process(secret_argument: bool) -> None:
    """Every gold image, asked of the plugin process, against the same lookup in process (an argument marked
    secret makes every output secret)."""
    with Emulator() as emulator, provider_process(PLUGIN) as provider:
        provider.stub.Configure(
            provider_pb2.ConfigureRequest(args=struct({"endpoint": emulator.url, "projectId": PROJECT_A}))
        )
        imagetype = secret("gold") if secret_argument else "gold"
        request = provider_pb2.InvokeRequest(
            tok="cloudimages:index:getImages", args=struct({"imagetype": imagetype, "returnAll": True})
        )
        answered = getattr(provider.stub.Invoke(request, timeout=30), "return")
        forget()
        settings = Settings.resolve(env={}, endpoint=emulator.url, project_id=PROJECT_A)
        choice = lookup(ImageQuery(imagetype="gold"), Selection(return_all=True), settings)
    assert len(choice.images) >= 100
    assert exactly(answered) == exactly(straightforward(choice, secret_outputs=secret_argument))
