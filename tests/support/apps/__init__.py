"""The test apps: functions modules written with the inngest SDK, served to the tests.

Each is what `INNGEST_LAMBDA_FUNCTIONS` (a local stack) or `functions=` (the `durable` fixture)
names, as `tests.support.apps.<module>`: `workflows` (the e2e suite's), `parity_workflows`,
`cancel_workflows`, `send_functions`, `realtime_functions`, `prod_functions` (production mode),
`fault_functions` (the fault sweep and storm), `soak_functions`, `app_functions`,
`cron_functions` and `readme_functions` (the `durable` plugin's own tests), `pause_functions`
(pausing a function), `bad_functions` (flow options that registration refuses). Tests read the
module-level counters some keep (`CALLS`, `REQUESTS`) after a run.

Not here, on purpose: `tests/upgrade/golden_functions.py` (its golden items were written by it),
`tests/infra/registry_with_cron.py` (a registry the CDK tests synthesize) and
`tests/lint/examples/` (the linter's input files).
"""
