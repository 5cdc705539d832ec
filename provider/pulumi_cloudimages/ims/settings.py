"""Where to send requests and as whom: region or endpoint, credentials, project.

Each setting comes from the argument when given, else from the environment, in the order of
`ENVIRONMENT` (the Terraform/bridged-Pulumi `HW_*` names first, then the official SDK's). OpenStack
`OS_*` variables are never read: an unrelated `OS_AUTH_URL` must not redirect Huawei calls.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict, get_args

import httpx
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from typing_extensions import Unpack

from ..errors import ConfigurationError, shown
from ..naming import camel
from .auth import SignatureAuth, TokenAuth
from .inputs import checked, reason
from .project import ProjectLookup

DEFAULT_CLOUD = "myhuaweicloud.com"
# Each retry waits up to 20 s (see retry.py): ten already make a lookup that may last minutes.
MAX_RETRIES = 10
# Regions whose endpoints live under another domain than DEFAULT_CLOUD (as the official SDK knows them).
REGION_CLOUDS = {"eu-west-101": "myhuaweicloud.eu"}

ENVIRONMENT: dict[str, tuple[str, ...]] = {
    "region": ("HW_REGION_NAME",),
    "cloud": ("HW_CLOUD",),
    "access_key": ("HW_ACCESS_KEY", "HUAWEICLOUD_SDK_AK"),
    "secret_key": ("HW_SECRET_KEY", "HUAWEICLOUD_SDK_SK"),
    "security_token": ("HW_SECURITY_TOKEN", "HUAWEICLOUD_SDK_SECURITY_TOKEN"),
    "project_id": ("HW_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"),
    "auth_token": ("HW_AUTH_TOKEN",),
    "iam_endpoint": ("HUAWEICLOUD_SDK_IAM_ENDPOINT",),
    "max_retries": ("HW_MAX_RETRIES",),
    "insecure": ("HW_INSECURE",),
}


@dataclass(frozen=True)
class Vocabulary:
    """How a caller names settings in messages: `name(key)` alone (an invalid value), `where(key)` with
    everywhere it can be set (a missing one). Each door has its own: Python names, command-line options,
    Pulumi config keys."""

    name: Callable[[str], str]
    where: Callable[[str], str]


def environment_hint(key: str) -> str:
    """` (or HW_REGION_NAME)`: the environment variable that can stand in for a setting, if any."""
    names = ENVIRONMENT.get(key)
    return f" (or {names[0]})" if names else ""


PYTHON_WORDS = Vocabulary(name=lambda key: key, where=lambda key: key + environment_hint(key))
# In Pulumi programs and the provider plugin: the stack's config keys, and for region and endpoint the
# function's arguments too.
CONFIG_WORDS = Vocabulary(
    name=lambda key: f"cloudimages:{camel(key)}",
    where=lambda key: (
        f"cloudimages:{camel(key)}"
        + (f" or the {key} argument" if key in CallOverrides.model_fields else "")
        + environment_hint(key)
    ),
)


class ConnectionOptions(TypedDict, total=False):
    """The keyword arguments that choose where and as whom (None = take it from the environment)."""

    region: str | None
    endpoint: str | None
    cloud: str | None
    iam_endpoint: str | None
    access_key: str | None
    secret_key: str | None
    security_token: str | None
    auth_token: str | None
    project_id: str | None
    insecure: bool | None
    max_retries: int | None


_REGION = re.compile(r"^[a-z]{2}(-[a-z0-9]+)+$")


def _region_shape(value: str) -> str:
    if not _REGION.match(value):
        raise ValueError("expected a region name such as cn-north-4 or ap-southeast-1")
    return value


def _http_url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError("expected an http:// or https:// URL")
    try:
        host = httpx.URL(value).raw_host.decode("ascii")  # IDNs as xn--...
    except httpx.InvalidURL as exc:
        raise ValueError(f"expected an http:// or https:// URL ({exc})") from None
    # httpx percent-encodes what a host name cannot hold ("bad host" -> "bad%20host") instead of refusing it.
    if not _HOST.fullmatch(host):
        raise ValueError("expected an http:// or https:// URL with a host name or an IP address")
    return value.rstrip("/")


_HOST = re.compile(r"[A-Za-z0-9.-]+|[0-9A-Fa-f:.]+")  # a name, IPv4, or IPv6 (unbracketed)


def _header_text(value: str) -> str:
    # Sent in a header (X-Project-Id, X-Auth-Token...): visible ASCII only, else nothing could send it.
    if not all("!" <= character <= "~" for character in value):
        raise ValueError("expected visible ASCII characters only (no spaces, line breaks or accents)")
    return value


# Checked alike wherever they are set: in configuration, and per call.
Region = Annotated[str, AfterValidator(_region_shape)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
HeaderText = Annotated[str, AfterValidator(_header_text)]


class CallOverrides(BaseModel):
    """Settings a single lookup may override (the rest come from configuration and the environment)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    region: Region | None = Field(None, description="Region for this lookup only, instead of the configured one.")
    endpoint: HttpUrl | None = Field(
        None, description="IMS endpoint URL for this lookup only, instead of the configured one."
    )


class Settings(BaseModel):
    """Resolved connection settings. Secrets are `SecretStr`: they never show in reprs or messages."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    region: Region | None = Field(None, description="Region, e.g. cn-north-4 (HW_REGION_NAME).")
    endpoint: HttpUrl | None = Field(
        None, description="IMS endpoint URL instead of the region's (e.g. a local emulator)."
    )
    cloud: str | None = Field(None, description="Cloud domain (HW_CLOUD); default myhuaweicloud.com.")
    iam_endpoint: HttpUrl | None = Field(
        None, description="IAM endpoint URL for project discovery (HUAWEICLOUD_SDK_IAM_ENDPOINT)."
    )
    access_key: HeaderText | None = Field(None, description="Access key ID (HW_ACCESS_KEY).")
    secret_key: SecretStr | None = Field(None, description="Secret access key (HW_SECRET_KEY).")
    security_token: SecretStr | None = Field(
        None, description="Security token of temporary credentials (HW_SECURITY_TOKEN)."
    )
    auth_token: SecretStr | None = Field(None, description="IAM token, instead of an access key pair (HW_AUTH_TOKEN).")
    project_id: HeaderText | None = Field(
        None, description="Project ID (HW_PROJECT_ID); discovered from the region if unset."
    )
    insecure: bool = Field(False, description="Skip TLS certificate verification (HW_INSECURE).")
    max_retries: int = Field(
        3, ge=0, le=MAX_RETRIES, description="Retries of connection errors, 429 and 5xx answers (HW_MAX_RETRIES)."
    )

    @field_validator("max_retries", mode="before")
    @classmethod
    def _not_a_flag(cls, value: Any) -> Any:
        # `insecure` keeps the spellings its environment variable may have (HW_INSECURE=1).
        return checked(int, value)

    @field_validator("security_token", "auth_token")
    @classmethod
    def _sendable(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _header_text(value.get_secret_value())
        return value

    @classmethod
    def resolve(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        words: Vocabulary | None = None,
        **given: Unpack[ConnectionOptions],
    ) -> Settings:
        """Arguments that are not None, else the environment; then check that they make sense together.
        Messages name the settings in `words` (default: Python names and their environment variables)."""
        env = os.environ if env is None else env
        for key in given:
            if key not in cls.model_fields:
                close = difflib.get_close_matches(key, cls.model_fields, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ConfigurationError(f"unknown setting {shown(key)}{hint}", setting=key)
        values: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
        sources: dict[str, str] = {}  # settings read from the environment, by the variable that held them
        for key, names in ENVIRONMENT.items():
            if key not in values:
                name = next((name for name in names if env.get(name)), None)
                if name is not None:
                    values[key], sources[key] = env[name], name
        settings = cls.validated(values, words, sources)
        settings._check_combination(words or PYTHON_WORDS)
        return settings

    @classmethod
    def validated(
        cls,
        values: Mapping[str, Any],
        words: Vocabulary | None = None,
        sources: Mapping[str, str] | None = None,
        *,
        quote: bool = True,
    ) -> Settings:
        """Settings from values by Python name, each checked alone; a `ConfigurationError` names the first bad
        one as the caller set it: in its words, or the environment variable it came from (`sources`). Its value
        is quoted unless it is a secret setting, or `quote` is false: a caller that cannot tell which values
        were marked secret says only what is wrong with it."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            key = str(first["loc"][0])
            name = (sources or {}).get(key) or (words or PYTHON_WORDS).name(key)
            if quote:
                name += "=***" if key in SECRET_SETTINGS else f"={shown(first['input'])}"
            raise ConfigurationError(f"invalid setting {name}: {reason(first['msg'])}", setting=key) from None

    def _check_combination(self, words: Vocabulary) -> None:
        name, where = words.name, words.where
        if self.endpoint is None and self.region is None:
            raise ConfigurationError(f"no region: set {where('region')}, or {where('endpoint')}", setting="region")
        if (self.access_key is None) != (self.secret_key is None):
            missing = "secret_key" if self.secret_key is None else "access_key"
            raise ConfigurationError(
                f"an access key pair needs both halves: {where(missing)} is missing", setting=missing
            )
        if self.access_key is not None and self.auth_token is not None:
            raise ConfigurationError(
                f"both an access key pair and {name('auth_token')} are set; keep one of them", setting="auth_token"
            )
        if self.security_token is not None and self.access_key is None:
            raise ConfigurationError(
                f"{name('security_token')} is only used with an access key pair (temporary credentials)",
                setting="security_token",
            )
        if self.access_key is None and self.auth_token is None and self.endpoint is None:
            raise ConfigurationError(
                f"no credentials: set {where('access_key')} and {where('secret_key')}, or {where('auth_token')}; "
                f"a local emulator needs none ({where('endpoint')})",
                setting="access_key",
            )
        if self.access_key is not None and self.project_id is None and self.region is None:
            raise ConfigurationError(
                f"AK/SK signing needs a project: set {where('project_id')}, or {where('region')} to discover it",
                setting="project_id",
            )

    def domain(self) -> str:
        return self.cloud or REGION_CLOUDS.get(self.region or "", DEFAULT_CLOUD)

    def ims_endpoint(self) -> str:
        return self.endpoint or f"https://ims.{self.region}.{self.domain()}"

    def iam(self) -> str:
        return self.iam_endpoint or f"https://iam.{self.region}.{self.domain()}"

    def auth(self) -> httpx.Auth | None:
        """How to authenticate: AK/SK signing, an IAM token, or nothing (a local emulator)."""
        if self.access_key is not None and self.secret_key is not None:
            project: str | ProjectLookup | None = self.project_id or ProjectLookup(
                self.iam(), str(self.region), self.access_key
            )
            return SignatureAuth(
                self.access_key,
                self.secret_key.get_secret_value(),
                security_token=self.security_token.get_secret_value() if self.security_token else None,
                project=project,
            )
        if self.auth_token is not None:
            return TokenAuth(self.auth_token.get_secret_value(), project_id=self.project_id)
        return None

    def anonymous_headers(self) -> dict[str, str]:
        """Unsigned requests (a local emulator) still name their project."""
        anonymous = self.access_key is None and self.auth_token is None
        return {"X-Project-Id": self.project_id} if anonymous and self.project_id else {}


# The settings never shown (masked in messages, secret in the schema): those the model keeps as `SecretStr`.
SECRET_SETTINGS = frozenset(
    name
    for name, field in Settings.model_fields.items()
    if SecretStr in (field.annotation, *get_args(field.annotation))
)
# The Pulumi config keys (`cloudimages:<key>`) of the settings: their camelCase names.
CONFIG_KEYS: dict[str, str] = {camel(name): name for name in Settings.model_fields}


def unknown_config_key(key: str) -> str:
    """What to say of a config key that is not a setting: the nearest one, and the list."""
    close = difflib.get_close_matches(key, CONFIG_KEYS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown config key {shown(key)}{hint} (the keys are: {', '.join(CONFIG_KEYS)})"


def config_values(config: Mapping[str, Any]) -> dict[str, Any]:
    """Config by key (`maxRetries`) to values by Python name (`max_retries`); None means unset.

    Values may be the text a stack's config holds (`"3"`, `"true"`): the settings model reads them.
    An unknown key is a `ConfigurationError` naming the nearest known one.
    """
    values: dict[str, Any] = {}
    for key, value in config.items():
        if key not in CONFIG_KEYS:
            raise ConfigurationError(unknown_config_key(key), setting=key)
        if value is not None:
            values[CONFIG_KEYS[key]] = value
    return values


def settings_from_config(config: Mapping[str, Any], overrides: CallOverrides | None = None) -> Settings:
    """Settings for one lookup: the call's overrides, else the config (by key), else the environment;
    messages name the config keys."""
    given = config_values(config)
    if overrides is not None:
        given.update(overrides.model_dump(exclude_none=True))
    return Settings.resolve(words=CONFIG_WORDS, **given)
