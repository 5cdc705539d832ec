"""The exception tree: the package raises `CloudImagesError`s, and for Pulumi programs one error more that wraps
them (below). Most are defined here; the module of any other is named beside it.

```
CloudImagesError
├── InvalidQueryError        a filter value is wrong; raised before any request
├── ConfigurationError       missing or contradictory region, endpoint or credentials
├── ProjectDiscoveryError    the project ID of the region could not be found through IAM
├── TransportError           the service could not be reached (after the retries)
├── InvalidResponseError     the service answered something that is not the documented shape
├── SelectionError           the images found do not give the one image asked for
│   ├── NoMatchError             none matched (the message says which filter excluded what)
│   └── AmbiguousMatchError      several matched and nothing said how to choose
├── ApiError                 the service answered with an error status
│   ├── BadRequestError          400
│   ├── AuthenticationError      401
│   ├── PermissionDeniedError    403
│   ├── NotFoundError            404
│   ├── RateLimitedError         429
│   └── ServerError              5xx
├── StateFileError           states.py, also a ValueError: a state file is of no format read here, or damaged
├── CatalogError             emulator/catalog.py, also a ValueError: a catalog the emulator cannot serve
├── PinnedImageError         pinning.py, also a pulumi.RunError: a PinnedImage could not be resolved or refreshed
├── CheckFailedError         testing.py: a dynamic resource's provider refused its inputs (Check)
└── ProgramTimeoutError      testing.py, also a TimeoutError: a program under test did not finish in time
```

`get_images` and `get_images_output` raise `GetImagesError` (functions.py), a `pulumi.RunError` and no
`CloudImagesError`, so that Pulumi shows its message without a traceback; its `__cause__` is the error of this
tree, when one caused it.

Messages and reprs carry what helps to act (status, code, message, request ID, the request line)
and never a credential: signatures and tokens travel in headers, which are never included.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_SHOWN_CHARACTERS = 80


_values_as_json = False  # see `quote_values_as_json`


def quote_values_as_json() -> None:
    """From now on, messages quote values other than text as JSON writes them (`true`, `null`, `{"a": 1}`), not
    as Python does (`True`, `None`, `{'a': 1}`): for the provider plugin's process, whose callers write
    TypeScript, Go, C# or YAML. Text is quoted alike either way."""
    global _values_as_json
    _values_as_json = True


def shown(value: Any) -> str:
    """A value as messages quote it, cut short when long: a 70,000-character name must not become a
    70,000-character message (gRPC, for one, drops error details past 16 KiB). Text is quoted as typed
    (`'(a)\\1'`, not `'(a)\\\\1'`: a regex reads as written) unless only its repr shows it plainly: with
    a quote, a character that does not print, or a trailing backslash; any other value is its repr, or its
    JSON (`quote_values_as_json`)."""
    try:
        if isinstance(value, str):
            text = f"'{value}'" if _as_typed(value) else repr(value)
        else:
            text = _as_json(value) if _values_as_json else repr(value)
    except ValueError:  # an int too long to print (over 4,300 digits), alone or in a list or map
        text = f"<a {value.bit_length()}-bit number>" if isinstance(value, int) else "<a value too long to show>"
    if len(text) <= _SHOWN_CHARACTERS:
        return text
    return f"{text[:_SHOWN_CHARACTERS]}... ({len(text)} characters)"


def _as_json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except TypeError:  # not a value a caller could have written (an object of this package): as Python shows it
        return repr(value)


def _as_typed(text: str) -> bool:
    return text.isprintable() and "'" not in text and not text.endswith("\\")


class CloudImagesError(Exception):
    """Base of every error raised by pulumi-cloudimages."""

    def in_words(self, where: Callable[[str], str]) -> str:
        """The message for a caller who sets settings as `where(setting)` says (an option, a config key);
        the same as `str()` unless the message tells how to set something."""
        return str(self)


class InvalidQueryError(CloudImagesError):
    """A filter or option has a value the API does not allow. Nothing was sent.

    `names` are the Python names of the filters or options at fault, so that an adapter can point at
    them in its caller's words (a Pulumi argument, a command-line option). An error that is several problems at
    once (every bad argument of a call, `of_all`) has each of them in `problems`, with its own names and message.
    """

    def __init__(
        self, message: str, *, names: tuple[str, ...] = (), problems: tuple[InvalidQueryError, ...] = ()
    ) -> None:
        super().__init__(message)
        self.names = names
        self._problems = problems

    @property
    def problems(self) -> tuple[InvalidQueryError, ...]:
        """Each problem on its own; the error itself when it is one."""
        return tuple(one for problem in self._problems for one in problem.problems) or (self,)

    @classmethod
    def of_all(cls, problems: list[InvalidQueryError]) -> InvalidQueryError:
        """One error for `problems` (the problem itself when it is alone): every message, every name."""
        if len(problems) == 1:
            return problems[0]
        names = tuple(name for problem in problems for name in problem.names)
        return cls("; ".join(map(str, problems)), names=names, problems=tuple(problems))


class ConfigurationError(CloudImagesError):
    """Region, endpoint or credentials are missing or contradictory. Nothing was sent.

    `setting` is the Python name of the setting at fault, when one alone is.
    """

    def __init__(self, message: str, *, setting: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting


class ProjectDiscoveryError(CloudImagesError):
    """The project ID of the region could not be discovered through IAM; `__cause__` says why."""

    def __init__(self, region: str, iam_endpoint: str, reason: str) -> None:
        self.region, self.iam_endpoint, self.reason = region, iam_endpoint, reason
        super().__init__(self.in_words(lambda setting: f"{setting} (or HW_PROJECT_ID)"))

    def in_words(self, where: Callable[[str], str]) -> str:
        return (
            f"could not discover the project ID of region {self.region!r} through IAM at {self.iam_endpoint}: "
            f"{self.reason}. Set {where('project_id')} to skip the discovery"
        )


class TransportError(CloudImagesError):
    """The service could not be reached, or the connection broke, on every attempt."""


class InvalidResponseError(CloudImagesError):
    """The service answered, but not with the documented shape (non-JSON body, a paging loop...)."""


class SelectionError(CloudImagesError):
    """The images found do not give the one image asked for."""


class NoMatchError(SelectionError):
    """No image matched; the message shows the query sent, the client-side filters and the near misses."""


class AmbiguousMatchError(SelectionError):
    """Several images matched and neither most_recent nor return_all was set."""


@dataclass(frozen=True)
class RequestLine:
    """What was sent, for error messages: method, path and query (never headers)."""

    method: str
    path: str
    query: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}" + (f"?{self.query}" if self.query else "")


class ApiError(CloudImagesError):
    """The service answered with an error status.

    Both documented body shapes are understood: IMS `{"error": {"code", "message"}}` and the API
    gateway's `{"error_code", "error_msg", "request_id"}`.
    """

    def __init__(
        self,
        status: int,
        code: str | None,
        message: str,
        request_id: str | None,
        request: RequestLine,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.request = request
        super().__init__(str(self))

    def __str__(self) -> str:
        code = f" {self.code}" if self.code else ""
        rid = f", request ID {self.request_id}" if self.request_id else ""
        return f"HTTP {self.status}{code}: {self.message} (request: {self.request}{rid})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, code={self.code!r}, request_id={self.request_id!r})"


class BadRequestError(ApiError):
    """400: the service refused a parameter."""


class AuthenticationError(ApiError):
    """401: the signature, the key or the token was refused."""


class PermissionDeniedError(ApiError):
    """403: authenticated, but not allowed."""


class NotFoundError(ApiError):
    """404."""


class RateLimitedError(ApiError):
    """429, after the retries."""


class ServerError(ApiError):
    """5xx, after the retries."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitedError,
}


def api_error_class(status: int) -> type[ApiError]:
    """The most specific `ApiError` subclass for an HTTP status."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, ApiError)
