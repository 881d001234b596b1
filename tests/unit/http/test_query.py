"""Query parsing of every HTTP surface: each accepted form and each refused one, with the
message the 400 carries."""

from __future__ import annotations

import pytest

from inngest_lambda.core import clock
from inngest_lambda.http import query
from inngest_lambda.http.query import QueryError
from inngest_lambda.storage import listing

NOW = 1_900_000_000.0
ISO = "2027-01-15T08:00:00Z"
ISO_TS = 1_800_000_000.0


@pytest.fixture
def frozen():
    clock.set_clock(lambda: NOW)
    yield
    clock.set_clock(None)


@pytest.mark.parametrize("absent", [None, ""])
def test_absent_values_are_none_or_the_default(absent):
    assert query.parse_iso_time("received_after", absent) is None
    assert query.parse_time_bound("since", absent) is None
    assert query.parse_status(absent) is None
    assert query.parse_events_cursor(absent) is None
    assert query.parse_events_limit(absent) == query.EVENTS_DEFAULT_LIMIT == 20
    assert query.parse_runs_limit(absent) == query.RUNS_DEFAULT_LIMIT == 50
    assert query.parse_runs_limit(absent, default=500) == 500


def test_iso_time_accepts_iso_8601_only():
    assert query.parse_iso_time("received_after", ISO) == ISO_TS
    assert query.parse_iso_time("received_after", "2027-01-15T09:00:00+01:00") == ISO_TS
    for refused in ("1h", "1800000000", "yesterday"):
        with pytest.raises(QueryError) as err:
            query.parse_iso_time("received_after", refused)
        assert str(err.value) == f"'received_after' must be an ISO 8601 time, got {refused!r}"


def test_iso_time_message_quotes_at_most_40_characters():
    with pytest.raises(QueryError) as err:
        query.parse_iso_time("received_before", "x" * 1000)
    assert str(err.value) == f"'received_before' must be an ISO 8601 time, got {'x' * 40!r}"


def test_time_bound_accepts_durations_epoch_seconds_and_iso(frozen):
    assert query.parse_time_bound("since", "90s") == NOW - 90
    assert query.parse_time_bound("since", "1h") == NOW - 3600
    assert query.parse_time_bound("since", "7d") == NOW - 7 * 86400
    assert query.parse_time_bound("until", "1800000000") == ISO_TS
    assert query.parse_time_bound("until", "1800000000.5") == ISO_TS + 0.5
    assert query.parse_time_bound("until", ISO) == ISO_TS


def test_time_bound_refuses_anything_else(frozen):
    with pytest.raises(QueryError) as err:
        query.parse_time_bound("since", "last tuesday")
    assert str(err.value) == (
        "'since' must be an ISO-8601 time or a duration like 1h, got 'last tuesday'"
    )


def test_events_limit_is_digits_from_1_to_100():
    assert query.parse_events_limit("1") == 1
    assert query.parse_events_limit("100") == 100
    for refused in ("0", "101", "-1", "+5", " 5", "ten", "2.5"):
        with pytest.raises(QueryError) as err:
            query.parse_events_limit(refused)
        assert str(err.value) == "'limit' must be an integer from 1 to 100"


def test_runs_limit_is_an_integer_up_to_the_listing_maximum():
    assert query.parse_runs_limit("1") == 1
    assert query.parse_runs_limit(25) == 25  # a JSON number in a body
    assert query.parse_runs_limit(str(listing.MAX_LIMIT)) == listing.MAX_LIMIT
    with pytest.raises(QueryError) as err:
        query.parse_runs_limit("ten")
    assert str(err.value) == "'limit' must be an integer, got 'ten'"
    for refused in ("0", "-3", str(listing.MAX_LIMIT + 1)):
        with pytest.raises(QueryError) as err:
            query.parse_runs_limit(refused)
        assert str(err.value) == (
            f"'limit' must be between 1 and {listing.MAX_LIMIT}, got {int(refused)}"
        )


def test_status_in_any_case():
    assert query.parse_status("failed") == "Failed"
    assert query.parse_status("RUNNING") == "Running"
    with pytest.raises(QueryError) as err:
        query.parse_status("done")
    assert str(err.value) == f"unknown status 'done' (one of {', '.join(listing.ALL_STATES)})"


def test_events_cursor_is_milliseconds_hash_id():
    good = "1799913600000#01JABCDEF"
    assert query.parse_events_cursor(good) == good
    for refused in (
        "01JABCDEF",
        "179991360000#x",
        "1799913600000#",
        "17999136000x0#x",
        "1799913600000#" + "x" * 513,
    ):
        with pytest.raises(QueryError) as err:
            query.parse_events_cursor(refused)
        assert str(err.value) == "'cursor' is not a cursor this API returned"


def test_query_errors_are_value_errors():
    # The dashboard answers any ValueError of a listing (a bad cursor too) as a note on the page.
    assert issubclass(QueryError, ValueError)
