"""The stack's config as the engine hands it to the plugin: values marked secret, values not known yet (a
preview), values out of range. Driven over gRPC against the emulator, which quotes an unknown access key."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2

from engine_rpc import PLUGIN, Provider, plain, provider_process, secret, struct
from pulumi_cloudimages.emulator import PROJECT_A, Emulator

FUNCTION = "cloudimages:index:getImages"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # how the engine marks a value not known in a preview
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"  # an output value; without "value" it is not known yet
ACCESS_KEY = "HPUAZ7QKXW3M5EXAMPLE"  # not one the emulator knows: it answers "the access key ... is unknown"
PROJECT = "f3e0a1b2c3d4e5f60718293a4b5c6d7e"
PATH = "/ims-behind-the-proxy-7731"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(credentials=[f"AK:SK:{PROJECT_A}"]) as emu:
        yield emu


@pytest.fixture
def plugin() -> Iterator[Provider]:
    with provider_process(PLUGIN) as provider:
        yield provider


def configure(provider: Provider, config: dict[str, Any]) -> None:
    provider.stub.Configure(provider_pb2.ConfigureRequest(args=struct(config), acceptSecrets=True))


URN = "urn:pulumi:dev::app::pulumi:providers:cloudimages::default"


def check_config(provider: Provider, news: dict[str, Any]) -> dict[str, str]:
    response = provider.stub.CheckConfig(provider_pb2.CheckRequest(urn=URN, news=struct(news)))
    return {f.property: f.reason for f in response.failures}


def invoke(provider: Provider, args: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    response = provider.stub.Invoke(provider_pb2.InvokeRequest(tok=FUNCTION, args=struct(args)))
    return plain(getattr(response, "return")), {f.property: f.reason for f in response.failures}


def invoke_error(provider: Provider, args: dict[str, Any]) -> str:
    with pytest.raises(grpc.RpcError) as caught:
        invoke(provider, args)
    return str(caught.value.details())  # type: ignore[attr-defined]


def ended(provider: Provider) -> str:
    """What the plugin wrote on stderr, once ended."""
    provider.process.send_signal(signal.SIGTERM)
    assert provider.process.wait(timeout=5) == 0
    return provider.stderr()


# --- secrets from config ---------------------------------------------------------------------------


def test_a_secret_access_key_is_not_quoted_from_the_services_message(plugin: Provider, emulator: Emulator) -> None:
    configure(plugin, {"endpoint": emulator.url, "projectId": secret(PROJECT), "accessKey": secret(ACCESS_KEY),
                       "secretKey": secret("SK-NEVER-SHOWN"), "maxRetries": "0"})  # fmt: skip
    message = invoke_error(plugin, {"name": "Fedora 38 64bit 20231117"})
    assert "HTTP 401 APIGW.0301" in message and "the access key *** is unknown" in message
    output = message + ended(plugin)
    assert ACCESS_KEY not in output and PROJECT not in output and "SK-NEVER-SHOWN" not in output


def test_a_secret_endpoint_shows_neither_its_path_nor_its_host(plugin: Provider, emulator: Emulator) -> None:
    configure(plugin, {"endpoint": secret(emulator.url + PATH), "projectId": PROJECT_A, "maxRetries": "0"})
    message = invoke_error(plugin, {"name": "Fedora 38 64bit 20231117"})
    assert "(request: GET ***/v2/cloudimages?" in message  # the request line, its secret path masked
    host = emulator.url.removeprefix("http://")
    output = message + ended(plugin)
    assert PATH not in output and host not in output


def test_an_unreachable_secret_endpoint_is_not_named(plugin: Provider) -> None:
    endpoint = "http://127.0.0.1:9/private-mirror"  # the discard port: nothing answers
    configure(plugin, {"endpoint": secret(endpoint), "projectId": PROJECT_A, "maxRetries": "0"})
    message = invoke_error(plugin, {"name": "Fedora 38 64bit 20231117"})
    assert message.startswith(f"{FUNCTION}: no usable answer from http://*** after 1 try")
    assert "127.0.0.1:9" not in message and "private-mirror" not in message


def test_secret_config_and_arguments_are_masked_together(plugin: Provider, emulator: Emulator) -> None:
    configure(plugin, {"endpoint": emulator.url, "projectId": secret(PROJECT_A), "maxRetries": "0"})
    message = invoke_error(plugin, {"imagetype": "gold", "name": secret("Build 7 of Project Falcon")})
    assert "Build 7 of Project Falcon" not in message and "Build%207" not in message and "name=***" in message


def test_a_secret_argument_is_masked_as_it_was_sent(plugin: Provider, emulator: Emulator) -> None:
    configure(plugin, {"endpoint": emulator.url, "maxRetries": "0"})
    message = invoke_error(plugin, {"imagetype": "gold", "createdAt": secret("gt:2099-01-01 00:00:00")})
    assert "2099-01-01T00" not in message and "2099-01-01T00%3A" not in message and "created_at=***" in message


def test_check_config_never_quotes_a_value_the_engine_sends_without_its_secret_mark(plugin: Provider) -> None:
    """`pulumi config set --secret`: the engine strips the secret marks before CheckConfig (no KeepSecrets in
    sdk/go/common/resource/plugin/provider_plugin.go, `CheckConfig`), so the plugin sees plain values; a
    failure says what is wrong with each, never what it is."""
    news = {"endpoint": "ftp://mirror.internal/ims", "accessKey": "A K", "projectId": "not a project",
            "region": "Beijing 4"}  # fmt: skip
    failures = check_config(plugin, news)
    assert set(failures) == {"endpoint", "accessKey", "projectId", "region"}
    for key, value in news.items():
        assert value not in failures[key] and f"cloudimages:{key}: " in failures[key], failures[key]
    assert "http:// or https:// URL" in failures["endpoint"] and "cn-north-4" in failures["region"]
    # Marked or not, the same answer.
    assert check_config(plugin, {key: secret(value) for key, value in news.items()}) == failures


@pytest.mark.parametrize("endpoint", ["http://user:pw@bad host/ims", "http:///ims", "https://ims_1.example/"])
def test_check_config_refuses_an_endpoint_without_a_usable_host(plugin: Provider, endpoint: str) -> None:
    failures = check_config(plugin, {"endpoint": endpoint})
    assert list(failures) == ["endpoint"]
    assert failures["endpoint"].endswith("expected an http:// or https:// URL with a host name or an IP address")


# --- config not known yet (a preview) --------------------------------------------------------------

NOT_KNOWN = {
    "the sentinel": UNKNOWN,
    "a secret sentinel": secret(UNKNOWN),
    "an output value without a value": {"4dabf18193072939515e22adb298388d": OUTPUT_SIG, "dependencies": ["urn:x"]},
}


@pytest.mark.parametrize("value", NOT_KNOWN.values(), ids=NOT_KNOWN.keys())
@pytest.mark.parametrize("key", ["endpoint", "secretKey"])
def test_unknown_config_is_not_known_yet_and_sends_nothing(
    plugin: Provider, emulator: Emulator, key: str, value: Any
) -> None:
    config = {
        "endpoint": emulator.url,
        "projectId": PROJECT_A,
        "accessKey": "AK",
        "secretKey": secret("SK"),
        key: value,
    }
    assert check_config(plugin, config) == {}
    configure(plugin, config)
    emulator.requests.clear()
    result, failures = invoke(plugin, {"name": "Fedora 38 64bit 20231117"})
    # The engine's own answer for a provider whose config is not known: an empty result (see plugin.py).
    assert (result, failures) == ({}, {})
    assert emulator.requests == []
    assert UNKNOWN not in ended(plugin)


def test_once_the_config_is_known_the_invoke_looks_up(plugin: Provider, emulator: Emulator) -> None:
    configure(plugin, {"endpoint": UNKNOWN, "projectId": PROJECT_A})
    assert invoke(plugin, {"name": "Fedora 38 64bit 20231117"}) == ({}, {})
    configure(plugin, {"endpoint": emulator.url, "projectId": PROJECT_A, "accessKey": "AK", "secretKey": secret("SK")})
    result, failures = invoke(plugin, {"name": "Fedora 38 64bit 20231117"})
    assert failures == {} and result["image"]["name"] == "Fedora 38 64bit 20231117"


# --- bounds ----------------------------------------------------------------------------------------


def test_max_retries_is_bounded(plugin: Provider) -> None:
    failures = check_config(plugin, {"maxRetries": "1000000000"})
    assert failures["maxRetries"] == (
        "invalid setting cloudimages:maxRetries: input should be less than or equal to 10"
    )
    assert check_config(plugin, {"maxRetries": "10"}) == {}


def test_diff_config_updates_the_provider_in_place_naming_the_keys(plugin: Provider) -> None:
    """A changed config is an update of the provider, never a replacement: a replaced provider makes the engine
    replace each of its resources with the reason `provider` and never ask their Diff
    (pkg/resource/deploy/step_generator.go); the pins' own Diff then compares where each was chosen."""
    olds = {"region": "cn-north-4", "secretKey": secret("S1"), "version": "0.1.0"}
    news = {"region": "ap-southeast-1", "secretKey": secret("S2"), "version": "0.1.0"}
    diff = plugin.stub.DiffConfig(provider_pb2.DiffRequest(urn=URN, olds=struct(olds), news=struct(news)))
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert (sorted(diff.diffs), list(diff.replaces)) == (["region", "secretKey"], [])
    same = plugin.stub.DiffConfig(provider_pb2.DiffRequest(urn=URN, olds=struct(olds), news=struct(olds)))
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE and list(same.diffs) == []
