"""What the emulator answers, as plain data (`Answer`), and the two error shapes the service answers in: IMS's
own, and the API gateway's (authentication). `web.py` sends an answer through Starlette, behind a port;
`in_process.py` hands it to httpx directly."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    media_type: str = "application/json"
    wait: float = 0.0  # seconds to wait before answering: a delay fault, the emulator's latency
    cut_after: int | None = None  # a truncated or dropped answer: the body's bytes sent before the connection closes


def json_answer(value: Any, request_id: str, status: int = 200, **headers: str) -> Answer:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return Answer(status, body, {"X-Request-Id": request_id, **headers})


def ims_error(status: int, code: str, message: str, request_id: str | None = None, **headers: str) -> Answer:
    return json_answer({"error": {"code": code, "message": message}}, request_id or uuid.uuid4().hex, status, **headers)


def gateway_error(message: str, request_id: str) -> Answer:
    body = {"error_code": "APIGW.0301", "error_msg": message, "request_id": request_id}
    return json_answer(body, request_id, 401)
