"""Helpers shared by the infrastructure tests: the CDK context, one synthesis, template lookups."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
INFRA = REPO_ROOT / "infra"
if str(INFRA) not in sys.path:
    sys.path.insert(0, str(INFRA))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from dwp_infra.stages import Stacks, build  # noqa: E402


def cdk_context(env_name: str) -> dict:
    context = json.loads((INFRA / "cdk.json").read_text())["context"]
    return {**context, "dwp:env": env_name}


@dataclass(frozen=True)
class Synthesised:
    stacks: Stacks
    outdir: Path
    templates: dict[str, Template]
    """Assertion templates by stack role: network, data, platform, services, edge_global, edge, pipeline."""
    raw: dict[str, dict]
    """The same templates as plain JSON, for sweeps across every resource."""

    def template_files(self) -> list[Path]:
        return sorted(self.outdir.glob("*.template.json"))


def synthesise(outdir: Path, env_name: str = "production") -> Synthesised:
    app = cdk.App(context=cdk_context(env_name), outdir=str(outdir))
    stacks = build(app)
    app.synth()
    roles = ("network", "data", "platform", "services", "edge_global", "edge", "pipeline")
    templates = {role: Template.from_stack(getattr(stacks, role)) for role in roles}
    raw = {
        role: json.loads((outdir / f"{getattr(stacks, role).artifact_id}.template.json").read_text())
        for role in roles
    }
    return Synthesised(stacks=stacks, outdir=outdir, templates=templates, raw=raw)


def resources_of(template: dict, resource_type: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def logical_id(construct) -> str:
    """The logical id of a construct's CloudFormation resource in its own stack."""
    cfn = construct if isinstance(construct, cdk.CfnElement) else construct.node.default_child
    return cdk.Stack.of(cfn).get_logical_id(cfn)


def references(value: object) -> set[str]:
    """Every logical id or export name a CloudFormation value refers to (Ref, GetAtt, ImportValue)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                found.add(inner[0])
            elif key == "Fn::ImportValue" and isinstance(inner, str):
                found.add(inner)
            else:
                found |= references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= references(inner)
    return found
