"""`ImsClient` and `AsyncImsClient`: `GET /v2/cloudimages` with marker paging, retries and timeouts.

Both share everything but the waiting: settings, signing (an `httpx.Auth`), paging (`Pager`), the
retry policy and the reading of answers. Each reuses its connections until closed.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from functools import cache
from types import TracebackType
from typing import Any

import httpx
from typing_extensions import Self, Unpack

from .._version import VERSION
from ..errors import (
    ApiError,
    CloudImagesError,
    ConfigurationError,
    InvalidQueryError,
    InvalidResponseError,
    ProjectDiscoveryError,
    TransportError,
    shown,
)
from .auth import SignatureAuth, canonical_query
from .image import Image
from .paging import Pager
from .project import ProjectLookup
from .query import ImageQuery
from .responses import parse_page, request_line
from .retry import RetryPolicy
from .settings import ConnectionOptions, Settings

log = logging.getLogger(__name__)

IMAGES_PATH = "/v2/cloudimages"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
USER_AGENT = f"pulumi-cloudimages/{VERSION}"


def _images_url(query: ImageQuery) -> str:
    # Always the canonical (sorted, %20-encoded) query, signed or not, so every message shows one form.
    return f"{IMAGES_PATH}?{canonical_query(query.to_params())}"


@cache
def _tls(insecure: bool) -> ssl.SSLContext | bool:
    """What clients verify certificates with: httpx's default context (certifi's CAs, or `SSL_CERT_FILE`),
    built once and shared: each build loads some 150 CA certificates, a megabyte and milliseconds per client."""
    return False if insecure else httpx.create_ssl_context()


class _ClientBase:
    def __init__(
        self,
        *,
        backoff: float = 0.5,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        settings: Settings | None = None,
        **options: Unpack[ConnectionOptions],
    ) -> None:
        self.settings = settings or Settings.resolve(**options)
        if not (isinstance(backoff, (int, float)) and backoff >= 0):
            raise ConfigurationError(f"invalid setting backoff={shown(backoff)}: expected 0 or more seconds")
        self.retry = RetryPolicy(max_retries=self.settings.max_retries, backoff=backoff)
        self._timeout = timeout
        self._auth = self.settings.auth()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(endpoint={self.settings.ims_endpoint()!r})"

    def _http_options(self) -> dict[str, Any]:
        return {
            "base_url": self.settings.ims_endpoint(),
            "auth": self._auth,
            "headers": {"User-Agent": USER_AGENT, **self.settings.anonymous_headers()},
            "timeout": self._timeout,
            # No certificate is ever checked on plain HTTP (a local emulator): no CA bundle to load for it.
            "verify": _tls(self.settings.insecure) if self._tls_possible() else False,
        }

    def _tls_possible(self) -> bool:
        """Whether this client may reach an https:// URL: the image service, or IAM to discover the project."""
        reached = [self.settings.ims_endpoint()]
        if self.settings.project_id is None and self.settings.access_key is not None:
            reached.append(self.settings.iam())
        return any(url.lower().startswith("https:") for url in reached)

    @staticmethod
    def _pager(query: ImageQuery | Mapping[str, Any] | None, filters: dict[str, Any], max_results: int | None) -> Pager:
        if query is not None and filters:
            raise InvalidQueryError("pass either a query or keyword filters, not both")
        if query is None or isinstance(query, Mapping):
            return Pager(ImageQuery.model_validate({**(query or {}), **filters}), max_results)
        if not isinstance(query, ImageQuery):
            raise InvalidQueryError(f"query={shown(query)}: expected an ImageQuery or a mapping of filters")
        return Pager(query, max_results)

    def _after_error(self, request: httpx.Request, exc: httpx.HTTPError, attempt: int, started: float) -> float:
        """The wait before the next try after a failed one, logged; raises when no try is left."""
        wait = self.retry.after_error(attempt)
        log.info("%s: %s after %.0f ms", request_line(request), _describe(exc), (time.perf_counter() - started) * 1e3)
        if wait is None:
            raise self._unreachable(request, exc, attempt) from exc
        log.info("trying again in %.2f s (try %d of %d)", wait, attempt + 1, self.retry.max_retries + 1)
        return wait

    def _after_response(self, response: httpx.Response, attempt: int, started: float) -> float | None:
        """The wait before the next try after `response`, logged; None to keep the response."""
        request, elapsed = response.request, (time.perf_counter() - started) * 1e3
        log.info("%s -> %d in %.0f ms", request_line(request), response.status_code, elapsed)
        wait = self.retry.after_response(attempt, response)
        if wait is not None:
            log.info("trying again in %.2f s (try %d of %d)", wait, attempt + 1, self.retry.max_retries + 1)
        return wait

    def _pending_discovery(self) -> ProjectLookup | None:
        """The project discovery that must come before the first signed request, if still to be made."""
        return self._auth.pending_lookup() if isinstance(self._auth, SignatureAuth) else None

    def _discovery_request(self, lookup: ProjectLookup) -> httpx.Request:
        request = lookup.request()
        assert isinstance(self._auth, SignatureAuth)
        self._auth.sign_request(request, project_id=None)
        return request

    @staticmethod
    def _discovery_failed(lookup: ProjectLookup, exc: CloudImagesError) -> ProjectDiscoveryError:
        return ProjectDiscoveryError(lookup.region, lookup.iam_endpoint, str(exc))

    @staticmethod
    def _unreachable(request: httpx.Request, exc: httpx.HTTPError, attempts: int) -> TransportError:
        tries = "1 try" if attempts == 1 else f"{attempts} tries"
        return TransportError(
            f"no usable answer from {request.url.scheme}://{request.url.netloc.decode()} after {tries}: "
            f"{_describe(exc)} (request: {request_line(request)})"
        )


# Failures worth another try: the connection broke, timed out, or the body did not decode.
_RETRIED_ERRORS = (httpx.TransportError, httpx.DecodingError)
_WHAT_HAPPENED = {
    httpx.ConnectTimeout: "connecting timed out",
    httpx.ConnectError: "could not connect",
    httpx.TimeoutException: "timed out waiting for the answer",
    httpx.RemoteProtocolError: "the connection broke off mid-answer",
    httpx.ReadError: "the connection broke while reading the answer",
    httpx.DecodingError: "the body did not match its Content-Encoding",
}


def _describe(exc: httpx.HTTPError) -> str:
    """What happened, in words (not httpx's class names: the caller may not write Python), then httpx's own
    text (often empty)."""
    what = next((text for kind, text in _WHAT_HAPPENED.items() if isinstance(exc, kind)), None)
    what = what or f"the request failed ({type(exc).__name__})"  # a kind with no words of its own
    detail = str(exc).strip()
    return f"{what} ({detail})" if detail else what


class ImsClient(_ClientBase):
    """A synchronous client. `list_images(...)` takes an `ImageQuery` or keyword filters.

    ```python
    with ImsClient(region="cn-north-4") as ims:
        images = ims.list_images(imagetype="gold", platform="Ubuntu")
    ```
    """

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        backoff: float = 0.5,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        settings: Settings | None = None,
        **options: Unpack[ConnectionOptions],
    ) -> None:
        super().__init__(backoff=backoff, timeout=timeout, settings=settings, **options)
        self._http = httpx.Client(transport=transport, **self._http_options())
        self._discovery_lock = threading.Lock()

    def list_images(
        self, query: ImageQuery | Mapping[str, Any] | None = None, *, max_results: int | None = None, **filters: Any
    ) -> list[Image]:
        """Every matching image, following the pages to the end (or to `max_results`)."""
        return [image for page in self.iter_pages(query, max_results=max_results, **filters) for image in page]

    def iter_images(
        self, query: ImageQuery | Mapping[str, Any] | None = None, *, max_results: int | None = None, **filters: Any
    ) -> Iterator[Image]:
        """The matching images one by one, a page in memory at a time."""
        for page in self.iter_pages(query, max_results=max_results, **filters):
            yield from page

    def iter_pages(
        self, query: ImageQuery | Mapping[str, Any] | None = None, *, max_results: int | None = None, **filters: Any
    ) -> Iterator[list[Image]]:
        """The matching images a page at a time."""
        pager = self._pager(query, filters, max_results)
        while not pager.done:
            yield pager.accept(parse_page(self._send(pager.next_query())))

    def own_project(self) -> str | None:
        """The caller's project: the one configured, else the one its credentials discover through IAM (asked
        now if not yet, once per process); None when neither (anonymous, or a token without a project ID)."""
        self._discover()
        return self._auth.project_id if isinstance(self._auth, SignatureAuth) else self.settings.project_id

    def _send(self, query: ImageQuery) -> httpx.Response:
        self._discover()
        return self._send_with_retries(self._http.build_request("GET", _images_url(query)))

    def _discover(self) -> None:
        """The project discovery that must come before the first signed request, if still to be made."""
        lookup = self._pending_discovery()
        if lookup is not None:
            with self._discovery_lock:  # threads that start together make one IAM call
                if lookup.project_id is None:
                    try:
                        lookup.accept(self._send_with_retries(self._discovery_request(lookup), auth=None))
                    except (TransportError, ApiError, InvalidResponseError) as exc:
                        raise self._discovery_failed(lookup, exc) from exc

    def _send_with_retries(self, request: httpx.Request, **send: Any) -> httpx.Response:
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                response = self._http.send(request, **send)
            except _RETRIED_ERRORS as exc:
                wait = self._after_error(request, exc, attempt, started)
            else:
                again = self._after_response(response, attempt, started)
                if again is None:
                    return response
                wait = again
            time.sleep(wait)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class AsyncImsClient(_ClientBase):
    """The asyncio twin of `ImsClient`: `await list_images(...)`, `async for image in iter_images(...)`."""

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff: float = 0.5,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        settings: Settings | None = None,
        **options: Unpack[ConnectionOptions],
    ) -> None:
        super().__init__(backoff=backoff, timeout=timeout, settings=settings, **options)
        self._http = httpx.AsyncClient(transport=transport, **self._http_options())
        import asyncio  # loaded with the first async client: the synchronous doors never need it

        self._discovery_lock = asyncio.Lock()

    async def list_images(
        self, query: ImageQuery | Mapping[str, Any] | None = None, *, max_results: int | None = None, **filters: Any
    ) -> list[Image]:
        """Every matching image, following the pages to the end (or to `max_results`)."""
        return [image async for page in self.iter_pages(query, max_results=max_results, **filters) for image in page]

    async def iter_images(
        self, query: ImageQuery | Mapping[str, Any] | None = None, *, max_results: int | None = None, **filters: Any
    ) -> AsyncIterator[Image]:
        """The matching images one by one, a page in memory at a time."""
        async for page in self.iter_pages(query, max_results=max_results, **filters):
            for image in page:
                yield image

    async def iter_pages(
        self, query: ImageQuery | Mapping[str, Any] | None = None, *, max_results: int | None = None, **filters: Any
    ) -> AsyncIterator[list[Image]]:
        """The matching images a page at a time."""
        pager = self._pager(query, filters, max_results)
        while not pager.done:
            yield pager.accept(parse_page(await self._send(pager.next_query())))

    async def own_project(self) -> str | None:
        """The caller's project: the one configured, else the one its credentials discover through IAM (asked
        now if not yet, once per process); None when neither (anonymous, or a token without a project ID)."""
        await self._discover()
        return self._auth.project_id if isinstance(self._auth, SignatureAuth) else self.settings.project_id

    async def _send(self, query: ImageQuery) -> httpx.Response:
        await self._discover()
        return await self._send_with_retries(self._http.build_request("GET", _images_url(query)))

    async def _discover(self) -> None:
        """The project discovery that must come before the first signed request, if still to be made."""
        lookup = self._pending_discovery()
        if lookup is not None:
            async with self._discovery_lock:  # lookups that start together make one IAM call
                if lookup.project_id is None:
                    try:
                        lookup.accept(await self._send_with_retries(self._discovery_request(lookup), auth=None))
                    except (TransportError, ApiError, InvalidResponseError) as exc:
                        raise self._discovery_failed(lookup, exc) from exc

    async def _send_with_retries(self, request: httpx.Request, **send: Any) -> httpx.Response:
        import asyncio

        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                response = await self._http.send(request, **send)
            except _RETRIED_ERRORS as exc:
                wait = self._after_error(request, exc, attempt, started)
            else:
                again = self._after_response(response, attempt, started)
                if again is None:
                    return response
                wait = again
            await asyncio.sleep(wait)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
