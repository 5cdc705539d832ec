"""Misbehaviour on demand: the next N requests answer with an error, a bad body, a delay or a dropped connection."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["status", "html", "truncated", "delay", "drop"]
FAULT_KINDS: tuple[FaultKind, ...] = ("status", "html", "truncated", "delay", "drop")


@dataclass(frozen=True)
class Fault:
    """One misbehaviour.

    - `status`: answer `status` (429, 500, 502, 503 or 504) with an IMS error body, and `Retry-After` when given;
    - `html`: answer `status` (default 502) with an HTML page, as a gateway does;
    - `truncated`: a 200 whose JSON body stops halfway, the connection then closed;
    - `delay`: wait `seconds`, then answer normally;
    - `drop`: close the connection after the status line, with no body.
    """

    kind: FaultKind = "status"
    status: int = 503
    retry_after: float | None = None
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind {self.kind!r} is not one of {', '.join(FAULT_KINDS)}")
        if self.kind == "status" and self.status not in (429, 500, 502, 503, 504):
            raise ValueError(f"fault status {self.status} is not one of 429, 500, 502, 503, 504")


class FaultQueue:
    """Faults waiting for the next requests, first in first out; safe to fill from a test's thread."""

    def __init__(self) -> None:
        self._queue: deque[Fault] = deque()
        self._lock = threading.Lock()

    def add(self, fault: Fault, times: int = 1) -> None:
        with self._lock:
            self._queue.extend([fault] * times)

    def take(self) -> Fault | None:
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()

    def __len__(self) -> int:
        return len(self._queue)
