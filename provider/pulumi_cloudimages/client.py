"""`ImsClient` and `AsyncImsClient`: `GET /v2/cloudimages` with marker paging, retries and timeouts.

Both share everything but the waiting: settings, signing (an `httpx.Auth`), paging (`Pager`), the
retry policy and the reading of answers. Each reuses its connections until closed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import Any

import httpx
from typing_extensions import Self, Unpack

from ._version import VERSION
from .auth import canonical_query
from .errors import TransportError
from .image import Image
from .paging import Pager
from .query import ImageQuery
from .responses import parse_page, request_line
from .retry import RetryPolicy
from .settings import ConnectionOptions, Settings

IMAGES_PATH = "/v2/cloudimages"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
USER_AGENT = f"pulumi-cloudimages/{VERSION}"


def _images_url(query: ImageQuery) -> str:
    # Always the canonical (sorted, %20-encoded) query, signed or not, so every message shows one form.
    return f"{IMAGES_PATH}?{canonical_query(query.to_params())}"


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
        self.retry = RetryPolicy(max_retries=self.settings.max_retries, backoff=backoff)
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"{type(self).__name__}(endpoint={self.settings.ims_endpoint()!r})"

    def _http_options(self) -> dict[str, Any]:
        return {
            "base_url": self.settings.ims_endpoint(),
            "auth": self.settings.auth(),
            "headers": {"User-Agent": USER_AGENT, **self.settings.anonymous_headers()},
            "timeout": self._timeout,
            "verify": not self.settings.insecure,
        }

    @staticmethod
    def _pager(query: ImageQuery | None, filters: dict[str, Any], max_results: int | None) -> Pager:
        if query is not None and filters:
            raise TypeError("pass either an ImageQuery or keyword filters, not both")
        return Pager(query if query is not None else ImageQuery.model_validate(filters), max_results)

    @staticmethod
    def _unreachable(request: httpx.Request, exc: httpx.TransportError, attempts: int) -> TransportError:
        return TransportError(
            f"could not get an answer from {request.url.scheme}://{request.url.netloc.decode()} after "
            f"{attempts} tries: {type(exc).__name__}: {exc or 'no detail'} (request: {request_line(request)})"
        )


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

    def list_images(
        self, query: ImageQuery | None = None, *, max_results: int | None = None, **filters: Any
    ) -> list[Image]:
        """Every matching image, following the pages to the end (or to `max_results`)."""
        return [image for page in self.iter_pages(query, max_results=max_results, **filters) for image in page]

    def iter_images(
        self, query: ImageQuery | None = None, *, max_results: int | None = None, **filters: Any
    ) -> Iterator[Image]:
        """The matching images one by one, a page in memory at a time."""
        for page in self.iter_pages(query, max_results=max_results, **filters):
            yield from page

    def iter_pages(
        self, query: ImageQuery | None = None, *, max_results: int | None = None, **filters: Any
    ) -> Iterator[list[Image]]:
        """The matching images a page at a time."""
        pager = self._pager(query, filters, max_results)
        while not pager.done:
            yield pager.accept(parse_page(self._send(pager.next_query())))

    def _send(self, query: ImageQuery) -> httpx.Response:
        request = self._http.build_request("GET", _images_url(query))
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._http.send(request)
            except httpx.TransportError as exc:
                wait = self.retry.after_error(attempt)
                if wait is None:
                    raise self._unreachable(request, exc, attempt) from exc
            else:
                wait = self.retry.after_response(attempt, response)
                if wait is None:
                    return response
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

    async def list_images(
        self, query: ImageQuery | None = None, *, max_results: int | None = None, **filters: Any
    ) -> list[Image]:
        """Every matching image, following the pages to the end (or to `max_results`)."""
        return [image async for page in self.iter_pages(query, max_results=max_results, **filters) for image in page]

    async def iter_images(
        self, query: ImageQuery | None = None, *, max_results: int | None = None, **filters: Any
    ) -> AsyncIterator[Image]:
        """The matching images one by one, a page in memory at a time."""
        async for page in self.iter_pages(query, max_results=max_results, **filters):
            for image in page:
                yield image

    async def iter_pages(
        self, query: ImageQuery | None = None, *, max_results: int | None = None, **filters: Any
    ) -> AsyncIterator[list[Image]]:
        """The matching images a page at a time."""
        pager = self._pager(query, filters, max_results)
        while not pager.done:
            yield pager.accept(parse_page(await self._send(pager.next_query())))

    async def _send(self, query: ImageQuery) -> httpx.Response:
        request = self._http.build_request("GET", _images_url(query))
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._http.send(request)
            except httpx.TransportError as exc:
                wait = self.retry.after_error(attempt)
                if wait is None:
                    raise self._unreachable(request, exc, attempt) from exc
            else:
                wait = self.retry.after_response(attempt, response)
                if wait is None:
                    return response
            await asyncio.sleep(wait)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
