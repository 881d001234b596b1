"""The pause index's items: one write per pause or new path, one read per name or partition."""

from __future__ import annotations

from inngest_lambda.storage import pauses
from tests.unit.storage.conftest import NOW, Calls, Db


def test_a_pause_is_written_read_and_deleted(db: Db, calls: Calls):
    dated = pauses.item("P#ev#*#3", "01R#w", '{"k":1}', NOW)
    assert dated["expires_at"] == {"N": str(int(NOW) + 3600)}
    pauses.put(db, dated)
    pauses.put(db, pauses.item("P#ev#*#3", "01S#w", '{"k":2}', None))
    assert calls.take() == {"PutItem": 2}
    assert sorted(pauses.pauses_at(db, "P#ev#*#3")) == ['{"k":1}', '{"k":2}']
    assert calls.take() == {"Query": 1}
    assert "expires_at" not in db.item("P#ev#*#3", "01S#w")  # lasts as long as its run
    pauses.delete(db, "P#ev#*#3", "01R#w")
    pauses.delete(db, "P#ev#*#3", "01R#w")  # twice: harmless
    assert calls.take() == {"DeleteItem": 2}
    assert pauses.pauses_at(db, "P#ev#*#3") == ['{"k":2}']


def test_paths_are_only_ever_added(db: Db, calls: Calls):
    assert pauses.listed_paths(db, "ev") == set()
    pauses.add_paths(db, "ev", {"data.id"})
    pauses.add_paths(db, "ev", ["*", "data.id"])
    assert calls.take() == {"GetItem": 1, "UpdateItem": 2}
    assert pauses.listed_paths(db, "ev") == {"*", "data.id"}


def test_paths_of_many_names_are_one_batch_read_per_100(db: Db, calls: Calls):
    pauses.add_paths(db, "a", ["x"])
    calls.take()
    names = ["a", "b", *(f"n{i}" for i in range(150))]
    found = pauses.paths_by_name(db, names + ["a"])
    assert found["a"] == ["x"] and found["b"] == [] and len(found) == 152
    assert calls.take() == {"BatchGetItem": 2}
