"""cdk-nag's AwsSolutions pack on what CloudFormation really deploys, Chalice's functions included.

Why not just `Validations.of(app).addPlugins(AwsSolutionsChecks())`: Chalice's construct brings
the app in as a SAM template (`CfnInclude` of `AWS::Serverless::*`), and cdk-nag's rules only
know the plain types (`AWS::Lambda::Function`, `AWS::ApiGateway::Stage`, ...); the AwsSolutions
pack has no rule for a SAM type at all (only the Serverless pack's structured-logging rule reads
`AWS::Serverless::Api`). Run on the construct tree, nag never sees the functions, the REST API's
stage, or the schedules. So after the synth this module:

1. expands the synthesized template with AWS's own SAM translator (`aws-sam-translator`, the code
   behind the `AWS::Serverless-2016-10-31` transform): every resource is now the plain type that
   CloudFormation creates;
2. loads the expanded template with `CfnInclude` into a throwaway stack (L1 resources of the
   real classes, which is what nag's rules test for) and runs `AwsSolutionsChecks` on it;
3. matches each finding against the suppressions that the stack's code wrote next to the
   resource (`suppress()` below, i.e. `Validations.of(resource).acknowledge(...)`), which the
   synth copies into each resource's template `Metadata.cdk_nag.rules_to_suppress` (cdk-nag's
   own audit-trail aspect). A resource SAM generates (the REST API's stage, a schedule's rule)
   answers to the suppressions of the SAM resource it comes from.

`infra/app.py` writes the result to `cdk.out/handover-<stage>.nag.json` and fails the synth on
any unsuppressed finding, and on any suppression that no longer matches a finding (so that
none outlives its reason).
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aws_cdk import Acknowledgment, App, Aspects, CfnResource, Environment, Stack, Validations
from constructs import IConstruct

PACK = "AwsSolutions"
METADATA_KEY = "cdk_nag"
# A reason says why the finding is acceptable here, not just that it is.
MIN_REASON_CHARS = 40


# -- writing suppressions (used next to the resources, in infra/*.py) -------------------------

def suppress(resource: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one AwsSolutions finding on one L1 resource (a `CfnResource`, not an L2:
    the suppression must name exactly the resource the finding is on, so that a stale one is
    noticed). `rule` is e.g. "L1" or "IAM5[Resource::arn:...]"."""
    if not CfnResource.is_cfn_resource(resource):
        raise TypeError(f"suppress {rule} on the L1 resource itself, not on {resource.node.path}")
    if len(reason.strip()) < MIN_REASON_CHARS:
        raise ValueError(f"{rule} on {resource.node.path}: write down why it is acceptable")
    rule_id = rule if rule.startswith(f"{PACK}-") else f"{PACK}-{rule}"
    Validations.of(resource).acknowledge(Acknowledgment(id=rule_id, reason=" ".join(reason.split())))


def suppress_wildcard_resources(resource: IConstruct, arns: list[str], reason: str) -> None:
    """IAM5 findings are per wildcard (`IAM5[Resource::<flattened ARN>]`); name each one as
    cdk-nag flattens it, from the same value the policy statement was built from."""
    stack = Stack.of(resource)
    for arn in arns:
        suppress(resource, f"IAM5[Resource::{flatten_cfn_reference(stack.resolve(arn))}]", reason)


def flatten_cfn_reference(node: Any) -> str:
    """cdk-nag's `flattenCfnReference` (utils/flatten-cfn-reference.ts), as it names findings."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return delimiter.join(flatten_cfn_reference(i) for i in items)
        if "Fn::Sub" in node:
            return flatten_cfn_reference(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flatten_cfn_reference(resource)}.{flatten_cfn_reference(attribute)}>"
        if "Fn::ImportValue" in node:
            return flatten_cfn_reference(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{flatten_cfn_reference(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))


def record_suppressions_in_template(scope: IConstruct) -> None:
    """Copy every acknowledgement into its resource's template Metadata (cdk-nag v2's format,
    `cdk_nag.rules_to_suppress`): the audit trail ships with the template, and `check()` reads it."""
    from cdk_nag import WriteNagSuppressionsToCloudFormationAspect

    Aspects.of(scope).add(WriteNagSuppressionsToCloudFormationAspect())


# -- checking a synthesized template ----------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    rule: str  # AwsSolutions-XYZ or AwsSolutions-IAM5[...]
    severity: str  # error | warning
    logical_id: str  # in the expanded template
    owner: str  # the logical id in the synthesized template (the SAM resource for generated ones)
    path: str  # the construct path, for people
    description: str


@dataclass(frozen=True)
class Suppression:
    rule: str
    owner: str
    path: str
    reason: str


@dataclass
class NagReport:
    stack: str
    pack: str = PACK
    findings: list[Finding] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    unsuppressed: list[Finding] = field(default_factory=list)
    stale: list[Suppression] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unsuppressed and not self.stale

    def to_json(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for finding in self.findings:
            base = finding.rule.split("[")[0]
            counts[base] = counts.get(base, 0) + 1
        return {
            "stack": self.stack, "pack": self.pack, "ok": self.ok,
            "findings_by_rule": dict(sorted(counts.items())),
            "unsuppressed": [asdict(f) for f in self.unsuppressed],
            "stale_suppressions": [asdict(s) for s in self.stale],
            "suppressions": [asdict(s) for s in self.suppressions],
            "findings": [asdict(f) for f in self.findings],
        }

    def summary(self) -> str:
        lines = [f"cdk-nag {self.pack} on {self.stack} (SAM expanded): {len(self.findings)} findings, "
                 f"{len(self.findings) - len(self.unsuppressed)} suppressed with a reason, "
                 f"{len(self.unsuppressed)} unsuppressed, {len(self.stale)} stale suppressions"]
        lines += [f"  UNSUPPRESSED {f.severity} {f.rule} at {f.path} ({f.owner}): {f.description}" for f in self.unsuppressed]
        lines += [f"  STALE {s.rule} at {s.path} ({s.owner}): no such finding any more; remove it" for s in self.stale]
        return "\n".join(lines)


def expand_sam(template: dict[str, Any], region: str) -> dict[str, Any]:
    """The template after the `AWS::Serverless-2016-10-31` transform, as CloudFormation runs it."""
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    if "Transform" not in template:
        return copy.deepcopy(template)

    def no_managed_policies() -> dict[str, str]:
        # Only a function with `Policies: [<name>]` needs the account's managed-policy list;
        # every function here has its own Role (infra/functions.py), so nothing calls AWS.
        raise RuntimeError("a SAM function names a managed policy: give it a role in infra/functions.py")

    # A session with a region and no credentials: the translator reads the partition from it.
    session = boto3.session.Session(region_name=region, aws_access_key_id="offline", aws_secret_access_key="offline")
    return Translator(None, Parser(), boto_session=session).translate(
        copy.deepcopy(template), parameter_values={}, get_managed_policy_map=no_managed_policies,
    )


def _owners(original: dict[str, Any], expanded: dict[str, Any]) -> dict[str, str]:
    """Expanded logical id -> the synthesized resource it comes from. SAM names what it
    generates after the SAM resource (`RestAPI` -> `RestAPIapiStage`, `RestAPIDeployment1a2b`)."""
    sam = sorted((k for k, v in original["Resources"].items() if v["Type"].startswith("AWS::Serverless::")),
                 key=len, reverse=True)
    owners = {}
    for logical_id in expanded["Resources"]:
        if logical_id in original["Resources"]:
            owners[logical_id] = logical_id
        else:
            owners[logical_id] = next((s for s in sam if logical_id.startswith(s)), logical_id)
    return owners


def construct_paths(metadata: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Logical id -> construct path, from the cloud assembly's `<stack>.metadata.json` (the
    template carries `aws:cdk:path` only when the CDK CLI asks for it)."""
    return {entry["data"]: path for path, entries in metadata.items()
            for entry in entries if entry.get("type") == "aws:cdk:logicalId"}


def run_pack(expanded: dict[str, Any], region: str) -> list[tuple[str, str, str, str]]:
    """(rule, severity, logical id, description) for every finding of the pack, nothing suppressed."""
    from aws_cdk import cloudformation_include as cfn_include
    from cdk_nag import AwsSolutionsChecks

    with tempfile.TemporaryDirectory(prefix="handover-nag-") as tmp:
        path = Path(tmp) / "expanded.template.json"
        # The view must not carry the real acknowledgements: they are matched below, where a
        # stale one can be told from a used one.
        view = copy.deepcopy(expanded)
        for resource in view["Resources"].values():
            resource.get("Metadata", {}).pop(METADATA_KEY, None)
        path.write_text(json.dumps(view))
        app = App(outdir=str(Path(tmp) / "out"))
        stack = Stack(app, "NagView", env=Environment(region=region))
        cfn_include.CfnInclude(stack, "T", template_file=str(path))
        report = AwsSolutionsChecks().validate_scope(stack)
    found = []
    for violation in report.violations:
        for resource in violation.violating_resources:
            found.append((violation.rule_name, violation.severity, resource.construct_path.rsplit("/", 1)[-1],
                          violation.description))
    return found


def check(template: dict[str, Any], *, stack_name: str, region: str, paths: dict[str, str] | None = None) -> NagReport:
    paths = paths or {}
    expanded = expand_sam(template, region)
    owners = _owners(template, expanded)
    report = NagReport(stack=stack_name)
    for logical_id, resource in template["Resources"].items():
        for entry in resource.get("Metadata", {}).get(METADATA_KEY, {}).get("rules_to_suppress", []):
            # The CDK acknowledges rules of its own validators on some resources (e.g.
            # `CloudFormation-Validate::W3045` on an ACL-enabled bucket): not this pack's.
            if not entry["id"].startswith(f"{PACK}-"):
                continue
            report.suppressions.append(Suppression(entry["id"], logical_id, paths.get(logical_id, logical_id),
                                                   entry["reason"]))
    suppressed = {(s.owner, s.rule) for s in report.suppressions}
    for rule, severity, logical_id, description in run_pack(expanded, region):
        owner = owners.get(logical_id, logical_id)
        finding = Finding(rule, severity, logical_id, owner, paths.get(owner, owner), description)
        report.findings.append(finding)
        if (owner, rule) not in suppressed:
            report.unsuppressed.append(finding)
    used = {(f.owner, f.rule) for f in report.findings}
    report.stale = [s for s in report.suppressions if (s.owner, s.rule) not in used]
    report.findings.sort(key=lambda f: (f.rule, f.owner))
    report.unsuppressed.sort(key=lambda f: (f.rule, f.owner))
    return report


def check_synthesized(outdir: Path, stack_name: str, region: str) -> NagReport:
    """Check `<outdir>/<stack>.template.json`, write `<outdir>/<stack>.nag.json`."""
    template = json.loads((outdir / f"{stack_name}.template.json").read_text())
    metadata = outdir / f"{stack_name}.metadata.json"
    paths = construct_paths(json.loads(metadata.read_text())) if metadata.exists() else {}
    report = check(template, stack_name=stack_name, region=region, paths=paths)
    (outdir / f"{stack_name}.nag.json").write_text(json.dumps(report.to_json(), indent=1) + "\n")
    return report


def fail_on_findings() -> bool:
    """`NAG=report` writes the report without failing the synth (the tests read it and fail
    with a list instead of a stack trace)."""
    return os.environ.get("NAG", "fail") != "report"
