"""`inngest-lambda` / `python -m inngest_lambda runs|events ...`: the operator's command line.

Talks to a deployment's HTTP API only (never to AWS directly, except to look up a stack's
`ApiUrl` output with `--stack`). Needs the `cli` extra (Click, Rich); never imported by the
Lambda.
"""
