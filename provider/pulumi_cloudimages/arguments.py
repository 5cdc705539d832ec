"""The arguments of `getImages`, whichever door they come through: the filters (`ImageQuery`), how to
choose (`Selection`) and per-call settings (`CallOverrides`), told apart by name.

Every adapter (the Python functions, the provider plugin, the pinned resource) splits its caller's
arguments here, so an argument means the same thing everywhere and is refused with the same words.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from .errors import InvalidQueryError, shown
from .inputs import STORED
from .naming import camel
from .query import ImageQuery, is_filter_name
from .selection import Selection, check_choosable
from .settings import CallOverrides

INPUT_MODELS: tuple[type[BaseModel], ...] = (ImageQuery, Selection, CallOverrides)

# What a PinnedImage cannot take, and why: it pins one image, and keeps the pin itself.
NOT_PINNABLE: dict[str, str] = {
    "group_by": "chooses several images (one per group); a PinnedImage pins one: use most_recent or order_by",
    "return_all": "chooses every match; a PinnedImage pins one: use most_recent or order_by",
    "pinned_id": "a PinnedImage keeps its own pin in the stack's state; change a keeper to move it",
}


ARGUMENT_NAMES: tuple[str, ...] = tuple(name for model in INPUT_MODELS for name in model.model_fields)
_BY_CAMEL = {camel(name): name for name in ARGUMENT_NAMES}


def argument_name(key: str) -> str | None:
    """The Python name of an argument as Pulumi's schema writes it (`minRam` -> `min_ram`), a further support
    flag's too (`supportS4l` -> `support_s4l`, a filter the schema does not list); None for any other key."""
    if key in _BY_CAMEL:
        return _BY_CAMEL[key]
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
    return name if camel(name) == key and is_filter_name(name) else None


# Pulumi's wire carries every number as a float (min_ram=-1 arrives as -1.0): a whole one is that integer.
_INTEGERS = frozenset(
    name
    for model in INPUT_MODELS
    for name, field in model.model_fields.items()
    if int in (field.annotation, *get_args(field.annotation))
)


def split_arguments(args: Mapping[str, Any], *, stored: bool = False) -> tuple[ImageQuery, Selection, CallOverrides]:
    """Filters, selection and overrides from arguments by Python name; None means unset. `stored`: arguments
    read back from a state, which an earlier version may have written with spellings now refused (`"yes"`)."""
    given = {key: _whole(value) if key in _INTEGERS else value for key, value in args.items() if value is not None}
    for key in given:
        if key not in ARGUMENT_NAMES and not (isinstance(key, str) and is_filter_name(key)):
            close = difflib.get_close_matches(str(key), ARGUMENT_NAMES, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise InvalidQueryError(f"unknown argument {shown(key)}{hint}", names=(str(key),))
    selection = _validated(Selection, given, "invalid selection")
    overrides = _validated(CallOverrides, given, "invalid argument")
    query = ImageQuery.model_validate(given, context={STORED: True} if stored else None)
    check_choosable(query)
    return query, selection, overrides


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _validated(model: type[Any], given: dict[str, Any], what: str) -> Any:
    """`model` from the arguments it names, taken out of `given`; one `InvalidQueryError` if they are wrong."""
    mine = {key: given.pop(key) for key in list(given) if key in model.model_fields}
    try:
        return model.model_validate(mine)
    except ValidationError as exc:
        problems = [(str(e["loc"][0]), e) for e in exc.errors() if e["loc"]]
        text = "; ".join(f"{name}={shown(error.get('input'))}: {_reason(error['msg'])}" for name, error in problems)
        raise InvalidQueryError(f"{what}: {text}", names=tuple(name for name, _ in problems)) from None


def _reason(message: str) -> str:
    message = message.removeprefix("Value error, ")
    return message[:1].lower() + message[1:]
