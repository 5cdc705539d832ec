"""The package's version, read once from its installed metadata (pyproject.toml is the source)."""

from importlib.metadata import version

VERSION = version("pulumi-cloudimages")
