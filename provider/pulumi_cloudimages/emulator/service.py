"""The emulated service, with no web framework: `answering(state, call)` gives the `Answer` to a request of
`GET /v2/cloudimages` or of the IAM project lookup, with the faults queued and the caller's checks (signature,
token, project). `app.py` serves it through Starlette behind a port; `in_process.py` answers an httpx client
with it directly."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace

from .answers import Answer, gateway_error, ims_error, json_answer
from .faults import Fault
from .filters import BadParameter, parse_listing
from .signature import SignatureRejected, check_signature
from .state import EmulatorState, RecordedRequest


@dataclass(frozen=True)
class Call:
    """A request as the service reads it: the raw query string (signatures cover it as sent), and the headers
    by lower-case name."""

    method: str
    path: str
    query: bytes
    headers: Mapping[str, str]
    body: bytes = b""


class Unauthorized(Exception):
    pass


@contextlib.contextmanager
def answering(state: EmulatorState, call: Call) -> Iterator[Answer | None]:
    """The answer to `call` (None: not a path of the service), for the time it is made and waited for: counted
    in flight (so that tests see clients overlap), then its status written in the request log."""
    route = PATHS.get(call.path)
    if route is None:
        yield None
        return
    entry = RecordedRequest(call.method, call.path, call.query.decode("latin-1"), call.headers.get("x-project-id"))
    state.requests.append(entry)
    state.in_flight += 1
    state.peak_in_flight = max(state.peak_in_flight, state.in_flight)
    try:
        answered = route(state, call, entry)
        yield answered
    finally:
        state.in_flight -= 1
    entry.status = answered.status


def _list_images(state: EmulatorState, call: Call, entry: RecordedRequest) -> Answer:
    request_id = uuid.uuid4().hex
    fault = state.faults.take()
    if fault is not None and fault.kind != "delay":
        return _faulty(fault, request_id)
    wait = state.latency + (fault.seconds if fault is not None else 0.0)
    return replace(_listing(state, call, entry, request_id), wait=wait)


def _listing(state: EmulatorState, call: Call, entry: RecordedRequest, request_id: str) -> Answer:
    catalog = state.catalog  # a request is answered from one catalog, even if it is replaced meanwhile
    try:
        entry.project = _authenticate(state, call)
    except Unauthorized as exc:
        return gateway_error(str(exc), request_id)
    try:
        page = catalog.select(parse_listing(entry.params), entry.project)
    except BadParameter as exc:
        return ims_error(400, exc.code, exc.message, request_id)
    body = b'{"images":[' + b",".join(page) + b"]}"
    return Answer(200, body, {"X-Request-Id": request_id})


def _projects(state: EmulatorState, call: Call, entry: RecordedRequest) -> Answer:
    """The IAM lookup: the project of the calling access key, if it is named `name`'s region."""
    request_id = uuid.uuid4().hex
    try:
        access_key = _signed_by(state, call)
    except SignatureRejected as exc:
        return gateway_error(f"Incorrect IAM authentication information: {exc}", request_id)
    project = next(c.project_id for c in state.credentials if c.access_key == access_key)
    name = entry.params.get("name")
    found = [{"id": project, "name": name}] if project and name else []
    return json_answer({"projects": found}, request_id)


# The service's paths (GET and HEAD), and what answers each.
PATHS: dict[str, Callable[[EmulatorState, Call, RecordedRequest], Answer]] = {
    "/v2/cloudimages": _list_images,
    "/v3/projects": _projects,
}


def _signed_by(state: EmulatorState, call: Call) -> str:
    return check_signature(
        method=call.method,
        path=call.path,
        raw_query=call.query,
        headers=call.headers,
        body=call.body,
        secrets={c.access_key: c.secret_key for c in state.credentials},
        now=state.clock(),
    )


def _authenticate(state: EmulatorState, call: Call) -> str | None:
    """The caller's project: from its token, or from `X-Project-Id` on a correctly signed request."""
    headers = call.headers
    project = headers.get("x-project-id")
    if state.open:
        return project
    if "x-auth-token" in headers:
        token_project = state.tokens.get(headers["x-auth-token"])
        if token_project is None:
            raise Unauthorized("Incorrect IAM authentication information: the token is unknown or expired")
        return token_project
    try:
        access_key = _signed_by(state, call)
    except SignatureRejected as exc:
        raise Unauthorized(f"Incorrect IAM authentication information: {exc}") from None
    if not project:
        raise Unauthorized("Incorrect IAM authentication information: X-Project-Id is missing")
    owner = next(c.project_id for c in state.credentials if c.access_key == access_key)
    if owner is not None and owner != project:
        raise Unauthorized(f"Incorrect IAM authentication information: the key does not belong to project {project}")
    return project


def _faulty(fault: Fault, request_id: str) -> Answer:
    if fault.kind == "status":
        extra = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
        return ims_error(fault.status, f"IMG.{fault.status}", "Injected fault.", request_id, **extra)
    if fault.kind == "html":
        page = (
            f"<html><head><title>{fault.status}</title></head><body><h1>{fault.status} Bad Gateway</h1></body></html>"
        )
        return Answer(fault.status, page.encode(), {"X-Request-Id": request_id}, "text/html; charset=utf-8")
    body = b'{"images":[{"id":"a","name":"cut short"},{"id":"b","name":"never finished"}]}'
    cut_after = len(body) // 2 if fault.kind == "truncated" else 0
    return Answer(200, body, {"X-Request-Id": request_id}, cut_after=cut_after)
