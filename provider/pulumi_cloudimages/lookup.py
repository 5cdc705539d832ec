"""Running lookups: the flow of `selection.py` over the sync or the async client.

Each distinct lookup (same service, credentials, filters and selection) is sent once per process:
later identical lookups get the first one's result, and concurrent identical ones wait for it. One
client per service and credentials is kept for the life of the process, so connections are reused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import cast

from .client import AsyncImsClient, ImsClient
from .image import Image
from .query import ImageQuery
from .selection import Choice, Flow, Selection, lookup_flow
from .settings import Settings

_results: dict[Hashable, Choice] = {}
_running: dict[Hashable, asyncio.Future[Choice]] = {}
_clients: dict[Settings, ImsClient] = {}
_async_clients: dict[tuple[Settings, asyncio.AbstractEventLoop], AsyncImsClient] = {}


def _key(settings: Settings, query: ImageQuery, selection: Selection) -> Hashable:
    return (settings, tuple(query.to_params()), selection)


def lookup(query: ImageQuery, selection: Selection, settings: Settings, *, fresh: bool = False) -> Choice:
    """The choice for `query` and `selection`, looked up with the synchronous client; `fresh` asks the
    service again even when this process has asked the same before (a refresh wants the live catalog)."""
    key = _key(settings, query, selection)
    if fresh or key not in _results:
        client = _client(settings)
        _results[key] = _drive(lookup_flow(query, selection), lambda q, n: client.list_images(q, max_results=n))
    return _results[key]


def find_image(image_id: str, settings: Settings) -> Image | None:
    """The image with this ID if the project can see it, asked afresh."""
    found = _client(settings).list_images(ImageQuery(id=image_id), max_results=1)
    return found[0] if found else None


def _client(settings: Settings) -> ImsClient:
    return _clients.get(settings) or _clients.setdefault(settings, ImsClient(settings=settings))


def _drive(flow: Flow, fetch: Callable[[ImageQuery, int | None], list[Image]]) -> Choice:
    try:
        request = next(flow)
        while True:
            request = flow.send(fetch(request.query, request.max_results))
    except StopIteration as done:
        return cast(Choice, done.value)


async def alookup(query: ImageQuery, selection: Selection, settings: Settings) -> Choice:
    """The choice for `query` and `selection`, looked up with the asynchronous client."""
    key = _key(settings, query, selection)
    if key in _results:
        return _results[key]
    if key in _running:
        return await asyncio.shield(_running[key])
    loop = asyncio.get_running_loop()
    _running[key] = future = loop.create_future()
    try:
        choice = await _adrive(lookup_flow(query, selection), _async_client(settings, loop))
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved here: only waiters that exist re-raise it
        raise
    finally:
        del _running[key]
    _results[key] = choice
    future.set_result(choice)
    return choice


def _async_client(settings: Settings, loop: asyncio.AbstractEventLoop) -> AsyncImsClient:
    key = (settings, loop)
    return _async_clients.get(key) or _async_clients.setdefault(key, AsyncImsClient(settings=settings))


async def _adrive(flow: Flow, client: AsyncImsClient) -> Choice:
    try:
        request = next(flow)
        while True:
            request = flow.send(await client.list_images(request.query, max_results=request.max_results))
    except StopIteration as done:
        return cast(Choice, done.value)


def forget() -> None:
    """Forget every result and client of this process (for tests, or after the catalog changed)."""
    _results.clear()
    for client in _clients.values():
        client.close()
    _clients.clear()
    _async_clients.clear()
