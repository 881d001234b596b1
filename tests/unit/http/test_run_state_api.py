"""use_api answers: gzipped when large and accepted, a named 413 when even that cannot fit."""

import gzip
import json
import os

from inngest_lambda.http import response_budget, run_state_api


def test_small_state_is_plain_json():
    status, body, headers = run_state_api.encode({"a": {"data": 1}}, "gzip")
    assert status == 200 and json.loads(body) == {"a": {"data": 1}}
    assert "content-encoding" not in headers


def test_large_state_is_gzipped_when_the_caller_accepts_it():
    value = {"s": {"data": "a" * 1_000_000}}
    status, body, headers = run_state_api.encode(value, "gzip, deflate")
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert json.loads(gzip.decompress(body)) == value


def test_state_that_cannot_fit_is_a_413_naming_the_limit(monkeypatch):
    monkeypatch.setattr(response_budget, "BODY_BUDGET_BYTES", 300_000)
    value = {"s": {"data": os.urandom(400_000).hex()}}  # random: compresses to about half
    status, body, _ = run_state_api.encode(value, "gzip")
    assert status == 413
    assert "even gzipped, over AWS Lambda's 6 MB response limit" in json.loads(body)["error"]
    status, body, _ = run_state_api.encode(value, "")
    assert status == 413 and "Accept-Encoding: gzip" in json.loads(body)["error"]
