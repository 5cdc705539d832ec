"""Keeping values the caller marked secret out of messages: every adapter (the plugin, `PinnedImage`) collects
the secret values it was handed, config and arguments alike, and passes each message through `redacted`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from .errors import shown

MASK = "***"


def secret_texts(values: Iterable[Any]) -> tuple[str, ...]:
    """How each secret value could appear in a message: as text, and URL-encoded as in a request line.
    A map or list contributes each of its values. Longest first, so that a value containing another is
    masked whole."""
    texts: set[str] = set()
    for value in values:
        if isinstance(value, Mapping):
            texts.update(secret_texts(value.values()))
        elif isinstance(value, list | tuple):
            texts.update(secret_texts(value))
        elif isinstance(value, float) and value.is_integer():  # the engine's float for a number written whole
            texts.update(secret_texts([int(value), repr(value)]))
        elif value is not None and not isinstance(value, bool) and str(value):
            text = str(value)
            cut = shown(text)  # a long value is quoted by its beginning only: that must be masked too
            texts.update({text, quote(text, safe="~"), *_url_parts(text), *([cut] if text not in cut else [])})
            texts.update(_escaped(text))
    return tuple(sorted(texts, key=len, reverse=True))


def _escaped(text: str) -> set[str]:
    """A text as it shows inside a quoted list or map (`shown`): escaped as Python's repr and as JSON escape it
    (a quote, a backslash, a control character)."""
    return {repr(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]} - {text}


def _url_parts(text: str) -> set[str]:
    """What messages show of a secret URL (an endpoint): its host (`no usable answer from https://host`)
    and its path (request lines are `GET /path/v2/cloudimages?...`), as written and without a final `/`."""
    if not text.startswith(("https://", "http://")):
        return set()
    parts = urlsplit(text)
    path = parts.path.rstrip("/")
    return {text.rstrip("/")} | ({parts.netloc} if parts.netloc else set()) | ({path} if path else set())


def redacted(message: str, secrets: Iterable[str]) -> str:
    """`message` with every text of `secrets` replaced by `***`; and where a long value is cut short
    (`shown`: `["S3cr3t-x... (111 characters)`), the beginning of a secret that the cut text ends with."""
    texts = list(secrets)
    for text in texts:
        message = message.replace(text, MASK)
    for cut in reversed(list(_CUT.finditer(message))):
        start = _secret_begun(message[: cut.start()], texts)
        if start is not None:
            message = message[:start] + MASK + message[cut.start() :]
    return message


_CUT = re.compile(r"\.\.\. \(\d+ characters\)")  # how `shown` and the others mark a text cut short
_SHOWN_BEFORE_A_CUT = 1000  # at most what any of them keeps


def _secret_begun(before: str, texts: list[str]) -> int | None:
    """Where, in the text before a cut, the beginning of a secret starts (the longest such beginning), if any."""
    sizes = [
        size
        for text in texts
        for size in range(min(len(text) - 1, len(before), _SHOWN_BEFORE_A_CUT), 0, -1)
        if before.endswith(text[:size])
    ]
    return len(before) - max(sizes) if sizes else None
