"""The rule book (`cloudimages-policy.yaml`): which images may ship, written once for the Pulumi policy pack and
the Terraform plan gate alike, as AWS's "Allowed AMIs" and GCP's trusted image projects are for their clouds.

```yaml
trusted_sources: [gold, own]          # also market, shared, or project:<project id>
min_age: 7d                           # soak: no image younger than this
max_age: 365d                         # no image older than this
revocations: [revoked.txt]            # revocation files, relative to this file
ignore: [ignored.txt]                 # ignore files (outdated --ignore-file's syntax), relative to this file
outdated_grace: 30d                   # an outdated image is allowed this long after its successor appeared
names: ['^Ubuntu 22\\.04 ']           # RE2, any of them must match; empty = any name
enforcement:                          # per rule: mandatory (fails), advisory (warns), disabled
  revoked: mandatory
region: cn-north-4                    # optional, else HW_REGION_NAME; endpoint too, else the cloud's
```

A mistake is one `PolicyError` naming the file, the line and the key, and what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, get_args

from ..choice.guards import parse_duration
from ..choice.listfile import read_text
from ..choice.name_regex import compile_name_regex
from ..errors import CloudImagesError, InvalidQueryError

Rule = Literal["revoked", "untrusted", "gone", "withdrawn", "too_young", "too_old", "outdated", "name"]
Level = Literal["mandatory", "advisory", "disabled"]
RULES: tuple[Rule, ...] = get_args(Rule)
LEVELS: tuple[Level, ...] = get_args(Level)
# What a rule book leaves unsaid: the statuses that make an image unusable fail, the rest warn.
DEFAULT_ENFORCEMENT: dict[Rule, Level] = {
    "revoked": "mandatory", "untrusted": "mandatory", "gone": "mandatory", "withdrawn": "mandatory",
    "too_young": "advisory", "too_old": "advisory", "outdated": "advisory", "name": "advisory",
}  # fmt: skip
SOURCES = ("gold", "own", "market", "shared")  # and project:<id>
_PROJECT = re.compile(r"^project:[0-9a-fA-F]{32}$")
_KEYS = ("trusted_sources", "min_age", "max_age", "revocations", "ignore", "outdated_grace", "names", "enforcement",
         "region", "endpoint")  # fmt: skip
MAX_BYTES = 1024 * 1024


class PolicyError(CloudImagesError, ValueError):
    """A rule book that cannot be read or says something not allowed: the file, the line and the key."""


@dataclass(frozen=True)
class Policy:
    """A rule book, read and checked: paths made absolute (relative to the file), durations as written ('7d')."""

    path: str
    trusted_sources: tuple[str, ...] = ("gold", "own")
    min_age: str | None = None
    max_age: str | None = None
    revocations: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    outdated_grace: str | None = None
    names: tuple[str, ...] = ()
    enforcement: Mapping[Rule, Level] = field(default_factory=lambda: dict(DEFAULT_ENFORCEMENT))
    region: str | None = None
    endpoint: str | None = None

    def level(self, rule: Rule) -> Level:
        return self.enforcement.get(rule, DEFAULT_ENFORCEMENT[rule])

    def duration(self, key: Literal["min_age", "max_age", "outdated_grace"]) -> timedelta | None:
        written = getattr(self, key)
        return (parse_duration(written) or None) if written is not None else None


def read_policy(path: str) -> Policy:
    """The rule book at `path`; `PolicyError` naming the file, the line and the key for any mistake."""
    try:
        import yaml  # the rule book's reader: pulumi-cloudimages[policy]
    except ImportError:
        raise PolicyError(
            f"{path}: reading a rule book needs PyYAML: pip install 'pulumi-cloudimages[policy]'"
        ) from None
    text = read_text(path, lambda why: PolicyError(f"{path}: {why}"), MAX_BYTES, "not a rule book")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not YAML: {exc}") from None
    if node is None:
        return Policy(str(Path(path).resolve()))
    if not isinstance(node, yaml.MappingNode):
        raise PolicyError(f"{path} line {node.start_mark.line + 1}: expected a map of the keys {', '.join(_KEYS)}")
    return _Reading(path, yaml).policy(node)


@dataclass
class _Reading:
    """One rule book being read: each value checked where it stands, so that a mistake names its line."""

    path: str
    yaml: Any

    def policy(self, root: Any) -> Policy:
        values: dict[str, Any] = {}
        for key_node, value_node in root.value:
            key = key_node.value
            if key not in _KEYS:
                raise self.refused(key_node, key, f"not a key of a rule book; the keys: {', '.join(_KEYS)}")
            values[key] = getattr(self, f"_{key}")(value_node, key)
        base = Path(self.path).resolve().parent
        for key in ("revocations", "ignore"):
            values[key] = tuple(str(base / name) for name in values.get(key, ()))
        return Policy(str(Path(self.path).resolve()), **values)

    def refused(self, node: Any, key: str, why: str) -> PolicyError:
        return PolicyError(f"{self.path} line {node.start_mark.line + 1}: {key}: {why}")

    def _scalar(self, node: Any, key: str) -> str:
        if not isinstance(node, self.yaml.ScalarNode) or not str(node.value).strip():
            raise self.refused(node, key, "expected a value")
        return str(node.value).strip()

    def _list(self, node: Any, key: str) -> list[tuple[Any, str]]:
        if isinstance(node, self.yaml.ScalarNode) and node.value:  # one value for a list of one
            return [(node, str(node.value))]
        if not isinstance(node, self.yaml.SequenceNode):
            raise self.refused(node, key, "expected a list")
        return [(item, self._scalar(item, key)) for item in node.value]

    def _duration(self, node: Any, key: str) -> str:
        text = self._scalar(node, key)
        try:
            parse_duration(text)
        except ValueError as exc:
            raise self.refused(node, key, f"{text!r}: {exc}") from None
        return text

    def _trusted_sources(self, node: Any, key: str) -> tuple[str, ...]:
        sources = self._list(node, key)
        for item, source in sources:
            if source not in SOURCES and not _PROJECT.match(source):
                raise self.refused(item, key, f"{source!r}: expected {', '.join(SOURCES)} or project:<project id>")
        return tuple(source for _, source in sources)

    _min_age = _max_age = _outdated_grace = _duration

    def _revocations(self, node: Any, key: str) -> tuple[str, ...]:
        return tuple(name for _, name in self._list(node, key))

    _ignore = _revocations

    def _names(self, node: Any, key: str) -> tuple[str, ...]:
        patterns = self._list(node, key)
        for item, pattern in patterns:
            try:
                compile_name_regex(pattern)
            except InvalidQueryError as exc:
                raise self.refused(item, key, f"{pattern!r}: {exc}") from None
        return tuple(pattern for _, pattern in patterns)

    def _enforcement(self, node: Any, key: str) -> dict[Rule, Level]:
        if not isinstance(node, self.yaml.MappingNode):
            raise self.refused(node, key, f"expected a map of rule: level (rules: {', '.join(RULES)})")
        levels: dict[Rule, Level] = dict(DEFAULT_ENFORCEMENT)
        for rule_node, level_node in node.value:
            rule, level = rule_node.value, self._scalar(level_node, f"{key}.{rule_node.value}")
            if rule not in RULES:
                raise self.refused(rule_node, f"{key}.{rule}", f"not a rule; the rules: {', '.join(RULES)}")
            if level not in LEVELS:
                raise self.refused(level_node, f"{key}.{rule}", f"{level!r}: expected {', '.join(LEVELS)}")
            levels[rule] = level
        return levels

    _region = _endpoint = _scalar
