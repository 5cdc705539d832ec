"""The arguments of `getImages`, whichever door they come through: the filters (`ImageQuery`), how to
choose (`Selection`) and per-call settings (`CallOverrides`), told apart by name.

Every adapter (the Python functions, the provider plugin, the pinned resource) splits its caller's
arguments here, so an argument means the same thing everywhere and is refused with the same words.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from ..errors import InvalidQueryError, shown
from ..ims.inputs import STORED, refusal
from ..ims.query import ImageQuery, is_filter_name
from ..ims.settings import CallOverrides
from ..naming import camel
from .selection import Selection, check_choosable

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
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
    read back from a state, which an earlier version may have written with spellings now refused (`"yes"`).

    Every argument is checked, before any request: one `InvalidQueryError` names each one at fault, its
    `problems` each with its own reason (an adapter shows every failure at once, beside its argument)."""
    given = {key: as_written(value) if key in _INTEGERS else value for key, value in args.items() if value is not None}
    problems = [_unknown(key) for key in given if not _known(key)]
    given = {key: value for key, value in given.items() if _known(key)}

    def attempt(make: Callable[[], T]) -> T | None:
        try:
            return make()
        except InvalidQueryError as exc:
            problems.append(exc)
            return None

    selection = attempt(lambda: _validated(Selection, given, "invalid selection"))
    overrides = attempt(lambda: _validated(CallOverrides, given, "invalid argument"))
    query = attempt(lambda: ImageQuery.model_validate(given, context={STORED: True} if stored else None))
    if query is not None:
        attempt(lambda: check_choosable(query))
    if problems:
        raise InvalidQueryError.of_all(problems)
    assert query is not None and selection is not None and overrides is not None  # else a problem was found
    return query, selection, overrides


def decidable(exc: InvalidQueryError, not_known: Collection[str]) -> list[InvalidQueryError]:
    """The problems of `exc` that involve no argument whose value is not known yet (`not_known`, left out of the
    arguments in a preview): whether `member_status` has the `visibility` it needs is decided once that is known."""
    return [problem for problem in exc.problems if not set(problem.names) & set(not_known)]


def as_written(value: Any) -> Any:
    """A value as its caller wrote it where Pulumi's wire made every number a float: a whole one is that integer,
    at any depth (`{"a": 1}` arrives as `{"a": 1.0}`)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {key: as_written(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_written(item) for item in value]
    return value


def _known(key: Any) -> bool:
    return key in ARGUMENT_NAMES or (isinstance(key, str) and is_filter_name(key))


def _unknown(key: Any) -> InvalidQueryError:
    close = difflib.get_close_matches(str(key), ARGUMENT_NAMES, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return InvalidQueryError(f"unknown argument {shown(key)}{hint}", names=(str(key),))


def _validated(model: type[M], given: dict[str, Any], what: str) -> M:
    """`model` from the arguments it names, taken out of `given`; one `InvalidQueryError` if they are wrong."""
    mine = {key: given.pop(key) for key in list(given) if key in model.model_fields}
    try:
        return model.model_validate(mine)
    except ValidationError as exc:
        raise refusal(exc, what) from None
