"""Production mode security: no stored change from an unsigned request, and SDK responses must
carry the SDK's signature before they complete anything."""

from __future__ import annotations

import fastapi
import httpx
import pytest
from fastapi.responses import JSONResponse

from inngest_lambda.runtime import get_runtime
from inngest_lambda.sdk import client as sdk
from tests.prod.conftest import EVENT_KEY, SIGNING_KEY
from tests.support.registration import app_sync, one_step_function
from tests.support.servers import serve_asgi
from tests.support.waiting import finished_run


def _wait(http: httpx.Client, event_id: str) -> dict:
    return finished_run(http, event_id, ended={"Completed", "Failed"})


def test_unsigned_put_to_the_serve_path_changes_nothing(prod):
    """A PUT with a forged Host header would make the SDK re-sync its app at the attacker's
    URL; in production it is refused and nothing is stored."""
    anonymous = httpx.put(
        str(prod.base_url).rstrip("/") + "/api/inngest",
        headers={"host": "attacker.example", "x-forwarded-host": "attacker.example"},
        timeout=30,
    )
    assert anonymous.status_code == 401, anonymous.text
    assert get_runtime().store.list_apps() == []
    # The in-process functions are still served at the deployment's own URL.
    assert {f.url for f in get_runtime().registry.all()} == {None}


def test_registration_needs_the_signing_key(prod):
    body = {"appname": "x", "url": "http://127.0.0.1:9/api/inngest", "functions": []}
    url = str(prod.base_url).rstrip("/") + "/fn/register"
    assert httpx.post(url, json=body).status_code == 401
    assert get_runtime().store.list_apps() == []


# --- response signatures ----------------------------------------------------------------------


@pytest.fixture()
def impostor(prod):
    """An "app" at a registered URL that answers like an SDK whose step completed the run,
    unsigned or with a forged signature (chosen per request by the `mode` query)."""
    app = fastapi.FastAPI()

    @app.post("/api/inngest")
    async def answer(request: fastapi.Request) -> JSONResponse:
        mode = request.query_params.get("mode")
        headers = {"x-inngest-sdk": "py:v0.5.19"}
        if mode == "forged":
            headers["x-inngest-signature"] = "t=1700000000&s=" + "ab" * 32
        return JSONResponse("pwned", headers=headers)

    with serve_asgi(app) as url:
        yield f"{url}/api/inngest"


@pytest.mark.parametrize("mode", ["unsigned", "forged"])
def test_an_unverified_response_never_completes_a_run(prod, impostor, mode):
    fn_id = f"impostor-{mode}"
    url = f"{impostor}?mode={mode}"
    fn = one_step_function(fn_id, [{"event": f"impostor/{mode}"}], url, attempts=0)
    body = app_sync(fn_id, [fn], url)
    assert prod.post("/fn/register", json=body).status_code == 200
    res = prod.post(f"/e/{EVENT_KEY}", json={"name": f"impostor/{mode}", "data": {}})
    run = _wait(prod, res.json()["ids"][0])
    assert run["status"] == "Failed", run
    assert run["output"]["name"] == "SDKResponseUnverified"
    assert ("missing" if mode == "unsigned" else "invalid") in run["output"]["message"]


def test_response_signature_check_matches_the_sdk():
    """What the SDK's `sign_response` produces verifies; any change to body, time or key does
    not."""
    from inngest._internal import net

    body = b'[{"op":"StepRun","id":"a","data":1}]'
    header = net.sign_response(body, SIGNING_KEY, 1_700_000_000)
    assert sdk.response_signed_by(body, header, [SIGNING_KEY])
    other = "signkey-prod-" + "77" * 32
    assert sdk.response_signed_by(body, header, [other, SIGNING_KEY])  # the fallback key
    assert not sdk.response_signed_by(body + b" ", header, [SIGNING_KEY])
    assert not sdk.response_signed_by(body, header.replace("t=17", "t=18"), [SIGNING_KEY])
    assert not sdk.response_signed_by(body, header, [other])
    assert not sdk.response_signed_by(body, None, [SIGNING_KEY])
    assert not sdk.response_signed_by(body, "s=" + header.split("s=")[1], [SIGNING_KEY])
