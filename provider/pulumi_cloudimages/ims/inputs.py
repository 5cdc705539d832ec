"""What a flag and a whole number accept as input, where pydantic's lax mode would guess: it reads `1`, `"yes"` or
`"off"` as a boolean and `True` as the number 1. A value given for a filter or a setting is either what it says
or refused, naming it (`checked` runs before pydantic's own checks, whose messages then apply; `refusal` words
them, one problem an argument)."""

from __future__ import annotations

from typing import Any, get_args

from pydantic import ValidationError

from ..errors import InvalidQueryError, shown

# Validation context of arguments read back from a stack's state: an earlier version took pydantic's lax reading
# (`"yes"` for true, `True` for 1) and stored what the program gave; that state must keep its meaning.
STORED = "stored"


def checked(annotation: Any, value: Any) -> Any:
    """`value` for a field of type `annotation` (`bool | None`, `int`...): a flag must be true or false, a whole
    number must not be one (nor its text, as stack config gives it); other kinds as they are."""
    kinds = set(get_args(annotation)) or {annotation}
    if bool in kinds:
        return read_flag(value)
    if int in kinds and (isinstance(value, bool) or _flag_text(value)):
        raise ValueError("expected a whole number, not true or false")
    return value


def read_flag(value: Any) -> Any:
    value = as_flag(value)
    if value is None or isinstance(value, bool):
        return value
    raise ValueError("expected true or false")


def as_flag(value: Any) -> Any:
    """The text `true` or `false` (any case: stack config's, and the wire's own spelling) as that boolean; any
    other value as it is."""
    return value.lower() == "true" if _flag_text(value) else value


def _flag_text(value: Any) -> bool:
    return isinstance(value, str) and value.lower() in ("true", "false")


def refusal(exc: ValidationError, what: str) -> InvalidQueryError:
    """pydantic's refusal of some arguments as one error, `what: name=value: reason; ...`, each argument's problem
    also on its own (`problems`) for an adapter to show beside that argument."""
    each = [(str(e["loc"][0]), f"{shown(e.get('input'))}: {reason(e['msg'])}") for e in exc.errors() if e["loc"]]
    problems = tuple(InvalidQueryError(f"{what}: {name}={why}", names=(name,)) for name, why in each)
    text = "; ".join(f"{name}={why}" for name, why in each)
    return InvalidQueryError(f"{what}: {text}", names=tuple(name for name, _ in each), problems=problems)


def reason(message: str) -> str:
    """pydantic's message (`Value error, Expected...`, `Input should be...`) as the end of a sentence."""
    message = message.removeprefix("Value error, ")
    return message[:1].lower() + message[1:]
