"""A pytest plugin (registered on install): the `ims_emulator` fixture, and `run_pulumi_program`, which runs
a Pulumi program against it (`pulumi_cloudimages.testing.run_program` with `emulator=ims_emulator`).

```python
def test_my_stack(ims_emulator):
    ims_emulator.inject("status", status=503)         # the next request fails once
    with ims_emulator.client(project_id=PROJECT_A) as ims:
        assert ims.list_images(imagetype="gold")
```

To serve another catalog or require credentials, override `ims_emulator_options` in a conftest:

```python
@pytest.fixture
def ims_emulator_options():
    return {"catalog": "tests/catalog.json", "credentials": ["AK:SK:PROJECT"]}
```
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .emulator import Emulator
from .testing.stack import run_program


@pytest.fixture
def ims_emulator_options() -> dict[str, Any]:
    """Keyword arguments for `Emulator` (default: the sample catalog, no credentials required)."""
    return {}


@pytest.fixture
def ims_emulator(ims_emulator_options: dict[str, Any]) -> Iterator[Emulator]:
    """A running emulator on a free local port, stopped after the test."""
    with Emulator(**ims_emulator_options) as emulator:
        yield emulator


@pytest.fixture
def run_pulumi_program(ims_emulator: Emulator) -> Callable[..., dict[str, Any]]:
    """`run_program(program, config=..., preview=..., project=...)` against this test's emulator."""
    return functools.partial(run_program, emulator=ims_emulator)
