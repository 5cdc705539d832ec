"""The policies of the pack: for each rule of the rule book, one policy on each resource's inputs (`preview` and
`up`) and one on the stack's outputs (after `up`), named `cloudimages-<rule>` and `cloudimages-<rule>-outputs`.

Where the rule book comes from: a pack runs in its own folder and is not told the project's, so it takes the file
from its config (`policyFile` in `--policy-pack-config`, for any of its policies) or from `CLOUDIMAGES_POLICY`, an
environment variable the engine passes on to its plugins. The levels are the rule book's `enforcement` when
`CLOUDIMAGES_POLICY` names it as the pack starts (Pulumi asks a pack its levels before its config), else the
defaults; Pulumi's own `enforcementLevel` in `--policy-pack-config` overrides either, as Pulumi users expect.
Credentials and region: the `HW_*` environment, as the command line reads it, else the rule book's `region` and
`endpoint`.

Each distinct image is judged once for the life of the pack (its verdict does not depend on where it is used), in
one batch for each resource that brings new ones: no request for a resource whose images are judged already. An
image ID not known yet (a preview of a resource not created yet) is not judged then; `up` judges it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi.runtime.rpc import UNKNOWN
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import (
    Policy as PulumiPolicy,
)

from ..outdated.gate import Violation, ajudge, policy_settings
from ..outdated.policy import DEFAULT_ENFORCEMENT, RULES, Level, Policy, PolicyError, Rule, read_policy
from ..outdated.report import Listings
from ..outdated.states import IMAGE_KEYS, ImageKeys, StateDocument, read_resource
from ..pin.state import PINNED_IMAGE

PACK = "cloudimages"
POLICY_FILE = "policyFile"
ENVIRONMENT = "CLOUDIMAGES_POLICY"
_LEVELS = {"mandatory": EnforcementLevel.MANDATORY, "advisory": EnforcementLevel.ADVISORY,
           "disabled": EnforcementLevel.DISABLED}  # fmt: skip
_CONFIG = PolicyConfigSchema(properties={POLICY_FILE: {"type": "string"}})
_DESCRIPTIONS: dict[Rule, str] = {
    "revoked": "No image on the rule book's revocation lists.",
    "untrusted": "Images only from the rule book's trusted sources (gold, own, market, shared, project:<id>).",
    "gone": "No image that is no longer visible to the project.",
    "withdrawn": "No image that can no longer be launched (not active, or off the shelf).",
    "too_young": "No image younger than the rule book's min_age (a soak time).",
    "too_old": "No image older than the rule book's max_age.",
    "outdated": "No image with a newer build, past the rule book's outdated_grace.",
    "name": "Only images whose name matches one of the rule book's names (RE2).",
}


class Judge:
    """The rule book and the verdict of each image seen, for the life of the pack."""

    def __init__(self) -> None:
        self.policy: Policy | None = None
        self.verdicts: dict[str, list[Violation]] = {}
        self.listings: Listings = {}  # each lineage listed once for the life of the pack

    def rule_book(self, config: Mapping[str, Any]) -> Policy:
        """The rule book a policy's config names, else `CLOUDIMAGES_POLICY`'s, else the one read already (Pulumi
        hands each policy its own config: naming the file for the first, `cloudimages-revoked`, is enough)."""
        path = config.get(POLICY_FILE) or os.environ.get(ENVIRONMENT)
        if not path and self.policy is not None:
            return self.policy
        if not path:
            raise PolicyError(
                f"no rule book: set {ENVIRONMENT}, or {POLICY_FILE} in --policy-pack-config (a JSON "
                f'file: {{"{PACK}-revoked": {{"{POLICY_FILE}": "/path/to/cloudimages-policy.yaml"}}}})'
            )
        if self.policy is None or self.policy.path != os.path.abspath(path):
            self.policy, self.verdicts, self.listings = read_policy(str(path)), {}, {}
        return self.policy

    def violations(self, document: StateDocument, config: Mapping[str, Any]) -> list[Violation]:
        """The violations of the images of one resource, where it uses them; new images judged in one batch."""
        policy = self.rule_book(config)
        new = [r for r in document.references if r.image_id not in self.verdicts]
        if new:
            fresh = StateDocument(document.name, document.kind, new)
            verdict = asyncio.run(ajudge([fresh], policy, policy_settings(policy), self.listings))
            for reference in new:
                self.verdicts[reference.image_id] = [v for v in verdict.violations if v.image_id == reference.image_id]
        where = {r.image_id: r.where for r in document.references}
        return [_at(v, where[v.image_id]) for r in document.references for v in self.verdicts[r.image_id]]


def _raw(value: Any) -> Any:
    """A resource's properties as plain values: pulumi-policy hands them behind proxies that raise on a value not
    known yet (pulumi_policy/proxy.py), and a stack policy would stop at the first; such a value is left out here
    (its image is judged at `up`), and never read as an image ID (the engine's sentinel looks like one)."""
    proxied = type(value).__module__ == "pulumi_policy.proxy"
    if isinstance(value, Mapping):
        return {key: _raw(item) for key, item in (value["__target"] if proxied else value).items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_raw(item) for item in (value["__target"] if proxied else value)]  # type: ignore[call-overload]
    return None if isinstance(value, str) and value == UNKNOWN else value


def _keys(resource_type: str) -> ImageKeys:
    """The keys of image IDs in a resource's inputs: a PinnedImage's `id` too (the image it pins by ID)."""
    pinned = resource_type == PINNED_IMAGE or resource_type.endswith(":PinnedImage")
    return IMAGE_KEYS.adding(["id"]) if pinned else IMAGE_KEYS


def _at(violation: Violation, where: Any) -> Violation:
    return Violation(violation.rule, violation.level, violation.image_id, violation.name, violation.reason, (where,))


def _message(violation: Violation) -> str:
    where = violation.where[0]
    name = f"{violation.name!r} " if violation.name else ""
    return (f"{where.resource} {where.path}: image {name}({violation.image_id}) breaks {violation.rule}: "
            f"{violation.reason}")  # fmt: skip


def policies(judge: Judge, levels: Mapping[Rule, Level]) -> list[PulumiPolicy]:
    made: list[PulumiPolicy] = []
    for rule in RULES:
        name = f"{PACK}-{rule.replace('_', '-')}"

        def inputs(args: ResourceValidationArgs, report: ReportViolation, rule: Rule = rule) -> None:
            document = read_resource(_raw(args.props), "inputs", args.urn, "inputs", _keys(args.resource_type))
            for violation in judge.violations(document, args.get_config()):
                if violation.rule == rule:
                    report(_message(violation), None)

        def outputs(args: StackValidationArgs, report: ReportViolation, rule: Rule = rule) -> None:
            for resource in args.resources:
                document = read_resource(_raw(resource.props), "outputs", resource.urn, "outputs")
                for violation in judge.violations(document, args.get_config()):
                    if violation.rule == rule:
                        report(_message(violation), resource.urn)

        level = _LEVELS[levels.get(rule, DEFAULT_ENFORCEMENT[rule])]
        made.append(ResourceValidationPolicy(name=name, description=_DESCRIPTIONS[rule], validate=inputs,
                                             enforcement_level=level, config_schema=_CONFIG))  # fmt: skip
        about = f"{_DESCRIPTIONS[rule]} (outputs)"
        made.append(StackValidationPolicy(name=f"{name}-outputs", description=about, validate=outputs,
                                          enforcement_level=level, config_schema=_CONFIG))  # fmt: skip
    return made


def main() -> None:
    """Serve the pack (the Pulumi engine starts it); the levels from `CLOUDIMAGES_POLICY`'s rule book if set."""
    named = os.environ.get(ENVIRONMENT)
    levels = read_policy(named).enforcement if named else DEFAULT_ENFORCEMENT
    PolicyPack(name=PACK, policies=policies(Judge(), levels), enforcement_level=EnforcementLevel.MANDATORY)
