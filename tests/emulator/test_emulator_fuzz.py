"""Property-based fuzzing over HTTP: whatever the query string, its encoding and the headers, the emulator
never answers 500, stays up on the same keep-alive connection, and never shows a project another's image."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulumi_cloudimages.emulator import PROJECT_A, PROJECT_B, Emulator
from pulumi_cloudimages.emulator.sample import sample_data

DATA = sample_data()
IMAGES = {image["id"]: image for image in DATA["images"]}
PROJECTS = [PROJECT_A, PROJECT_B, "0" * 32, ""]
EXAMPLES = 2000

NAMES = ["__imagetype", "__platform", "visibility", "owner", "id", "status", "name", "protected", "__whole_image",
         "min_ram", "min_disk", "tag", "member_status", "flavor_id", "enterprise_project_id", "architecture",
         "created_at", "updated_at", "sort_key", "sort_dir", "limit", "marker", "__support_kvm", "__support_s4l",
         "__os_bit", "container_format", "disk_format", "virtual_env_type", "unknown"]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(["gold", "private", "shared", "Ubuntu", "true", "false", "0", "1", "2048", "40", "x86", "arm",
                     "name", "size", "asc", "desc", "accepted", "role=web", "s6.large.2", "all_granted_eps",
                     "gt:2020-01-01T00:00:00Z", "lte:2025-06-02 09:00:00", "neq:2016-06-01T08:00:00Z",
                     *IMAGES, PROJECT_A, PROJECT_B]),
    st.sampled_from(["²", "١٢", "\uff15", "1e3", "-1", "0x10", " 7", "9" * 5000, "\x00",
                     "gt:\uff12\uff10\uff12\uff10-01-01T00:00:00Z",
                     "gt:", ":", "%", "%zz", "%C2", "%FF", "+", "ü", "\ufffd", "a" * 10_000]),
    st.text(max_size=20),
    st.integers(-10, 2000).map(str),
)  # fmt: skip
ENCODINGS = st.sampled_from(["utf-8", "latin-1", "raw", "plus"])


def _encode(name: str, value: str, how: str) -> str:
    if how == "raw":  # percent signs and all, as a careless client would send them
        return quote(name, safe="%") + "=" + quote(value, safe="%=&")
    if how == "plus":
        return quote(name) + "=" + quote(value, safe=" ").replace(" ", "+")
    return quote(name, encoding=how, errors="replace") + "=" + quote(value, encoding=how, errors="replace")


PRINTABLE_LATIN_1 = st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f")
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "X-Project-Id": st.one_of(st.sampled_from(PROJECTS), st.text(alphabet=PRINTABLE_LATIN_1)),
        "X-Auth-Token": st.sampled_from(["T1", "wrong", ""]),
        "Authorization": st.sampled_from(["SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=" + "0" * 64,
                                          "Bearer x", "SDK-HMAC-SHA256"]),
        "X-Sdk-Date": st.sampled_from(["20260101T000000Z", "yesterday", "²³¹"]),
        "Content-Type": st.sampled_from(["application/json", "text/html; charset=ü"]),
    },
)  # fmt: skip


def _visible(image: dict[str, Any], project: str | None) -> bool:
    return image.get("__isregistered") != "false" and (
        image["visibility"] == "public"
        or (project is not None and image["owner"] == project)
        or project in DATA["members"].get(image["id"], {})
    )


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, tuple[Emulator, http.client.HTTPConnection]]]:
    """An open emulator and one that checks credentials, each with one keep-alive connection."""
    with Emulator() as open_, Emulator(credentials=[f"AK:SK:{PROJECT_A}"], tokens={"T1": PROJECT_B}) as locked:
        found = {}
        for name, emulator in (("open", open_), ("locked", locked)):
            url = urlsplit(emulator.url)
            found[name] = (emulator, http.client.HTTPConnection(url.hostname or "", url.port, timeout=10))
        yield found


def test_no_500_the_connection_stays_up_and_tenants_stay_apart(
    servers: dict[str, tuple[Emulator, http.client.HTTPConnection]],
) -> None:
    sent = []

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(
        server=st.sampled_from(["open", "open", "open", "locked"]),
        pairs=st.lists(st.tuples(st.sampled_from(NAMES), VALUES, ENCODINGS), max_size=6),
        headers=HEADERS,
    )
    def one(server: str, pairs: list[tuple[str, str, str]], headers: dict[str, str]) -> None:
        emulator, connection = servers[server]
        query = "&".join(_encode(name, value, how) for name, value, how in pairs)
        encoded = {k: v.encode("latin-1") for k, v in headers.items()}
        connection.request("GET", "/v2/cloudimages?" + query, headers=encoded)  # type: ignore[arg-type]
        response = connection.getresponse()  # raises if the previous request broke the connection
        body = response.read()
        sent.append(response.status)
        assert response.status in (200, 400, 401), (query, headers, body[:300])
        assert response.getheader("X-Request-Id")
        answer = json.loads(body)
        if response.status == 200:
            project = emulator.requests[-1].project
            leaked = [i["id"] for i in answer["images"] if not _visible(IMAGES[i["id"]], project)]
            assert leaked == [], (query, project)
        elif response.status == 400:
            assert answer["error"]["code"].startswith("IMG.") and answer["error"]["message"]

    one()
    assert len(sent) >= EXAMPLES
    assert {200, 400, 401} <= set(sent)  # the inputs reached every kind of answer
