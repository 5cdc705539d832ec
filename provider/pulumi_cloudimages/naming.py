"""Names across the boundaries: Python's snake_case, Pulumi's camelCase, the API's wire names."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache

PACKAGE = "cloudimages"  # the Pulumi package: config keys are `cloudimages:<key>`
FUNCTION = f"{PACKAGE}:index:getImages"  # the token of the function
LOGGER = "pulumi_cloudimages"  # the logger every module logs under (`logging.getLogger(__name__)`)


@cache  # results are converted field by field, image by image
def camel(python_name: str) -> str:
    """`os_version` -> `osVersion`; a trailing `_` (kept off Python keywords and model names) is dropped."""
    first, *rest = python_name.rstrip("_").split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def option(python_name: str) -> str:
    """The command-line option of a name: `support_kvm` -> `--support-kvm`."""
    return "--" + python_name.rstrip("_").replace("_", "-")


# What a message quotes is data, not names: quoted values and request lines are left as they are.
_QUOTED = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|GET \S+"


def rephrase(text: str, names: Iterable[str], word: Callable[[str], str]) -> str:
    """`text` with each Python name of `names` written in the caller's words, `word(name)` (e.g. `camel`);
    quoted values and request lines are kept as they are."""
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    if not alternatives:
        return text
    pattern = re.compile(rf"{_QUOTED}|(?<![-\w])(?P<name>{alternatives})\b")
    return pattern.sub(lambda match: word(match["name"]) if match["name"] else match.group(0), text)
