"""get_images / get_images_output under the real Pulumi runtime (mocks for the engine only), against the emulator."""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest

from conftest import resolve, start_engine
from pulumi_cloudimages import (
    AuthenticationError,
    ConfigurationError,
    GetImagesError,
    NoMatchError,
    get_images,
    get_images_output,
)
from pulumi_cloudimages.emulator import PROJECT_A, Emulator
from pulumi_cloudimages.emulator.sample import sample_data

WIRE = {image["name"]: image for image in sample_data()["images"]}


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(credentials=[f"AK:SK-SECRET-VALUE:{PROJECT_A}"]) as emu:
        yield emu


@pytest.fixture
def engine(emulator: Emulator) -> Iterator[Emulator]:
    """The engine mocked, cloudimages configured the way a stack would be, the request log emptied."""
    start_engine(
        config={
            "cloudimages:endpoint": emulator.url,
            "cloudimages:projectId": PROJECT_A,
            "cloudimages:accessKey": "AK",
            "cloudimages:secretKey": "SK-SECRET-VALUE",
            "cloudimages:maxRetries": "0",
        }
    )
    emulator.requests.clear()
    yield emulator


def test_the_result_has_the_chosen_image_and_all_its_attributes(engine: Emulator) -> None:
    result = get_images(imagetype="private", tag="role=web", name_regex=r"^web-server-\d", status="active",
                        most_recent=True)  # fmt: skip
    wire = WIRE["web-server-2025-11-20"]
    assert result.id == wire["id"] == result.latest_id
    assert result.image is not None
    assert (result.image.name, result.image.os_version, result.image.created_at) == (
        wire["name"], wire["__os_version"], wire["created_at"]
    )  # fmt: skip
    assert result.image["osVersion"] == wire["__os_version"] and result.image["schema"] == "/v2/schemas/image"
    assert result.image.tags == ["role.web", "team.frontend"] and result.image.support_kvm is True
    assert result.ids == [image.id for image in result.images] and result.ids[0] == wire["id"]
    assert result.complete is False  # most_recent asked the service for the newest only


def test_unknown_response_fields_are_kept_in_extra(engine: Emulator) -> None:
    result = get_images(name="CentOS 7.9 64bit for BareMetal")
    assert result.image is not None and result.image.extra == {"__support_s4l": "true"}


def test_the_call_overrides_the_configured_endpoint(engine: Emulator) -> None:
    start_engine(
        config={
            "cloudimages:endpoint": "http://127.0.0.1:9",
            "cloudimages:projectId": PROJECT_A,
            "cloudimages:accessKey": "AK",
            "cloudimages:secretKey": "SK-SECRET-VALUE",
        }
    )
    assert get_images(name="Fedora 38 64bit 20231117", endpoint=engine.url).image is not None


def test_selection_errors_are_one_readable_pulumi_error(engine: Emulator) -> None:
    with pytest.raises(GetImagesError) as caught:
        get_images(imagetype="gold", platform="Ubuntu", name="Ubuntu 22.04")
    assert isinstance(caught.value, pulumi.RunError) and isinstance(caught.value.__cause__, NoMatchError)
    assert str(caught.value).startswith("cloudimages:index:getImages: no image matches.")
    assert "Without name='Ubuntu 22.04'" in str(caught.value)


def test_api_errors_carry_code_and_request_id_and_no_secret(engine: Emulator) -> None:
    start_engine(
        config={
            "cloudimages:endpoint": engine.url,
            "cloudimages:projectId": PROJECT_A,
            "cloudimages:accessKey": "AK",
            "cloudimages:secretKey": "WRONG-SECRET",
        }
    )
    with pytest.raises(GetImagesError) as caught:
        get_images(name="x")
    message = str(caught.value)
    assert "HTTP 401 APIGW.0301" in message and "request ID" in message
    assert "WRONG-SECRET" not in message and "SK-SECRET-VALUE" not in message


def test_bad_filters_and_missing_configuration_fail_before_any_request(engine: Emulator) -> None:
    with pytest.raises(GetImagesError, match=r"platform='ubuntu' is not allowed.*did you mean 'Ubuntu'"):
        get_images(platform="ubuntu")  # type: ignore[typeddict-item]
    start_engine(config={})
    with pytest.raises(GetImagesError, match="no region") as caught:
        get_images(name="x")
    assert "set cloudimages:region or the region argument (or HW_REGION_NAME)" in str(caught.value)
    assert isinstance(caught.value.__cause__, ConfigurationError)
    assert engine.requests == []


def test_the_output_form_resolves_inputs(engine: Emulator) -> None:
    result = get_images_output(platform=pulumi.Output.from_input("Fedora"), imagetype="gold", most_recent=True)
    image_id, known, secret = resolve(result.id)
    assert (image_id, known, secret) == (WIRE["Fedora 38 64bit 20231117"]["id"], True, False)


def test_a_secret_input_makes_the_result_secret(engine: Emulator) -> None:
    result = get_images_output(name=pulumi.Output.secret("Fedora 38 64bit 20231117"))
    image_id, known, secret = resolve(result.id)
    assert image_id == WIRE["Fedora 38 64bit 20231117"]["id"] and known and secret


def test_an_unknown_input_in_preview_gives_an_unknown_result_without_a_request(engine: Emulator) -> None:
    start_engine(preview=True, config={"cloudimages:endpoint": engine.url})
    loop = asyncio.get_event_loop()
    value, unknown = loop.create_future(), loop.create_future()
    value.set_result(None)
    unknown.set_result(False)
    result = get_images_output(name=pulumi.Output(set(), value, unknown), most_recent=True)
    _, known, _ = resolve(result.id)
    assert known is False and engine.requests == []


def test_identical_output_lookups_are_one_request(engine: Emulator) -> None:
    results = [get_images_output(imagetype="gold", platform="Debian", most_recent=True) for _ in range(20)]
    ids, _, _ = resolve(pulumi.Output.all(*[r.id for r in results]))
    assert len(set(ids)) == 1 and len(engine.requests) == 1


def test_errors_in_the_output_form_fail_the_output(engine: Emulator) -> None:
    result = get_images_output(imagetype="gold", platform="Fedora")
    with pytest.raises(GetImagesError, match="4 images match"):
        resolve(result.id)


def test_awaitable_result(engine: Emulator) -> None:
    async def read() -> Any:
        return await get_images(name="Fedora 38 64bit 20231117")

    assert asyncio.get_event_loop().run_until_complete(read()).image.name == "Fedora 38 64bit 20231117"


def test_opts_that_cannot_apply_are_named_in_a_warning(engine: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *args, **kwargs: warnings.append(message))
    get_images(name="Fedora 38 64bit 20231117", opts=pulumi.InvokeOptions(version="9.9.9"))
    assert len(warnings) == 1 and "do not apply and are ignored" in warnings[0]
    get_images(name="Fedora 38 64bit 20231117", opts=pulumi.InvokeOptions())
    assert len(warnings) == 1


def test_an_output_argument_to_get_images_points_to_get_images_output(engine: Emulator) -> None:
    with pytest.raises(GetImagesError) as caught:
        get_images(id=pulumi.Output.from_input("x"))  # type: ignore[arg-type]
    assert "id is an Output, known only during the deployment" in str(caught.value)
    assert "call get_images_output with the same arguments" in str(caught.value) and engine.requests == []


def test_a_misspelt_selection_option_gets_did_you_mean(engine: Emulator) -> None:
    with pytest.raises(GetImagesError, match="unknown argument 'most_recnt'; did you mean 'most_recent'"):
        get_images(imagetype="gold", most_recnt=True)  # type: ignore[typeddict-unknown-key]


def test_a_misspelt_config_key_is_named_in_a_warning(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *args, **kwargs: warnings.append(message))
    start_engine(config={"cloudimages:endpoint": emulator.url, "cloudimages:projectID": PROJECT_A,
                         "cloudimages:accessKey": "AK", "cloudimages:secretKey": "SK-SECRET-VALUE"})  # fmt: skip
    with pytest.raises(GetImagesError, match="needs a project: set cloudimages:projectId"):
        get_images(name="Fedora 38 64bit 20231117")
    assert len(warnings) == 1 and "unknown config key 'projectID'; did you mean 'projectId'?" in warnings[0]


def test_get_images_output_waits_for_depends_on(engine: Emulator) -> None:
    seen_at_creation: list[int] = []

    class SlowEngine(pulumi.runtime.Mocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
            time.sleep(0.3)
            seen_at_creation.append(len(engine.requests))
            return f"{args.name}-id", dict(args.inputs)

        def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
            raise AssertionError(args.token)

    pulumi.runtime.set_mocks(SlowEngine(), project="test", stack="dev")
    network = pulumi.CustomResource("test:index:Network", "net", {})
    result = get_images_output(name="Fedora 38 64bit 20231117",
                               opts=pulumi.InvokeOutputOptions(depends_on=[network]))  # fmt: skip
    image_id, known, _ = resolve(result.id)
    assert image_id == WIRE["Fedora 38 64bit 20231117"]["id"] and known
    assert seen_at_creation == [0] and len(engine.requests) == 1  # asked only once the network existed


def _shown(error: BaseException) -> str:
    """Everything a traceback of `error` would print: its message and those of its cause and context."""
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))


def test_a_secret_input_is_masked_in_the_error(engine: Emulator) -> None:
    result = get_images_output(imagetype="private", tag=pulumi.Output.secret("TOPSECRET-role"), most_recent=True)
    with pytest.raises(GetImagesError) as caught:
        resolve(result.id)
    message = str(caught.value)
    assert message.startswith("cloudimages:index:getImages: no image matches. Query sent: GET /v2/cloudimages?")
    assert (
        "&tag=***." in message and "Without tag='***' the service" in message
    )  # the request line and the probe's sentence
    assert "TOPSECRET" not in _shown(caught.value) and caught.value.__cause__ is None


def test_a_secret_input_is_masked_as_it_was_sent(engine: Emulator) -> None:
    written = "gt:2099-01-01 00:00:00"  # sent as gt:2099-01-01T00:00:00Z, URL-encoded in the request line
    result = get_images_output(imagetype="gold", created_at=pulumi.Output.secret(written), name="Fedora 38 64bit")
    with pytest.raises(GetImagesError) as caught:
        resolve(result.id)
    assert "created_at=***" in str(caught.value) and "2099" not in _shown(caught.value)


def test_a_plain_input_is_shown_and_its_error_is_the_cause(engine: Emulator) -> None:
    result = get_images_output(imagetype="private", tag="plain-role", most_recent=True)
    with pytest.raises(GetImagesError, match="&tag=plain-role") as caught:
        resolve(result.id)
    assert isinstance(caught.value.__cause__, NoMatchError)


@pytest.mark.parametrize("form", ["get_images", "get_images_output"])
def test_a_secret_config_value_is_masked_in_the_error(engine: Emulator, form: str) -> None:
    config = {
        "cloudimages:endpoint": engine.url,
        "cloudimages:projectId": PROJECT_A,
        "cloudimages:accessKey": "AK-TOPSECRET",
        "cloudimages:secretKey": "SK-SECRET-VALUE",
    }
    start_engine(config=config)
    # What `pulumi config set --secret cloudimages:accessKey` leads to in the program's process.
    pulumi.runtime.set_all_config(config, secret_keys=["cloudimages:accessKey", "cloudimages:secretKey"])
    with pytest.raises(GetImagesError) as caught:
        if form == "get_images":
            get_images(name="Fedora 38 64bit 20231117")
        else:
            resolve(get_images_output(name="Fedora 38 64bit 20231117").id)
    message = str(caught.value)
    assert "HTTP 401 APIGW.0301" in message and "the access key *** is unknown" in message
    assert "TOPSECRET" not in _shown(caught.value) and caught.value.__cause__ is None


def test_a_config_value_not_marked_secret_is_shown(engine: Emulator) -> None:
    start_engine(config={"cloudimages:endpoint": engine.url, "cloudimages:projectId": PROJECT_A,
                         "cloudimages:accessKey": "AK-PLAIN", "cloudimages:secretKey": "SK-SECRET-VALUE"})  # fmt: skip
    with pytest.raises(GetImagesError, match="the access key AK-PLAIN is unknown") as caught:
        get_images(name="Fedora 38 64bit 20231117")
    assert isinstance(caught.value.__cause__, AuthenticationError)


def test_a_secret_input_is_masked_in_the_notes(engine: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    notes: list[str] = []
    monkeypatch.setattr(pulumi.log, "info", lambda message, *args, **kwargs: notes.append(message))
    fedora = sorted((i for i in WIRE.values() if i.get("__platform") == "Fedora" and i["__imagetype"] == "gold"),
                    key=lambda i: i["created_at"])  # fmt: skip
    newest = fedora[-1]["id"]
    result = get_images_output(imagetype="gold", platform="Fedora", most_recent=True,
                               exclude_ids=pulumi.Output.secret([newest]))  # fmt: skip
    image_id, _, secret = resolve(result.id)
    assert image_id == fedora[-2]["id"] and secret
    assert len(notes) == 1 and notes[0].startswith(
        f"cloudimages:index:getImages: Excluded {fedora[-1]['name']!r} (***,"
    )
    assert newest not in notes[0]


def test_a_long_secret_input_is_masked_where_a_message_cuts_it_short(engine: Emulator) -> None:
    long_tag = "TOPSECRET-" * 12  # quoted by its first characters only
    result = get_images_output(imagetype="private", tag=pulumi.Output.secret(long_tag), most_recent=True)
    with pytest.raises(GetImagesError) as caught:
        resolve(result.id)
    assert "Without tag=*** the service would return images" in str(caught.value)
    assert "TOPSECRET" not in _shown(caught.value)
