"""`PinnedImage`: a dynamic resource that resolves a lookup once and keeps the chosen image in the stack's
state, so that a newer image never replaces servers by surprise.

This module is the Python adapter of `pinning.py`, which decides everything (what the inputs mean, when the
pin moves, what create, update and refresh write); here the engine's dynamic-provider calls are translated:

- Settings (region, endpoint, credentials) come from the stack's `cloudimages:*` config, which the engine
  hands the provider in `configure`, else the provider process's environment. The provider object holds
  nothing when it is serialised into the state (`__provider`): settings are never captured there.
- Secrets: the dynamic provider server answers Configure with `acceptSecrets=False`
  (`pulumi/dynamic/__main__.py`), so the engine strips every secret wrapper before the provider sees its
  inputs or config. The program, which still knows, registers the names of the inputs and of the
  `cloudimages:*` config keys marked secret as `__secrets`; the provider masks those values in messages and
  returns wrapped as secrets the outputs that would repeat them (`image`), which the engine keeps secret.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi.dynamic
from pulumi.runtime.rpc import UNKNOWN, wrap_rpc_secret
from typing_extensions import Unpack

from ..choice.arguments import NOT_PINNABLE
from ..ims.settings import CONFIG_KEYS
from ..naming import PACKAGE
from ..pin.pinning import PinnedImageError, Pinning, PinState
from ..pin.state import KEEPERS, OUTPUTS, STATE_MARKERS
from ._args import PinnedImageArgs
from .stack_config import warn_of_unknown_config_keys

__all__ = ["PinnedImage", "PinnedImageError", "PinnedImageProvider"]

SECRETS = "__secrets"  # the input names and `cloudimages:<key>` config keys the program marked secret


class PinnedImageProvider(pulumi.dynamic.ResourceProvider):
    """The CRUD of `PinnedImage`, run by the engine in the dynamic provider process: each call is one of
    `Pinning`'s."""

    # Nothing secret is ever captured (see __getstate__), so the serialised provider need not be a secret.
    serialize_as_secret_always = False
    _config: Mapping[str, Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {}  # settings live in the provider's process only, never in the state

    def configure(self, req: pulumi.dynamic.ConfigureRequest) -> None:
        # `pulumi/dynamic/__main__.py` deserialises Configure's args without keeping unknowns: a value not known
        # yet arrives as an Unknown (in a preview), or as a key holding None (a secret one, once unwrapped; read
        # from the raw map, `Config.get` cannot tell it from an unset key); a plain one is dropped before us.
        raw: Mapping[str, Any] = getattr(req.config, "_props", {})
        keys = {key: f"{PACKAGE}:{key}" for key in CONFIG_KEYS}
        self._config = {
            key: UNKNOWN if full in raw and raw[full] is None else req.config.get(full) for key, full in keys.items()
        }

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        failures = self._pinning(news).check(news, _secret_inputs(news))
        return pulumi.dynamic.CheckResult(news, [pulumi.dynamic.CheckFailure(f.name, f.reason) for f in failures])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        pinning = self._pinning(news)
        changed = pinning.changes(olds, news)
        moved = pinning.moved(olds, news)
        if moved is not None:
            pulumi.log.warn(f"PinnedImage is chosen again where the config now points ({moved})")
        return pulumi.dynamic.DiffResult(changes=bool(changed), replaces=[], stables=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        state = self._pinning(props).resolve(props, _secret_inputs(props))
        return pulumi.dynamic.CreateResult(f"pin-{uuid.uuid4()}", _outputs(state, props))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        return pulumi.dynamic.UpdateResult(_outputs(self._pinning(news).update(olds, news, _secret_inputs(news)), news))

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        pinning = self._pinning(props)
        if all(props.get(name) is None for name in STATE_MARKERS):  # a read by ID alone: no pin's state to refresh
            adopted = pinning.adopt(id_)
            return pulumi.dynamic.ReadResult(id_, _outputs(adopted.state, {**props, **adopted.inputs}))
        return pulumi.dynamic.ReadResult(id_, _outputs(pinning.refresh(props, _secret_inputs(props)), props))

    def _pinning(self, props: Mapping[str, Any]) -> Pinning:
        secret_config = [name.removeprefix(f"{PACKAGE}:") for name in _secrets(props) if name.startswith(f"{PACKAGE}:")]
        return Pinning(self._config, secret_config=secret_config)


def _secrets(props: Mapping[str, Any]) -> list[str]:
    names = props.get(SECRETS)
    return [name for name in names if isinstance(name, str)] if isinstance(names, list) else []


def _secret_inputs(props: Mapping[str, Any]) -> list[str]:
    return [name for name in _secrets(props) if ":" not in name]


def _outputs(state: PinState, props: Mapping[str, Any]) -> dict[str, Any]:
    """The state as the engine stores it: secrets wrapped (kept secret by the engine although this provider
    does not accept secrets), the `__secrets` names kept for later refreshes; warnings go to the engine's log."""
    for warning in state.warnings:
        pulumi.log.warn(warning)
    values = {name: wrap_rpc_secret(value) if name in state.secret else value for name, value in state.values.items()}
    return {**values, SECRETS: _secrets(props)}


def _secret_names(inputs: Mapping[str, Any]) -> pulumi.Output[list[str]]:
    """The names of the inputs given as secrets, and of the `cloudimages:*` config keys the stack holds as
    secrets: what the provider could not tell otherwise, for secretness is stripped before it sees them."""
    config = [f"{PACKAGE}:{key}" for key in CONFIG_KEYS if pulumi.runtime.is_config_secret(f"{PACKAGE}:{key}")]

    async def names() -> list[str]:
        given = [name for name, value in inputs.items() if await pulumi.Output.from_input(value).is_secret()]
        return sorted(given) + config

    return pulumi.Output.from_input(names())


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

    # The outputs as `pinning.OUTPUTS` and `KEEPERS_DESCRIPTION` name and describe them (a test holds them equal).
    image_id: pulumi.Output[str]
    """The pinned image."""
    image: pulumi.Output[dict[str, Any]]
    """The pinned image's attributes, by the keys of getImages' image; secret when an input was."""
    latest_id: pulumi.Output[str | None]
    """The newest match at the last create, update or refresh (the guards respected)."""
    upgrade_available: pulumi.Output[bool]
    """Whether latest_id is a later build than image_id (an older one never is an upgrade)."""
    pinned_exists: pulumi.Output[bool]
    """Whether the pinned image was still visible at the last create, update or refresh."""
    pinned_at: pulumi.Output[str]
    """When the pin was last resolved (UTC)."""
    revoked: pulumi.Output[str | None]
    """Why the pinned image is now on the revocation list (exclude_ids, exclude_file) as of the last
    refresh, or null: the pin stays, change a keeper to move it."""
    chosen_in: pulumi.Output[dict[str, str] | None]
    """Where the image was chosen: the region, and a fingerprint of the project and endpoint (never the settings
    themselves). A pin chosen elsewhere than the provider's config now points is chosen again."""
    keepers: pulumi.Output[dict[str, str] | None]
    """A map of strings whose change resolves the image again (moves the pin)."""

    def __init__(
        self,
        resource_name: str,
        *,
        keepers: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **args: Unpack[PinnedImageArgs],
    ) -> None:
        warn_of_unknown_config_keys()
        given = {key: value for key, value in args.items() if value is not None}
        # Refused here too, before anything is registered.
        refused = Pinning({}).check({name: given[name] for name in set(given) & set(NOT_PINNABLE)})
        if refused:
            raise PinnedImageError(f"PinnedImage {resource_name!r}: " + "; ".join(f.reason for f in refused))
        inputs = {**given, KEEPERS: keepers}
        props = {**dict.fromkeys(OUTPUTS), **inputs, SECRETS: _secret_names(inputs)}
        super().__init__(PinnedImageProvider(), resource_name, props, opts)
