"""Misbehaviour on demand: the next N requests answer with an error, a bad body, a delay or a dropped connection."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Literal

FaultKind = Literal["status", "html", "truncated", "delay", "drop"]
FAULT_KINDS: tuple[FaultKind, ...] = ("status", "html", "truncated", "delay", "drop")
FAULT_STATUSES = (429, 500, 502, 503, 504)
MAX_TIMES = 100_000  # a queue of faults is memory too


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
        if self.kind == "status" and self.status not in FAULT_STATUSES:
            raise ValueError(f"fault status {self.status} is not one of 429, 500, 502, 503, 504")
        if self.kind == "html" and not 400 <= self.status <= 599:
            raise ValueError(f"fault status {self.status} is not an error status (400 to 599)")
        if self.retry_after is not None and not 0 <= self.retry_after <= 3600:
            raise ValueError(f"fault retry_after {self.retry_after} is not 0 to 3600 seconds")
        if not 0 <= self.seconds <= 600:
            raise ValueError(f"fault seconds {self.seconds} is not 0 to 600")

    @classmethod
    def make(
        cls, kind: FaultKind, *, status: int | None = None, retry_after: float | None = None, seconds: float = 0.0
    ) -> Fault:
        """A fault with the default status of its kind (502 for `html`, else 503)."""
        return cls(kind, status or (502 if kind == "html" else 503), retry_after, seconds)

    @classmethod
    def from_document(cls, document: Any) -> tuple[Fault, int]:
        """A fault and how many requests it is for, from the admin API's JSON:
        `{"kind": "503" | ... | "html" | "truncated" | "delay" | "drop", "times": N, ...options}`; the options
        are `retry_after` (a status kind), `status` (html) and `seconds` (delay). `ValueError` names the field."""
        if not isinstance(document, dict):
            raise ValueError('expected a JSON object {"kind": ..., "times": ...}')
        kinds = [*map(str, FAULT_STATUSES), *(k for k in FAULT_KINDS if k != "status")]
        kind = document.get("kind")
        if kind not in kinds:
            raise ValueError(f"kind {kind!r} is not one of {', '.join(kinds)}")
        options = {"retry_after"} if kind.isdigit() else {"html": {"status"}, "delay": {"seconds"}}.get(kind, set())
        unknown = sorted(set(document) - {"kind", "times"} - options)
        if unknown:
            allowed = ", ".join(["times", *sorted(options)])
            raise ValueError(f"{unknown[0]} is not an option of a {kind} fault (options: {allowed})")
        times = document.get("times", 1)
        if not _is_number(times, integer=True) or not 1 <= times <= MAX_TIMES:
            raise ValueError(f"times {times!r} is not an integer from 1 to {MAX_TIMES}")
        for name in ("status", "retry_after", "seconds"):
            if name in document and not _is_number(document[name], integer=name == "status"):
                raise ValueError(f"{name} {document[name]!r} is not a number")
        if kind.isdigit():
            return cls.make("status", status=int(kind), retry_after=document.get("retry_after")), times
        return cls.make(kind, status=document.get("status"), seconds=document.get("seconds", 0.0)), times


def _is_number(value: Any, *, integer: bool) -> bool:
    return isinstance(value, int if integer else (int, float)) and not isinstance(value, bool)


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
