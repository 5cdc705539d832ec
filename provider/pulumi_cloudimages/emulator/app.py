"""The emulator's ASGI application (Starlette): `GET /v2/cloudimages` and the IAM project lookup."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from .admin import admin_routes
from .answers import gateway_error, ims_error
from .faults import Fault
from .filters import BadParameter, parse_listing
from .signature import SignatureRejected, check_signature
from .state import EmulatorState, RecordedRequest


class Unauthorized(Exception):
    pass


def create_app(state: EmulatorState) -> Starlette:
    def logged(answer: Callable[[Request, RecordedRequest], Awaitable[Response]]) -> Callable[..., Any]:
        """The endpoint `answer` makes, each request recorded with the status it was answered."""

        async def endpoint(request: Request) -> Response:
            project = request.headers.get("x-project-id")
            entry = RecordedRequest(request.method, request.url.path, request.url.query, project)
            state.requests.append(entry)
            response = await answer(request, entry)
            entry.status = response.status_code
            return response

        return endpoint

    async def list_images(request: Request, entry: RecordedRequest) -> Response:
        state.in_flight += 1
        state.peak_in_flight = max(state.peak_in_flight, state.in_flight)
        try:
            return await _list_images(state, request, entry)
        finally:
            state.in_flight -= 1

    async def projects(request: Request, entry: RecordedRequest) -> Response:
        """The IAM lookup: the project of the calling access key, if it is named `name`'s region."""
        request_id = uuid.uuid4().hex
        secrets = {c.access_key: c.secret_key for c in state.credentials}
        try:
            access_key = check_signature(
                method=request.method,
                path=request.url.path,
                raw_query=request.scope["query_string"],
                headers=request.headers,
                body=await request.body(),
                secrets=secrets,
                now=state.clock(),
            )
        except SignatureRejected as exc:
            return gateway_error(f"Incorrect IAM authentication information: {exc}", request_id)
        project = next(c.project_id for c in state.credentials if c.access_key == access_key)
        name = request.query_params.get("name")
        found = [{"id": project, "name": name}] if project and name else []
        return JSONResponse({"projects": found}, headers={"X-Request-Id": request_id})

    routes = [Route("/v2/cloudimages", logged(list_images)), Route("/v3/projects", logged(projects))]
    return Starlette(routes=routes + admin_routes(state))


async def _list_images(state: EmulatorState, request: Request, entry: RecordedRequest) -> Response:
    request_id = uuid.uuid4().hex
    catalog = state.catalog  # a request is answered from one catalog, even if it is replaced meanwhile
    fault = state.faults.take()
    if fault is not None and fault.kind == "delay":
        await asyncio.sleep(fault.seconds)
    elif fault is not None:
        return _faulty(fault, request_id)
    if state.latency:
        await asyncio.sleep(state.latency)
    try:
        entry.project = await _authenticate(state, request)
    except Unauthorized as exc:
        return gateway_error(str(exc), request_id)
    try:
        page = catalog.select(parse_listing(entry.params), entry.project)
    except BadParameter as exc:
        return ims_error(400, exc.code, exc.message, request_id)
    body = b'{"images":[' + b",".join(page) + b"]}"
    return Response(body, media_type="application/json", headers={"X-Request-Id": request_id})


async def _authenticate(state: EmulatorState, request: Request) -> str | None:
    """The caller's project: from its token, or from `X-Project-Id` on a correctly signed request."""
    headers = request.headers
    project = headers.get("x-project-id")
    if state.open:
        return project
    if "x-auth-token" in headers:
        token_project = state.tokens.get(headers["x-auth-token"])
        if token_project is None:
            raise Unauthorized("Incorrect IAM authentication information: the token is unknown or expired")
        return token_project
    try:
        access_key = check_signature(
            method=request.method,
            path=request.url.path,
            raw_query=request.scope["query_string"],
            headers=headers,
            body=await request.body(),
            secrets={c.access_key: c.secret_key for c in state.credentials},
            now=state.clock(),
        )
    except SignatureRejected as exc:
        raise Unauthorized(f"Incorrect IAM authentication information: {exc}") from None
    if not project:
        raise Unauthorized("Incorrect IAM authentication information: X-Project-Id is missing")
    owner = next(c.project_id for c in state.credentials if c.access_key == access_key)
    if owner is not None and owner != project:
        raise Unauthorized(f"Incorrect IAM authentication information: the key does not belong to project {project}")
    return project


def _faulty(fault: Fault, request_id: str) -> Response:
    if fault.kind == "status":
        extra = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
        return ims_error(fault.status, f"IMG.{fault.status}", "Injected fault.", request_id, **extra)
    if fault.kind == "html":
        page = (
            f"<html><head><title>{fault.status}</title></head><body><h1>{fault.status} Bad Gateway</h1></body></html>"
        )
        return Response(page, status_code=fault.status, media_type="text/html", headers={"X-Request-Id": request_id})
    body = b'{"images":[{"id":"a","name":"cut short"},{"id":"b","name":"never finished"}]}'
    sent = len(body) // 2 if fault.kind == "truncated" else 0
    return _BrokenResponse(body, sent=sent, request_id=request_id, kind=fault.kind)


class ConnectionDropped(Exception):
    """Raised after a partial answer, so the server closes the connection mid-response (its message is the one
    line the server logs: see `server.py`)."""


class _BrokenResponse(Response):
    def __init__(self, body: bytes, *, sent: int, request_id: str, kind: str) -> None:
        super().__init__(body, media_type="application/json", headers={"X-Request-Id": request_id})
        self._sent = sent
        self._kind = kind

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        if self._sent:
            await send({"type": "http.response.body", "body": self.body[: self._sent], "more_body": True})
        raise ConnectionDropped(
            f"injected {self._kind} fault: connection closed after the headers and {self._sent} bytes of the body "
            f"(request {self.headers['X-Request-Id']})"
        )
