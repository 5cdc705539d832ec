"""The plugin's wire helpers in-process: the request's secrets kept while it is handled and masked in every
message and log line (the catch-all for unexpected exceptions included), and the schema's names read as
Python names. Over gRPC, the same masking is in test_plugin_pinned (a refresh's warnings) and test_plugin."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Any, NoReturn

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2

from engine_rpc import secret, struct
from pulumi_cloudimages.naming import FUNCTION
from pulumi_cloudimages.pin.state import PINNED_IMAGE
from pulumi_cloudimages.plugin.engine import Given, Redacting, handling, masked, python_name
from pulumi_cloudimages.plugin.server import CloudImagesProvider, _Servicer

REQUEST = provider_pb2.DiffRequest(
    olds=struct({"name": secret("OLD-SECRET-NAME")}),
    news=struct({"name": secret("Ubuntu 22.04 server 64bit"), "tags": secret(["team.SECRET-TEAM"]), "x": "plain"}),
)


def test_the_requests_secrets_are_masked_while_it_is_handled_and_only_then() -> None:
    text = "OLD-SECRET-NAME, Ubuntu 22.04 server 64bit, team.SECRET-TEAM, plain, CONFIG-SECRET"
    with handling(REQUEST):
        assert masked(text, ("CONFIG-SECRET",)) == "***, ***, ***, plain, ***"
    assert masked(text, ("CONFIG-SECRET",)) == text.replace("CONFIG-SECRET", "***")


def test_a_worker_thread_and_a_concurrent_request_each_see_their_own_secrets() -> None:
    other = provider_pb2.CheckRequest(news=struct({"name": secret("OTHER-SECRET")}))

    async def handle(request: Any) -> str:
        with handling(request):
            await asyncio.sleep(0.01)  # the other request runs meanwhile
            return await asyncio.to_thread(masked, "OLD-SECRET-NAME OTHER-SECRET", ())

    async def both() -> list[str]:
        return list(await asyncio.gather(handle(REQUEST), handle(other)))

    assert asyncio.run(both()) == ["*** OTHER-SECRET", "OLD-SECRET-NAME ***"]


def test_every_log_line_masks_the_config_and_the_request() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redacting(lambda: ("CONFIG-SECRET",)))
    logger = logging.getLogger("test_plugin_wire.redacting")
    logger.addHandler(handler)
    try:
        with handling(REQUEST):
            logger.warning("retrying GET /v2/cloudimages?name=%s with %s", "OLD-SECRET-NAME", "CONFIG-SECRET")
        logger.warning("after the request: %s", "OLD-SECRET-NAME")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue().splitlines() == [
        "retrying GET /v2/cloudimages?name=*** with ***",
        "after the request: OLD-SECRET-NAME",
    ]


class _Aborted(Exception):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(details)
        self.code, self.details = code, details


class _Context:
    """What the servicer uses of grpc's ServicerContext: abort, which raises."""

    async def abort(self, code: grpc.StatusCode, details: str) -> NoReturn:
        raise _Aborted(code, details)


def test_an_unexpected_exception_quoting_a_secret_argument_is_internal_and_masked(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    provider = CloudImagesProvider()
    provider.configure(Given.read(struct({"secretKey": secret("CONFIG-SECRET")})))

    async def broken(token: str, args: Given) -> NoReturn:
        raise KeyError(f"{args.values['name']} with {provider.config['secretKey']}")

    monkeypatch.setattr(provider, "invoke", broken)
    request = provider_pb2.InvokeRequest(tok=FUNCTION, args=struct({"name": secret("SECRET-IMAGE-NAME")}))
    with pytest.raises(_Aborted) as aborted:
        asyncio.run(_Servicer(provider).Invoke(request, _Context()))
    assert aborted.value.code == grpc.StatusCode.INTERNAL
    assert aborted.value.details == "Invoke failed: KeyError: '*** with ***'"
    assert caplog.messages == ["Invoke failed: KeyError: '*** with ***'"]


def test_every_provider_serves_pinned_image() -> None:
    assert list(_Servicer(CloudImagesProvider()).resources) == [PINNED_IMAGE]


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("minRam", "min_ram"),
        ("imagetype", "imagetype"),
        ("keepers", "keepers"),
        ("imageId", "image_id"),
        ("supportS4l", "support_s4l"),  # a further support flag, as in Python
        ("supportFooBar", "support_foo_bar"),
        ("support_foo", None),  # Python's name, not the schema's
        ("__supportFoo", None),
        ("supportFoo_bar", None),
        ("minram", None),
        ("", None),
    ],
)
def test_the_schemas_names_are_read_as_python_names(key: str, name: str | None) -> None:
    assert python_name(key) == name
