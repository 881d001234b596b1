"""Queries of the table's secondary indexes, which may not exist yet or still be backfilling.

A stack upgraded from a version that predates an index gets it one deploy at a time, and a new
index backfills for a while (docs/upgrading.md). DynamoDB refuses a Query of such an index
("The table does not have the specified index", "Cannot read from backfilling global secondary
index"; moto: "Invalid index"); `query` turns that into `IndexUnavailable`, naming the index, so
a listing answers 503 instead of failing obscurely or returning an empty list.
"""

from __future__ import annotations

from typing import Any

# DynamoDB answers ValidationException; moto (the local stack) ResourceNotFoundException.
_REFUSALS = ("ValidationException", "ResourceNotFoundException")


class IndexUnavailable(RuntimeError):
    """The index a query reads is missing or still backfilling."""

    def __init__(self, index: str, reason: str) -> None:
        self.index = index
        super().__init__(
            f"the table's index {index!r} is not ready ({reason}); listings that need it work"
            " again once it is ACTIVE (docs/upgrading.md)"
        )


def query(ddb: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """One Query page of `kwargs["IndexName"]`."""
    try:
        page: dict[str, Any] = ddb.query(**kwargs)
    except Exception as exc:
        error = getattr(exc, "response", {}).get("Error", {})
        message = str(error.get("Message", ""))
        if error.get("Code") in _REFUSALS and "index" in message.lower():
            raise IndexUnavailable(kwargs["IndexName"], message) from exc
        raise
    return page
