"""Reading the service's answers: error bodies (both documented shapes) and image pages."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from pydantic import ValidationError

from ..errors import ApiError, InvalidResponseError, RequestLine, api_error_class
from .image import ImagePage

_EXCERPT = 200
_MESSAGE = 1000  # characters of a service's error message kept


def request_line(request: httpx.Request) -> RequestLine:
    """What was sent, without headers (so without any credential)."""
    return RequestLine(request.method, request.url.path, request.url.query.decode())


def excerpt(body: bytes) -> str:
    text = body[:_EXCERPT].decode("utf-8", "replace")
    return repr(text + ("..." if len(body) > _EXCERPT else ""))


def api_error(response: httpx.Response) -> ApiError:
    """The `ApiError` for an error answer, from either body shape, or from a non-JSON body."""
    request_id = response.headers.get("X-Request-Id")
    code: str | None = None
    try:
        body: Any = json.loads(response.content)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):  # IMS shape
        code, message = body["error"].get("code"), _text(body["error"].get("message"))
    elif isinstance(body, dict) and "error_code" in body:  # API gateway shape
        code, message = body["error_code"], _text(body.get("error_msg"))
        request_id = request_id or body.get("request_id")
    else:
        kind = response.headers.get("Content-Type", "no content type")
        message = f"a body that is not the documented JSON ({kind}): {excerpt(response.content)}"
    return api_error_class(response.status_code)(
        response.status_code, code, message, request_id, request_line(response.request)
    )


def _text(message: Any) -> str:
    """An error body's message; a missing, null or empty one is said to be so, not printed as `None`; a
    very long one cut short."""
    if message in (None, ""):
        return "the service gave no message"
    text = str(message)
    return text if len(text) <= _MESSAGE else f"{text[:_MESSAGE]}... ({len(text)} characters)"


def raise_for_error(response: httpx.Response) -> None:
    if not response.is_success:
        raise api_error(response)


@contextmanager
def _collector_paused() -> Iterator[None]:
    # A page builds thousands of objects that all live on; letting the cyclic collector run in the
    # middle only re-scans them (and everything else alive), which costs a third of a listing's time.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_page(response: httpx.Response) -> ImagePage:
    """The images of a successful answer; anything but the documented shape is an `InvalidResponseError`."""
    raise_for_error(response)
    try:
        with _collector_paused():
            return ImagePage.model_validate_json(response.content)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidResponseError(
            f"the service answered {response.status_code} with a body that is not an image list "
            f"({where}: {first['msg']}); body starts {excerpt(response.content)} "
            f"(request: {request_line(response.request)})"
        ) from None
