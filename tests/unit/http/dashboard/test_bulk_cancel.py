"""The dashboard's bulk cancel, through the real handler on the `durable` fixture: the estimate
counts what the job then cancels and stores nothing; the confirm creates one job whose progress
the history shows; bad input answers the form with the 4xx message and stores nothing."""

from __future__ import annotations

import datetime
import re
import urllib.parse

import pytest

from inngest_lambda import runtime
from inngest_lambda.storage import cancellations as jobs
from tests.support.apps import bulk_cancel_functions
from tests.unit import conftest as unit_fixtures

pytestmark = pytest.mark.durable(
    functions="tests.support.apps.bulk_cancel_functions",
    start=datetime.datetime(2030, 1, 7, 8, 0, tzinfo=datetime.UTC),
)
FN = "bulk-app-sleeper"
aws_calls = unit_fixtures.aws_calls


@pytest.fixture(autouse=True)
def _calls():
    bulk_cancel_functions.CALLS.clear()


def _page(durable, method: str, path: str, form: dict[str, str] | None = None):
    body = urllib.parse.urlencode(form or {}).encode()
    headers = [("content-type", "application/x-www-form-urlencoded")] if form else []
    res = durable.stack.server.respond(method, path, headers, body, "127.0.0.1")
    return res.status, dict(res.headers), res.body.decode()


def _csrf(durable) -> str:
    status, _, html = _page(durable, "GET", f"/functions/{FN}/cancel")
    assert status == 200, html
    return re.findall(r'name=csrf value="([^"]+)"', html)[0]


def _start(durable, plans: list[str]) -> None:
    durable.send_many(
        [{"name": "bulk/go", "data": {"n": n, "plan": p}} for n, p in enumerate(plans)]
    )


def _stored_jobs() -> list[jobs.Cancellation]:
    return jobs.list_jobs(runtime.get_runtime().store, 50)


def test_estimate_then_confirm_cancels_what_was_counted(durable, aws_calls):
    _start(durable, ["free", "pro", "free", "free", "pro"])
    csrf = _csrf(durable)
    status, _, html = _page(durable, "GET", f"/functions/{FN}")
    assert f'href="/functions/{FN}/cancel"' in html  # the function's page links here
    form = {"csrf": csrf, "started_after": "1h", "if": "event.data.plan == 'free'"}
    aws_calls.reset()
    status, _, html = _page(durable, "POST", f"/functions/{FN}/cancel/estimate", form)
    assert status == 200, html
    assert 'data-matched="3"' in html
    assert aws_calls.of("dynamodb", "PutItem", "UpdateItem") == 0 and _stored_jobs() == []
    # the confirm form carries the instants the estimate counted, not "1h"
    hidden = dict(re.findall(r'<input type=hidden name=(\w+) value="([^"]*)">', html))
    assert hidden["started_after"] == "2030-01-07T07:00:00.000Z"
    assert hidden["if"] == "event.data.plan == &#x27;free&#x27;"

    confirm = {k: v.replace("&#x27;", "'") for k, v in hidden.items()}
    status, headers, _ = _page(durable, "POST", f"/functions/{FN}/cancel", confirm)
    assert status == 303, headers
    [job] = _stored_jobs()
    assert headers["location"] == f"/functions/{FN}/cancel?created={job.id}"
    status, _, html = _page(durable, "GET", headers["location"])
    assert f"Cancellation <code>{job.id}</code> created" in html
    assert re.search(rf'data-job="{job.id}".*?>Pending</span>', html)

    durable.run_until_idle()
    status, _, html = _page(durable, "GET", f"/functions/{FN}/cancel")
    row = re.search(rf'<tr data-job="{job.id}">.*?</tr>', html)
    assert row and ">Done</span>" in row[0] and 'data-cancelled="3"' in row[0], html
    assert "of 5 runs examined (1 page)" in row[0]
    statuses = sorted(r.status for r in durable.runs_of(FN))
    assert statuses == ["Cancelled"] * 3 + ["Running"] * 2


@pytest.mark.parametrize(
    ("form", "code", "words"),
    [
        ({"started_after": "yesterday"}, 400, "&#x27;started_after&#x27; must be an ISO-8601"),
        (
            {"started_after": "2030-01-07T09:00:00Z", "started_before": "2030-01-07T07:00:00Z"},
            400,
            "&#x27;started_after&#x27; must not be after",
        ),
        ({"started_before": "2031-01-01T00:00:00Z"}, 400, "must be in the past"),
        ({"if": "event.data.plan =="}, 400, "invalid expression"),
    ],
)
@pytest.mark.parametrize("step", ["estimate", "confirm"])
def test_bad_input_shows_the_message_and_stores_nothing(
    durable, aws_calls, form, code, words, step
):
    _start(durable, ["free"])
    csrf = _csrf(durable)
    path = f"/functions/{FN}/cancel" + ("/estimate" if step == "estimate" else "")
    aws_calls.reset()
    status, _, html = _page(durable, "POST", path, {"csrf": csrf, **form})
    assert status == code
    assert '<div class="note error">' in html and words in html, html
    assert 'name=started_after size=26 value="' in html  # the form again, to correct
    assert aws_calls.of("dynamodb", "PutItem") == 0 and aws_calls.of("sqs", "SendMessage") == 0
    assert _stored_jobs() == []


def test_unknown_function_and_missing_token_are_refused(durable):
    status, _, html = _page(durable, "GET", "/functions/nope/cancel")
    assert status == 404 and "function nope not found" in html
    status, _, html = _page(
        durable, "POST", "/functions/nope/cancel/estimate", {"csrf": _csrf(durable)}
    )
    assert status == 404 and "function nope not found" in html
    status, _, html = _page(durable, "POST", f"/functions/{FN}/cancel", {"csrf": "forged"})
    assert status == 403 and _stored_jobs() == []


def test_stop_deletes_a_pending_job(durable):
    _start(durable, ["free"])
    csrf = _csrf(durable)
    status, headers, _ = _page(durable, "POST", f"/functions/{FN}/cancel", {"csrf": csrf})
    assert status == 303
    [job] = _stored_jobs()
    status, _, html = _page(durable, "GET", f"/functions/{FN}/cancel")
    assert f'action="/functions/{FN}/cancel/{job.id}/stop"' in html
    status, _, _ = _page(durable, "POST", f"/functions/{FN}/cancel/{job.id}/stop", {"csrf": csrf})
    assert status == 303
    durable.run_until_idle()
    [job] = _stored_jobs()
    assert (job.status, job.cancelled) == ("Deleted", 0)
    assert [r.status for r in durable.runs_of(FN)] == ["Running"]
