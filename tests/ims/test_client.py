"""The clients over httpx's MockTransport: paging, retries, errors, project discovery (sync and async).

The same behaviours over real HTTP against the emulator are in test_emulator_*.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pulumi_cloudimages import (
    ApiError,
    AsyncImsClient,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ImageQuery,
    ImsClient,
    InvalidQueryError,
    InvalidResponseError,
    NotFoundError,
    PermissionDeniedError,
    ProjectDiscoveryError,
    RateLimitedError,
    Selection,
    ServerError,
    Settings,
    TransportError,
)
from pulumi_cloudimages.emulator import Emulator
from pulumi_cloudimages.ims.project import ProjectLookup
from waiting import until

SK = "SECRET-KEY-VALUE-0123456789"
Handler = Callable[[httpx.Request], httpx.Response]


class FakeIms:
    """Serves `count` images by marker paging, and records each request."""

    def __init__(self, count: int, *, next_marker: bool = False) -> None:
        self.ids = [f"img-{i:05d}" for i in range(count)]
        self.next_marker = next_marker
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        params = request.url.params
        start = self.ids.index(params["marker"]) + 1 if "marker" in params else 0
        page = self.ids[start : start + int(params.get("limit", 500))]
        body: dict[str, Any] = {"images": [{"id": i, "name": f"image {i}"} for i in page]}
        if self.next_marker and page and start + len(page) < len(self.ids):
            body["page_info"] = {"next_marker": page[-1]}
        return httpx.Response(200, json=body, headers={"X-Request-Id": f"req-{len(self.requests)}"})


def client(handler: Handler, **options: Any) -> ImsClient:
    options = {"endpoint": "https://ims.test", "backoff": 0.0, **options}
    return ImsClient(transport=httpx.MockTransport(handler), **options)


def async_client(handler: Handler, **options: Any) -> AsyncImsClient:
    options = {"endpoint": "https://ims.test", "backoff": 0.0, **options}
    return AsyncImsClient(transport=httpx.MockTransport(handler), **options)


def sequence(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler that answers with `responses` in turn, and the list of requests it saw."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = responses[min(len(seen), len(responses)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)  # a fresh copy

    return handler, seen


OK = httpx.Response(200, json={"images": [{"id": "a"}]})


# --- paging ---------------------------------------------------------------------------------------


def test_paging_follows_markers_to_the_end() -> None:
    ims = FakeIms(1234)
    with client(ims) as c:
        images = c.list_images(imagetype="gold")
    assert [i.id for i in images] == ims.ids
    markers = [r.url.params.get("marker") for r in ims.requests]
    assert markers == [None, "img-00499", "img-00999"]
    assert all(r.url.params["__imagetype"] == "gold" for r in ims.requests)


def test_a_full_last_page_costs_one_empty_page_and_next_marker_is_honoured() -> None:
    exact = FakeIms(1000)
    with client(exact) as c:
        assert len(c.list_images()) == 1000
    assert len(exact.requests) == 3  # the third, empty, says it is the end

    told = FakeIms(1000, next_marker=True)
    with client(told) as c:
        assert len(c.list_images()) == 1000
    assert len(told.requests) == 3


def test_max_results_caps_the_total_and_the_last_request() -> None:
    ims = FakeIms(5000)
    with client(ims) as c:
        images = c.list_images(ImageQuery(limit=200), max_results=450)
    assert len(images) == 450
    assert [r.url.params["limit"] for r in ims.requests] == ["200", "200", "50"]


def test_iter_images_streams_page_by_page() -> None:
    ims = FakeIms(1500)
    with client(ims) as c:
        stream = c.iter_images()
        first = next(stream)
        assert first.id == "img-00000" and len(ims.requests) == 1
        assert sum(1 for _ in stream) == 1499


def test_a_repeated_marker_fails_instead_of_looping() -> None:
    page = httpx.Response(200, json={"images": [{"id": "x"}], "page_info": {"next_marker": "same"}})
    handler, seen = sequence(page)
    with client(handler) as c, pytest.raises(InvalidResponseError, match="marker 'same' twice"):
        c.list_images()
    assert len(seen) == 2


def test_query_and_keyword_filters_are_exclusive() -> None:
    with client(FakeIms(1)) as c, pytest.raises(InvalidQueryError, match="either"):
        c.list_images(ImageQuery(), platform="Ubuntu")


def test_arguments_of_the_client_are_checked() -> None:
    ims = FakeIms(3)
    with client(ims) as c:
        assert len(c.list_images({"platform": "Ubuntu"})) == 3  # a mapping of filters is a query too
        assert ims.requests[-1].url.params["__platform"] == "Ubuntu"
        for bad in (True, 2.5, "5", 0):
            with pytest.raises(InvalidQueryError, match=r"max_results=.*expected a whole number of 1 or more"):
                c.list_images(max_results=bad)  # type: ignore[arg-type]
        with pytest.raises(InvalidQueryError, match="expected an ImageQuery or a mapping of filters"):
            c.list_images(42)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="unknown setting 'acces_key'; did you mean 'access_key'"):
        ImsClient(endpoint="https://ims.test", acces_key="AK", secret_key=SK)  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="backoff=-1: expected 0 or more seconds"):
        ImsClient(endpoint="https://ims.test", backoff=-1)
    for bad in ({"endpoint": "http://[::1"}, {"endpoint": "https://ims.test", "project_id": "é"}):
        with pytest.raises(ConfigurationError, match="invalid setting"):
            ImsClient(**bad)  # type: ignore[arg-type]


def test_a_retry_after_date_without_a_zone_is_read_as_utc() -> None:
    handler, seen = sequence(httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 -0000"}), OK)
    with client(handler) as c:
        assert len(c.list_images()) == 1 and len(seen) == 2  # a date in the past: no wait


# --- retries --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_statuses_are_retried(status: int) -> None:
    handler, seen = sequence(httpx.Response(status, headers={"Retry-After": "0"}), OK)
    with client(handler) as c:
        assert [i.id for i in c.list_images()] == ["a"]
    assert len(seen) == 2
    assert seen[0].headers.get("X-Sdk-Date") is None  # unsigned client: no credentials configured


def test_retries_are_bounded_and_then_raise_with_the_last_answer() -> None:
    handler, seen = sequence(httpx.Response(503, json={"error": {"code": "IMG.0500", "message": "busy"}}))
    with client(handler, max_retries=2) as c, pytest.raises(ServerError, match=r"HTTP 503 IMG\.0500: busy"):
        c.list_images()
    assert len(seen) == 3


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, BadRequestError), (401, AuthenticationError), (403, PermissionDeniedError), (404, NotFoundError)],
)
def test_client_errors_are_never_retried(status: int, error: type[ApiError]) -> None:
    handler, seen = sequence(httpx.Response(status, json={"error": {"code": "IMG.0001", "message": "no"}}))
    with client(handler) as c, pytest.raises(error):
        c.list_images()
    assert len(seen) == 1


def test_connection_errors_are_retried_then_reported() -> None:
    handler, seen = sequence(httpx.ConnectError("refused"), OK)
    with client(handler) as c:
        assert len(c.list_images()) == 1
    handler, seen = sequence(httpx.ReadTimeout("slow"))
    with (
        client(handler, max_retries=1) as c,
        pytest.raises(TransportError, match=r"after 2 tries: timed out waiting for the answer \(slow\)"),
    ):
        c.list_images()
    assert len(seen) == 2


def test_retry_after_is_honoured() -> None:
    waits: list[float] = []
    handler, _ = sequence(httpx.Response(429, headers={"Retry-After": "7"}), OK)
    with client(handler) as c:
        assert c.retry.after_response(1, httpx.Response(429, headers={"Retry-After": "7"})) == 7.0
        assert c.retry.after_response(4, httpx.Response(429, headers={"Retry-After": "7"})) is None
        waits.append(c.retry.after_response(1, httpx.Response(429)) or 0.0)
    assert waits == [0.0]  # backoff=0: no Retry-After, no wait


# --- errors ---------------------------------------------------------------------------------------


def test_ims_error_shape() -> None:
    body = {"error": {"code": "IMG.0024", "message": "The imagetype is invalid."}}
    handler, _ = sequence(httpx.Response(400, json=body, headers={"X-Request-Id": "r-1"}))
    with client(handler) as c, pytest.raises(BadRequestError) as caught:
        c.list_images(imagetype="gold")
    error = caught.value
    assert (error.status, error.code, error.message, error.request_id) == (
        400,
        "IMG.0024",
        "The imagetype is invalid.",
        "r-1",
    )
    assert str(error.request) == "GET /v2/cloudimages?__imagetype=gold&limit=500"
    assert "request ID r-1" in str(error)


def test_gateway_error_shape_and_no_secret_anywhere() -> None:
    body = {"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information", "request_id": "g-9"}
    handler, _ = sequence(httpx.Response(401, json=body))
    with (
        client(handler, access_key="AK1", secret_key=SK, project_id="p1", security_token="STS-TOKEN") as c,
        pytest.raises(AuthenticationError) as caught,
    ):
        c.list_images()
    error = caught.value
    assert (error.code, error.request_id) == ("APIGW.0301", "g-9")
    for text in (str(error), repr(error), repr(c), repr(c.settings)):
        assert SK not in text and "STS-TOKEN" not in text and "Signature=" not in text


def test_a_non_json_error_body_gives_an_excerpt() -> None:
    html = "<html><body>" + "Bad gateway " * 50 + "</body></html>"
    handler, _ = sequence(httpx.Response(502, text=html, headers={"Content-Type": "text/html"}))
    with client(handler, max_retries=0) as c, pytest.raises(ServerError) as caught:
        c.list_images()
    assert "not the documented JSON (text/html): '<html><body>Bad gateway" in str(caught.value)
    assert "..." in str(caught.value) and len(str(caught.value)) < 400


def test_a_200_that_is_not_an_image_list() -> None:
    handler, _ = sequence(httpx.Response(200, text="<html>login</html>"))
    with client(handler) as c, pytest.raises(InvalidResponseError, match=r"not an image list.*<html>login"):
        c.list_images()


# --- project discovery ----------------------------------------------------------------------------


def iam_and_ims(projects: list[dict[str, str]]) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host.startswith("iam."):
            return httpx.Response(200, json={"projects": projects})
        return httpx.Response(200, json={"images": []})

    return handler, seen


def test_the_project_is_discovered_once_per_process() -> None:
    ProjectLookup.forget_all()
    handler, seen = iam_and_ims([{"id": "proj-42", "name": "cn-north-4"}])
    for _ in range(2):
        with ImsClient(
            region="cn-north-4", access_key="AK1", secret_key=SK, transport=httpx.MockTransport(handler)
        ) as c:
            c.list_images()
    hosts = [r.url.host for r in seen]
    assert hosts == ["iam.cn-north-4.myhuaweicloud.com"] + ["ims.cn-north-4.myhuaweicloud.com"] * 2
    assert str(seen[0].url) == "https://iam.cn-north-4.myhuaweicloud.com/v3/projects?name=cn-north-4"
    assert seen[0].headers["Authorization"].startswith("SDK-HMAC-SHA256 Access=AK1")
    assert "X-Project-Id" not in seen[0].headers
    assert all(r.headers["X-Project-Id"] == "proj-42" for r in seen[1:])


def test_discovery_needs_exactly_one_project() -> None:
    ProjectLookup.forget_all()
    handler, _ = iam_and_ims([])
    with (
        ImsClient(region="cn-north-4", access_key="AK1", secret_key=SK, transport=httpx.MockTransport(handler)) as c,
        pytest.raises(ConfigurationError, match="knows 0 projects named 'cn-north-4'"),
    ):
        c.list_images()


# --- async ----------------------------------------------------------------------------------------


def test_the_async_client_pages_retries_and_streams_like_the_sync_one() -> None:
    ims = FakeIms(1100)
    flaky, flaky_seen = sequence(httpx.Response(503), httpx.ConnectError("x"), OK)

    async def main() -> None:
        async with async_client(ims) as c:
            assert [i.id for i in await c.list_images(max_results=1050)] == ims.ids[:1050]
            assert [i.id async for i in c.iter_images(limit=1000)][-1] == ims.ids[-1]
        async with async_client(flaky) as c:
            assert len(await c.list_images()) == 1
        async with async_client(sequence(httpx.Response(404))[0]) as c:
            with pytest.raises(NotFoundError):
                await c.list_images()

    asyncio.run(main())
    assert [r.url.params["limit"] for r in ims.requests[:3]] == ["500", "500", "50"]
    assert len(flaky_seen) == 3


def test_rate_limited_after_the_retries() -> None:
    handler, seen = sequence(httpx.Response(429, headers={"Retry-After": "0"}))
    with client(handler, max_retries=1) as c, pytest.raises(RateLimitedError):
        c.list_images()
    assert len(seen) == 2


# --- failures in words ----------------------------------------------------------------------------


def test_a_body_that_does_not_match_its_encoding_is_retried_then_a_transport_error() -> None:
    seen: list[httpx.Request] = []

    def corrupt_then(good: bool) -> Handler:
        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            if good and len(seen) > 1:
                return httpx.Response(200, json={"images": [{"id": "a"}]})
            # decoded only when the client reads it, as from the network
            return httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(b"not gzip"))

        return handler

    with client(corrupt_then(good=True), max_retries=1) as c:
        assert len(c.list_images()) == 1 and len(seen) == 2
    seen.clear()
    with client(corrupt_then(good=False), max_retries=0) as c, pytest.raises(TransportError) as caught:
        c.list_images()
    assert "after 1 try: the body did not match its Content-Encoding (Error -3 while decompressing" in str(caught.value)
    assert len(seen) == 1


def test_an_error_without_text_still_says_what_happened() -> None:
    handler, _ = sequence(httpx.ReadError(""))
    with client(handler, max_retries=0) as c, pytest.raises(TransportError) as caught:
        c.list_images()
    assert "after 1 try: the connection broke while reading the answer (request: GET" in str(caught.value)


def test_an_over_long_query_is_refused_before_sending_naming_the_filter() -> None:
    handler, seen = sequence(OK)
    with client(handler) as c, pytest.raises(InvalidQueryError) as caught:
        c.list_images(name="Ubuntu " * 10_000)
    assert str(caught.value).startswith("invalid image filter: name is ") and caught.value.names == ("name",)
    assert seen == []


def test_a_failed_project_discovery_names_iam_and_says_how_to_skip_it() -> None:
    ProjectLookup.forget_all()
    iam_calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host.startswith("iam."):
            iam_calls.append(request)
            raise httpx.ConnectError("")
        return httpx.Response(200, json={"images": []})

    with (
        ImsClient(
            region="cn-north-4",
            access_key="AK1",
            secret_key=SK,
            max_retries=2,
            backoff=0.0,
            transport=httpx.MockTransport(handler),
        ) as c,  # fmt: skip
        pytest.raises(ProjectDiscoveryError) as caught,
    ):
        c.list_images()
    message = str(caught.value)
    assert message.startswith("could not discover the project ID of region 'cn-north-4' through IAM at "
                              "https://iam.cn-north-4.myhuaweicloud.com: no usable answer from ")  # fmt: skip
    assert "after 3 tries: could not connect (request:" in message and "/v2/cloudimages" not in message
    assert message.endswith("Set project_id (or HW_PROJECT_ID) to skip the discovery") and SK not in message
    assert len(iam_calls) == 3  # retried as IMS is


def test_iam_is_retried_on_503_and_concurrent_first_lookups_make_one_call() -> None:
    ProjectLookup.forget_all()
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        if request.url.host.startswith("iam."):
            if seen.count(request.url.host) == 1:
                return httpx.Response(503)
            return httpx.Response(200, json={"projects": [{"id": "proj-7", "name": "cn-north-4"}]})
        assert request.headers["X-Project-Id"] == "proj-7"
        return httpx.Response(200, json={"images": []})

    async def main() -> None:
        async with AsyncImsClient(region="cn-north-4", access_key="AK1", secret_key=SK, backoff=0.0,
                                  transport=httpx.MockTransport(handler)) as c:  # fmt: skip
            await asyncio.gather(*(c.list_images(name=f"image-{n}") for n in range(10)))

    asyncio.run(main())
    assert seen.count("iam.cn-north-4.myhuaweicloud.com") == 2  # one call, retried once after the 503
    assert seen.count("ims.cn-north-4.myhuaweicloud.com") == 10


def test_an_error_body_with_a_null_message_reads_sensibly() -> None:
    handler, _ = sequence(httpx.Response(400, json={"error": {"code": "IMG.0001", "message": None}}))
    with client(handler) as c, pytest.raises(BadRequestError) as caught:
        c.list_images()
    assert str(caught.value).startswith("HTTP 400 IMG.0001: the service gave no message (request: GET")


def test_the_logger_tells_requests_retries_and_signing_but_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    handler, _ = sequence(httpx.Response(503), OK)
    with (
        caplog.at_level(logging.DEBUG, logger="pulumi_cloudimages"),
        client(handler, access_key="AK1", secret_key=SK, project_id="p1", security_token="STS-TOKEN-VALUE") as c,
    ):
        c.list_images(name="x")
    text = caplog.text
    assert "GET /v2/cloudimages?limit=500&name=x -> 503 in" in text and "trying again in 0.00 s (try 2 of 4)" in text
    assert "-> 200 in" in text and "canonical request:\nGET\n/v2/cloudimages/\nlimit=500&name=x\n" in text
    assert "x-security-token:***" in text and "string to sign:\nSDK-HMAC-SHA256\n" in text
    assert SK not in text and "STS-TOKEN-VALUE" not in text


GOLD_UBUNTU = ImageQuery(imagetype="gold", platform="Ubuntu")


def test_the_clients_kept_are_bounded_and_those_dropped_are_closed() -> None:
    from pulumi_cloudimages.choice import lookup as lookups

    seen: list[ImsClient] = []
    clients = lookups._clients

    async def distinct_settings(emulator: Emulator) -> None:
        async def one(n: int) -> None:  # as a plugin asked with a new endpoint each time
            settings = Settings.resolve(env={}, endpoint=f"{emulator.url}/", project_id=f"project-{n}")
            await lookups.alookup(GOLD_UBUNTU, Selection(return_all=True), settings)
            seen.extend(client for client in clients.kept.values() if client not in seen)
            assert len(clients.kept) <= lookups.CLIENTS_KEPT

        for first in range(0, 3 * lookups.CLIENTS_KEPT, 8):  # eight at a time, as the engine's parallel invokes
            await asyncio.gather(*(one(n) for n in range(first, first + 8)))

    lookups.forget()
    with Emulator() as emulator:
        asyncio.run(distinct_settings(emulator))
        kept = list(clients.kept.values())
        assert len(seen) == 3 * lookups.CLIENTS_KEPT and clients.dropped == []
        assert all(client._http.is_closed for client in seen if client not in kept)
        assert not any(client._http.is_closed for client in kept)
        lookups.forget()
    assert all(client._http.is_closed for client in seen)  # the rest when forgotten


def test_a_client_dropped_while_a_lookup_uses_it_is_closed_after_that_lookup() -> None:
    from pulumi_cloudimages.choice import lookup as lookups

    clients = lookups._clients

    async def crowded(emulator: Emulator) -> None:
        first = Settings.resolve(env={}, endpoint=emulator.url, project_id="project-first")
        slow = asyncio.ensure_future(lookups.alookup(GOLD_UBUNTU, Selection(return_all=True), first))
        await until(lambda: emulator.state.in_flight == 1)  # the slow lookup waits on the service with its client
        in_use = clients.kept.get_recent(first)
        assert in_use is not None
        for n in range(lookups.CLIENTS_KEPT):  # push it out of the cache meanwhile
            settings = Settings.resolve(env={}, endpoint=emulator.url, project_id=f"project-{n}")
            await lookups.alookup(GOLD_UBUNTU, Selection(return_all=True), settings)
        assert not slow.done(), "the service's delay ended before the other lookups did"
        assert in_use in clients.dropped and not in_use._http.is_closed
        assert (await slow).images  # it finished on its own client
        assert in_use._http.is_closed and clients.dropped == []

    lookups.forget()
    with Emulator() as emulator:
        emulator.inject("delay", seconds=3.0)  # for the slow lookup alone: the others are never delayed
        asyncio.run(crowded(emulator))
    lookups.forget()


def test_kept_results_are_bounded_by_the_images_they_hold() -> None:
    from pulumi_cloudimages.choice.lookup import IMAGES_KEPT, _Bounded, _results

    kept: _Bounded[str, list[int]] = _Bounded(5, weight=len)
    kept.put("a", [1, 2, 3])
    kept.put("b", [1, 2])
    assert list(kept) == ["a", "b"] and kept.load == 5
    kept.put("c", [1])
    assert list(kept) == ["b", "c"] and kept.load == 3
    kept.put("whole catalog", list(range(9)))  # the newest is kept even alone past the bound
    assert list(kept) == ["whole catalog"] and kept.load == 9
    assert _results.size == IMAGES_KEPT
