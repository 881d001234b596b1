"""One production-mode local stack per module: signing key and event key configured."""

from __future__ import annotations

import functools

import httpx
import pytest

from inngest_lambda import runtime
from inngest_lambda.core import aws
from inngest_lambda.http.dashboard import auth as dashboard_auth
from inngest_lambda.local.ports import free_port
from inngest_lambda.local.stack import LocalStack

DASHBOARD_KEY = "dashboard-" + "5e" * 16
SIGNING_KEY = "signkey-prod-" + "5e" * 32
EVENT_KEY = "prod-event-key"


@functools.cache
def _prod_port() -> int:
    """One port for every production-mode module: the prod functions' SDK client keeps the event
    API URL it was built with (in the first module), so later stacks must listen there."""
    return free_port()


@pytest.fixture(scope="module")
def prod():
    """An httpx client of the stack, authorised with the signing key."""
    port = _prod_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "INNGEST_DEV": "",
        "INNGEST_SIGNING_KEY": SIGNING_KEY,
        "INNGEST_EVENT_KEY": EVENT_KEY,
        "INNGEST_EVENT_API_BASE_URL": url,
        "INNGEST_API_BASE_URL": url,
        "INNGEST_LAMBDA_FUNCTIONS": "tests.prod.prod_functions",
        "INNGEST_LAMBDA_LOG_LEVEL": "WARNING",
        "INNGEST_LAMBDA_DASHBOARD_KEY": DASHBOARD_KEY,
    }
    runtime.get_runtime.cache_clear()
    aws.reset()
    dashboard_auth.reset_cache()
    with LocalStack(port=port, env=env) as stack:
        auth = {"Authorization": f"Bearer {SIGNING_KEY}"}
        with httpx.Client(base_url=stack.url, timeout=30, headers=auth) as http:
            yield http
    runtime.get_runtime.cache_clear()
    aws.reset()
    dashboard_auth.reset_cache()
