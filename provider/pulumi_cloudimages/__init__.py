"""pulumi-cloudimages: find Huawei Cloud machine images (IMS `GET /v2/cloudimages`).

Every name below is loaded on first use, from the folder that owns it: importing one door (`cloudimages`, the
provider plugin, a Pulumi program) loads that door and the core under it, never the other doors (the Pulumi
SDK, the emulator, the state readers)."""

from typing import TYPE_CHECKING

from ._version import VERSION as __version__
from .errors import (
    AmbiguousMatchError,
    ApiError,
    AuthenticationError,
    BadRequestError,
    CloudImagesError,
    ConfigurationError,
    InvalidQueryError,
    InvalidResponseError,
    NoMatchError,
    NotFoundError,
    PermissionDeniedError,
    ProjectDiscoveryError,
    RateLimitedError,
    SelectionError,
    ServerError,
    TransportError,
)

if TYPE_CHECKING:
    from .choice.selection import Selection
    from .ims.auth import SignatureAuth, TokenAuth
    from .ims.client import AsyncImsClient, ImsClient
    from .ims.image import Image
    from .ims.query import ImageQuery, TimeFilter
    from .ims.settings import Settings
    from .outdated.report import OutdatedReport, find_outdated
    from .program.functions import GetImagesError, GetImagesResult, ImageResult, get_images, get_images_output
    from .program.pinned import PinnedImage, PinnedImageError

_MODULES = {
    "Selection": "choice.selection",
    "SignatureAuth": "ims.auth",
    "TokenAuth": "ims.auth",
    "AsyncImsClient": "ims.client",
    "ImsClient": "ims.client",
    "Image": "ims.image",
    "ImageQuery": "ims.query",
    "TimeFilter": "ims.query",
    "Settings": "ims.settings",
    "OutdatedReport": "outdated.report",
    "find_outdated": "outdated.report",
    "GetImagesError": "program.functions",
    "GetImagesResult": "program.functions",
    "ImageResult": "program.functions",
    "get_images": "program.functions",
    "get_images_output": "program.functions",
    "PinnedImage": "program.pinned",
    "PinnedImageError": "program.pinned",
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
    "AmbiguousMatchError",
    "ApiError",
    "AsyncImsClient",
    "AuthenticationError",
    "BadRequestError",
    "CloudImagesError",
    "ConfigurationError",
    "GetImagesError",
    "GetImagesResult",
    "Image",
    "ImageQuery",
    "ImageResult",
    "ImsClient",
    "InvalidQueryError",
    "InvalidResponseError",
    "NoMatchError",
    "NotFoundError",
    "OutdatedReport",
    "PermissionDeniedError",
    "PinnedImage",
    "PinnedImageError",
    "ProjectDiscoveryError",
    "RateLimitedError",
    "Selection",
    "SelectionError",
    "ServerError",
    "Settings",
    "SignatureAuth",
    "TimeFilter",
    "TokenAuth",
    "TransportError",
    "__version__",
    "find_outdated",
    "get_images",
    "get_images_output",
]
