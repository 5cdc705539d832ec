"""The stack's `cloudimages:*` config as a Python program sees it: a misspelt key sets nothing, so whichever of the
package's doors the program uses first (`get_images`, `PinnedImage`) says so, once per key, naming the nearest."""

from __future__ import annotations

import pulumi
from pulumi.runtime import config as pulumi_config

from ..ims.settings import CONFIG_KEYS, unknown_config_key
from ..naming import PACKAGE

_warned: set[str] = set()


def warn_of_unknown_config_keys() -> None:
    """A warning for each `cloudimages:` key that is no setting (`cloudimages:regoin`), the first time it is seen."""
    for full in {**pulumi_config.get_config_env(), **pulumi_config.CONFIG.get()}:
        namespace, _, key = full.partition(":")
        key = key.removeprefix("config:")  # the older form, cloudimages:config:region
        if namespace == PACKAGE and key not in CONFIG_KEYS and full not in _warned:
            _warned.add(full)
            pulumi.log.warn(f"{unknown_config_key(key)}; {PACKAGE}:{key} is ignored")
