"""Running lookups: the flow of `selection.py` over the synchronous client, from a thread or an event loop.

Each distinct lookup (same service, credentials, filters and selection) is sent once per process:
later identical lookups get the first one's result, and concurrent identical ones share one run, so
that cancelling one caller cancels only its own wait. Clients are kept so that connections are reused, one
per service and credentials, the `CLIENTS_KEPT` most recently used: each holds a TLS context and a
connection pool, some megabytes, and a provider plugin asked for thousands of distinct endpoints must not
keep them all; one that is dropped is closed once no lookup uses it. Results are kept while they hold no
more than `IMAGES_KEPT` images in all.

`alookup` runs the whole lookup (requests, regex, the sorting of a listing) on a thread of its own pool, in
one hop (`alookup_then` also what is made of the choice, in the same hop): the event loop that serves other
callers never does the flow's work, and one hop per lookup costs less than an async client whose every step
would hop to a thread anyway.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Generic, TypeVar, cast

from ..ims.client import ImsClient
from ..ims.image import Image
from ..ims.query import ImageQuery
from ..ims.settings import Settings
from .selection import Choice, Selection, choose

# Results are kept by the images they hold (a `return_all` of a whole catalog is thousands): some 100 MB at most.
IMAGES_KEPT = 20_000
CLIENTS_KEPT = 16
# Threads that run `alookup`s: as many lookups at once as a program or the engine asks in parallel, within reason
# (each mostly waits on the service).
LOOKUP_THREADS = 64

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


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


class _Clients:
    """The `CLIENTS_KEPT` most recently used clients; one that is dropped is closed as soon as no lookup is
    using it (lookups run on several threads at once)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.dropped: list[ImsClient] = []
        self.kept: _Bounded[Settings, ImsClient] = _Bounded(CLIENTS_KEPT, self.dropped.append)
        self.users: Counter[ImsClient] = Counter()

    @contextmanager
    def using(self, settings: Settings) -> Iterator[ImsClient]:
        with self.lock:
            client = self.kept.get_recent(settings) or self.kept.put(settings, ImsClient(settings=settings))
            self.users[client] += 1
        try:
            yield client
        finally:
            with self.lock:
                self.users[client] -= 1
                unused = [client for client in self.dropped if not self.users[client]]
                self.dropped[:] = [client for client in self.dropped if self.users[client]]
                for client in unused:
                    del self.users[client]
            for client in unused:
                client.close()

    def close(self) -> None:
        with self.lock:
            for client in [*self.kept.values(), *self.dropped]:
                client.close()
            self.kept.clear()
            self.dropped.clear()


_results: _Bounded[Hashable, Choice] = _Bounded(IMAGES_KEPT, weight=lambda choice: max(1, len(choice.images)))
_results_lock = threading.Lock()
_running: dict[Hashable, asyncio.Future[object]] = {}
_clients = _Clients()
_threads = ThreadPoolExecutor(LOOKUP_THREADS, thread_name_prefix="cloudimages-lookup")


def _key(settings: Settings, query: ImageQuery, selection: Selection) -> Hashable:
    return (settings, tuple(query.to_params()), selection)


def _kept(key: Hashable) -> Choice | None:
    with _results_lock:
        return _results.get_recent(key)


def lookup(query: ImageQuery, selection: Selection, settings: Settings, *, fresh: bool = False) -> Choice:
    """The choice for `query` and `selection`, looked up with the synchronous client; `fresh` asks the
    service again even when this process has asked the same before (a refresh wants the live catalog)."""
    key = _key(settings, query, selection)
    found = None if fresh else _kept(key)
    return _fetched(key, query, selection, settings) if found is None else found


def _fetched(key: Hashable, query: ImageQuery, selection: Selection, settings: Settings) -> Choice:
    with _clients.using(settings) as client:
        found = choose(query, selection, client)
    with _results_lock:
        return _results.put(key, found)


def find_image(image_id: str, settings: Settings) -> Image | None:
    """The image with this ID if the project can see it, asked afresh."""
    with _clients.using(settings) as client:
        found = client.list_images(ImageQuery(id=image_id), max_results=1)
    return found[0] if found else None


async def alookup(query: ImageQuery, selection: Selection, settings: Settings) -> Choice:
    """The choice for `query` and `selection`, looked up on a thread of the lookup pool."""
    found = _kept(_key(settings, query, selection))
    return found if found is not None else await alookup_then(query, selection, settings, _same)


def _same(choice: Choice) -> Choice:
    return choice


async def alookup_then(query: ImageQuery, selection: Selection, settings: Settings, then: Callable[[Choice], T]) -> T:
    """`then` of the choice for `query` and `selection`, worked out on a thread of the lookup pool in the same hop
    as the lookup (a plugin marshals its answer there). Concurrent calls with the same `then` (the same object)
    share one run; identical lookups asked at once with different `then`s are each sent."""
    key = (_key(settings, query, selection), then)
    loop = asyncio.get_running_loop()
    shared = _running.get(key)
    if shared is None or shared.get_loop() is not loop:  # one left on a closed loop is no use
        # Handed to the pool at once (not from a task, which would start on the loop's next turn).
        shared = _running[key] = loop.run_in_executor(_threads, partial(_then, then, query, selection, settings))
        shared.add_done_callback(partial(_finished, key))
    return cast(T, await asyncio.shield(shared))  # a cancelled caller stops waiting; the others still get the result


def _then(then: Callable[[Choice], T], query: ImageQuery, selection: Selection, settings: Settings) -> T:
    return then(lookup(query, selection, settings))


def _finished(key: Hashable, run: asyncio.Future[object]) -> None:
    if _running.get(key) is run:
        del _running[key]
    # Every caller may have stopped waiting (cancelled): the outcome is then nobody's, and not an error to log.
    if not run.cancelled():
        run.exception()


def forget() -> None:
    """Forget every result and client of this process (for tests, or after the catalog changed)."""
    with _results_lock:
        _results.clear()
    _clients.close()
