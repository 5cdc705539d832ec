"""Names across the boundaries: Python's snake_case, Pulumi's camelCase, the API's wire names."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache

PACKAGE = "cloudimages"  # the Pulumi package: config keys are `cloudimages:<key>`
FUNCTION = f"{PACKAGE}:index:getImages"  # the token of the function


@cache  # results are converted field by field, image by image
def camel(python_name: str) -> str:
    """`os_version` -> `osVersion`; a trailing `_` (kept off Python keywords and model names) is dropped."""
    first, *rest = python_name.rstrip("_").split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def option(python_name: str) -> str:
    """The command-line option of a name: `support_kvm` -> `--support-kvm`."""
    return "--" + python_name.rstrip("_").replace("_", "-")


def rephrase(text: str, names: Iterable[str], word: Callable[[str], str]) -> str:
    """`text` with each Python name of `names` written in the caller's words, `word(name)` (e.g. `camel`)."""
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.sub(rf"\b(?:{alternatives})\b", lambda match: word(match.group(0)), text) if alternatives else text
