"""One production-mode local stack per module: signing key and event key configured."""

from __future__ import annotations

import functools

import httpx
import pytest

from inngest_lambda.http.dashboard import auth as dashboard_auth
from inngest_lambda.local.ports import free_port
from tests.support.stacks import local_stack

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
        "INNGEST_LAMBDA_RETRY_SCALE": None,  # real retry delays
        "INNGEST_LAMBDA_DASHBOARD_KEY": DASHBOARD_KEY,
    }
    dashboard_auth.reset_cache()
    try:
        functions = "tests.support.apps.prod_functions"
        with local_stack(functions, env, port=port, point_clients=False) as st:
            auth = {"Authorization": f"Bearer {SIGNING_KEY}"}
            with httpx.Client(base_url=st.url, timeout=30, headers=auth) as http:
                yield http
    finally:
        dashboard_auth.reset_cache()
