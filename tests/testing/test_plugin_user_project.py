"""The plugin as a user meets it: a project with its own `functions` package and a test file
that imports it at the top, run by pytest in a fresh process (the plugin comes from the
package's pytest11 entry point, nothing is configured by hand)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FUNCTIONS = """
import datetime

import inngest

client = inngest.Inngest(app_id="shop")


@client.create_function(
    fn_id="fulfil-order", trigger=inngest.TriggerEvent(event="shop/order.placed"), retries=3
)
def fulfil_order(ctx: inngest.ContextSync) -> dict:
    order = ctx.event.data
    charge = ctx.step.run("charge-card", lambda: f"ch_{order['order_id']}")
    ctx.step.sleep("cool-off", datetime.timedelta(hours=1))
    shipment = ctx.step.run("ship", lambda: f"parcel-{order['order_id']}")
    return {"charge": charge, "shipment": shipment}


functions = [fulfil_order]
"""

TESTS = """
import datetime

import inngest

from functions import client  # imported at collection, before any fixture runs
from inngest_lambda.testing import assert_completed


def test_order_ships_after_the_cool_off(durable):
    event_id = durable.send("shop/order.placed", {"order_id": "o-1"})
    assert durable.run(event_id).step("cool-off").status == "Scheduled"
    durable.advance(datetime.timedelta(hours=1, seconds=1))
    run = assert_completed(durable.run(event_id), {"charge": "ch_o-1", "shipment": "parcel-o-1"})
    assert run.step("charge-card").attempts == 1


def test_the_apps_own_client_sends_to_the_test_stack(durable):
    event = inngest.Event(name="shop/order.placed", data={"order_id": "o-2"})
    (event_id,) = client.send_sync(event)
    durable.run_until_idle()
    assert durable.run(event_id).step("charge-card").output == "ch_o-2"


def test_a_wrong_expectation_reports_the_runs(durable):
    event_id = durable.send("shop/order.placed", {"order_id": "o-3"})
    assert durable.run(event_id).status == "Completed"
"""


def test_a_users_project_gets_the_fixture_and_readable_failures(tmp_path: Path):
    (tmp_path / "functions").mkdir()
    (tmp_path / "functions" / "__init__.py").write_text(FUNCTIONS)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_orders.py").write_text(TESTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\npythonpath = .\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INNGEST", "PYTEST"))}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "1 failed, 2 passed" in out, out
    report = out[out.index("durable runs") :]
    assert "events sent: shop/order.placed" in report
    assert "of shop-fulfil-order: Running" in report
    for line in (
        "  #  step         op       status     attempts  output / error",
        '  1  charge-card  StepRun  Completed  1         "ch_o-3"',
        "  2  cool-off     Sleep    Scheduled  0         until ",
    ):
        assert line in report, report
