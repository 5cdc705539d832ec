"""A local emulator of IMS `GET /v2/cloudimages`: every filter, tenant isolation, sorting, marker
paging, both error shapes, signature and token checks, and faults on demand.

Behaviour where the API document is silent is described in docs/emulator.md. `Emulator` and `serve` load the web
server on first use: the in-process emulator of `cloudimages --emulator` (`in_process.py`) needs none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .catalog import Catalog, CatalogError
from .faults import Fault
from .sample import PROJECT_A, PROJECT_B, PUBLIC_OWNER, sample_catalog
from .state import Credential, RecordedRequest

if TYPE_CHECKING:
    from .server import Emulator, serve


def __getattr__(name: str) -> object:
    if name in ("Emulator", "serve"):
        from . import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PROJECT_A",
    "PROJECT_B",
    "PUBLIC_OWNER",
    "Catalog",
    "CatalogError",
    "Credential",
    "Emulator",
    "Fault",
    "RecordedRequest",
    "sample_catalog",
    "serve",
]
