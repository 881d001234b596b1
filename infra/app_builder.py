"""Build the CDK app: read configuration, the built layers and the registry's cron triggers.

`app.py` (the CDK CLI's entry point) and the tests both go through `build_stack`, so what the
tests check is what `make synth` / `make deploy` produce.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import App

from infra.config import ROOT, StackConfig
from infra.function_code import stage_function_code
from infra.layer_artifacts import LayerArtifacts
from infra.nag import apply_checks
from infra.registry import load_cron_schedules
from infra.stack import InngestLambdaStack

STAGING_ROOT = ROOT / "build" / "function-code"


def build_stack(
    app: App,
    environ: Mapping[str, str] | None = None,
    staging_root: Path = STAGING_ROOT,
) -> InngestLambdaStack:
    """Add the stack (and, unless context `nag` is false, the cdk-nag checks) to `app`."""
    config = StackConfig.from_context(app.node.try_get_context, environ)
    package = config.functions_module.split(".")[0]
    stack = InngestLambdaStack(
        app,
        config.stack_name,
        config=config,
        layers=LayerArtifacts.load(config.layers_dir),
        cron_schedules=load_cron_schedules(config.functions_module, search_path=ROOT),
        code_dir=stage_function_code(ROOT, package, staging_root),
    )
    if config.nag:
        apply_checks(app)
    return stack
