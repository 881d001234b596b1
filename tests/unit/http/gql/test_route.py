"""Executing GraphQL requests: callers' mistakes are answered (not logged as errors); a resolver
that fails unexpectedly is logged and answered without internals."""

import json
import logging

from inngest_lambda.http.gql import route


class _BrokenStore:
    def get_run(self, run_id):
        raise RuntimeError("secret internals")


def _run(query: str, store=None):
    return route.execute(store or _BrokenStore(), json.dumps({"query": query}).encode())


def test_a_callers_mistake_is_a_graphql_error_and_not_logged(caplog):
    with caplog.at_level(logging.ERROR):
        status, body = _run('{ run(runID: "x") { noSuchField } }')
    assert status == 200 and "noSuchField" in body["errors"][0]["message"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_an_unexpected_failure_is_logged_and_answered_without_internals(caplog):
    with caplog.at_level(logging.ERROR):
        status, body = _run('{ run(runID: "x") { status } }')
    assert status == 200
    assert body["errors"][0]["message"] == "internal error resolving this field (RuntimeError)"
    assert "secret" not in json.dumps(body)
    assert any(r.levelno == logging.ERROR for r in caplog.records)


def test_oversized_queries_are_refused():
    status, body = route.execute(_BrokenStore(), b'{"query": "' + b" " * 200_000 + b'"}')
    assert status == 413 and body["errors"]
