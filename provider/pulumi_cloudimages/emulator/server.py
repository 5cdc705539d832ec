"""Running the emulator behind a port: on a thread of this process for tests (`Emulator`), or as a server (`serve`,
behind `cloudimages serve`)."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import signal
import socket
import sys
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import uvicorn
from typing_extensions import Self

from .app import create_app
from .catalog import Catalog
from .faults import Fault, FaultKind
from .sample import sample_catalog
from .state import Credential, EmulatorState, RequestLog
from .web import ConnectionDropped

if TYPE_CHECKING:
    from ..ims.client import ImsClient

# What a catalog may be given as: loaded, a catalog file's path, or a catalog document (`{"images": [...]}`).
CatalogSource = Catalog | str | Path | Mapping[str, Any]


def _catalog(catalog: CatalogSource | None) -> Catalog:
    if catalog is None:
        return sample_catalog()
    if isinstance(catalog, Mapping):  # a copy: reading a document consumes its images list
        return Catalog.from_data(json.loads(json.dumps(catalog)), "the catalog document given")
    return catalog if isinstance(catalog, Catalog) else Catalog.load(catalog)


def _state(
    catalog: CatalogSource | None,
    credentials: Iterable[Credential | str],
    tokens: Mapping[str, str] | None,
    latency: float,
    log_size: int,
) -> EmulatorState:
    return EmulatorState(
        catalog=_catalog(catalog),
        credentials=tuple(c if isinstance(c, Credential) else Credential.parse(c) for c in credentials),
        tokens=dict(tokens or {}),
        latency=latency,
        requests=RequestLog(log_size),
    )


def _bound_socket(host: str, port: int) -> socket.socket:
    # Naming IPPROTO_TCP lets asyncio set TCP_NODELAY on each connection (else small answers wait ~40 ms).
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def _exposure(sock: socket.socket) -> str | None:
    """A warning when the socket can be reached from other machines: the admin API is unsigned."""
    host = sock.getsockname()[0]
    address = ipaddress.ip_address(host.partition("%")[0])  # an IPv6 address may name its interface: fe80::1%eth0
    if address.is_loopback:
        return None
    where = f"every interface ({host})" if address.is_unspecified else f"{host}, reachable from other machines"
    return (
        f"warning: listening on {where}: anyone who can reach it can read the request log, queue faults and "
        "replace the catalog through the unsigned admin API under /_emulator/"
    )


class _OneLineFaults(logging.Filter):
    """uvicorn logs the exception that ends a dropped or truncated answer with its traceback; that answer is the
    fault a test asked for, so it is logged as one line, the exception's message, as a warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        dropped = record.exc_info[1] if record.exc_info else None
        if isinstance(dropped, ConnectionDropped):
            record.msg, record.args, record.exc_info, record.exc_text = str(dropped), (), None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _Server(uvicorn.Server):
    """uvicorn's server, stopped at once: its main loop looks at `should_exit` every 0.1 s, and so did every
    command and test that started an emulator wait that long to stop it; this one also wakes when told."""

    async def main_loop(self) -> None:
        self._loop, self._woken = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):  # on_tick: the Date header each second, signals, limits
            counter = (counter + 1) % 864000
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._woken.wait(), 0.1)

    def wake(self) -> None:
        self.should_exit = True
        loop = getattr(self, "_loop", None)
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._woken.set)


class Emulator:
    """The emulated IMS on a free local port, for the life of a `with` block.

    ```python
    with Emulator() as ims:                          # the bundled sample catalog, no credentials needed
        ims.inject("status", status=503, times=2)    # the next two requests fail
        images = ims.client(project_id=...).list_images(imagetype="gold")
    ```
    """

    def __init__(
        self,
        catalog: CatalogSource | None = None,
        *,
        credentials: Iterable[Credential | str] = (),
        tokens: Mapping[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        log_size: int = 1000,
    ) -> None:
        self.state = _state(catalog, credentials, tokens, latency, log_size)
        self._socket = _bound_socket(host, port)
        self.url = _url(self._socket)
        config = uvicorn.Config(create_app(self.state), log_level="critical", lifespan="off", access_log=False)
        self._server = _Server(config)
        self._thread: threading.Thread | None = None

    @property
    def requests(self) -> RequestLog:
        """The last `log_size` requests received, oldest first (faulty ones included)."""
        return self.state.requests

    def inject(
        self,
        kind: FaultKind = "status",
        *,
        times: int = 1,
        status: int | None = None,
        retry_after: float | None = None,
        seconds: float = 0.0,
    ) -> None:
        """Make the next `times` requests misbehave (see `Fault`)."""
        self.state.faults.add(Fault.make(kind, status=status, retry_after=retry_after, seconds=seconds), times)

    def replace_catalog(self, catalog: CatalogSource) -> None:
        """Serve another catalog from the next request on (a newer image published, an image deleted...): a
        `Catalog`, a catalog file's path, or a catalog document (`{"images": [...]}`)."""
        self.state.replace_catalog(_catalog(catalog))

    def client(self, **options: Any) -> ImsClient:
        """An `ImsClient` pointed at this emulator (options as for `ImsClient`)."""
        from ..ims.client import ImsClient  # the client's HTTP stack: 4 MB a served emulator needs not hold

        return ImsClient(endpoint=self.url, **options)

    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="ims-emulator", daemon=True
        )
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the emulator failed to start")
            threading.Event().wait(0.005)
        return self

    def stop(self, *, wait: bool = True) -> None:
        """Stop serving. `wait=False` leaves the server to finish its graceful shutdown (about 0.1 s, uvicorn's)
        on its own thread, which the process does not wait for at exit: for a caller that asks nothing more."""
        self._server.wake()
        if wait and self._thread is not None:
            self._thread.join(timeout=5)
            self._socket.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def serve(
    catalog: str | Path | None,
    *,
    host: str,
    port: int,
    credentials: Iterable[str],
    tokens: Mapping[str, str],
    log_size: int = 1000,
) -> None:
    """Serve until SIGINT/SIGTERM; the first line on stdout is `listening on URL`."""
    state = _state(catalog, credentials, tokens, 0.0, log_size)
    sock = _bound_socket(host, port)
    print(f"listening on {_url(sock)}", flush=True)
    warning = _exposure(sock)
    if warning is not None:
        print(warning, file=sys.stderr, flush=True)
    config = uvicorn.Config(create_app(state), log_level="warning", lifespan="off", access_log=False)
    logging.getLogger("uvicorn.error").addFilter(_OneLineFaults())  # after Config, which sets up uvicorn's logging
    # uvicorn stops on SIGINT/SIGTERM, then raises the signal again for whoever handled it before; stopping
    # was the request, so that second delivery is ignored and the command ends with status 0.
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, lambda *_: None)
    uvicorn.Server(config).run(sockets=[sock])
