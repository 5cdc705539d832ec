"""The in-process emulator (`cloudimages ... --emulator`) answers what the served one answers: the same bodies,
statuses and error shapes for the same requests, signed or not, and the same faults, through an `ImsClient`'s
transport instead of a port."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pulumi_cloudimages import InvalidResponseError, SignatureAuth, TransportError
from pulumi_cloudimages.emulator import PROJECT_A, Emulator, Fault
from pulumi_cloudimages.emulator.in_process import URL, EmulatorTransport
from pulumi_cloudimages.ims.client import ImsClient

AK, SK = "AKEXAMPLE", "SK-EXAMPLE-SECRET"
QUERIES = [
    {"__imagetype": "gold", "__platform": "Ubuntu", "limit": "3"},
    {"__imagetype": "gold", "sort_key": "name", "sort_dir": "asc", "limit": "4", "marker": ""},
    {"tag": "role=web", "__imagetype": "private"},
    {"created_at": "gt:2024-01-01T00:00:00Z", "__os_type": "Linux", "limit": "2"},
    {"__imagetype": "golden"},  # refused: 400 in IMS's shape
    {"limit": "0"},
    {"__support_kvm": "true", "flavor_id": "kc1.large.2"},
]


@pytest.fixture(scope="module")
def served() -> Iterator[Emulator]:
    with Emulator(credentials=[f"{AK}:{SK}:{PROJECT_A}"]) as emulator:
        yield emulator


def in_process(emulator: Emulator) -> EmulatorTransport:
    """A transport over a state like `emulator`'s (the same catalog and credentials), with its own request log."""
    state = emulator.state
    return EmulatorTransport(type(state)(catalog=state.catalog, credentials=state.credentials, tokens=state.tokens))


def answers(base_url: str, transport: httpx.BaseTransport | None, params: dict[str, str]) -> tuple[int, object]:
    auth = SignatureAuth(AK, SK, project=PROJECT_A)
    with httpx.Client(base_url=base_url, transport=transport, auth=auth) as http:
        response = http.get("/v2/cloudimages", params={k: v for k, v in params.items() if v})
    assert response.headers["content-type"] == "application/json" and response.headers["x-request-id"]
    return response.status_code, response.json()


@pytest.mark.parametrize("params", QUERIES, ids=str)
def test_the_same_request_gets_the_same_answer(served: Emulator, params: dict[str, str]) -> None:
    transport = in_process(served)
    assert answers(URL, transport, params) == answers(served.url, None, params)
    assert [(r.path, r.project, r.status) for r in transport.state.requests] == [
        (r.path, r.project, r.status) for r in list(served.requests)[-1:]
    ]


def test_a_bad_signature_is_refused_in_the_gateways_shape(served: Emulator) -> None:
    transport = in_process(served)
    for base_url, sent_through in ((URL, transport), (served.url, None)):
        with httpx.Client(
            base_url=base_url, transport=sent_through, auth=SignatureAuth(AK, "wrong", project=PROJECT_A)
        ) as http:
            response = http.get("/v2/cloudimages")
        assert response.status_code == 401 and response.json()["error_code"] == "APIGW.0301"


def test_a_client_through_the_transport_lists_chooses_and_retries() -> None:
    transport = EmulatorTransport()  # the bundled sample catalog, open: as `--emulator` uses it
    with ImsClient(endpoint=URL, transport=transport, backoff=0) as ims:
        gold = ims.list_images(imagetype="gold", platform="Ubuntu")
        assert gold and {image.platform for image in gold} == {"Ubuntu"}
        transport.state.faults.add(Fault("drop"), 1)
        assert ims.list_images(id=gold[0].id) == [gold[0]]  # the dropped answer was retried
    assert len(transport.state.requests) == 3  # the listing, the dropped answer and its retry


def test_a_truncated_answer_is_a_transport_error_once_retries_run_out() -> None:
    transport = EmulatorTransport()
    transport.state.faults.add(Fault("truncated"), 1)
    with (
        ImsClient(endpoint=URL, transport=transport, backoff=0, max_retries=0) as ims,
        pytest.raises((TransportError, InvalidResponseError)),
    ):
        ims.list_images(imagetype="gold")
