"""`get_images` / `get_images_output`: the Pulumi function `cloudimages:index:getImages`.

They have the shape of Pulumi's generated SDKs (keyword arguments in snake_case, an
`@pulumi.output_type` result, an `_output` form taking Inputs) but run in the program's own process:
there is no plugin to install. Settings come from the call (`region`, `endpoint`), then the Pulumi
config namespace `cloudimages` (`region`, `accessKey`, `secretKey`, ...), then the environment.
"""

from __future__ import annotations

from collections.abc import Collection, Generator, Mapping
from typing import TYPE_CHECKING, Any

import pulumi
from typing_extensions import Unpack

from ..choice.arguments import split_arguments
from ..choice.lookup import alookup, lookup
from ..choice.outputs import RESULT_FIELDS, choice_values
from ..choice.selection import Choice, Selection
from ..errors import CloudImagesError
from ..ims.image import Image
from ..ims.query import ImageQuery, sent_texts
from ..ims.settings import (
    CONFIG_KEYS,
    CONFIG_WORDS,
    SECRET_SETTINGS,
    CallOverrides,
    Settings,
    settings_from_config,
)
from ..naming import FUNCTION, PACKAGE, camel
from ..redaction import redacted, secret_texts
from ._args import GetImagesArgs, GetImagesOutputArgs
from .stack_config import warn_of_unknown_config_keys


class GetImagesError(pulumi.RunError):
    """A lookup failed. Pulumi shows the message alone, without a traceback; `__cause__` is the
    package's own error (`NoMatchError`, `ApiError`, `InvalidQueryError`...), unless the message had to
    mask a secret (a secret input or config value): that error's own message shows it, so there is none."""


class ImageResult(dict[str, Any]):
    """An image with all its attributes: snake_case properties (`image.os_version`), camelCase keys
    (`image["osVersion"]`, and in stack outputs). Times are UTC text, e.g. `2018-09-06T14:03:27Z`;
    `extra` holds the fields the service returned that the model does not name, by wire name."""

    def _translate_property(self, prop: str) -> str:
        return prop  # keys stay the camelCase Pulumi names

    if TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any: ...


# One property per field of the Image model, so the result can never miss one.
ImageResult.__annotations__ = {name: Any for name in [*Image.model_fields, "extra"]}
for _name in Image.model_fields:
    setattr(ImageResult, _name, pulumi.property(camel(_name)))
ImageResult.extra = pulumi.property("extra")  # type: ignore[attr-defined]
pulumi.output_type(ImageResult)


@pulumi.output_type
class GetImagesResult:
    """What `get_images` returns: the outputs of `outputs.RESULT_FIELDS`, each described as the table does."""

    def __init__(self, **values: Any) -> None:
        for name in RESULT_FIELDS:
            pulumi.set(self, name, values[name])

    @property
    @pulumi.getter
    def id(self) -> str | None:
        """ID of the chosen image (unset with return_all or group_by)."""
        return pulumi.get(self, "id")  # type: ignore[no-any-return]

    @property
    @pulumi.getter
    def image(self) -> ImageResult | None:
        """The chosen image, with all its attributes."""
        return pulumi.get(self, "image")  # type: ignore[no-any-return]

    @property
    @pulumi.getter
    def images(self) -> list[ImageResult]:
        """The matches in selection order; all of them unless `complete` is false."""
        return pulumi.get(self, "images")  # type: ignore[no-any-return]

    @property
    @pulumi.getter
    def ids(self) -> list[str]:
        """IDs of `images`, in the same order."""
        return pulumi.get(self, "ids")  # type: ignore[no-any-return]

    @property
    @pulumi.getter(name="latestId")
    def latest_id(self) -> str | None:
        """ID of the first match in order_by order: differs from `id` when a pinned image is kept."""
        return pulumi.get(self, "latest_id")  # type: ignore[no-any-return]

    @property
    @pulumi.getter
    def groups(self) -> Mapping[str, ImageResult]:
        """With group_by: the first image of each group (platform or OS version)."""
        return pulumi.get(self, "groups")  # type: ignore[no-any-return]

    @property
    @pulumi.getter
    def complete(self) -> bool:
        """Whether `images` holds every match (false when only the newest were asked for)."""
        return pulumi.get(self, "complete")  # type: ignore[no-any-return]

    @property
    @pulumi.getter(name="heldBackIds")
    def held_back_ids(self) -> list[str]:
        """With min_age: IDs of the matches held back because they are younger, newest first."""
        return pulumi.get(self, "held_back_ids")  # type: ignore[no-any-return]

    @property
    @pulumi.getter(name="nextEligibleAt")
    def next_eligible_at(self) -> str | None:
        """With min_age: when the first held-back image becomes old enough (UTC), else unset."""
        return pulumi.get(self, "next_eligible_at")  # type: ignore[no-any-return]

    @property
    @pulumi.getter
    def excluded(self) -> Mapping[str, str]:
        """Matches left out by exclude_ids or exclude_file that would have been chosen (ordered before the image
        chosen, or its group's; any with return_all): image ID -> reason."""
        return pulumi.get(self, "excluded")  # type: ignore[no-any-return]


class AwaitableGetImagesResult(GetImagesResult):
    def __await__(self) -> Generator[Any, None, GetImagesResult]:
        if False:  # makes this a generator, as Pulumi's generated SDKs do
            yield self
        return self


def _result(choice: Choice, kind: type[GetImagesResult], secrets: Collection[Any]) -> GetImagesResult:
    texts = secret_texts(secrets)
    for note in choice.notes:  # what the guards left out that would have come first
        pulumi.log.info(redacted(f"{FUNCTION}: {note}", texts))
    values = choice_values(choice)
    values["image"] = ImageResult(**values["image"]) if values["image"] else None
    values["images"] = [ImageResult(**each) for each in values["images"]]
    values["groups"] = {key: ImageResult(**each) for key, each in values["groups"].items()}
    return kind(**values)


def _parts(args: Mapping[str, Any]) -> tuple[ImageQuery, Selection, Settings]:
    query, selection, overrides = split_arguments(args)
    return query, selection, settings(overrides)


def settings(overrides: CallOverrides | None = None) -> Settings:
    """Settings for a lookup: the call's overrides, else Pulumi config `cloudimages:*`, else the environment."""
    warn_of_unknown_config_keys()
    return settings_from_config(_config(), overrides)


def _config() -> dict[str, str | None]:
    config = pulumi.Config(PACKAGE)
    return {key: config.get(key) for key in CONFIG_KEYS}


_SECRET_CONFIG_KEYS = frozenset(camel(name) for name in SECRET_SETTINGS)


def _config_secrets() -> list[str | None]:
    """The `cloudimages:*` values no message may show: the secret settings, and any key the stack marked secret
    (Pulumi's `pulumi-language-python-exec` hands `PULUMI_CONFIG_SECRET_KEYS` to `set_all_config`, which
    `is_config_secret` reads)."""
    return [
        value
        for key, value in _config().items()
        if key in _SECRET_CONFIG_KEYS or pulumi.runtime.is_config_secret(f"{PACKAGE}:{key}")
    ]


def _failure(exc: CloudImagesError, secrets: Collection[Any]) -> GetImagesError:
    """The error of a failed lookup, in the config's words, every text of `secrets` masked. The package's error
    is its cause only when its message showed none of them."""
    message = f"{FUNCTION}: {exc.in_words(CONFIG_WORDS.where)}"
    masked = redacted(message, secret_texts(secrets))
    failure = GetImagesError(masked)
    if masked == message:
        failure.__cause__ = exc
    return failure


def _ignored(opts: pulumi.InvokeOptions | None) -> None:
    # The lookup runs in this process: no provider plugin, version or download URL takes part in it.
    if opts is not None and (opts.provider or opts.version or opts.plugin_download_url):
        pulumi.log.warn(f"{FUNCTION} runs in the program's own process: provider, version and plugin_download_url "
                        "in opts do not apply and are ignored")  # fmt: skip


def get_images(*, opts: pulumi.InvokeOptions | None = None, **args: Unpack[GetImagesArgs]) -> AwaitableGetImagesResult:
    """Find images by the filters of `GET /v2/cloudimages` and choose one (see `Selection`).

    `opts` is accepted for the shape of Pulumi's SDKs; it has nothing that applies to an in-process lookup
    (a warning says so when it sets a provider, version or download URL).
    """
    _ignored(opts)
    outputs = sorted(key for key, value in args.items() if isinstance(value, pulumi.Output))
    if outputs:
        raise GetImagesError(
            f"{FUNCTION}: {', '.join(outputs)} {'is an Output' if len(outputs) == 1 else 'are Outputs'}, known only "
            f"during the deployment; get_images takes plain values: call get_images_output with the same arguments"
        )
    secrets = _config_secrets()
    try:
        return _result(lookup(*_parts(args)), AwaitableGetImagesResult, secrets)  # type: ignore[return-value]
    except CloudImagesError as exc:
        failure = _failure(exc, secrets)
    raise failure  # outside the handler: a masked failure must not carry the original as its context


def get_images_output(
    *, opts: pulumi.InvokeOptions | pulumi.InvokeOutputOptions | None = None, **args: Unpack[GetImagesOutputArgs]
) -> pulumi.Output[GetImagesResult]:
    """`get_images` over Inputs: an unknown input gives an unknown result (no request, as in a preview),
    and a secret input makes the result secret and is masked in errors and notes. Lookups made together run
    concurrently. With `opts=pulumi.InvokeOutputOptions(depends_on=[...])` the lookup waits for those resources."""
    _ignored(opts)
    lifted = {name: pulumi.Output.from_input(value) for name, value in args.items()}

    async def run(resolved: dict[str, Any]) -> GetImagesResult:
        # The values arrive unwrapped: which were secret, each input's own Output still knows.
        marked = [name for name, value in lifted.items() if await value.is_secret()]
        secrets: list[Any] = [*(resolved[name] for name in marked), *_config_secrets()]
        secrets += [sent_texts(name, resolved[name]) for name in marked]
        try:
            query, selection, overrides = split_arguments(resolved)
            return _result(await alookup(query, selection, settings(overrides)), GetImagesResult, secrets)
        except CloudImagesError as exc:
            failure = _failure(exc, secrets)
        raise failure  # outside the handler: a masked failure must not carry the original as its context

    inputs = pulumi.Output.all(**lifted)
    waits = _dependencies(opts)
    if waits is not None:
        inputs = pulumi.Output.all(inputs, waits).apply(lambda pair: pair[0])
    return inputs.apply(run)


def _dependencies(opts: pulumi.InvokeOptions | pulumi.InvokeOutputOptions | None) -> pulumi.Output[Any] | None:
    """What the lookup waits for: the `id` of each resource in `depends_on` (set once it is created), or the
    `urn` of a component."""
    depends_on = getattr(opts, "depends_on", None)
    if depends_on is None:
        return None

    def ready(resources: Any) -> pulumi.Output[Any]:
        listed = resources if isinstance(resources, (list, tuple)) else [resources]
        return pulumi.Output.all(*(r.id if isinstance(r, pulumi.CustomResource) else r.urn for r in listed))

    return pulumi.Output.from_input(depends_on).apply(ready)
