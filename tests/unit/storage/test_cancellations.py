"""Bulk cancellation jobs: one item each, every transition a conditional write."""

from __future__ import annotations

from inngest_lambda.storage import cancellations as jobs
from tests.unit.storage.conftest import NOW, Calls, Db


def _new(db: Db) -> jobs.Cancellation:
    return jobs.create(
        db,
        function_id="app-fn",
        app_id="app",
        started_after=None,
        started_before=NOW,
        expression="event.data.x == 1",
    )


def test_a_job_is_one_item_read_back_as_stored(db: Db, calls: Calls):
    job = _new(db)
    assert calls.take() == {"PutItem": 1}
    assert jobs.get(db, job.id) == job
    assert (job.status, job.cursor, job.cancelled) == (jobs.PENDING, jobs.START, 0)
    assert calls.take() == {"GetItem": 1}


def test_a_page_is_saved_once_from_the_cursor_it_started_at(db: Db, calls: Calls):
    job = _new(db)
    calls.take()
    assert jobs.save_page(db, job, next_cursor="c1", examined=200, cancelled=150) is True
    assert jobs.save_page(db, job, next_cursor="c1", examined=200, cancelled=150) is False
    assert calls.take() == {"UpdateItem": 2}
    saved = jobs.get(db, job.id)
    assert saved is not None
    assert (saved.status, saved.cursor, saved.examined, saved.cancelled, saved.pages) == (
        jobs.RUNNING,
        "c1",
        200,
        150,
        1,
    )
    assert jobs.save_page(db, saved, next_cursor=None, examined=3, cancelled=3) is True
    done = jobs.get(db, job.id)
    assert done is not None and (done.status, done.cancelled, done.finished_at) == (
        jobs.DONE,
        153,
        NOW,
    )
    assert jobs.save_page(db, done, next_cursor=None, examined=1, cancelled=1) is False


def test_a_deleted_job_saves_no_more_pages(db: Db, calls: Calls):
    job = _new(db)
    deleted = jobs.delete(db, job.id)
    assert deleted is not None and deleted.status == jobs.DELETED
    assert jobs.save_page(db, job, next_cursor="c1", examined=1, cancelled=1) is False
    assert jobs.delete(db, "01NOSUCHJOB") is None


def test_the_list_is_newest_first_in_one_query(db: Db, calls: Calls, clock_at):
    first = _new(db)
    clock_at[0] = NOW + 1
    second = _new(db)
    calls.take()
    assert [j.id for j in jobs.list_jobs(db)] == [second.id, first.id]
    assert calls.take() == {"Query": 1}
