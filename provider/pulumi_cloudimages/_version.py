"""The package's version: the one source (pyproject.toml reads it here, hatch's `[tool.hatch.version]`),
a constant so that no start-up pays for reading the installed metadata."""

VERSION = "0.1.0"
