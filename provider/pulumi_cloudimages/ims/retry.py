"""When to try a request again, and how long to wait first.

Retried: connection errors and timeouts, and the statuses in `RETRY_STATUSES`; never 400/401/403/404,
which would fail the same way again. The wait is exponential with full jitter, or what `Retry-After` asks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import httpx

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """`max_retries` tries after the first; waits of `backoff * 2**n` seconds at most, jittered."""

    max_retries: int = 3
    backoff: float = 0.5
    backoff_max: float = 20.0
    retry_after_max: float = 60.0

    def after_error(self, attempt: int) -> float | None:
        """The wait before trying again after a connection error on try `attempt`, or None to give up."""
        if attempt > self.max_retries:
            return None
        return random.uniform(0, min(self.backoff_max, self.backoff * 2 ** (attempt - 1)))

    def after_response(self, attempt: int, response: httpx.Response) -> float | None:
        """The wait before trying again after `response`, or None to keep it."""
        if response.status_code not in RETRY_STATUSES:
            return None
        wait = self.after_error(attempt)
        asked = retry_after(response)
        if wait is None or asked is None:
            return wait
        return min(asked, self.retry_after_max)


def retry_after(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds (either form: seconds or an HTTP date), if the answer has one."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000": a date in UTC whose sender did not say where it came from
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
