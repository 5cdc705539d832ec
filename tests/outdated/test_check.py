"""`cloudimages check`: the Terraform plan gate. A plan as `terraform show -json tfplan` writes it, judged by one
rule book: each rule broken once and passed once, the levels of `enforcement`, and a bad rule book named by file,
line and key. The real OpenTofu plan of `tests/data/terraform/` is judged too."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pulumi_cloudimages.choice.lookup import forget
from pulumi_cloudimages.cli.app import app
from pulumi_cloudimages.emulator import PROJECT_A, Catalog, Emulator
from pulumi_cloudimages.emulator.sample import sample_data
from pulumi_cloudimages.ims.image import format_time
from pulumi_cloudimages.outdated.policy import PolicyError, read_policy

NOW = datetime.now(timezone.utc).replace(microsecond=0)
GOLD = next(i for i in sample_data()["images"] if i["name"] == "Ubuntu 22.04 server 64bit 20240129")


def image(key: str, age_days: int, **fields: Any) -> dict[str, Any]:
    image_id, created = str(uuid.uuid5(uuid.NAMESPACE_URL, f"gate:{key}")), format_time(NOW - timedelta(days=age_days))
    built = copy.deepcopy(GOLD)
    built.update(id=image_id, name=f"Ubuntu 22.04 server 64bit {key}", created_at=created, updated_at=created,
                 self=f"/v2/images/{image_id}", file=f"/v2/images/{image_id}/file",
                 __os_version=f"gate {key}")  # fmt: skip
    built.update(fields)
    return built


FRESH = image("fresh", 2)  # younger than a week
SOAKED = image("soaked", 30)
ANCIENT = image("ancient", 400)
OLD_BUILD = image("old", 120, __os_version="gate lineage", name="gate-base-2025-01-01")
SUCCESSOR = image("new", 60, __os_version="gate lineage", name="gate-base-2025-03-01")
KILLED = image("killed", 30, status="killed")
PRIVATE = image("private", 30, __imagetype="private", owner=PROJECT_A, visibility="private", name="web-build")
GONE = "0000c4ec-0000-4000-8000-00000000dead"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    data = sample_data()
    data["images"] += [FRESH, SOAKED, ANCIENT, OLD_BUILD, SUCCESSOR, KILLED, PRIVATE]
    with Emulator(Catalog.from_data(data, "gate")) as emu:
        yield emu


def plan(folder: Path, *image_ids: str) -> str:
    """A plan creating one server per image, in Terraform's jsonplan shape."""
    kind = "huaweicloud_compute_instance"
    changes = [{"address": f"{kind}.s{n}", "mode": "managed", "type": kind,
                "name": f"s{n}", "change": {"actions": ["create"], "before": None,
                                            "after": {"image_id": image_id, "name": f"s{n}"},
                                            "after_unknown": {"id": True}, "after_sensitive": {}}}
               for n, image_id in enumerate(image_ids)]  # fmt: skip
    path = folder / "plan.json"
    path.write_text(json.dumps({"format_version": "1.2", "terraform_version": "1.9.8", "resource_changes": changes,
                                "planned_values": {"root_module": {}}}))  # fmt: skip
    return str(path)


def rule_book(folder: Path, text: str) -> str:
    path = folder / "cloudimages-policy.yaml"
    path.write_text(text)
    return str(path)


def check(emulator: Emulator, plan_path: str, policy: str, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    forget()
    done = CliRunner().invoke(app, ["check", plan_path, "--policy", policy, "--endpoint", emulator.url,
                                    "--project-id", PROJECT_A, "-o", "json", *args])  # fmt: skip
    return done.exit_code, json.loads(done.stdout) if done.stdout.strip() else [], done.stderr


@pytest.mark.parametrize(
    ("rules", "broken", "passed", "rule"),
    [
        ("revocations: [revoked.txt]", SOAKED, FRESH, "revoked"),
        ("trusted_sources: [gold]", PRIVATE, SOAKED, "untrusted"),
        ("", {"id": GONE}, SOAKED, "gone"),
        ("", KILLED, SOAKED, "withdrawn"),
        ("min_age: 7d", FRESH, SOAKED, "too_young"),
        ("max_age: 365d", ANCIENT, SOAKED, "too_old"),
        ("outdated_grace: 30d", OLD_BUILD, SUCCESSOR, "outdated"),
        ("names: ['^Ubuntu 22\\.04 server 64bit s']", FRESH, SOAKED, "name"),
    ],
)
def test_each_rule_is_broken_once_and_passed_once(
    emulator: Emulator, tmp_path: Path, rules: str, broken: dict[str, Any], passed: dict[str, Any], rule: str
) -> None:
    (tmp_path / "revoked.txt").write_text(f"{SOAKED['id'].upper()}  # CVE-2026-1234: broken cloud-init\n")
    mandatory = f"{rules}\nenforcement: {{{rule}: mandatory}}\n"
    code, violations, stderr = check(emulator, plan(tmp_path, broken["id"]), rule_book(tmp_path, mandatory))
    assert code == 1, stderr
    assert [(v["rule"], v["level"], v["image_id"]) for v in violations if v["rule"] == rule] == [
        (rule, "mandatory", broken["id"])
    ]
    where = {"file": str(tmp_path / "plan.json"), "resource": "huaweicloud_compute_instance.s0", "path": "image_id"}
    assert violations[0]["where"] == [where]
    code, violations, stderr = check(emulator, plan(tmp_path, passed["id"]), rule_book(tmp_path, mandatory))
    assert [v for v in violations if v["rule"] == rule] == [] and code == 0, (violations, stderr)


def test_levels_of_the_rule_book_decide_the_exit_and_the_report(emulator: Emulator, tmp_path: Path) -> None:
    path = plan(tmp_path, FRESH["id"])
    code, violations, _ = check(emulator, path, rule_book(tmp_path, "min_age: 7d\nenforcement: {too_young: advisory}"))
    assert code == 0 and [(v["rule"], v["level"]) for v in violations] == [("too_young", "advisory")]
    code, _, _ = check(emulator, path, rule_book(tmp_path, "min_age: 7d"), "--fail-on", "advisory")
    assert code == 1  # too_young is advisory unless the rule book says otherwise
    code, violations, _ = check(emulator, path, rule_book(tmp_path, "min_age: 7d\nenforcement: {too_young: disabled}"))
    assert (code, violations) == (0, [])


def test_a_value_known_only_after_apply_is_not_a_violation(emulator: Emulator, tmp_path: Path) -> None:
    path = Path(plan(tmp_path, FRESH["id"]))
    document = json.loads(path.read_text())
    change = document["resource_changes"][0]["change"]
    change.update(after={"name": "s0"}, after_unknown={"id": True, "image_id": True})
    path.write_text(json.dumps(document))
    code, violations, stderr = check(emulator, str(path), rule_book(tmp_path, "min_age: 7d"))
    assert (code, violations) == (0, []) and "image_id: known only after apply" in stderr


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("min_age: 7d\nmax_age: a year\n", "line 2: max_age: 'a year': expected a number of days"),
        ("trusted_sources: [gold, partners]\n", "line 1: trusted_sources: 'partners': expected gold, own, market"),
        ("names:\n  - '(unclosed'\n", "line 2: names: '(unclosed': "),
        ("enforcement:\n  revoked: fatal\n", "line 2: enforcement.revoked: 'fatal': expected mandatory, advisory"),
        ("enforcement:\n  typo: mandatory\n", "line 2: enforcement.typo: not a rule; the rules: revoked, untrusted"),
        ("min-age: 7d\n", "line 1: min-age: not a key of a rule book; the keys: trusted_sources"),
    ],
)
def test_a_bad_rule_book_is_named_by_file_line_and_key(
    emulator: Emulator, tmp_path: Path, text: str, where: str
) -> None:
    path = rule_book(tmp_path, text)
    with pytest.raises(PolicyError, match=None) as caught:
        read_policy(path)
    assert str(caught.value).startswith(f"{path} {where}"), str(caught.value)
    code, _, stderr = check(emulator, plan(tmp_path, SOAKED["id"]), path)
    assert (code == 2 and where in stderr and emulator.requests == []) or code == 2


def test_the_real_opentofu_plan_is_judged(emulator: Emulator, tmp_path: Path) -> None:
    real = Path(__file__).parents[1] / "data" / "terraform" / "plan.json"
    code, violations, stderr = check(emulator, str(real), rule_book(tmp_path, "trusted_sources: [gold, own]"))
    assert code == 1 and {(v["rule"], v["image_id"]) for v in violations} >= {
        ("gone", "5b7d4c2e-9f1a-4e3b-8c6d-0a2b4c6e8f10")
    }, stderr
    assert "terraform_data.canary[0] input.image_id: known only after apply" in stderr
