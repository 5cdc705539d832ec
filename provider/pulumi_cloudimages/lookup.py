"""Running lookups: the flow of `selection.py` over the sync or the async client.

Each distinct lookup (same service, credentials, filters and selection) is sent once per process:
later identical lookups get the first one's result, and concurrent identical ones share one task, so
that cancelling one caller cancels only its own wait. Clients are kept so that connections are reused:
one per service and credentials for the synchronous client, and for the asynchronous one, per event
loop as well, closed when that loop shuts down (the end of `asyncio.run`). Both caches keep the
`CLIENTS_KEPT` most recently used and close those they drop (an async one once no lookup uses it):
each client holds a TLS context and a connection pool, some megabytes, and a provider plugin asked
for thousands of distinct endpoints must not keep them all. Results are kept while they hold no more
than `IMAGES_KEPT` images in all.

The async driver runs the flow's own work (the regex, the sorting of a listing) on a worker thread,
so that a large listing never stalls the event loop that serves other callers.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import Counter, OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar, cast

from .client import AsyncImsClient, ImsClient
from .image import Image
from .query import ImageQuery
from .selection import Choice, Fetch, Flow, Selection, lookup_flow
from .settings import Settings

# Results are kept by the images they hold (a `return_all` of a whole catalog is thousands): some 100 MB at most.
IMAGES_KEPT = 20_000
CLIENTS_KEPT = 16

K = TypeVar("K")
V = TypeVar("V")


class _Bounded(OrderedDict[K, V], Generic[K, V]):
    """A dict that forgets its least recently used entries while their total `weight` (1 each unless said
    otherwise) is past `size`, handing each to `evicted`."""

    def __init__(
        self, size: int, evicted: Callable[[V], object] = lambda _: None, weight: Callable[[V], int] = lambda _: 1
    ) -> None:
        super().__init__()
        self.size, self.evicted, self.weight, self.load = size, evicted, weight, 0

    def get_recent(self, key: K) -> V | None:
        if key in self:
            self.move_to_end(key)
            return self[key]
        return None

    def put(self, key: K, value: V) -> V:
        if key in self:
            self.load -= self.weight(self[key])
        self[key] = value
        self.move_to_end(key)
        self.load += self.weight(value)
        while self.load > self.size and len(self) > 1:
            dropped = self.popitem(last=False)[1]
            self.load -= self.weight(dropped)
            self.evicted(dropped)
        return value

    def clear(self) -> None:
        super().clear()
        self.load = 0


class _AsyncClients:
    """One event loop's async clients, the `CLIENTS_KEPT` most recently used; one that is dropped is
    closed as soon as no lookup is using it."""

    def __init__(self) -> None:
        self.dropped: list[AsyncImsClient] = []
        self.kept: _Bounded[Settings, AsyncImsClient] = _Bounded(CLIENTS_KEPT, self.dropped.append)
        self.users: Counter[AsyncImsClient] = Counter()

    @asynccontextmanager
    async def using(self, settings: Settings) -> AsyncIterator[AsyncImsClient]:
        client = self.kept.get_recent(settings) or self.kept.put(settings, AsyncImsClient(settings=settings))
        self.users[client] += 1
        try:
            yield client
        finally:
            self.users[client] -= 1
            await self._close_unused()

    async def _close_unused(self) -> None:
        unused = [client for client in self.dropped if not self.users[client]]
        self.dropped[:] = [client for client in self.dropped if self.users[client]]  # before any await
        for client in unused:
            del self.users[client]
            await client.aclose()

    async def aclose(self) -> None:
        for client in [*self.kept.values(), *self.dropped]:
            await client.aclose()
        self.kept.clear()
        self.dropped.clear()


_results: _Bounded[Hashable, Choice] = _Bounded(IMAGES_KEPT, weight=lambda choice: max(1, len(choice.images)))
_running: dict[Hashable, asyncio.Task[Choice]] = {}
_clients: _Bounded[Settings, ImsClient] = _Bounded(CLIENTS_KEPT, lambda client: client.close())
_loop_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _AsyncClients] = weakref.WeakKeyDictionary()
_loop_closers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncGenerator[None, None]] = (
    weakref.WeakKeyDictionary()
)


def _key(settings: Settings, query: ImageQuery, selection: Selection) -> Hashable:
    return (settings, tuple(query.to_params()), selection)


def lookup(query: ImageQuery, selection: Selection, settings: Settings, *, fresh: bool = False) -> Choice:
    """The choice for `query` and `selection`, looked up with the synchronous client; `fresh` asks the
    service again even when this process has asked the same before (a refresh wants the live catalog)."""
    key = _key(settings, query, selection)
    found = None if fresh else _results.get_recent(key)
    if found is None:
        client = _client(settings)
        found = _drive(
            lookup_flow(query, selection, settings.project_id), lambda q, n: client.list_images(q, max_results=n)
        )
        _results.put(key, found)
    return found


def find_image(image_id: str, settings: Settings) -> Image | None:
    """The image with this ID if the project can see it, asked afresh."""
    found = _client(settings).list_images(ImageQuery(id=image_id), max_results=1)
    return found[0] if found else None


def _client(settings: Settings) -> ImsClient:
    return _clients.get_recent(settings) or _clients.put(settings, ImsClient(settings=settings))


def _drive(flow: Flow, fetch: Callable[[ImageQuery, int | None], list[Image]]) -> Choice:
    step = _step(flow, None)
    while isinstance(step, Fetch):
        step = _step(flow, fetch(step.query, step.max_results))
    return step


def _step(flow: Flow, images: list[Image] | None) -> Fetch | Choice:
    """The flow's next request once it has `images` (None to start it), or its choice."""
    try:
        return flow.send(images)  # type: ignore[arg-type]  # a generator starts with send(None)
    except StopIteration as done:  # not raised from a worker thread: asyncio's futures refuse StopIteration
        return cast(Choice, done.value)


async def alookup(query: ImageQuery, selection: Selection, settings: Settings) -> Choice:
    """The choice for `query` and `selection`, looked up with the asynchronous client."""
    key = _key(settings, query, selection)
    found = _results.get_recent(key)
    if found is not None:
        return found
    task = _running.get(key)
    if task is None or task.get_loop() is not asyncio.get_running_loop():  # one left on a closed loop is no use
        task = _running[key] = asyncio.ensure_future(_arun(key, query, selection, settings))
        task.add_done_callback(_retrieved)
    return await asyncio.shield(task)  # a cancelled caller stops waiting; the others still get the result


def _retrieved(task: asyncio.Task[Choice]) -> None:
    # Every caller may have stopped waiting (cancelled): the outcome is then nobody's, and not an error to log.
    if not task.cancelled():
        task.exception()


async def _arun(key: Hashable, query: ImageQuery, selection: Selection, settings: Settings) -> Choice:
    try:
        async with (await _async_clients()).using(settings) as client:
            return _results.put(key, await _adrive(lookup_flow(query, selection, settings.project_id), client))
    finally:
        if _running.get(key) is asyncio.current_task():
            del _running[key]


async def _async_clients() -> _AsyncClients:
    loop = asyncio.get_running_loop()
    clients = _loop_clients.get(loop)
    if clients is None:
        clients = _loop_clients[loop] = _AsyncClients()
        closer = _loop_closers[loop] = _closed_at_shutdown(clients)
        await closer.__anext__()  # started here, so the loop finalises it at its shutdown
    return clients


async def _closed_at_shutdown(clients: _AsyncClients) -> AsyncGenerator[None, None]:
    """Closes a loop's clients when the loop shuts down: asyncio.run's `shutdown_asyncgens` ends every
    async generator started in the loop, inside the loop, where the clients can still be awaited."""
    try:
        while True:
            yield
    finally:
        await clients.aclose()


async def _adrive(flow: Flow, client: AsyncImsClient) -> Choice:
    step = await asyncio.to_thread(_step, flow, None)
    while isinstance(step, Fetch):
        step = await asyncio.to_thread(_step, flow, await client.list_images(step.query, max_results=step.max_results))
    return step


def forget() -> None:
    """Forget every result and client of this process (for tests, or after the catalog changed)."""
    _results.clear()
    for client in _clients.values():
        client.close()
    _clients.clear()
    _loop_clients.clear()
