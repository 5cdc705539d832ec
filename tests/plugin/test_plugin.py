"""The provider plugin, started as the Pulumi engine starts it and spoken to over gRPC, against the emulator.

Nothing is mocked: the plugin is a subprocess (`pulumi-resource-cloudimages <engine address>`), the calls
are the engine's (`pulumi.runtime.proto` stubs), and the lookups go over HTTP to the emulator.
"""

from __future__ import annotations

import json
import re
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2

from engine_rpc import (
    PLUGIN,
    Provider,
    configure,
    invoke,
    invoke_error,
    is_secret,
    plain,
    provider_process,
    secret,
    struct,
)
from pulumi_cloudimages import ImageQuery, Selection, Settings
from pulumi_cloudimages._version import VERSION
from pulumi_cloudimages.choice.lookup import forget, lookup
from pulumi_cloudimages.emulator import PROJECT_A, Emulator
from pulumi_cloudimages.emulator.sample import sample_data

ROOT = Path(__file__).parents[2]
SCHEMA = json.loads((ROOT / "schema.json").read_text())
FUNCTION = "cloudimages:index:getImages"
LISTED = [i for i in sample_data()["images"] if i.get("__isregistered") == "true"]
BY_NAME = {i["name"]: i for i in LISTED}
SECRET_KEY = "SK-SECRET-VALUE"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(credentials=[f"AK:{SECRET_KEY}:{PROJECT_A}"]) as emu:
        yield emu


@pytest.fixture(scope="module")
def plugin() -> Iterator[Provider]:
    with provider_process(PLUGIN) as provider:
        yield provider


def stack_config(emulator: Emulator, **changes: Any) -> dict[str, Any]:
    """A stack's `cloudimages:*` config as the engine sends it to Configure (secrets wrapped)."""
    config = {
        "endpoint": emulator.url,
        "projectId": PROJECT_A,
        "accessKey": "AK",
        "secretKey": secret(SECRET_KEY),
        "maxRetries": "0",
    }
    return {k: v for k, v in {**config, **changes}.items() if v is not None}


@pytest.fixture
def configured(plugin: Provider, emulator: Emulator) -> Provider:
    configure(plugin, stack_config(emulator))
    emulator.requests.clear()
    return plugin


def newest(images: list[dict[str, Any]]) -> dict[str, Any]:
    """Newest by creation time, ties by name then ID: the documented rule, computed from the catalog."""
    return min(images, key=lambda i: (-datetime.fromisoformat(i["created_at"].replace("Z", "+00:00")).timestamp(),
                                      i["name"], i["id"]))  # fmt: skip


# --- identity --------------------------------------------------------------------------------------


def test_plugin_info_is_the_package_version(plugin: Provider) -> None:
    assert plugin.stub.GetPluginInfo(empty_pb2.Empty()).version == VERSION


def test_get_schema_is_schema_json(plugin: Provider) -> None:
    served = plugin.stub.GetSchema(provider_pb2.GetSchemaRequest(version=0)).schema
    assert served == (ROOT / "schema.json").read_text()
    schema = json.loads(served)
    assert (schema["name"], schema["version"]) == ("cloudimages", VERSION)
    # A Python SDK generated from the schema must not shadow this package.
    assert schema["language"]["python"]["packageName"] != "pulumi_cloudimages"
    assert {"nodejs", "go", "csharp", "python"} <= set(schema["language"])


# --- configuration ---------------------------------------------------------------------------------


def check_config(provider: Provider, news: dict[str, Any]) -> Any:
    return provider.stub.CheckConfig(
        provider_pb2.CheckRequest(urn="urn:pulumi:dev::app::pulumi:providers:cloudimages::default", news=struct(news))
    )


def test_check_config_names_each_bad_key_and_what_is_allowed(plugin: Provider) -> None:
    response = check_config(
        plugin, {"maxRetries": "abc", "maxRetry": "3", "region": "Beijing 4", "insecure": "maybe", "cloud": "x.com"}
    )
    failures = {f.property: f.reason for f in response.failures}
    assert set(failures) == {"maxRetries", "maxRetry", "region", "insecure"}
    assert "cloudimages:maxRetries: " in failures["maxRetries"] and "integer" in failures["maxRetries"]
    assert "abc" not in failures["maxRetries"]  # any value may be a secret one, its mark stripped
    assert "did you mean 'maxRetries'?" in failures["maxRetry"]
    assert "cn-north-4" in failures["region"] and "boolean" in failures["insecure"]


def test_check_config_accepts_secrets_and_returns_the_inputs_unchanged(plugin: Provider) -> None:
    news = {"region": "cn-north-4", "accessKey": "AK", "secretKey": secret("S3CRET"), "maxRetries": "2",
            "insecure": "true", "version": VERSION}  # fmt: skip
    response = check_config(plugin, news)
    assert list(response.failures) == []
    assert plain(response.inputs) == news and is_secret(plain(response.inputs)["secretKey"])


def test_configure_with_secret_values_signs_the_requests(configured: Provider, emulator: Emulator) -> None:
    result, failures = invoke(configured, {"name": "Fedora 38 64bit 20231117"})
    assert failures == {} and result["id"] == BY_NAME["Fedora 38 64bit 20231117"]["id"]
    assert len(emulator.requests) == 1  # signed with the secret key the engine sent as a secret


def test_the_environment_completes_the_config(emulator: Emulator) -> None:
    from engine_rpc import clean_environment

    env = clean_environment(HW_ACCESS_KEY="AK", HW_SECRET_KEY=SECRET_KEY, HW_PROJECT_ID=PROJECT_A)
    with provider_process(PLUGIN, env=env) as provider:
        configure(provider, {"endpoint": emulator.url})
        result, _ = invoke(provider, {"name": "Fedora 38 64bit 20231117"})
        assert result["id"] == BY_NAME["Fedora 38 64bit 20231117"]["id"]


def test_missing_settings_are_named_by_their_config_keys(plugin: Provider) -> None:
    configure(plugin, {})
    message = invoke_error(plugin, {"name": "x"})
    assert message.startswith(f"{FUNCTION}: no region") and "HW_REGION_NAME" in message


# --- selection: the same choices as get_images -----------------------------------------------------

MODES = {
    "exactly one": {"name": "Fedora 38 64bit 20231117"},
    "most recent": {"imagetype": "gold", "platform": "Ubuntu", "nameRegex": r"^Ubuntu 22\.04 ", "mostRecent": True},
    "version order": {"imagetype": "gold", "platform": "CentOS", "orderBy": "version", "mostRecent": True},
    "groups": {"imagetype": "gold", "status": "active", "groupBy": "platform"},
    "all": {"imagetype": "gold", "platform": "Fedora", "returnAll": True},
    "by OS version": {"imagetype": "gold", "platform": "Debian", "groupBy": "os_version"},
}


@pytest.mark.parametrize("args", MODES.values(), ids=MODES.keys())
def test_each_selection_mode_chooses_as_get_images(
    configured: Provider, emulator: Emulator, args: dict[str, Any]
) -> None:
    result, failures = invoke(configured, args)
    assert failures == {}
    forget()
    python_names = {re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower(): value for key, value in args.items()}
    query = ImageQuery.model_validate({k: v for k, v in python_names.items() if k in ImageQuery.model_fields})
    selection = Selection(**{k: v for k, v in python_names.items() if k in Selection.model_fields})
    settings = Settings.resolve(
        env={}, endpoint=emulator.url, project_id=PROJECT_A, access_key="AK", secret_key=SECRET_KEY
    )
    choice = lookup(query, selection, settings)
    assert result.get("id") == (choice.image.id if choice.image else None)
    assert result["ids"] == [image.id for image in choice.images]
    assert result.get("latestId") == (choice.latest.id if choice.latest else None)
    assert {k: v["id"] for k, v in result["groups"].items()} == {k: v.id for k, v in choice.groups.items()}
    assert result["complete"] is choice.complete


def test_most_recent_takes_the_newest_by_creation_with_ties_by_name(configured: Provider) -> None:
    result, _ = invoke(configured, MODES["most recent"])
    candidates = [i for i in LISTED if i["__imagetype"] == "gold" and i["__platform"] == "Ubuntu"
                  and re.search(r"^Ubuntu 22\.04 ", i["name"])]  # fmt: skip
    assert result["id"] == newest(candidates)["id"] and result["image"]["name"] == newest(candidates)["name"]


def test_a_pinned_image_is_kept_while_latest_id_shows_the_newest(configured: Provider) -> None:
    fedora = sorted((i for i in LISTED if i["__imagetype"] == "gold" and i["__platform"] == "Fedora"),
                    key=lambda i: i["created_at"])  # fmt: skip
    result, _ = invoke(configured, {"imagetype": "gold", "platform": "Fedora", "mostRecent": True,
                                    "pinnedId": fedora[0]["id"]})  # fmt: skip
    assert (result["id"], result["latestId"]) == (fedora[0]["id"], newest(fedora)["id"])


def test_the_result_has_the_shape_of_the_schema_outputs(configured: Provider) -> None:
    result, _ = invoke(configured, {"name": "CentOS 7.9 64bit for BareMetal"})
    outputs = SCHEMA["functions"][FUNCTION]["outputs"]
    assert set(result) == set(outputs["properties"]) and set(outputs["required"]) <= set(result)
    image_properties = SCHEMA["types"]["cloudimages:index:Image"]["properties"]
    assert set(result["image"]) == set(image_properties)
    wire = BY_NAME["CentOS 7.9 64bit for BareMetal"]
    image = result["image"]
    assert (image["osVersion"], image["createdAt"], image["minRam"]) == (
        wire["__os_version"], wire["created_at"], wire["min_ram"]
    )  # fmt: skip
    assert image["extra"] == {"__support_s4l": "true"} and image["schema"] == wire["schema"]
    assert image["supportKvm"] is (wire.get("__support_kvm") == "true") or image["supportKvm"] is None


def test_a_secret_argument_makes_the_result_secret(configured: Provider) -> None:
    result, _ = invoke(configured, {"name": secret("Fedora 38 64bit 20231117")})
    assert all(is_secret(value) for value in result.values())
    assert result["id"]["value"] == BY_NAME["Fedora 38 64bit 20231117"]["id"]


# --- errors ----------------------------------------------------------------------------------------


def test_invalid_arguments_are_failures_naming_the_argument(configured: Provider, emulator: Emulator) -> None:
    cases: list[tuple[dict[str, Any], dict[str, str]]] = [
        ({"minRam": -1}, {"minRam": "minRam=-1"}),
        ({"orderBy": "size"}, {"orderBy": "'created' or 'version'"}),
        ({"platform": "ubuntu"}, {"platform": "did you mean 'Ubuntu'?"}),
        ({"mostRecent": True, "returnAll": True}, {"mostRecent": "mostRecent and returnAll exclude each other"}),
        ({"supportXenGpuType": "V100", "supportKvm": True}, {"supportXenGpuType": "supportKvm"}),
        ({"mostRecnt": True}, {"mostRecnt": "did you mean 'mostRecent'?"}),
        ({"most_recent": True}, {"most_recent": "did you mean 'mostRecent'?"}),
        ({"nameRegex": "(["}, {"nameRegex": "not a regular expression"}),
        ({"createdAt": "after:2024-01-01"}, {"createdAt": "OP:TIME"}),
    ]
    for args, expected in cases:
        _, failures = invoke(configured, args)
        for prop, words in expected.items():
            assert prop in failures and words in failures[prop], (args, failures)
            assert "min_ram" not in failures[prop] and "most_recent and" not in failures[prop]
    assert emulator.requests == []


def test_no_match_says_why_in_the_schema_words(configured: Provider) -> None:
    message = invoke_error(configured, {"imagetype": "gold", "platform": "Ubuntu", "name": "Ubuntu 22.04"})
    assert message.startswith(f"{FUNCTION}: no image matches. Query sent: GET /v2/cloudimages?")
    assert "Without name='Ubuntu 22.04' the service would return images" in message
    message = invoke_error(configured, {"imagetype": "gold", "platform": "Ubuntu", "nameRegex": "^Ubuntu 99"})
    assert "nameRegex '^Ubuntu 99' kept none" in message and "Nearest names:" in message


def test_several_matches_suggest_the_arguments_to_choose(configured: Provider) -> None:
    message = invoke_error(configured, {"imagetype": "gold", "platform": "Fedora"})
    assert message.startswith(f"{FUNCTION}: 4 images match")
    assert "Set mostRecent" in message and "returnAll" in message and "nameRegex" in message


def test_api_errors_carry_code_and_request_id(configured: Provider, emulator: Emulator) -> None:
    emulator.inject("status", status=503)
    message = invoke_error(configured, {"name": "CentOS 7.6 64bit"})
    assert "HTTP 503 IMG.503: Injected fault." in message and re.search(r"request ID [0-9a-f]{32}", message)


def test_a_refused_key_is_an_error_without_the_secret(emulator: Emulator) -> None:
    with provider_process(PLUGIN) as provider:
        configure(provider, stack_config(emulator, secretKey=secret("WRONG-SECRET-VALUE")))
        message = invoke_error(provider, {"name": "CentOS 7.6 64bit"})
        provider.process.send_signal(signal.SIGTERM)
        assert provider.process.wait(timeout=10) == 0
        stderr = provider.stderr()
    assert "HTTP 401 APIGW.0301" in message and "request ID" in message
    assert "WRONG-SECRET-VALUE" not in message + stderr


def test_an_unknown_function_is_a_clear_error(configured: Provider) -> None:
    message = invoke_error(configured, {"name": "x"}, token="cloudimages:index:getImage")
    assert message == f"unknown function 'cloudimages:index:getImage': the cloudimages provider has {FUNCTION} only"


# --- concurrency -----------------------------------------------------------------------------------


def test_parallel_invokes_run_concurrently_and_identical_ones_are_sent_once() -> None:
    ids = [image["id"] for image in LISTED[:50]]
    # Each answer takes a second: long enough for all 50 calls to be under way on a loaded machine.
    with Emulator(latency=1.0) as emulator, provider_process(PLUGIN) as provider:
        configure(provider, {"endpoint": emulator.url, "projectId": PROJECT_A, "maxRetries": "0"})
        with ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(lambda image_id: invoke(provider, {"id": image_id})[0]["id"], ids))
        assert results == ids and len(emulator.requests) == 50
        assert emulator.state.peak_in_flight >= 40  # the engine's parallel invokes overlap in the plugin

        emulator.requests.clear()
        with ThreadPoolExecutor(max_workers=20) as pool:
            same = list(pool.map(lambda _: invoke(provider, MODES["groups"])[0]["groups"]["Ubuntu"]["id"], range(20)))
        assert len(set(same)) == 1 and len(emulator.requests) == 1


# --- the process -----------------------------------------------------------------------------------


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_it_ends_cleanly_on_sigterm_and_sigint(stop: signal.Signals) -> None:
    with provider_process(PLUGIN) as provider:
        assert provider.stub.GetPluginInfo(empty_pb2.Empty()).version == VERSION
        provider.process.send_signal(stop)
        assert provider.process.wait(timeout=10) == 0
        assert provider.stderr() == ""


def test_it_runs_from_its_folder_as_a_source_plugin() -> None:
    folder = ROOT / "provider"
    assert yaml.safe_load((folder / "PulumiPlugin.yaml").read_text())["runtime"] == "python"
    with provider_process([sys.executable, str(folder)]) as provider:
        assert provider.stub.GetPluginInfo(empty_pb2.Empty()).version == VERSION


# --- the YAML example ------------------------------------------------------------------------------


def test_the_yaml_example_gets_the_newest_gold_image_of_each_platform(configured: Provider) -> None:
    folder = ROOT / "examples" / "yaml-gold-per-platform"
    program = yaml.safe_load((folder / "Pulumi.yaml").read_text())
    assert program["runtime"] == "yaml"
    assert (folder / program["packages"]["cloudimages"] / "PulumiPlugin.yaml").exists()
    call = program["variables"]["gold"]["fn::invoke"]
    assert call["function"] == FUNCTION
    result, failures = invoke(configured, call["arguments"])
    assert failures == {}
    arguments = call["arguments"]
    for name, expression in program["outputs"].items():
        match = re.fullmatch(r'\$\{gold\.groups\["([^"]+)"\]\.(\w+)\}', expression)
        assert match, expression
        platform, field = match.groups()
        candidates = [i for i in LISTED if i["__imagetype"] == arguments["imagetype"] and i["status"] == "active"
                      and i["__platform"] == platform and i.get("__support_kvm") == "true"]  # fmt: skip
        expected = newest(candidates)
        wire_field = {"id": "id", "osVersion": "__os_version"}[field]
        assert result["groups"][platform][field] == expected[wire_field], name


# --- what messages quote ---------------------------------------------------------------------------

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # how the engine marks a value not known in a preview


def test_secret_arguments_and_config_values_are_never_quoted(configured: Provider) -> None:
    message = invoke_error(configured, {"imagetype": "gold", "name": secret("Top Secret Build 7")})
    assert "Top Secret Build 7" not in message and "Top%20Secret%20Build%207" not in message and "***" in message
    _, failures = invoke(configured, {"minRam": secret(-7777)})
    assert "-7777" not in failures["minRam"] and "minRam=***" in failures["minRam"]
    response = check_config(configured, {"region": secret("Bad Region SECRET"), "maxRetries": secret("abc")})
    reasons = " ".join(f.reason for f in response.failures)
    assert len(response.failures) == 2 and "SECRET" not in reasons and "'abc'" not in reasons


def test_a_long_request_line_is_cut_between_parameters_never_inside_a_secret(configured: Provider) -> None:
    name = "Top Secret Build " + "7" * 700  # sent from about the 50th character: across the cut at 600
    message = invoke_error(configured, {"imagetype": "gold", "name": secret(name), "platform": "Ubuntu"})
    assert "Query sent: GET /v2/cloudimages?__imagetype=gold&__platform=Ubuntu&... (" in message
    assert "Top" not in message and "777" not in message and "status=active" not in message
    message = invoke_error(configured, {"imagetype": "gold", "name": "Top Secret Build " + "7" * 700})
    assert "name=Top%20Secret" not in message and "__imagetype=gold&... (" in message  # not secret: cut alike


def test_a_flag_for_a_number_or_a_word_for_a_flag_is_refused_not_guessed(
    configured: Provider, emulator: Emulator
) -> None:
    _, failures = invoke(configured, {"imagetype": "gold", "minRam": True, "protected": "no"})
    assert "minRam=true: expected a whole number, not true or false" in failures["minRam"]
    assert "protected='no': expected true or false" in failures["protected"]
    response = check_config(configured, {"maxRetries": True})
    assert [f.property for f in response.failures] == ["maxRetries"]
    assert "expected a whole number, not true or false" in response.failures[0].reason
    assert emulator.requests == []


def test_values_are_quoted_as_the_callers_language_writes_them(configured: Provider) -> None:
    _, failures = invoke(configured, {"tag": {"a": 1}, "imagetype": ["gold"], "minDisk": None})
    assert 'tag={"a": 1}: input should be a valid string' in failures["tag"]
    assert 'imagetype=["gold"] is not allowed' in failures["imagetype"]
    _, failures = invoke(configured, {"groupBy": True})
    assert failures["groupBy"].startswith("invalid selection: groupBy=true: ")
    assert "True" not in failures["groupBy"]


def test_a_secret_with_quotes_or_backslashes_is_masked_inside_a_quoted_list(configured: Provider) -> None:
    odd = 'Top "Secret" C:\\builds\\7'
    _, failures = invoke(configured, {"imagetype": [secret(odd)]})
    assert failures["imagetype"].startswith('invalid image filter: imagetype=["***"] is not allowed')
    assert "Secret" not in failures["imagetype"] and "builds" not in failures["imagetype"]
    long = "S3cr3t-build-" + "7" * 100  # cut short where the list is quoted: its beginning is masked too
    _, failures = invoke(configured, {"imagetype": ["gold", secret(long)]})
    assert failures["imagetype"].startswith('invalid image filter: imagetype=["gold", "***... (')
    assert "S3c" not in failures["imagetype"] and "777" not in failures["imagetype"]


def test_messages_keep_request_lines_and_values_as_they_are(configured: Provider) -> None:
    message = invoke_error(configured, {"imagetype": "gold", "platform": "Ubuntu", "mostRecent": True,
                                        "pinnedId": "nope"})  # fmt: skip
    assert "sort_dir=desc&sort_key=created_at" in message  # the request actually sent
    message = invoke_error(configured, {"imagetype": "gold", "name": "min_ram and support_kvm"})
    assert "name='min_ram and support_kvm'" in message and "name=min_ram%20and%20support_kvm" in message
    response = check_config(configured, {"secret_key": "x"})
    assert "unknown config key 'secret_key'; did you mean 'secretKey'?" in response.failures[0].reason


def test_long_values_are_cut_short_in_messages(configured: Provider) -> None:
    message = invoke_error(configured, {"imagetype": "gold", "nameRegex": "a" * 100_000})
    assert len(message) < 4000 and "... (100002 characters)" in message
    _, failures = invoke(configured, {"name": "x" * 100_000})
    assert "name is 100000 characters long" in failures["name"] and len(failures["name"]) < 1000


def test_unknown_values_are_not_checked_and_not_looked_up(configured: Provider, emulator: Emulator) -> None:
    assert list(check_config(configured, {"region": UNKNOWN, "maxRetries": "2"}).failures) == []
    _, failures = invoke(configured, {"name": UNKNOWN})
    assert "name is not known yet" in failures["name"] and emulator.requests == []


def test_unknown_values_inside_a_list_or_map_are_not_known_yet(configured: Provider, emulator: Emulator) -> None:
    _, failures = invoke(configured, {"tag": ["a", UNKNOWN], "supportFoo": {"x": secret(UNKNOWN)}})
    assert failures == {
        "tag": f"tag is not known yet: {FUNCTION} needs every argument known",
        "supportFoo": f"supportFoo is not known yet: {FUNCTION} needs every argument known",
    }
    assert emulator.requests == []


def test_further_support_flags_are_named_as_the_caller_wrote_them(configured: Provider, emulator: Emulator) -> None:
    _, failures = invoke(configured, {"supportFooBar": 3})
    assert list(failures) == ["supportFooBar"]
    assert "supportFooBar=3" in failures["supportFooBar"] and "support_foo" not in failures["supportFooBar"]
    message = invoke_error(configured, {"imagetype": "gold", "supportFooBar": "x"})
    assert "Without supportFooBar='x' the service would return images" in message
    assert "GET /v2/cloudimages?__imagetype=gold&__support_foo_bar=x" in message  # the request line as sent
    assert len(emulator.requests) > 0


def test_numbers_are_bounded_before_sending(configured: Provider, emulator: Emulator) -> None:
    _, failures = invoke(configured, {"minRam": 1e30, "minDisk": 2048})
    assert (
        "less than or equal to 2147483647" in failures["minRam"] and "less than or equal to 1024" in failures["minDisk"]
    )
    assert emulator.requests == []


def test_a_very_long_argument_name_is_cut_short(configured: Provider) -> None:
    _, failures = invoke(configured, {"x" * 100_000: 1, "y" * 100_000: UNKNOWN})
    assert len(failures) == 2 and all(len(key) < 200 and len(reason) < 400 for key, reason in failures.items())


def test_every_bad_argument_is_a_failure_of_its_own_before_any_request(
    configured: Provider, emulator: Emulator
) -> None:
    args = {"imagetype": "gold", "nameRegx": "x", "nameRegex": "(", "mostRecent": "yes", "minRam": True,
            "region": "bad region", "createdAt": "after:2020-01-01T00:00:00Z"}  # fmt: skip
    _, failures = invoke(configured, args)
    assert failures == {
        "nameRegx": f"{FUNCTION} has no argument 'nameRegx'; did you mean 'nameRegex'?",
        "nameRegex": "invalid selection: nameRegex='(' is not a regular expression in RE2 syntax (as Go and "
        "Terraform read it): missing ): (",
        "mostRecent": "invalid selection: mostRecent='yes': expected true or false",  # as supportKvm='yes' is
        "region": "invalid argument: region='bad region': expected a region name such as cn-north-4 or ap-southeast-1",
        "minRam": "invalid image filter: minRam=true: expected a whole number, not true or false",
        "createdAt": "invalid image filter: createdAt='after:2020-01-01T00:00:00Z': expected OP:TIME, OP one of 'gt', "
        "'gte', 'lt', 'lte', 'eq', 'neq', not 'after'",
    }
    _, failures = invoke(configured, {"imagetype": "shared", "memberStatus": "accepted", "visibility": UNKNOWN,
                                      "minRam": -1})  # fmt: skip
    assert failures == {  # nothing about memberStatus: visibility may yet be 'shared'
        "visibility": f"visibility is not known yet: {FUNCTION} needs every argument known",
        "minRam": "invalid image filter: minRam=-1: input should be greater than or equal to 0",
    }
    assert emulator.requests == []


def test_flags_and_numbers_given_as_text_read_as_the_filters_do(configured: Provider, emulator: Emulator) -> None:
    as_text, _ = invoke(configured, {"imagetype": "gold", "platform": "Ubuntu", "mostRecent": "TRUE"})
    as_flag, _ = invoke(configured, {"imagetype": "gold", "platform": "Ubuntu", "mostRecent": True})
    assert as_text["id"] == as_flag["id"] == newest([i for i in LISTED if i.get("__platform") == "Ubuntu"
                                                     and i.get("__imagetype") == "gold"])["id"]  # fmt: skip
    (failure,) = check_config(configured, {"maxRetries": "true"}).failures  # stack config is text
    assert (failure.property, failure.reason) == (
        "maxRetries", "invalid setting cloudimages:maxRetries: expected a whole number, not true or false"
    )  # fmt: skip


def test_a_malformed_further_support_flag_does_not_hide_the_other_arguments_problems(configured: Provider) -> None:
    _, failures = invoke(configured, {"supportS4l": 3, "minRam": -1, "imagetype": "gold"})
    assert set(failures) == {"supportS4l", "minRam"}
    assert "supportS4l=3; a support flag takes true, false" in failures["supportS4l"]
    assert "minRam=-1" in failures["minRam"] and "supportS4l" not in failures["minRam"]
