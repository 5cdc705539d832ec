"""A local emulator of IMS `GET /v2/cloudimages`: every filter, tenant isolation, sorting, marker
paging, both error shapes, signature and token checks, and faults on demand.

Behaviour where the API document is silent is described in docs/emulator.md. The names below load on first use:
the in-process emulator of `cloudimages --emulator` (`in_process.py`) needs no web server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .catalog import Catalog, CatalogError
    from .faults import Fault
    from .sample import PROJECT_A, PROJECT_B, PUBLIC_OWNER, sample_catalog
    from .server import Emulator, serve
    from .state import Credential, RecordedRequest

_MODULES = {
    "Catalog": "catalog",
    "CatalogError": "catalog",
    "Fault": "faults",
    "PROJECT_A": "sample",
    "PROJECT_B": "sample",
    "PUBLIC_OWNER": "sample",
    "sample_catalog": "sample",
    "Emulator": "server",
    "serve": "server",
    "Credential": "state",
    "RecordedRequest": "state",
}


def __getattr__(name: str) -> object:
    if name in _MODULES:
        import importlib

        value = getattr(importlib.import_module(f".{_MODULES[name]}", __name__), name)
        globals()[name] = value  # once loaded, an ordinary attribute
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


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
