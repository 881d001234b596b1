"""`runs list` / `events list` follow the API's cursor: a bounded page may hold fewer items
than asked for (Queued runs among many Running ones), and the command still shows `--limit`."""

from __future__ import annotations

from typing import Any

from inngest_lambda.cli import paging


class Pages:
    """The API's answers to successive GET requests (what `Api.request` returns), recorded."""

    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages
        self.asked: list[dict[str, Any]] = []

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        self.asked.append(kwargs["params"])
        return self.pages[len(self.asked) - 1]


def _runs_page(ids: list[str], cursor: str | None) -> dict[str, Any]:
    return {"data": [{"run_id": i} for i in ids], "metadata": {"next_cursor": cursor}}


def test_a_listing_follows_cursors_until_it_has_the_limit() -> None:
    api = Pages([_runs_page([], "c1"), _runs_page(["a"], "c2"), _runs_page(["b", "c"], "c3")])
    body = paging.pages(
        api,
        "/v1/runs",
        {"status": "Queued", "since": None},
        3,
        lambda b: b["metadata"]["next_cursor"],
    )
    assert [r["run_id"] for r in body["data"]] == ["a", "b", "c"]
    assert api.asked == [
        {"status": "Queued", "limit": 3},
        {"status": "Queued", "limit": 3, "cursor": "c1"},
        {"status": "Queued", "limit": 2, "cursor": "c2"},
    ]
    assert body["metadata"]["next_cursor"] == "c3"  # the last page's: where to go on


def test_a_listing_stops_at_the_last_page_and_after_max_pages() -> None:
    api = Pages([_runs_page(["a"], "c1"), _runs_page([], None)])
    body = paging.pages(api, "/v1/events", {}, 20, lambda b: b["metadata"]["next_cursor"])
    assert [r["run_id"] for r in body["data"]] == ["a"] and len(api.asked) == 2
    endless = Pages([_runs_page([], f"c{i}") for i in range(paging.MAX_PAGES + 5)])
    paging.pages(endless, "/v1/runs", {}, 20, lambda b: b["metadata"]["next_cursor"])
    assert len(endless.asked) == paging.MAX_PAGES
