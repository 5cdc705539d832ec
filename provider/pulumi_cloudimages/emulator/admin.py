"""The admin API under `/_emulator/`: unsigned, so that any tool (a shell script, a TypeScript test, the
official SDK's tests) can drive the emulator as the in-process `Emulator` does, through the same state.

- `GET /_emulator/health` -> `{"status": "ok", "images": N}`
- `GET /_emulator/requests` -> the request log, oldest first; `DELETE` clears it
- `POST /_emulator/faults` `{"kind": "503", "times": 2, ...}` queues faults; `DELETE` clears them
- `PUT /_emulator/catalog` with a catalog document replaces the catalog, or answers 400 and keeps the old one
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .answers import ims_error
from .catalog import Catalog, CatalogError
from .faults import Fault

if TYPE_CHECKING:
    from .app import EmulatorState


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
            return ims_error(400, "IMG.0001", f"POST /_emulator/faults: {exc}")
        state.faults.add(fault, times)
        return JSONResponse({"queued": len(state.faults)}, status_code=201)

    async def catalog(request: Request) -> Response:
        document = await request.body()
        try:  # parsed off the event loop: a large catalog takes seconds, and requests keep being answered
            replacement = await run_in_threadpool(Catalog.from_json, document, "PUT /_emulator/catalog")
        except CatalogError as exc:
            return ims_error(400, "IMG.0001", str(exc))
        state.replace_catalog(replacement)
        return JSONResponse({"status": "ok", "images": len(replacement)})

    return [
        Route("/_emulator/health", health, methods=["GET"]),
        Route("/_emulator/requests", requests, methods=["GET", "DELETE"]),
        Route("/_emulator/faults", faults, methods=["POST", "DELETE"]),
        Route("/_emulator/catalog", catalog, methods=["PUT"]),
    ]
