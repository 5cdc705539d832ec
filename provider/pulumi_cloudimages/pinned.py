"""`PinnedImage`: a dynamic resource that resolves a lookup once and keeps the chosen image in the stack's
state, so that a newer image never replaces servers by surprise.

- create: chooses exactly as `get_images` would with the same filters and selection;
- a change of the catalog alone changes nothing; `pulumi refresh` shows `latest_id` and
  `upgrade_available`, and `pinned_exists` (with a warning) when the pinned image is gone;
- a change of any filter, selection option or keeper is an update: the pin is resolved again, in place
  (the resource's ID, an opaque pin ID, stays), and `image_id` moves.

Settings (region, endpoint, credentials) come from the stack's `cloudimages:*` config, which the engine
hands the provider in `configure`, else the provider process's environment. The provider object holds
nothing when it is serialised into the state (`__provider`): settings are never captured there.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import pulumi
import pulumi.dynamic
from pulumi.runtime.rpc import UNKNOWN
from typing_extensions import Unpack

from ._args import PinnedImageArgs
from .arguments import NOT_PINNABLE, split_arguments
from .errors import CloudImagesError, InvalidQueryError, NoMatchError, shown
from .image import format_time
from .lookup import find_image, lookup
from .naming import PACKAGE, camel
from .outputs import image_values
from .query import ImageQuery
from .selection import Selection
from .settings import CONFIG_KEYS, CONFIG_WORDS, Settings, settings_from_config

KEEPERS = "keepers"
# What a create or refresh writes besides the inputs.
OUTPUTS = ("image_id", "image", "latest_id", "upgrade_available", "pinned_exists", "pinned_at")


class PinnedImageProvider(pulumi.dynamic.ResourceProvider):
    """The CRUD of `PinnedImage`, run by the engine in the dynamic provider process."""

    # Nothing secret is ever captured (see __getstate__), so the serialised provider need not be a secret.
    serialize_as_secret_always = False
    _config: Mapping[str, Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {}  # settings live in the provider's process only, never in the state

    def configure(self, req: pulumi.dynamic.ConfigureRequest) -> None:
        self._config = {key: req.config.get(f"{PACKAGE}:{key}") for key in CONFIG_KEYS}

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        known = {key: value for key, value in _arguments(news).items() if not _unknown(value)}
        failures = [
            pulumi.dynamic.CheckFailure(name, f"{name}={shown(known[name])}: {reason}")
            for name, reason in NOT_PINNABLE.items()
            if known.get(name) is not None
        ]
        keepers = news.get(KEEPERS)
        if keepers is not None and not _unknown(keepers) and not _string_map(keepers):
            reason = f"{KEEPERS} must be a map of strings, not {shown(keepers)}"
            failures.append(pulumi.dynamic.CheckFailure(KEEPERS, reason))
        if not failures:
            try:
                split_arguments(known)
            except InvalidQueryError as exc:
                failures += [pulumi.dynamic.CheckFailure(name, str(exc)) for name in exc.names or ("",)]
        return pulumi.dynamic.CheckResult(news, failures)

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        return pulumi.dynamic.CreateResult(f"pin-{uuid.uuid4()}", {**props, **self._pin(props)})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        # The catalog is not an input: only what the user wrote can move the pin, and only by what it means
        # (`support_kvm="true"` is `True`; no keepers is `{}`). An input not known yet may move it.
        new = _meaning(news)
        changed = new is None or new != _meaning(olds)
        return pulumi.dynamic.DiffResult(changes=changed, replaces=[], stables=[], delete_before_replace=False)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        return pulumi.dynamic.UpdateResult({**news, **self._pin(news)})

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        pinned = props["image_id"]
        query, selection, settings = self._lookup_parts(props)
        try:
            exists = find_image(pinned, settings) is not None
            newest = lookup(query, _newest_first(selection), settings, fresh=True).latest
        except NoMatchError:
            newest = None
        except CloudImagesError as exc:
            raise PinnedImageError(exc.in_words(CONFIG_WORDS.where)) from None
        latest_id = newest.id if newest else None
        if not exists:
            name = (props.get("image") or {}).get("name")
            then = (
                f"the newest match is {latest_id}: change a keeper to move the pin"
                if latest_id
                else "no image matches the filters any more either: change them to move the pin"
            )
            pulumi.log.warn(f"PinnedImage keeps image {pinned} ({shown(name)}), which is no longer visible; {then}")
        upgrade = latest_id is not None and latest_id != pinned
        refreshed = {"latest_id": latest_id, "upgrade_available": upgrade, "pinned_exists": exists}
        return pulumi.dynamic.ReadResult(id_, {**props, **refreshed})

    def _pin(self, props: dict[str, Any]) -> dict[str, Any]:
        """Resolve the lookup as get_images would, and the outputs that record the choice."""
        query, selection, settings = self._lookup_parts(props)
        try:
            choice = lookup(query, selection, settings, fresh=True)
        except CloudImagesError as exc:
            raise PinnedImageError(exc.in_words(CONFIG_WORDS.where)) from None
        assert choice.image is not None and choice.latest is not None  # one image is chosen (check refused others)
        return {
            "image_id": choice.image.id,
            "image": image_values(choice.image, camel),
            "latest_id": choice.latest.id,
            "upgrade_available": choice.latest.id != choice.image.id,
            "pinned_exists": True,
            "pinned_at": format_time(datetime.now(timezone.utc).replace(microsecond=0)),
        }

    def _lookup_parts(self, props: dict[str, Any]) -> tuple[ImageQuery, Selection, Settings]:
        try:
            query, selection, overrides = split_arguments(_arguments(props))
            return query, selection, settings_from_config(self._config, overrides)
        except CloudImagesError as exc:
            raise PinnedImageError(exc.in_words(CONFIG_WORDS.where)) from None


class PinnedImageError(pulumi.RunError):
    """A PinnedImage could not be resolved; the message says why, as get_images would."""


def _arguments(props: Mapping[str, Any]) -> dict[str, Any]:
    """The lookup's arguments among a resource's properties (not the keepers, outputs or `__provider`)."""
    left_out = {*OUTPUTS, KEEPERS}
    return {key: value for key, value in props.items() if key not in left_out and not key.startswith("__")}


def _meaning(props: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """What decides the pin, as validated values; None while an input is not known yet."""
    args, keepers = _arguments(props), props.get(KEEPERS) or {}
    if _unknown(keepers) or any(_unknown(value) for value in [*args.values(), *dict(keepers).values()]):
        return None
    try:
        query, selection, overrides = split_arguments(args)
    except InvalidQueryError:  # check refuses these; compared as written
        return ("as written", sorted(args.items(), key=str), sorted(dict(keepers).items()))
    return query.to_params(), selection, overrides, sorted(dict(keepers).items())


def _unknown(value: Any) -> bool:
    return isinstance(value, str) and value == UNKNOWN


def _string_map(value: Any) -> bool:
    return isinstance(value, Mapping) and all(isinstance(v, str) or _unknown(v) for v in value.values())


def _newest_first(selection: Selection) -> Selection:
    """The same order and name pattern, taking the first match: what `latest_id` reports."""
    return selection.model_copy(update={"most_recent": True})


class PinnedImage(pulumi.dynamic.Resource, module=PACKAGE, name="PinnedImage"):
    """An image chosen once and kept in the stack's state: a newer image never replaces servers by surprise.

    ```python
    ubuntu = PinnedImage("ubuntu", imagetype="gold", platform="Ubuntu", support_kvm=True,
                         name_regex=r"^Ubuntu 22\\.04 ", most_recent=True, keepers={"image": "2025-q1"})
    server = huaweicloud.compute.Instance("web", image_id=ubuntu.image_id, ...)
    pulumi.export("upgrade_available", ubuntu.upgrade_available)  # after `pulumi refresh`
    ```

    Takes every filter of `get_images` and the options that choose one image (`name_regex`, `most_recent`,
    `order_by`); `keepers` is a map of strings whose change resolves the image again.
    """

    image_id: pulumi.Output[str]
    """The pinned image."""
    image: pulumi.Output[dict[str, Any]]
    """The pinned image's attributes, by the keys of `get_images().image` (camelCase)."""
    latest_id: pulumi.Output[str | None]
    """The newest match at the last create or refresh."""
    upgrade_available: pulumi.Output[bool]
    """Whether latest_id differs from image_id."""
    pinned_exists: pulumi.Output[bool]
    """Whether the pinned image was still visible at the last create or refresh."""
    pinned_at: pulumi.Output[str]
    """When the pin was last resolved (UTC)."""
    keepers: pulumi.Output[dict[str, str] | None]
    """The keepers as given."""

    def __init__(
        self,
        resource_name: str,
        *,
        keepers: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **args: Unpack[PinnedImageArgs],
    ) -> None:
        for name in set(args) & set(NOT_PINNABLE):  # refused here too, before anything is registered
            raise PinnedImageError(f"PinnedImage {resource_name!r}: {name}: {NOT_PINNABLE[name]}")
        given = {key: value for key, value in args.items() if value is not None}
        props = {**dict.fromkeys(OUTPUTS), **given, KEEPERS: keepers}
        super().__init__(PinnedImageProvider(), resource_name, props, opts)
