"""The CDK app that deploys inngest-lambda: one stack of serverless parts (see stack.py).

Modules other than the constructs (cron, registry, config, layer_artifacts) import no aws_cdk,
so the runtime and the tests can use them cheaply.
"""
