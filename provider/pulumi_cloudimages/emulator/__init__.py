"""A local emulator of IMS `GET /v2/cloudimages`: every filter, tenant isolation, sorting, marker
paging, both error shapes, signature and token checks, and faults on demand.

Behaviour where the API document is silent is described in docs/emulator.md.
"""

from .catalog import Catalog, CatalogError
from .faults import Fault
from .sample import PROJECT_A, PROJECT_B, PUBLIC_OWNER, sample_catalog
from .server import Emulator, serve
from .state import Credential, RecordedRequest

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
