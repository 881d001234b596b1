"""Fitting responses under Lambda's 6 MB: largest values become references, pages join up."""

import json

from inngest_lambda.http import response_budget
from inngest_lambda.http.response_budget import Slot, chunk, encoded_size, fit


def test_encoded_size_counts_escaping_inside_the_lambda_payload():
    assert encoded_size("a" * 10) == len(json.dumps(json.dumps("a" * 10)))
    assert encoded_size('"' * 10) > 2 * 10  # quotes are escaped twice on the way out
    assert encoded_size("é") == len(json.dumps(json.dumps("é", ensure_ascii=False)))


def test_fit_swaps_the_largest_values_first_until_the_body_fits():
    body = {"a": {"output": "x" * 5000}, "b": {"output": "y" * 3000}, "c": {"output": "z" * 10}}
    slots = [Slot(body[k], "output", lambda k=k: {"url": f"/{k}"}) for k in body]
    assert fit(body, slots, budget=6000)
    assert body["a"]["output"] is None and body["a"]["output_ref"]["url"] == "/a"
    assert body["a"]["output_ref"]["bytes"] >= 5000
    assert body["b"]["output"] == "y" * 3000 and "output_ref" not in body["b"]
    assert encoded_size(body) <= 6000
    assert not fit(body, slots, budget=6000)


def test_chunks_join_into_the_value():
    value = {"k": ["é" * 10, '"' * 7] * 300_000}
    text, offset = "", 0
    pages = 0
    while offset is not None:
        page = chunk(value, offset)
        assert encoded_size(page) < response_budget.BODY_BUDGET_BYTES
        text += page["data"]
        offset = page["next_offset"]
        pages += 1
    assert json.loads(text) == value and pages > 1
