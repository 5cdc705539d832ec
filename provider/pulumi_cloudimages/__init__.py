"""pulumi-cloudimages: find Huawei Cloud machine images (IMS `GET /v2/cloudimages`)."""

from .auth import SignatureAuth, TokenAuth
from .client import AsyncImsClient, ImsClient
from .errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    CloudImagesError,
    ConfigurationError,
    InvalidQueryError,
    InvalidResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from .image import Image
from .query import ImageQuery, TimeFilter
from .settings import Settings

__all__ = [
    "ApiError",
    "AsyncImsClient",
    "AuthenticationError",
    "BadRequestError",
    "CloudImagesError",
    "ConfigurationError",
    "Image",
    "ImageQuery",
    "ImsClient",
    "InvalidQueryError",
    "InvalidResponseError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ServerError",
    "Settings",
    "SignatureAuth",
    "TimeFilter",
    "TokenAuth",
    "TransportError",
]
