"""The admin API under /_emulator/, over HTTP as any tool would drive it, and the bounded request log."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from pulumi_cloudimages.emulator import PROJECT_A, Emulator
from pulumi_cloudimages.emulator.sample import sample_data

IMAGES = sample_data()["images"]
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def http(ims_emulator: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=ims_emulator.url) as client:
        yield client


def test_health(http: httpx.Client) -> None:
    assert http.get("/_emulator/health").json() == {"status": "ok", "images": len(IMAGES)}


def test_the_request_log_oldest_first_then_cleared(http: httpx.Client) -> None:
    http.get("/v2/cloudimages", params={"__platform": "Fedora", "limit": "2"}, headers={"X-Project-Id": PROJECT_A})
    http.get("/v2/cloudimages?limit=%C2%B2")
    log = http.get("/_emulator/requests").json()
    assert log == [
        {"method": "GET", "path": "/v2/cloudimages", "query": "__platform=Fedora&limit=2", "project": PROJECT_A,
         "status": 200},
        {"method": "GET", "path": "/v2/cloudimages", "query": "limit=%C2%B2", "project": None, "status": 400},
    ]  # fmt: skip
    assert http.delete("/_emulator/requests").status_code == 204
    assert http.get("/_emulator/requests").json() == []


def test_the_log_keeps_the_last_n() -> None:
    with Emulator(log_size=3) as emulator, httpx.Client(base_url=emulator.url) as http:
        for n in range(1, 6):
            http.get("/v2/cloudimages", params={"limit": str(n)})
        assert [entry["query"] for entry in http.get("/_emulator/requests").json()] == ["limit=3", "limit=4", "limit=5"]
        assert len(emulator.requests) == 3 and emulator.requests[-1].params == {"limit": "5"}


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        (
            {"kind": "429", "times": 2, "retry_after": 7},
            lambda r: r.status_code == 429 and r.headers["Retry-After"] == "7",
        ),
        ({"kind": "503", "times": 2}, lambda r: r.status_code == 503 and r.json()["error"]["code"] == "IMG.503"),
        ({"kind": "html", "times": 2, "status": 504}, lambda r: r.status_code == 504 and "<html>" in r.text),
    ],
)
def test_faults_queued_over_http(http: httpx.Client, fault: dict[str, object], check: object) -> None:
    assert http.post("/_emulator/faults", json=fault).status_code == 201
    answers = [http.get("/v2/cloudimages", params={"limit": "1"}) for _ in range(3)]
    assert all(check(r) for r in answers[:2]) and answers[2].status_code == 200  # type: ignore[operator]


def test_broken_answers_and_clearing_faults(ims_emulator: Emulator, http: httpx.Client) -> None:
    http.post("/_emulator/faults", json={"kind": "truncated"})
    with pytest.raises(httpx.RemoteProtocolError):
        http.get("/v2/cloudimages")
    http.post("/_emulator/faults", json={"kind": "drop"})
    with pytest.raises(httpx.RemoteProtocolError):
        http.get("/v2/cloudimages")
    http.post("/_emulator/faults", json={"kind": "delay", "seconds": 0.3})
    assert http.get("/v2/cloudimages", params={"limit": "1"}).elapsed.total_seconds() >= 0.3
    http.post("/_emulator/faults", json={"kind": "500", "times": 5})
    assert http.delete("/_emulator/faults").status_code == 204
    assert http.get("/v2/cloudimages", params={"limit": "1"}).status_code == 200
    assert [r.status for r in ims_emulator.requests] == [200, 200, 200, 200]  # the status lines sent


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"kind": "404"}, "kind '404' is not one of 429, 500"),
        ({"kind": "503", "times": 0}, "times 0"),
        ({"kind": "503", "times": "2"}, "times '2'"),
        ({"kind": "503", "seconds": 1}, "seconds is not an option of a 503 fault"),
        ({"kind": "delay", "seconds": "long"}, "seconds 'long' is not a number"),
        ({"kind": "html", "status": 200}, "fault status 200"),
        ([], "expected a JSON object"),
    ],
)
def test_bad_faults_are_400_naming_the_field(http: httpx.Client, body: object, named: str) -> None:
    response = http.post("/_emulator/faults", json=body)
    assert response.status_code == 400 and named in response.json()["error"]["message"]
    assert http.post("/_emulator/faults", content=b"{not json", headers=JSON).status_code == 400


def test_the_catalog_is_replaced_atomically_or_not_at_all(http: httpx.Client) -> None:
    fedora = [i for i in IMAGES if i.get("__platform") == "Fedora"]
    bad = {"images": [*fedora, {"id": "x", "min_disk": "big"}]}
    refused = http.put("/_emulator/catalog", content=json.dumps(bad), headers=JSON)
    assert refused.status_code == 400
    assert "image #4 (x): field min_disk" in refused.json()["error"]["message"]
    assert http.get("/_emulator/health").json()["images"] == len(IMAGES)  # the old one still in service
    assert http.put("/_emulator/catalog", json={"images": fedora}).json()["images"] == 4
    listed = http.get("/v2/cloudimages").json()["images"]
    assert sorted(i["name"] for i in listed) == sorted(i["name"] for i in fedora)


def test_typed_catalog_values_are_what_is_served_filtered_and_sorted(http: httpx.Client) -> None:
    images = [{"id": f"img-{n}", "visibility": "public", "size": size, "min_ram": ram}
              for n, (size, ram) in enumerate([("123", "2048"), (45, 1024), ("7", "2048")])]  # fmt: skip
    assert http.put("/_emulator/catalog", json={"images": images}).status_code == 200
    by_size = http.get("/v2/cloudimages", params={"sort_key": "size", "sort_dir": "asc"}).json()["images"]
    assert [(i["id"], i["size"]) for i in by_size] == [("img-2", 7), ("img-1", 45), ("img-0", 123)]
    ram = http.get("/v2/cloudimages", params={"min_ram": "2048"}).json()["images"]
    assert sorted(i["id"] for i in ram) == ["img-0", "img-2"]


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/_emulator/faults", _nested(100_000)),
        ("PUT", "/_emulator/catalog", b'{"images": ' + _nested(100_000) + b"}"),
        ("PUT", "/_emulator/catalog", b'{"images": [{"id": "a", "deep": ' + _nested(100_000) + b"}]}"),
        ("PUT", "/_emulator/catalog", b'{"images": [], "members": ' + _nested(100_000) + b"}"),
        ("PUT", "/_emulator/catalog", b'{"images": [{"id": "a", "deep": ' + _nested(300) + b"}]}"),  # read, not served
    ],
)
def test_json_nested_too_deep_is_a_400(http: httpx.Client, method: str, path: str, body: bytes) -> None:
    response = http.request(method, path, content=body, headers=JSON)
    assert response.status_code == 400
    assert "nested too deep" in response.json()["error"]["message"]
    assert http.get("/_emulator/health").json()["images"] == len(IMAGES)  # still serving the old catalog


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("__support_kvm", 1),  # named by the response model
        ("__whole_image", 0),  # not named by it
        ("__support_s4l", 1.5),  # named by no one
        ("__isregistered", 0),
        ("__support_kvm", ["true"]),
        ("__whole_image", {"value": True}),
    ],
)
def test_every_flag_is_a_string_or_a_boolean(http: httpx.Client, flag: str, value: object) -> None:
    refused = http.put("/_emulator/catalog", json={"images": [{"id": "a", flag: value}]})
    assert refused.status_code == 400
    message = refused.json()["error"]["message"]
    assert f"image #0 (a): field {flag}: expected a string or a boolean (got {value!r})" in message


@pytest.mark.parametrize(("flag", "value"), [("__support_kvm", "yes"), ("__whole_image", "1"), ("__isregistered", "0")])
def test_a_true_false_flag_is_not_read_from_other_words(http: httpx.Client, flag: str, value: str) -> None:
    refused = http.put("/_emulator/catalog", json={"images": [{"id": "a", flag: value}]})
    assert refused.status_code == 400
    assert f"image #0 (a): field {flag}: expected true or false (got {value!r})" in refused.json()["error"]["message"]


def test_flags_written_as_booleans_or_strings_match_alike(http: httpx.Client) -> None:
    images = [
        {"id": "a", "visibility": "public", "__support_kvm": True, "__whole_image": True, "__support_s4l": "true"},
        {"id": "b", "visibility": "public", "__support_kvm": "false", "__whole_image": False, "__support_s4l": False},
    ]
    assert http.put("/_emulator/catalog", json={"images": images}).status_code == 200
    for name in ("__support_kvm", "__whole_image", "__support_s4l"):
        found = http.get("/v2/cloudimages", params={name: "true"}).json()["images"]
        assert [i["id"] for i in found] == ["a"], name


def test_the_admin_api_answers_only_its_own_host_names(ims_emulator: Emulator, http: httpx.Client) -> None:
    port = ims_emulator.url.rsplit(":", 1)[1]
    hosts = ("evil.example", f"evil.example:{port}", f"localhost.evil.example:{port}", "127.0.0.1.nip.io", "[::1")
    for host in hosts:
        for method, path in [("GET", "/_emulator/requests"), ("POST", "/_emulator/faults")]:
            answer = http.request(method, path, json={"kind": "503"}, headers={"Host": host})
            assert answer.status_code == 421, (host, path)
            assert f"Host {host!r}" in answer.json()["error"]["message"]
    assert http.get("/v2/cloudimages", params={"limit": "1"}).status_code == 200  # no fault was queued
    for host in (f"localhost:{port}", "LOCALHOST", f"127.0.0.1:{port}", "127.0.0.1"):
        assert http.get("/_emulator/health", headers={"Host": host}).status_code == 200, host
    # The image API itself is not guarded: a gateway answers whatever name it is reached by.
    assert http.get("/v2/cloudimages", params={"limit": "1"}, headers={"Host": "ims.example"}).status_code == 200


@pytest.mark.parametrize(
    "content_type", [None, "application/x-www-form-urlencoded", "text/plain", "multipart/form-data"]
)
def test_admin_writes_take_only_json(http: httpx.Client, content_type: str | None) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    body = json.dumps({"kind": "503"}).encode()  # a page's form can send this text under any of these types
    answer = http.post("/_emulator/faults", content=body, headers=headers)
    assert answer.status_code == 415
    assert "Content-Type: application/json" in answer.json()["error"]["message"]
    assert http.get("/v2/cloudimages", params={"limit": "1"}).status_code == 200  # nothing was queued
    catalog = json.dumps({"images": []}).encode()
    assert http.put("/_emulator/catalog", content=catalog, headers=headers).status_code == 415
    assert http.get("/_emulator/health").json()["images"] == len(IMAGES)
    charset = {"Content-Type": "application/json; charset=utf-8"}
    assert http.post("/_emulator/faults", content=body, headers=charset).status_code == 201
