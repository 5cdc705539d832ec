"""The pin: every decision of a `PinnedImage`, whichever adapter serves it (the Python dynamic resource in
`pinned.py`, the provider plugin's `cloudimages:index:PinnedImage`).

- what the inputs mean: `getImages`' filters and the options that choose one image, split by `arguments.py`,
  and `keepers`, a map of strings; values not known yet (a preview) are never refused;
- when the pin moves: only when what the user wrote changes in meaning (a newer image alone never moves it;
  an input not known yet may);
- what create, update, refresh and import write, and which of it must be stored as secrets;
- what a state written by another version, or edited by hand, means: unknown keys are ignored, a missing or
  mistyped output is a `PinnedImageError` that says what to do.

Values are plain data by Python name (`support_kvm`); `word` turns a Python name into the caller's (`camel` for
the plugin) in messages. Unknown values are `pulumi.output.Unknown` objects or the sentinel string.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pulumi
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from ..choice.arguments import ARGUMENT_NAMES, NOT_PINNABLE, as_written, decidable, split_arguments
from ..choice.lookup import find_image, lookup
from ..choice.orders import created_later, withdrawal
from ..choice.outputs import image_values
from ..choice.selection import Selection
from ..errors import CloudImagesError, InvalidQueryError, NoMatchError, shown
from ..ims.image import Image, format_time
from ..ims.query import is_filter_name, sent_texts
from ..ims.settings import CONFIG_KEYS, CONFIG_WORDS, SECRET_SETTINGS, Settings, settings_from_config
from ..naming import PACKAGE, camel, rephrase
from ..redaction import redacted, secret_texts
from .state import KEEPERS, OUTPUTS, PINNED_IMAGE

_PYTHON_NAMES = (*ARGUMENT_NAMES, *CONFIG_KEYS.values(), *OUTPUTS, KEEPERS)
# The outputs that carry an input's value as it is: secret with it.
_CARRIED = {"id": ("image_id", "latest_id"), "exclude_ids": ("revoked",), "exclude_file": ("revoked",)}
_AGAIN = "change a keeper (or a filter) and run `pulumi up` to resolve the pin again"

Word = Callable[[str], str]


class PinnedImageError(CloudImagesError, pulumi.RunError):
    """A PinnedImage could not be resolved or refreshed; the message says why and what to do."""


def is_unknown(value: Any) -> bool:
    """A value not known yet. `python -m pulumi.dynamic` (`pulumi/dynamic/__main__.py`) deserialises the inputs
    of Check and Diff with `rpc.deserialize_properties(..., keep_unknowns=True)`, which makes an unknown a
    `pulumi.output.Unknown` at any depth; the sentinel string is what other paths (and the wire) carry."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


def has_unknown(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(has_unknown(v) for v in value)
    return is_unknown(value)


@dataclass(frozen=True)
class Failure:
    """A refused input: its name in the caller's words, and why."""

    name: str
    reason: str


@dataclass(frozen=True)
class PinState:
    """What to store: values by Python name, the names among them to store as secrets, and warnings to show."""

    values: dict[str, Any]
    secret: frozenset[str] = frozenset()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Imported:
    """An adopted image: the state of a pin on it, and the inputs that reproduce that pin."""

    state: PinState
    inputs: dict[str, Any]


@dataclass
class Pinning:
    """The decisions, for a provider configured with `config` (settings by config key, `endpoint`: values may
    be unknown). `secret_config` names the keys the stack marked secret (the secret settings always are);
    `secret_inputs`, given per call, the inputs the caller marked secret: none of their values is ever quoted,
    and no output repeats them in plain text."""

    config: Mapping[str, Any]
    word: Word = field(default=lambda name: name)
    secret_config: Collection[str] = ()

    # --- check and diff: no request, unknowns allowed ---------------------------------------------------

    def check(self, news: Mapping[str, Any], secret_inputs: Collection[str] = ()) -> list[Failure]:
        """What is wrong with the inputs, every failure at once, each naming its input with its own reason; an
        unknown value is checked once known, as is whatever goes with it."""
        args = _given(news)
        known = {key: value for key, value in args.items() if not has_unknown(value)}
        failures = [
            Failure(self.word(name), f"{self.word(name)}={shown(known[name])}: {self._words(reason)}")
            for name, reason in NOT_PINNABLE.items()
            if name in known
        ]
        keepers = news.get(KEEPERS)
        if keepers is not None and not is_unknown(keepers) and not _string_map(keepers):
            written = shown(as_written(keepers))  # as the program wrote it, not as the wire carried it (1.0)
            reason = f"{self.word(KEEPERS)} must be a map of strings, not {written}"
            failures.append(Failure(self.word(KEEPERS), reason))
        try:
            split_arguments({key: value for key, value in known.items() if key not in NOT_PINNABLE})
        except InvalidQueryError as exc:
            for problem in decidable(exc, not_known=set(args) - set(known)):
                reason = self._message(problem, news, secret_inputs)
                failures += [Failure(self.word(name), reason) for name in problem.names or ("",)]
        texts = self._secret_texts(news, secret_inputs)
        return [Failure(f.name, redacted(f.reason, texts)) for f in failures]

    def changes(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
        """The inputs (Python names) whose change moves the pin: by meaning (`support_kvm="true"` is `True`, no
        keepers is `{}`), so a newer image or a state from another version changes nothing. An input not known
        yet may change. A state whose outputs are damaged and whose inputs did not change is an error that says
        what to do, rather than a pin kept on nothing."""
        changed = sorted(
            _meaning(_arguments(olds), _arguments(news)) | _keeper_changes(olds.get(KEEPERS), news.get(KEEPERS))
        )
        if not changed and self.moved(olds, news) is not None:
            changed = ["chosen_in"]
        if not changed:
            _damage(olds, self.word, check_keepers=False)
        return changed

    def moved(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> str | None:
        """Why a pin must be chosen again where the config now points, in words (`region: cn-north-4 ->
        ap-southeast-1`), or None: it was chosen there, or where is not known (a state from before the record,
        which refresh adds; config or inputs not known yet)."""
        recorded = olds.get("chosen_in")
        if not isinstance(recorded, Mapping) or has_unknown(dict(self.config)) or has_unknown(_given(news)):
            return None
        try:
            now = chosen_in(self._settings(split_arguments(_arguments(news))[2]))
        except CloudImagesError:
            return None  # check refuses the inputs, or Configure the config: not a move
        if recorded.get("region") != now["region"]:
            return f"region: {recorded.get('region')} -> {now['region']}"
        if recorded.get("fingerprint") != now["fingerprint"]:
            return "project, endpoint or cloud: changed"
        return None

    def changed_paths(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
        """The property paths that differ, each with its kind (`add`, `delete`, `update`): a keeper by its key
        (`keepers.rollout`), where the pin was chosen by what moved (`chosen_in.region`)."""
        paths: dict[tuple[str, ...], str] = {}
        for name in self.changes(olds, news):
            if name == KEEPERS and isinstance(news.get(KEEPERS), Mapping | None) and not is_unknown(news.get(KEEPERS)):
                old, new = _keepers(olds.get(KEEPERS)) or {}, _keepers(news.get(KEEPERS)) or {}
                for key in sorted({*old, *new}):
                    if old.get(key) != new.get(key):
                        paths[(KEEPERS, key)] = "add" if key not in old else "delete" if key not in new else "update"
            elif name == "chosen_in":
                moved = self.moved(olds, news) or ""
                paths[("chosen_in", "region" if moved.startswith("region") else "fingerprint")] = "update"
            else:
                was, now = _given(olds).get(name), _given(news).get(name)
                paths[(name,)] = "add" if was is None else "delete" if now is None else "update"
        return paths

    # --- create, update, refresh, import: the lookups --------------------------------------------------

    def resolve(self, inputs: Mapping[str, Any], secret_inputs: Collection[str] = ()) -> PinState:
        """Create or update: choose exactly as `get_images` would, and record the choice."""
        args, keepers = _given(inputs), inputs.get(KEEPERS)
        with self._failing(inputs, secret_inputs):
            query, selection, overrides = split_arguments(args)
            settings = self._settings(overrides)
            choice = lookup(query, selection, settings, fresh=True)
        assert choice.image is not None and choice.latest is not None  # one image is chosen (check refused others)
        values = {
            **args,
            KEEPERS: _keepers(keepers),
            **_pin(choice.image),
            "chosen_in": chosen_in(settings),
            "latest_id": choice.latest.id,
            "upgrade_available": choice.latest.id != choice.image.id,
            "revoked": None,  # never chosen if it were
        }
        return self._stored(values, inputs, secret_inputs, tuple(choice.notes))

    def update(self, olds: Mapping[str, Any], news: Mapping[str, Any], secret_inputs: Collection[str] = ()) -> PinState:
        """Update: resolve the pin again, as at create, because what the user wrote changed. When only keepers
        that another version or a hand edit stored damaged differ (no longer comparable), the keepers are
        written again and the pin is kept: a damaged state never moves it."""
        damaged = olds.get(KEEPERS) is not None and not _string_map(olds.get(KEEPERS))
        if not damaged or _meaning(_arguments(olds), _arguments(news)):
            return self.resolve(news, secret_inputs)
        _damage(olds, self.word, check_keepers=False)  # the pin itself must be whole to be kept
        keepers = news.get(KEEPERS)
        values = {**olds, **_given(news), KEEPERS: _keepers(keepers)}
        warning = (
            f"the state had {shown(olds[KEEPERS])} as {KEEPERS} (expected a map of strings): written again; "
            f"the pin on {olds['image_id']} is kept"
        )
        return self._stored(values, news, secret_inputs, (warning,))

    def refresh(self, state: Mapping[str, Any], secret_inputs: Collection[str] = ()) -> PinState:
        """Refresh: the pin stays; report the newest match (`latest_id`, `upgrade_available`), whether the
        pinned image is still visible and whether it has been put on the revocation list since (`revoked`, the
        reason), with a warning for each. Keys this version does not know are kept as they are."""
        _damage(state, self.word, check_keepers=True, image_required=False)
        pinned = state["image_id"]
        with self._failing(state, secret_inputs):
            query, selection, overrides = split_arguments(_arguments(state), stored=True)
            settings = self._settings(overrides)
            live = find_image(pinned, settings)
            exists = live is not None
            revoked = selection.revocation(pinned)
            try:
                newest = lookup(query, _newest_first(selection), settings, fresh=True).latest
            except NoMatchError:
                newest = None
        latest_id = newest.id if newest is not None else None
        # A later build is an upgrade; an older one (the pinned build withdrawn or revoked) never is.
        upgrade = newest is not None and newest.id != pinned and (live is None or created_later(newest, live))
        if newest is None:
            then = "no image matches the filters any more either: change them to move the pin"
        else:
            older = "" if upgrade or live is None or newest.id == pinned else ", an older build"
            then = f"the newest match is {latest_id}{older}: change a keeper to move the pin"
        restored: tuple[str, ...] = ()
        if state.get("image") is None:  # lost from the state (a hand edit): read again, or nothing to keep it on
            if live is None:
                raise PinnedImageError(f"the state has no {self.word('image')}, and image {pinned} is no longer "
                                       f"visible to read it again; {_AGAIN}")  # fmt: skip
            state = {**state, "image": image_values(live, camel)}
            restored = (f"the state had no {self.word('image')}: read again from the service; the pin on {pinned} "
                        "is kept",)  # fmt: skip
        kept = f"PinnedImage keeps image {pinned} ({shown(state['image'].get('name'))})"
        texts = [*restored, *([f"{kept}, which is no longer visible; {then}"] if not exists else [])]
        withdrawn = withdrawal(live) if live is not None else None
        if withdrawn is not None:
            texts.append(f"{kept}, which is withdrawn ({withdrawn}): it can no longer be launched; {then}")
        if revoked is not None:
            texts.append(f"{kept}, which is now revoked: {revoked}; {then}")
        refreshed = {
            **({"image": image_values(live, camel)} if live is not None else {}),  # its status as it is now
            "latest_id": latest_id,
            "upgrade_available": upgrade,
            "pinned_exists": exists,
            "revoked": revoked,
            "chosen_in": state.get("chosen_in") or chosen_in(settings),  # a state from before the record gets it
        }
        warnings = tuple(redacted(text, self._secret_texts(state, secret_inputs)) for text in texts)
        return self._stored({**state, **refreshed}, state, secret_inputs, warnings)

    def adopt(self, image_id: str) -> Imported:
        """Import (`pulumi import ... <image-id>`: Read with the ID alone): a pin on that image, and the inputs
        that reproduce it exactly (`id`), so that the generated program keeps that image."""
        if isinstance(image_id, str) and image_id.startswith("pin-"):
            raise PinnedImageError(
                f"{shown(image_id)} is a PinnedImage's own ID, which carries nothing to read back: a pin is imported "
                f"by the image ID it keeps (`pulumi import {PINNED_IMAGE} <name> <image-id>`)"
            )
        with self._failing({}, ()):
            settings = self._settings(None)
            image = find_image(image_id, settings) if isinstance(image_id, str) and image_id else None
            if image is None:
                where = f"{CONFIG_WORDS.where('project_id')}, {CONFIG_WORDS.where('region')}"
                raise PinnedImageError(f"image {shown(image_id)} is not visible: check the ID, and {where}")
        inputs = {"id": image.id}
        values = {
            **inputs,
            KEEPERS: None,
            **_pin(image),
            "latest_id": image.id,
            "upgrade_available": False,
            "revoked": None,
            "chosen_in": chosen_in(settings),
        }
        return Imported(self._stored(values, {}, ()), inputs)

    # --- shared ----------------------------------------------------------------------------------------

    def _settings(self, overrides: Any) -> Settings:
        not_known = [key for key, value in self.config.items() if has_unknown(value)]
        if not_known:  # a preview's config computed from elsewhere: never sent as if it were a value
            keys = ", ".join(f"{PACKAGE}:{key}" for key in not_known)
            raise PinnedImageError(f"{keys} is not known yet; nothing was sent")
        return settings_from_config(self.config, overrides)

    def _stored(
        self,
        values: dict[str, Any],
        inputs: Mapping[str, Any],
        secret_inputs: Collection[str],
        warnings: tuple[str, ...] = (),
    ) -> PinState:
        """The values with what must be stored as secrets, by where each output's value comes from, never by what
        its text holds: the secret inputs themselves; `image` when any lookup argument was secret (it may repeat
        a filter's value: a secret `tag` is among its tags); `image_id` and `latest_id` when `id` was (they are
        that value); `revoked` when `exclude_ids` or `exclude_file` was (it quotes the list). A secret keeper
        makes only `keepers` secret: it chooses nothing."""
        secret = {name for name in secret_inputs if name in values}
        if set(secret_inputs) & set(_given(inputs)):
            secret.add("image")
        secret |= {out for given, outs in _CARRIED.items() if given in secret_inputs for out in outs if out in values}
        return PinState(values, frozenset(secret), tuple(self._words(w) for w in warnings))

    def _secret_texts(
        self, props: Mapping[str, Any], secret_inputs: Collection[str], config: bool = True
    ) -> tuple[str, ...]:
        values = [props.get(name) for name in secret_inputs if not has_unknown(props.get(name))]
        values += [sent_texts(name, props.get(name)) for name in secret_inputs if is_filter_name(name)]
        if config:
            secret_keys = {*self.secret_config, *(camel(name) for name in SECRET_SETTINGS)}
            values += [value for key, value in self.config.items() if key in secret_keys and not has_unknown(value)]
        return secret_texts(values)

    def _words(self, text: str) -> str:
        return rephrase(text, _PYTHON_NAMES, self.word)

    def _message(self, exc: CloudImagesError, props: Mapping[str, Any], secret_inputs: Collection[str]) -> str:
        return redacted(self._words(exc.in_words(CONFIG_WORDS.where)), self._secret_texts(props, secret_inputs))

    def _failing(self, props: Mapping[str, Any], secret_inputs: Collection[str]) -> _Failing:
        return _Failing(self, props, secret_inputs)


@dataclass
class _Failing:
    """Turns a core error into a `PinnedImageError` in the caller's words, secrets masked."""

    pinning: Pinning
    props: Mapping[str, Any]
    secret_inputs: Collection[str]

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if isinstance(exc, CloudImagesError):
            message = self.pinning._message(exc, self.props, self.secret_inputs)
            raise PinnedImageError(message) from None


def chosen_in(settings: Settings) -> dict[str, Any]:
    """Where a lookup chooses: the region as it is, and the project and endpoint (the cloud is part of the
    endpoint) only as a fingerprint, since no setting is written to a state in plain text."""
    where = json.dumps([settings.project_id, settings.ims_endpoint()])
    return {"region": settings.region, "fingerprint": hashlib.sha256(where.encode()).hexdigest()[:16]}


def _pin(image: Image) -> dict[str, Any]:
    now = format_time(datetime.now(timezone.utc).replace(microsecond=0))
    return {"image_id": image.id, "image": image_values(image, camel), "pinned_exists": True, "pinned_at": now}


def _given(props: Mapping[str, Any]) -> dict[str, Any]:
    """The lookup's arguments among the inputs as the user wrote them: everything but the keepers, the outputs
    and the engine's own `__` keys. An unknown name stays, for check to refuse."""
    left_out = {*OUTPUTS, KEEPERS}
    return {k: v for k, v in props.items() if k not in left_out and not k.startswith("__") and v is not None}


def _arguments(state: Mapping[str, Any]) -> dict[str, Any]:
    """The lookup's arguments in a state: names this version knows only (a later version's field is ignored)."""
    return {k: v for k, v in _given(state).items() if k in ARGUMENT_NAMES or is_filter_name(k)}


def _meaning(olds: dict[str, Any], news: dict[str, Any]) -> set[str]:
    """The arguments whose meaning differs; an unknown one may differ."""
    unknown = {name for name, value in news.items() if has_unknown(value)}
    old, new = _validated(olds, stored=True), _validated({k: v for k, v in news.items() if k not in unknown})
    if old is None or new is None:  # check refuses these (or a hand-edited state holds them): compared as written
        old, new = olds, {k: v for k, v in news.items() if k not in unknown}
    return unknown | {name for name in {*old, *new} - unknown if old.get(name) != new.get(name)}


def _validated(args: dict[str, Any], *, stored: bool = False) -> dict[str, Any] | None:
    try:
        query, selection, overrides = split_arguments(args, stored=stored)
    except InvalidQueryError:
        return None
    models = (query, selection, overrides)
    values = {name: getattr(model, name) for model in models for name in type(model).model_fields}
    values.update(query.model_extra or {})
    return {name: value for name, value in values.items() if value is not None}


def _keeper_changes(olds: Any, news: Any) -> set[str]:
    if is_unknown(news) or (isinstance(news, Mapping) and has_unknown(news)):
        return {KEEPERS}
    return set() if (_keepers(olds) or {}) == (_keepers(news) or {}) else {KEEPERS}


def _damage(state: Mapping[str, Any], word: Word, *, check_keepers: bool, image_required: bool = True) -> None:
    """A `PinnedImageError` for the first output of the state that is missing or not what this version wrote
    (`image` may be missing when `image_required` is false: refresh reads it again)."""
    pinned, image, keepers = state.get("image_id"), state.get("image"), state.get(KEEPERS)
    if not isinstance(pinned, str) or not pinned:
        what = "has no" if pinned is None else f"has {shown(pinned)} as"
        raise PinnedImageError(f"the state {what} {word('image_id')} (expected an image ID): the pin is lost; {_AGAIN}")
    if image is None and image_required:
        raise PinnedImageError(
            f"the state has no {word('image')} (the attributes of the pinned image {pinned}): run `pulumi refresh` "
            "to read them again (the pin is kept)"
        )
    if image is not None and not isinstance(image, Mapping):
        raise PinnedImageError(
            f"the state has {shown(image)} as {word('image')} (expected a map of the image's attributes): {_AGAIN}"
        )
    if check_keepers and keepers is not None and not _string_map(keepers):
        raise PinnedImageError(
            f"the state has {shown(keepers)} as {word(KEEPERS)} (expected a map of strings): run `pulumi up` to "
            "write them again (it resolves the pin again)"
        )


def _string_map(value: Any) -> bool:
    """A map of strings; a null value is an absent key (an unset config value in C#, as pulumi-random takes it)."""
    return isinstance(value, Mapping) and all(v is None or isinstance(v, str) or is_unknown(v) for v in value.values())


def _keepers(value: Any) -> dict[str, Any] | None:
    """The keepers as stored and compared: null values dropped."""
    return {k: v for k, v in value.items() if v is not None} if isinstance(value, Mapping) else None


def _newest_first(selection: Selection) -> Selection:
    """The same order and name pattern, taking the first match: what `latest_id` reports."""
    return selection.model_copy(update={"most_recent": True})
