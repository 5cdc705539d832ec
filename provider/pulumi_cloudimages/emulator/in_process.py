"""The emulator answering an httpx client in the client's own process, with no port and no web server: for
`cloudimages list|get|latest --emulator`, whose one or two requests would wait longer for a server to load and
start than to be answered. The answers are the service's own (`service.py`), as behind a port."""

from __future__ import annotations

import time

import httpx

from .sample import sample_catalog
from .service import PATHS, Call, answering
from .state import EmulatorState

URL = "http://emulator.invalid"  # a name reserved never to resolve (RFC 2606): nothing is sent anywhere


class EmulatorTransport(httpx.BaseTransport):
    """What an `ImsClient(transport=...)` sends to: the emulator of `state` (default: the sample catalog, open),
    its service's paths only (no admin API: the caller holds `state`)."""

    def __init__(self, state: EmulatorState | None = None) -> None:
        self.state = state or EmulatorState(catalog=sample_catalog())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # What has no route is answered as Starlette answers it behind a port.
        if request.url.path not in PATHS:
            return httpx.Response(404, text="Not Found")
        if request.method not in ("GET", "HEAD"):
            return httpx.Response(405, text="Method Not Allowed", headers={"Allow": "HEAD, GET"})
        call = Call(request.method, request.url.path, request.url.query, request.headers, request.read())
        with answering(self.state, call) as answered:
            assert answered is not None  # one of the service's paths
            time.sleep(answered.wait)
        if answered.cut_after is not None:
            raise httpx.RemoteProtocolError("the connection closed mid-answer (an injected fault)", request=request)
        headers = {**answered.headers, "Content-Type": answered.media_type}
        body = b"" if request.method == "HEAD" else answered.body
        return httpx.Response(answered.status, headers=headers, content=body)
