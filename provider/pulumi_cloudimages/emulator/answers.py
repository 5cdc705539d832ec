"""The two error shapes the service answers in: IMS's own, and the API gateway's (authentication)."""

from __future__ import annotations

import uuid

from starlette.responses import JSONResponse, Response


def ims_error(status: int, code: str, message: str, request_id: str | None = None, **headers: str) -> Response:
    body = {"error": {"code": code, "message": message}}
    request_id = request_id or uuid.uuid4().hex
    return JSONResponse(body, status_code=status, headers={"X-Request-Id": request_id, **headers})


def gateway_error(message: str, request_id: str) -> Response:
    body = {"error_code": "APIGW.0301", "error_msg": message, "request_id": request_id}
    return JSONResponse(body, status_code=401, headers={"X-Request-Id": request_id})
