"""The in-process emulator (`cloudimages list|get|latest --emulator`) answers what the served one answers: the same
statuses, content types, headers and bodies for the same requests (signed or with a token, on the service's paths
or not, with each kind of fault queued), and the same request log, through an httpx transport instead of a port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pulumi_cloudimages import SignatureAuth, TokenAuth, TransportError
from pulumi_cloudimages.emulator import PROJECT_A, Emulator, Fault
from pulumi_cloudimages.emulator.in_process import URL, EmulatorTransport
from pulumi_cloudimages.emulator.state import EmulatorState
from pulumi_cloudimages.ims.client import ImsClient

AK, SK, TOKEN = "AKEXAMPLE", "SK-EXAMPLE-SECRET", "TOKEN-A"
IMAGES = "/v2/cloudimages"
# (method, path, query, how the request is authenticated, the fault queued before it)
CASES: dict[str, tuple[str, str, dict[str, str], str, Fault | None]] = {
    "gold Ubuntu": ("GET", IMAGES, {"__imagetype": "gold", "__platform": "Ubuntu", "limit": "3"}, "signed", None),
    "sorted by name": ("GET", IMAGES, {"__imagetype": "gold", "sort_key": "name", "sort_dir": "asc"}, "signed", None),
    "a tag": ("GET", IMAGES, {"tag": "role=web", "__imagetype": "private"}, "signed", None),
    "a time range": ("GET", IMAGES, {"created_at": "gt:2024-01-01T00:00:00Z", "limit": "2"}, "signed", None),
    "a flavor": ("GET", IMAGES, {"__support_kvm": "true", "flavor_id": "kc1.large.2"}, "signed", None),
    "a bad value": ("GET", IMAGES, {"__imagetype": "golden"}, "signed", None),
    "a bad limit": ("GET", IMAGES, {"limit": "0"}, "signed", None),
    "a token": ("GET", IMAGES, {"__imagetype": "private"}, "token", None),
    "an unknown token": ("GET", IMAGES, {}, "bad token", None),
    "a bad signature": ("GET", IMAGES, {}, "bad signature", None),
    "the IAM lookup": ("GET", "/v3/projects", {"name": "cn-north-4"}, "signed", None),
    "an unknown path": ("GET", "/v2/images", {}, "signed", None),
    "a POST": ("POST", IMAGES, {}, "signed", None),
    "a HEAD": ("HEAD", IMAGES, {"limit": "1"}, "signed", None),
    "a 503 fault": ("GET", IMAGES, {}, "signed", Fault("status", status=503, retry_after=2)),
    "an HTML fault": ("GET", IMAGES, {}, "signed", Fault("html", status=502)),
    "a delay fault": ("GET", IMAGES, {"limit": "1"}, "signed", Fault("delay", seconds=0.05)),
}
AUTH: dict[str, httpx.Auth] = {
    "signed": SignatureAuth(AK, SK, project=PROJECT_A),
    "token": TokenAuth(TOKEN, project_id=PROJECT_A),
    "bad token": TokenAuth("TOKEN-NOBODY", project_id=PROJECT_A),
    "bad signature": SignatureAuth(AK, "wrong", project=PROJECT_A),
}


@pytest.fixture(scope="module")
def served() -> Iterator[Emulator]:
    with Emulator(credentials=[f"{AK}:{SK}:{PROJECT_A}"], tokens={TOKEN: PROJECT_A}) as emulator:
        yield emulator


def like(emulator: Emulator) -> EmulatorTransport:
    """A transport over a state like `emulator`'s (its catalog and callers), with faults and a log of its own."""
    state = emulator.state
    return EmulatorTransport(EmulatorState(catalog=state.catalog, credentials=state.credentials, tokens=state.tokens))


def send(base_url: str, transport: httpx.BaseTransport | None, case: str) -> dict[str, Any]:
    method, path, params, auth, _ = CASES[case]
    with httpx.Client(base_url=base_url, transport=transport, auth=AUTH[auth]) as http:
        response = http.request(method, path, params=params)
    headers = {k: response.headers.get(k) for k in ("content-type", "retry-after")}
    headers["allow"] = sorted(response.headers.get("allow", "").split(", "))  # Starlette's order follows a set's
    body = response.json() if response.content and "json" in (headers["content-type"] or "") else response.text
    if isinstance(body, dict) and "request_id" in body:  # the gateway's shape: the request's own ID, random
        assert body.pop("request_id") == response.headers["x-request-id"]
    return {"status": response.status_code, "headers": headers, "body": body}


@pytest.mark.parametrize("case", CASES)
def test_the_same_request_gets_the_same_answer(served: Emulator, case: str) -> None:
    transport, fault = like(served), CASES[case][4]
    for state in (served.state, transport.state):
        if fault is not None:
            state.faults.add(fault, 1)
    logged = len(served.requests)
    assert send(URL, transport, case) == send(served.url, None, case)
    served_log = list(served.requests)[logged:] if len(served.requests) > logged else []
    assert [(r.method, r.path, r.project, r.status) for r in transport.state.requests] == [
        (r.method, r.path, r.project, r.status) for r in served_log
    ]


def test_a_request_waits_in_flight_for_its_delay_and_the_emulators_latency() -> None:
    transport = EmulatorTransport()
    transport.state.latency = 0.05
    transport.state.faults.add(Fault("delay", seconds=0.3), 1)
    started = time.perf_counter()
    with ImsClient(endpoint=URL, transport=transport) as ims:
        asking = threading.Thread(target=ims.list_images, kwargs={"imagetype": "gold", "max_results": 1})
        asking.start()
        while transport.state.in_flight == 0 and asking.is_alive():
            time.sleep(0.005)
        assert transport.state.in_flight == 1 and transport.state.requests[0].status is None  # being answered
        asking.join()
    assert time.perf_counter() - started >= 0.35
    assert (transport.state.in_flight, transport.state.peak_in_flight, transport.state.requests[0].status) == (
        0,
        1,
        200,
    )


def test_a_client_chooses_through_the_transport_and_retries_a_dropped_answer() -> None:
    from pulumi_cloudimages.choice.arguments import split_arguments
    from pulumi_cloudimages.choice.selection import choose

    transport = EmulatorTransport()  # the bundled sample catalog, open: as `--emulator` uses it
    query, selection, _ = split_arguments({"imagetype": "gold", "platform": "Ubuntu", "most_recent": True})
    with ImsClient(endpoint=URL, transport=transport, backoff=0) as ims:
        chosen = choose(query, selection, ims).image
        assert chosen is not None and chosen.platform == "Ubuntu"
        transport.state.faults.add(Fault("drop"), 1)
        assert ims.list_images(id=chosen.id) == [chosen]  # the dropped answer was retried
    assert len(transport.state.requests) == 3  # the choice's listing, the dropped answer and its retry


def test_a_truncated_answer_is_a_transport_error_once_retries_run_out() -> None:
    transport = EmulatorTransport()
    transport.state.faults.add(Fault("truncated"), 1)
    with ImsClient(endpoint=URL, transport=transport, max_retries=0) as ims, pytest.raises(TransportError):
        ims.list_images(imagetype="gold")
