"""Project ID discovery, as the official SDK does it: a signed `GET {iam}/v3/projects?name={region}`.

The answer must name exactly one project. It is kept for the life of the process, so a program that
makes many lookups asks IAM once.
"""

from __future__ import annotations

from typing import ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import ConfigurationError, InvalidResponseError
from .responses import excerpt, raise_for_error


class _Project(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    name: str | None = None


class _Projects(BaseModel):
    model_config = ConfigDict(defer_build=True)

    projects: list[_Project]


class ProjectLookup:
    """Finds the project ID of `region` through IAM at `iam_endpoint`, once per process."""

    _found: ClassVar[dict[tuple[str, str, str], str]] = {}

    def __init__(self, iam_endpoint: str, region: str, access_key: str) -> None:
        self.iam_endpoint = iam_endpoint.rstrip("/")
        self.region = region
        self._key = (self.iam_endpoint, region, access_key)

    @property
    def project_id(self) -> str | None:
        return self._found.get(self._key)

    def request(self) -> httpx.Request:
        return httpx.Request("GET", f"{self.iam_endpoint}/v3/projects", params={"name": self.region})

    def accept(self, response: httpx.Response) -> str:
        raise_for_error(response)
        try:
            projects = _Projects.model_validate_json(response.content).projects
        except ValidationError:
            raise InvalidResponseError(
                f"IAM answered the project lookup with an unexpected body: {excerpt(response.content)}"
            ) from None
        if len(projects) != 1:
            raise ConfigurationError(
                f"IAM at {self.iam_endpoint} knows {len(projects)} projects named {self.region!r}, expected "
                f"exactly one; set project_id (or HW_PROJECT_ID) explicitly"
            )
        self._found[self._key] = projects[0].id
        return projects[0].id

    @classmethod
    def forget_all(cls) -> None:
        """Drop every discovered project ID (for tests, and after credentials change)."""
        cls._found.clear()
