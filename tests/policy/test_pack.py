"""The Pulumi policy pack, driven over gRPC as the engine drives an analyzer (`python -m pulumi.policy <engine>
<pack folder>`, as the Python language host starts a pack; pkg/resource/plugin/analyzer_plugin.go): its policies
and their levels, `Configure` with the rule book's path, `Analyze` of a resource's inputs and `AnalyzeStack` of the
outputs, each violation naming the resource, the property, the image and the rule. The pack under the real engine
is tests/engine's."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from engine_rpc import clean_environment, struct
from pulumi_cloudimages.emulator import PROJECT_A, Emulator

PACK = Path(__file__).parents[2] / "provider" / "pulumi_cloudimages" / "policy"
OLD_UBUNTU = "87c08afe-80fc-52f2-abe6-f0cf30e5b09e"  # a gold image of the sample catalog, built 2024-01-29
SERVER = "urn:pulumi:prod::web::huaweicloud:Compute/instance:Instance::web-0"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


def start(env: dict[str, str]) -> tuple[subprocess.Popen[str], analyzer_pb2_grpc.AnalyzerStub]:
    process = subprocess.Popen([sys.executable, "-m", "pulumi.policy", "127.0.0.1:1", str(PACK)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert process.stdout is not None
    port = process.stdout.readline().strip()
    assert port.isdigit(), process.stderr.read() if process.stderr else ""
    return process, analyzer_pb2_grpc.AnalyzerStub(grpc.insecure_channel(f"127.0.0.1:{port}"))


@pytest.fixture
def rule_book(tmp_path: Path) -> Path:
    (tmp_path / "revoked.txt").write_text(f"{OLD_UBUNTU}  # CVE-2026-1234: broken cloud-init\n")
    path = tmp_path / "cloudimages-policy.yaml"
    path.write_text("trusted_sources: [gold, own]\nrevocations: [revoked.txt]\nmax_age: 3650d\n"
                    "enforcement: {outdated: disabled, too_old: advisory}\n")  # fmt: skip
    return path


def env_for(emulator: Emulator, **extra: str) -> dict[str, str]:
    return clean_environment(HW_PROJECT_ID=PROJECT_A, HUAWEICLOUD_SDK_IAM_ENDPOINT=emulator.url, **extra) | {
        "HW_REGION_NAME": "cn-north-4",
        "CLOUDIMAGES_TEST_ENDPOINT": emulator.url,
    }


def configure(stub: analyzer_pb2_grpc.AnalyzerStub, rule_book: Path, endpoint: str) -> None:
    properties = struct({"policyFile": str(rule_book)})
    stub.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig={
        "cloudimages-revoked": analyzer_pb2.PolicyConfig(enforcementLevel=1, properties=properties)}))  # fmt: skip


def test_the_levels_are_the_rule_books_and_a_violation_names_resource_property_image_and_rule(
    emulator: Emulator, rule_book: Path
) -> None:
    policy = rule_book.read_text() + f"endpoint: {emulator.url}\n"
    rule_book.write_text(policy)
    process, stub = start(env_for(emulator, CLOUDIMAGES_POLICY=str(rule_book)))
    try:
        info = stub.GetAnalyzerInfo(empty_pb2.Empty())
        levels = {p.name: analyzer_pb2.EnforcementLevel.Name(p.enforcementLevel) for p in info.policies}
        assert levels["cloudimages-revoked"] == "MANDATORY" and levels["cloudimages-too-old"] == "ADVISORY"
        assert levels["cloudimages-outdated"] == "DISABLED" and levels["cloudimages-revoked-outputs"] == "MANDATORY"
        inputs = {"name": "web-0", "flavorId": "s6.large.2", "imageId": OLD_UBUNTU}
        answer = stub.Analyze(
            analyzer_pb2.AnalyzeRequest(
                type="huaweicloud:Compute/instance:Instance", properties=struct(inputs), urn=SERVER, name="web-0"
            )
        )
        # pulumi-policy writes the policy's description, then the message.
        found = {d.policyName: d.message.splitlines()[-1] for d in answer.diagnostics}
        assert found["cloudimages-revoked"] == (
            f"{SERVER} inputs.imageId: image 'Ubuntu 22.04 server 64bit 20240129' ({OLD_UBUNTU}) breaks revoked: "
            f"CVE-2026-1234: broken cloud-init ({rule_book.parent / 'revoked.txt'} line 1)"
        )
        assert "cloudimages-outdated" not in found  # disabled by the rule book
        clean = stub.Analyze(
            analyzer_pb2.AnalyzeRequest(
                type="custom:index:Thing",
                properties=struct({"a": 1}),
                urn="urn:pulumi:prod::web::custom:index:Thing::t",
                name="t",
            )
        )
        assert list(clean.diagnostics) == []
        stack = stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=[analyzer_pb2.AnalyzerResource(
            type="huaweicloud:Compute/instance:Instance", properties=struct({"imageId": OLD_UBUNTU, "id": "i-1"}),
            urn=SERVER, name="web-0")]))  # fmt: skip
        after = {d.policyName: (d.urn, d.message) for d in stack.diagnostics}
        assert (
            after["cloudimages-revoked-outputs"][0] == SERVER
            and "outputs.imageId" in after["cloudimages-revoked-outputs"][1]
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_without_a_rule_book_the_pack_says_where_to_give_one(emulator: Emulator) -> None:
    process, stub = start(env_for(emulator))
    try:
        with pytest.raises(grpc.RpcError) as refused:
            stub.Analyze(
                analyzer_pb2.AnalyzeRequest(
                    type="huaweicloud:Compute/instance:Instance",
                    properties=struct({"imageId": OLD_UBUNTU}),
                    urn=SERVER,
                    name="w",
                )
            )
        details = str(refused.value.details())  # type: ignore[attr-defined]
        assert "no rule book: set CLOUDIMAGES_POLICY, or policyFile in --policy-pack-config" in details
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_rule_book_may_come_from_the_pack_config(emulator: Emulator, rule_book: Path) -> None:
    rule_book.write_text(rule_book.read_text() + f"endpoint: {emulator.url}\n")
    process, stub = start(env_for(emulator))
    try:
        configure(stub, rule_book, emulator.url)
        answer = stub.Analyze(analyzer_pb2.AnalyzeRequest(type="huaweicloud:Compute/instance:Instance",
                                                          properties=struct({"imageId": OLD_UBUNTU}), urn=SERVER,
                                                          name="web-0"))  # fmt: skip
        assert "cloudimages-revoked" in {d.policyName for d in answer.diagnostics}
        assert json.dumps([d.message for d in answer.diagnostics]).count(OLD_UBUNTU) >= 1
    finally:
        process.terminate()
        process.wait(timeout=10)
