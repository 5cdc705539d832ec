"""An `Answer` as Starlette sends it, behind a port: a truncated or dropped answer cut off mid-response."""

from __future__ import annotations

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .answers import Answer


def as_response(answer: Answer) -> Response:
    if answer.cut_after is not None:
        return _BrokenResponse(answer)
    return Response(answer.body, status_code=answer.status, headers=dict(answer.headers), media_type=answer.media_type)


class ConnectionDropped(Exception):
    """Raised after a partial answer, so the server closes the connection mid-response (its message is the one
    line the server logs: see `server.py`)."""


class _BrokenResponse(Response):
    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.body, media_type=answer.media_type, headers=dict(answer.headers))
        self._sent = answer.cut_after or 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        if self._sent:
            await send({"type": "http.response.body", "body": self.body[: self._sent], "more_body": True})
        kind = "truncated" if self._sent else "drop"
        raise ConnectionDropped(
            f"injected {kind} fault: connection closed after the headers and {self._sent} bytes of the body "
            f"(request {self.headers['X-Request-Id']})"
        )
