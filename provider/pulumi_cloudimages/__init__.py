"""pulumi-cloudimages: find Huawei Cloud machine images (IMS `GET /v2/cloudimages`)."""

from typing import TYPE_CHECKING

from ._version import VERSION as __version__
from .choice.selection import Selection
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
from .ims.auth import SignatureAuth, TokenAuth
from .ims.client import AsyncImsClient, ImsClient
from .ims.image import Image
from .ims.query import ImageQuery, TimeFilter
from .ims.settings import Settings
from .outdated.report import OutdatedReport, find_outdated

# The Pulumi functions load the Pulumi SDK; they are imported on first use, so that the client and the
# command line start without it.
if TYPE_CHECKING:
    from .program.functions import GetImagesError, GetImagesResult, ImageResult, get_images, get_images_output
    from .program.pinned import PinnedImage, PinnedImageError

_PULUMI_NAMES = {
    "GetImagesError": "program.functions",
    "GetImagesResult": "program.functions",
    "ImageResult": "program.functions",
    "get_images": "program.functions",
    "get_images_output": "program.functions",
    "PinnedImage": "program.pinned",
    "PinnedImageError": "program.pinned",
}


def __getattr__(name: str) -> object:
    if name in _PULUMI_NAMES:
        import importlib

        return getattr(importlib.import_module(f".{_PULUMI_NAMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
