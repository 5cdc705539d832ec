"""The admin API under `/_emulator/`: unsigned, so that any tool (a shell script, a TypeScript test, the
official SDK's tests) can drive the emulator as the in-process `Emulator` does, through the same state.

- `GET /_emulator/health` -> `{"status": "ok", "images": N}`
- `GET /_emulator/requests` -> the request log, oldest first; `DELETE` clears it
- `POST /_emulator/faults` `{"kind": "503", "times": 2, ...}` queues faults; `DELETE` clears them
- `PUT /_emulator/catalog` with a catalog document replaces the catalog, or answers 400 and keeps the old one

Being unsigned, it defends itself against web pages the user happens to open: it answers only requests
addressed to `localhost` or to the address the emulator listens on (a page on a name of its own that
resolves here, DNS rebinding, is refused), and takes bodies only as `Content-Type: application/json`,
which a page of another origin may send only after a CORS preflight, and the emulator grants none.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .answers import ims_error
from .catalog import NESTED_TOO_DEEP, Catalog, CatalogError
from .faults import Fault
from .state import EmulatorState
from .web import as_response

Endpoint = Callable[[Request], Awaitable[Response]]


def admin_routes(state: EmulatorState) -> list[Route]:
    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "images": len(state.catalog)})

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            state.requests.clear()
            return Response(status_code=204)
        return JSONResponse([entry.to_json() for entry in state.requests])

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            state.faults.clear()
            return Response(status_code=204)
        try:
            fault, times = Fault.from_document(json.loads(await request.body()))
        except ValueError as exc:  # bad JSON too
            return as_response(ims_error(400, "IMG.0001", f"POST /_emulator/faults: {exc}"))
        except RecursionError:
            return as_response(ims_error(400, "IMG.0001", f"POST /_emulator/faults: not valid JSON: {NESTED_TOO_DEEP}"))
        state.faults.add(fault, times)
        return JSONResponse({"queued": len(state.faults)}, status_code=201)

    async def catalog(request: Request) -> Response:
        document = await request.body()
        try:  # parsed off the event loop: a large catalog takes seconds, and requests keep being answered
            replacement = await run_in_threadpool(Catalog.from_json, document, "PUT /_emulator/catalog")
        except CatalogError as exc:
            return as_response(ims_error(400, "IMG.0001", str(exc)))
        state.replace_catalog(replacement)
        return JSONResponse({"status": "ok", "images": len(replacement)})

    return [
        Route("/_emulator/health", _guarded(health), methods=["GET"]),
        Route("/_emulator/requests", _guarded(requests), methods=["GET", "DELETE"]),
        Route("/_emulator/faults", _guarded(faults), methods=["POST", "DELETE"]),
        Route("/_emulator/catalog", _guarded(catalog), methods=["PUT"]),
    ]


def _guarded(endpoint: Endpoint) -> Endpoint:
    async def guarded(request: Request) -> Response:
        return _refusal(request) or await endpoint(request)

    return guarded


def _refusal(request: Request) -> Response | None:
    """421 for a request addressed to another name than the emulator's own; 415 for a body that is not JSON."""
    where = f"{request.method} {request.scope['path']}"  # not request.url: a malformed Host would break it
    host = request.headers.get("host", "")
    listening = (request.scope.get("server") or ("localhost",))[0]  # the address this connection came in on
    try:
        name = urlsplit(f"//{host}").hostname  # lowercased; the port and an IPv6 address's brackets taken off
    except ValueError:  # "[::1" and the like
        name = None
    if name not in ("localhost", listening):
        return as_response(
            ims_error(
                421,
                "IMG.0001",
                f"{where}: the admin API answers only requests addressed to localhost or "
                f"{listening}, not Host {host!r} (a web page must not reach it under a name of its own)",
            )
        )
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if request.method in ("POST", "PUT") and media_type != "application/json":
        got = request.headers.get("content-type")
        return as_response(
            ims_error(
                415,
                "IMG.0001",
                f"{where}: send the body with Content-Type: application/json "
                f"(got {'no Content-Type' if got is None else repr(got)})",
            )
        )
    return None
