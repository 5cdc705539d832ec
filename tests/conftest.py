"""Shared test setup: no credentials or region leak in from the machine's environment."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("HW_", "HUAWEICLOUD_SDK_", "OS_", "PULUMI_")):
            monkeypatch.delenv(name)
