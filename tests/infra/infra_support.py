"""Helpers for the infra tests (a module of its own: `from conftest import ...` is ambiguous
when several test folders each have a conftest.py)."""

from __future__ import annotations

import dataclasses
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `infra` and `tests.infra.*` import from the repo root
    sys.path.insert(0, str(ROOT))

TEST_REGISTRY = "tests.infra.registry_with_cron"

# What the VPC tests give the stack (tests/infra/test_infra_vpc.py checks it arrives as given).
VPC_CONTEXT = {
    "vpcId": "vpc-0123456789abcdef0",
    "subnetIds": "subnet-0123456789abcdef0,subnet-89abcdef",  # as `-c subnetIds=a,b` gives it
    "proxy": {"https_proxy": "http://proxy.internal:3128", "NO_PROXY": ".amazonaws.com,10.0.0.5"},
}
VPC_GROUPS_CONTEXT = {
    "vpcId": "vpc-89abcdef",
    "subnetIds": ["subnet-01234567"],
    "securityGroupIds": '["sg-0123456789abcdef0", "sg-01234567"]',  # as `-c key='[...]'`
}


def make_fake_layers(
    directory: Path, python_version: str | None = None, arch: str = "arm64"
) -> Path:
    """What layers/build.py writes, minus the dependencies."""
    from inngest_lambda import settings

    python_version = python_version or settings.LAMBDA_PYTHON_VERSION
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("deps", "runtime"):
        with zipfile.ZipFile(directory / f"{name}.zip", "w") as zf:
            zf.writestr(f"python/{name}_placeholder.txt", name)
    manifest = {
        "python_version": python_version,
        "architecture": arch,
        "layers": {"deps": "deps.zip", "runtime": "runtime.zip"},
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory


def cdk_json_context() -> dict[str, Any]:
    return json.loads((ROOT / "cdk.json").read_text())["context"]


@dataclasses.dataclass
class Synth:
    stack: Any
    outdir: Path
    template: dict[str, Any]
    error: BaseException | None

    def resources(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.template["Resources"].items() if v["Type"] == cfn_type}

    def one(self, cfn_type: str) -> dict[str, Any]:
        found = self.resources(cfn_type)
        assert len(found) == 1, f"expected one {cfn_type}, found {sorted(found)}"
        return next(iter(found.values()))["Properties"]

    def logical_id(self, construct: Any) -> str:
        return self.stack.resolve(self.stack.get_logical_id(construct.node.default_child))

    @property
    def validation_report(self) -> dict[str, Any]:
        path = self.outdir / "validation-report.json"
        return json.loads(path.read_text()) if path.exists() else {"pluginReports": []}


def synthesize(
    outdir: Path, layers_dir: Path, context: dict[str, Any] | None = None, nag: bool = True
) -> Synth:
    from aws_cdk import App

    from infra.app_builder import build_stack
    from inngest_lambda import settings

    ctx = {**cdk_json_context(), "layersDir": str(layers_dir), "nag": nag, **(context or {})}
    app = App(context=ctx, outdir=str(outdir))
    stack = build_stack(
        app,
        environ={settings.ENV_FUNCTIONS: TEST_REGISTRY},
        staging_root=outdir.parent / f"{outdir.name}-function-code",
    )
    error = None
    try:
        app.synth()
    except RuntimeError as exc:  # cdk-nag findings stop synthesis; the tests report them
        error = exc
    template = json.loads((outdir / stack.template_file).read_text())
    return Synth(stack=stack, outdir=outdir, template=template, error=error)
