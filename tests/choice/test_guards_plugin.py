"""The guards through the provider plugin, as the engine calls it: a subprocess over gRPC, arguments and
results in the schema's camelCase words. The catalog and the other doors are in `test_guards.py`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2
from test_guards import GOLD_2, GOLD_20, GOLD_60, LOOKALIKE, OFFSHELF, created, guarded_data, revocation_file

from engine_rpc import PLUGIN, Provider, plain, provider_process, struct
from pulumi_cloudimages.emulator import PROJECT_A, PROJECT_B, Catalog, Emulator
from pulumi_cloudimages.ims.image import format_time
from pulumi_cloudimages.naming import FUNCTION

ARGS: dict[str, Any] = {"platform": "Ubuntu", "nameRegex": r"^Ubuntu 22\.04 server", "mostRecent": True}


@pytest.fixture(scope="module")
def plugin() -> Iterator[Provider]:
    with Emulator(Catalog.from_data(guarded_data(), "guarded catalog")) as emulator, provider_process(PLUGIN) as p:
        config = {"endpoint": emulator.url, "projectId": PROJECT_A, "maxRetries": "0"}
        variables = {f"cloudimages:config:{key}": value for key, value in config.items()}
        p.stub.Configure(provider_pb2.ConfigureRequest(args=struct(config), variables=variables, acceptSecrets=True))
        yield p


def invoke(plugin: Provider, **args: Any) -> dict[str, Any]:
    response = plugin.stub.Invoke(provider_pb2.InvokeRequest(tok=FUNCTION, args=struct({**ARGS, **args})))
    assert not response.failures, response.failures
    return plain(getattr(response, "return"))


def refused(plugin: Provider, **args: Any) -> dict[str, str]:
    """The failures of an invoke with invalid arguments, by property."""
    response = plugin.stub.Invoke(provider_pb2.InvokeRequest(tok=FUNCTION, args=struct({**ARGS, **args})))
    return {f.property: f.reason for f in response.failures}


def failure(plugin: Provider, **args: Any) -> str:
    with pytest.raises(grpc.RpcError) as caught:
        invoke(plugin, **args)
    return str(caught.value.details())  # type: ignore[attr-defined]


def test_trusted_sources_by_default_and_the_opt_in(plugin: Provider) -> None:
    result = invoke(plugin)
    assert result["id"] == result["latestId"] == GOLD_2["id"]
    assert result["heldBackIds"] == [] and result["excluded"] == {} and result["nextEligibleAt"] is None
    assert invoke(plugin, imagetype="shared")["id"] == LOOKALIKE["id"]
    message = failure(plugin, imagetype="market")
    assert "off the shelf" in message and OFFSHELF["id"] in message


def test_min_age_in_days_or_text_and_what_it_held_back(plugin: Provider) -> None:
    for min_age in ("7d", 7):
        result = invoke(plugin, minAge=min_age)
        assert result["id"] == result["latestId"] == GOLD_20["id"]
        assert result["heldBackIds"] == [GOLD_2["id"]]
        assert result["nextEligibleAt"] == format_time(created(GOLD_2) + timedelta(days=7))
    message = failure(plugin, minAge="90d")
    assert "Held back 3 newer images by minAge='90d'" in message
    assert format_time(created(GOLD_60) + timedelta(days=90)) in message
    assert "minAge='a week': expected a number of days" in refused(plugin, minAge="a week")["minAge"]


def test_exclude_ids_and_file_with_reasons(plugin: Provider, tmp_path: Path) -> None:
    path = revocation_file(tmp_path, "# revoked", f"{GOLD_20['id']}  # CVE-2026-1234: broken cloud-init")
    result = invoke(plugin, excludeIds=[GOLD_2["id"]], excludeFile=path)
    assert result["id"] == GOLD_60["id"]
    assert result["excluded"] == {GOLD_2["id"]: "excluded by excludeIds",
                                  GOLD_20["id"]: f"CVE-2026-1234: broken cloud-init ({path} line 2)"}  # fmt: skip
    bad = revocation_file(tmp_path, "# revoked", "", f"{GOLD_20['id']} {GOLD_60['id']}")
    assert f"excludeFile='{bad}': line 3 (" in refused(plugin, excludeFile=bad)["excludeFile"]
    assert (
        "excludeIds: 'not-an-id oops' is not an image ID"
        in refused(plugin, excludeIds=["not-an-id oops"])["excludeIds"]
    )


def test_the_guards_together_and_the_no_match_message(plugin: Provider) -> None:
    result = invoke(plugin, minAge="7d", excludeIds=[GOLD_20["id"]])
    assert (result["id"], result["heldBackIds"], list(result["excluded"])) == (GOLD_60["id"], [GOLD_2["id"]],
                                                                               [GOLD_20["id"]])  # fmt: skip
    message = failure(plugin, minAge="30d", excludeIds=[GOLD_60["id"]])
    assert "excluded by excludeIds" in message and "Held back 2 newer images by minAge='30d'" in message
    assert f"shared by project {PROJECT_B}" in message and "imagetype='shared' or visibility='shared'" in message


def test_a_hostile_regex_is_answered_and_lookaround_is_refused_in_schema_words(plugin: Provider) -> None:
    assert r"nameRegex '^(\w+\s?)*!$' kept none" in failure(plugin, nameRegex=r"^(\w+\s?)*!$")  # as typed
    message = refused(plugin, nameRegex="Ubuntu(?= 22)")["nameRegex"]
    assert "nameRegex='Ubuntu(?= 22)' is not a regular expression in RE2 syntax" in message
    assert "RE2 has no lookaround" in message and "name_regex" not in message


def test_an_upper_case_revoked_id_is_excluded(plugin: Provider) -> None:
    result = invoke(plugin, excludeIds=[GOLD_2["id"].upper()])
    assert (result["id"], list(result["excluded"])) == (GOLD_20["id"], [GOLD_2["id"]])
