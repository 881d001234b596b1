#!/usr/bin/env python3
"""CDK entry point (`cdk.json` runs it): synthesizes the inngest-lambda stack.

The stack is environment-agnostic (no account or region baked in): `make synth` works offline
and its template is exactly what `make deploy` sends to whichever account the CLI's credentials
name.
"""

from __future__ import annotations

from aws_cdk import App

from infra.app_builder import build_stack


def main() -> None:
    app = App()
    build_stack(app)
    app.synth()


if __name__ == "__main__":
    main()
