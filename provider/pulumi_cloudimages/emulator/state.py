"""What the emulator serves and remembers: the catalog, who may call, queued faults, and the request log.

The service (`service.py`) and the admin API (`admin.py`) both act on one `EmulatorState`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl

from .catalog import Catalog
from .faults import FaultQueue


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


@dataclass(slots=True)
class RecordedRequest:
    """One request received: its raw query string, the caller's project, and the status answered (None while
    the answer is being made)."""

    method: str
    path: str
    query: str
    project: str | None = None
    status: int | None = None

    @property
    def params(self) -> dict[str, str]:
        """The query's parameters (the last value of a repeated one counts)."""
        return dict(parse_qsl(self.query, keep_blank_values=True))

    def to_json(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in ("method", "path", "query", "project", "status")}


class RequestLog:
    """The last `size` requests, oldest first: bounded, so a long-running emulator keeps a flat memory."""

    def __init__(self, size: int = 1000) -> None:
        if size < 0:
            raise ValueError(f"the request log size {size} is negative")
        self._entries: deque[RecordedRequest] = deque(maxlen=size)

    def append(self, request: RecordedRequest) -> None:
        self._entries.append(request)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(list(self._entries))  # a copy: the server's thread may append meanwhile

    def __getitem__(self, index: int) -> RecordedRequest:
        return self._entries[index]

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, (list, RequestLog)) else NotImplemented

    __hash__ = None  # type: ignore[assignment]


@dataclass
class EmulatorState:
    """What the application serves and how: the catalog, who may call, faults, and a log of requests."""

    catalog: Catalog
    credentials: tuple[Credential, ...] = ()
    tokens: Mapping[str, str] = field(default_factory=dict)  # token -> project ID
    latency: float = 0.0
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    faults: FaultQueue = field(default_factory=FaultQueue)
    requests: RequestLog = field(default_factory=RequestLog)
    in_flight: int = 0  # requests of the service (listings, IAM lookups) being answered now, and the most at once
    peak_in_flight: int = 0

    @property
    def open(self) -> bool:
        """With no credentials and no tokens, anyone may call, naming a project in `X-Project-Id`."""
        return not self.credentials and not self.tokens

    def replace_catalog(self, catalog: Catalog) -> None:
        """Serve `catalog` from the next request on (requests being answered finish with the old one)."""
        self.catalog = catalog
