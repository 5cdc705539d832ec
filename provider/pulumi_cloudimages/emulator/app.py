"""The emulator's ASGI application (Starlette): the service's paths (`service.py`) and the admin API."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .admin import admin_routes
from .service import PATHS, Call, answering
from .state import EmulatorState
from .web import as_response


def create_app(state: EmulatorState) -> Starlette:
    async def endpoint(request: Request) -> Response:
        call = Call(request.method, request.url.path, request.scope["query_string"], request.headers,
                    await request.body())  # fmt: skip
        with answering(state, call) as answered:
            assert answered is not None  # routed here by its path
            await asyncio.sleep(answered.wait)  # without holding up the other requests
        return as_response(answered)

    routes = [Route(path, endpoint) for path in PATHS]  # GET and HEAD, Starlette's default
    return Starlette(routes=routes + admin_routes(state))
