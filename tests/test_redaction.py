"""Masking secrets in messages (`redaction.redacted`), for the forms in which `errors.shown` quotes them: whole,
escaped inside a quoted list or map, and cut short with the long value that holds them."""

from __future__ import annotations

from typing import Any

from pulumi_cloudimages.errors import shown
from pulumi_cloudimages.pin.pinning import Pinning
from pulumi_cloudimages.redaction import MASK, redacted, secret_texts

LONG = "S3cr3t-build-" + "7" * 100


def test_a_secret_cut_short_inside_a_list_or_map_is_masked_from_where_it_begins() -> None:
    values: list[Any] = [["gold", LONG], {"tag": LONG}, LONG]
    for value in values:
        message = redacted(f"tag={shown(value)} is not allowed", secret_texts([LONG]))
        assert "S3c" not in message and "777" not in message and MASK in message
        assert message.startswith("tag=") and message.endswith(" is not allowed")


def test_a_cut_that_holds_no_secret_is_left_as_it_is() -> None:
    message = f"name={shown('Ubuntu 22.04 server 64bit ' * 10)}: no image"
    assert redacted(message, secret_texts(["Top Secret"])) == message


def test_a_secret_with_quotes_and_backslashes_is_masked_escaped_as_python_and_json_write_it() -> None:
    odd = 'a "b" C:\\7'
    texts = secret_texts([odd])
    assert MASK == redacted(repr(odd)[1:-1], texts) == redacted('a \\"b\\" C:\\\\7', texts)


def test_a_secret_number_the_engine_carried_as_a_float_is_masked_as_it_is_quoted() -> None:
    # Through the dynamic provider a keeper or filter written 424242 arrives as 424242.0, and is quoted as written.
    refused = Pinning({}).check({"name_regex": "x", "keepers": {"pin": 424242.0}}, secret_inputs=("keepers",))
    reasons = " ".join(failure.reason for failure in refused)
    assert "keepers" in reasons and "424242" not in reasons and MASK in reasons
