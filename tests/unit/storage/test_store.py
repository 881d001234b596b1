"""The facade: the client made on first use, each method the call(s) of its module."""

from __future__ import annotations

from inngest_lambda.storage import store
from inngest_lambda.storage.models import COMPLETED, Step
from tests.unit.storage.conftest import NOW, Calls, Db, new_run


def test_no_client_until_the_first_call(db: Db, calls: Calls):
    st = store.Store()
    assert st._ddb is None and calls.take() == {}
    st.put_app("a", "http://a", [])
    # The data-format check, once per process (data_format.py), then the write.
    made = calls.take()
    assert made.pop("PutItem") >= 1 and st._ddb is not None
    st.put_app("b", "http://b", [])
    assert calls.take() == {"PutItem": 1}


def test_a_run_through_the_facade_costs_what_its_modules_do(db: Db, calls: Calls):
    st = store.Store()
    assert st.ddb is not None  # the data-format check, not counted below
    calls.take()
    assert st.create_run(new_run("01F"), "k") == ("01F", True)
    assert st.create_run(new_run("01G"), "k") == ("01F", False)
    run, _ = st.acquire_lease("01F", "a", NOW + 60)
    assert run is not None
    st.put_step(
        "01F", Step("s", "s", "StepRun", COMPLETED, 1, memo=1), only_if_absent=True, owner="a"
    )
    st.set_finishing(run, "a", {"status": "Completed", "output": 1})
    st.end_items(run, ["s"])
    st.end_blobs(run)
    st.finish(run, "a", "Completed", 1, None)
    assert calls.take() == {"TransactWriteItems": 4, "GetItem": 1, "UpdateItem": 3}
    assert st.get_run("01F").status == "Completed"
    assert [s.step_id for s in st.load_steps("01F").values()] == ["s"]
    assert st.replays_of("01F") == [] and st.run_ids_for_event("ev1") == ["01F"]


def test_the_names_other_packages_import_stay_here():
    for name in store.__all__:
        assert hasattr(store, name), name
    assert store.Run is __import__("inngest_lambda.storage.models", fromlist=["Run"]).Run
