"""GraphQL pieces that need no stack: output ids, step output shapes, lazy import."""

import subprocess
import sys

import pytest

from inngest_lambda.http.gql import resolvers
from inngest_lambda.storage.store import MISSING, Step


def test_output_ids_round_trip_and_garbage_is_not_found():
    oid = resolvers.output_id("01RUN", "abc:1")
    assert resolvers.parse_output_id(oid) == ("01RUN", "abc:1")
    assert resolvers.parse_output_id(resolvers.output_id("01RUN", None)) == ("01RUN", None)
    for bad in ("garbage", "", "W10", "WzEsMl0"):
        with pytest.raises(resolvers.NotFound):
            resolvers.parse_output_id(bad)


def _step(**kw) -> Step:
    base = {"step_id": "s", "name": "s", "op": "StepRun", "status": "Completed", "seq": 0}
    return Step(**{**base, **kw})


def test_step_outputs_have_inngest_shapes():
    assert resolvers.step_output(_step(memo={"data": {"a": 1}}))["data"] == '{"a": 1}'
    err = {"name": "ValueError", "message": "boom", "stack": "tb"}
    failed = resolvers.step_output(_step(status="Failed", memo={"error": err}, error=err))
    assert failed["data"] is None and failed["error"] == err
    assert resolvers.step_output(_step(op="Sleep", memo=None)) == {
        "input": None,
        "data": None,
        "error": None,
    }
    waited = resolvers.step_output(_step(op="WaitForEvent", memo={"name": "x", "data": {}}))
    assert waited["data"] == '{"name": "x", "data": {}}'
    retrying = _step(status="Scheduled", memo=MISSING, error={"message": "try again"})
    assert resolvers.step_output(retrying)["error"]["message"] == "try again"


def test_the_api_module_does_not_import_the_graphql_library():
    code = (
        "import sys, inngest_lambda.http.app, inngest_lambda.handler; "
        "assert 'graphql' not in sys.modules and 'ariadne' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
