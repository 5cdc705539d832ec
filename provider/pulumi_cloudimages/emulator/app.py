"""The emulator's ASGI application (Starlette): `GET /v2/cloudimages` and the IAM project lookup."""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from .catalog import Catalog, StoredImage
from .faults import Fault, FaultQueue
from .filters import BadParameter, Listing, parse_listing
from .signature import SignatureRejected, check_signature

_RESULT_CACHE_SIZE = 64


@dataclass(frozen=True)
class Credential:
    """An access key pair the emulator accepts; `project_id` is what the IAM lookup answers for it."""

    access_key: str
    secret_key: str
    project_id: str | None = None

    @classmethod
    def parse(cls, text: str) -> Credential:
        """`AK:SK` or `AK:SK:PROJECT_ID`."""
        parts = text.split(":")
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"expected AK:SK or AK:SK:PROJECT_ID, got {len(parts)} part(s)")
        return cls(*parts)

    def __repr__(self) -> str:
        return f"Credential(access_key={self.access_key!r}, secret_key=***, project_id={self.project_id!r})"


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    params: dict[str, str]


@dataclass
class EmulatorState:
    """What the application serves and how: the catalog, who may call, faults, and a log of requests."""

    catalog: Catalog
    credentials: tuple[Credential, ...] = ()
    tokens: Mapping[str, str] = field(default_factory=dict)  # token -> project ID
    latency: float = 0.0
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    faults: FaultQueue = field(default_factory=FaultQueue)
    requests: list[RecordedRequest] = field(default_factory=list)
    in_flight: int = 0  # requests being answered now, and the most at once: to see that clients overlap
    peak_in_flight: int = 0
    _results: OrderedDict[tuple[Any, ...], Result] = field(default_factory=OrderedDict)

    @property
    def open(self) -> bool:
        """With no credentials and no tokens, anyone may call, naming a project in `X-Project-Id`."""
        return not self.credentials and not self.tokens

    def replace_catalog(self, catalog: Catalog) -> None:
        """Serve `catalog` from the next request on; the query results kept for paging go with the old one."""
        self.catalog, self._results = catalog, OrderedDict()

    def results(self, project: str | None, params: Mapping[str, str], listing: Listing) -> Result:
        """The filtered, sorted result of a query, kept for the pages that follow it."""
        key = (project, tuple(sorted((k, v) for k, v in params.items() if k not in ("marker", "limit"))))
        found = self._results.get(key)
        if found is None:
            images = [image for image in self.catalog.visible_to(project) if all(t(image) for t in listing.tests)]
            images.sort(key=_sort_key(listing.sort_key), reverse=listing.descending)
            found = self._results[key] = Result(images)
            if len(self._results) > _RESULT_CACHE_SIZE:
                self._results.popitem(last=False)
        return found


class Result:
    """A query's images in order, and where each stands (for markers)."""

    def __init__(self, images: list[StoredImage]) -> None:
        self.images = images
        self._position = {image.id: index for index, image in enumerate(images)}

    def page(self, marker: str | None, limit: int) -> list[StoredImage]:
        start = 0
        if marker is not None:
            if marker not in self._position:
                raise BadParameter("IMG.0027", f"The image {marker} does not exist.")
            start = self._position[marker] + 1
        return self.images[start : start + limit]


def _sort_key(name: str) -> Callable[[StoredImage], tuple[Any, ...]]:
    # Ties are broken by id in the same direction, so pages are stable; missing values sort first.
    def key(image: StoredImage) -> tuple[Any, ...]:
        value = image.created if name == "created_at" else image.fields.get(name)
        return (value is not None, 0 if value is None else value, image.id)

    return key


class Unauthorized(Exception):
    pass


def create_app(state: EmulatorState) -> Starlette:
    async def list_images(request: Request) -> Response:
        state.in_flight += 1
        state.peak_in_flight = max(state.peak_in_flight, state.in_flight)
        try:
            return await answer(request)
        finally:
            state.in_flight -= 1

    async def answer(request: Request) -> Response:
        request_id = uuid.uuid4().hex
        params = dict(parse_qsl(request.url.query, keep_blank_values=True))
        state.requests.append(RecordedRequest(request.url.path, params))
        fault = state.faults.take()
        if fault is not None and fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
        elif fault is not None:
            return _faulty(fault, request_id)
        if state.latency:
            await asyncio.sleep(state.latency)
        try:
            project = await _authenticate(state, request)
        except Unauthorized as exc:
            return _gateway_error(str(exc), request_id)
        try:
            listing = parse_listing(params, state.catalog, project)
            page = state.results(project, params, listing).page(listing.marker, listing.limit)
        except BadParameter as exc:
            return _ims_error(400, exc.code, exc.message, request_id)
        body = b'{"images":[' + b",".join(image.body for image in page) + b"]}"
        return Response(body, media_type="application/json", headers={"X-Request-Id": request_id})

    async def projects(request: Request) -> Response:
        """The IAM lookup: the project of the calling access key, if it is named `name`'s region."""
        request_id = uuid.uuid4().hex
        state.requests.append(RecordedRequest(request.url.path, dict(request.query_params)))
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
            return _gateway_error(f"Incorrect IAM authentication information: {exc}", request_id)
        project = next(c.project_id for c in state.credentials if c.access_key == access_key)
        name = request.query_params.get("name")
        found = [{"id": project, "name": name}] if project and name else []
        return JSONResponse({"projects": found}, headers={"X-Request-Id": request_id})

    return Starlette(routes=[Route("/v2/cloudimages", list_images), Route("/v3/projects", projects)])


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


def _ims_error(status: int, code: str, message: str, request_id: str, **headers: str) -> Response:
    body = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers={"X-Request-Id": request_id, **headers})


def _gateway_error(message: str, request_id: str) -> Response:
    body = {"error_code": "APIGW.0301", "error_msg": message, "request_id": request_id}
    return JSONResponse(body, status_code=401, headers={"X-Request-Id": request_id})


def _faulty(fault: Fault, request_id: str) -> Response:
    if fault.kind == "status":
        extra = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
        return _ims_error(fault.status, f"IMG.{fault.status}", "Injected fault.", request_id, **extra)
    if fault.kind == "html":
        page = (
            f"<html><head><title>{fault.status}</title></head><body><h1>{fault.status} Bad Gateway</h1></body></html>"
        )
        return Response(page, status_code=fault.status, media_type="text/html", headers={"X-Request-Id": request_id})
    body = b'{"images":[{"id":"a","name":"cut short"},{"id":"b","name":"never finished"}]}'
    return _BrokenResponse(body, sent=len(body) // 2 if fault.kind == "truncated" else 0, request_id=request_id)


class ConnectionDropped(Exception):
    """Raised after a partial answer, so the server closes the connection mid-response."""


class _BrokenResponse(Response):
    def __init__(self, body: bytes, *, sent: int, request_id: str) -> None:
        super().__init__(body, media_type="application/json", headers={"X-Request-Id": request_id})
        self._sent = sent

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        if self._sent:
            await send({"type": "http.response.body", "body": self.body[: self._sent], "more_body": True})
        raise ConnectionDropped
