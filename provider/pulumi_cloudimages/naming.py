"""Names across the boundaries: Python's snake_case, Pulumi's camelCase, the API's wire names."""

from __future__ import annotations


def camel(python_name: str) -> str:
    """`os_version` -> `osVersion`; a trailing `_` (kept off Python keywords and model names) is dropped."""
    first, *rest = python_name.rstrip("_").split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def option(python_name: str) -> str:
    """The command-line option of a name: `support_kvm` -> `--support-kvm`."""
    return "--" + python_name.rstrip("_").replace("_", "-")
