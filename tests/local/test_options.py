"""LocalStack options that need a stack of their own, plus the stack's own lifecycle."""

import logging
import os
import threading

import boto3
import pytest
from local_fakes import NO_FUNCTIONS, FakeHandler, request

from inngest_lambda import settings as s
from inngest_lambda.local import LocalStack
from inngest_lambda.local.ports import free_port

FAST = {"poll_interval": 0.05, "schedule_interval": 0.1, "env": NO_FUNCTIONS}


def sqs():
    return boto3.client("sqs")


# --- options ------------------------------------------------------------------------------------
def test_duplicate_deliveries_calls_the_handler_twice_with_the_same_record():
    dup = FakeHandler()
    with LocalStack(handler=dup, duplicate_deliveries=True, **FAST) as st:
        sqs().send_message(QueueUrl=st.settings.queue_url, MessageBody="once")
        assert st.wait_idle(5)
        assert len(dup.sqs_events) == 2
        first, second = dup.records
        assert first == second
        counters = st.pump.counters
        assert counters.handler_calls == 2
        assert counters.messages_received == 1
        assert counters.messages_delivered == 2
        assert counters.messages_deleted == 1


def test_concurrency_runs_batches_in_parallel():
    barrier = threading.Barrier(3, timeout=5)
    par = FakeHandler()

    def on_sqs(event):
        barrier.wait()  # all three batches are inside the handler at once

    par.on_sqs = on_sqs
    with LocalStack(handler=par, batch_size=1, concurrency=3, **FAST) as st:
        for i in range(3):
            sqs().send_message(QueueUrl=st.settings.queue_url, MessageBody=str(i))
        assert st.wait_idle(5)
        assert sorted(r["body"] for r in par.records) == ["0", "1", "2"]
        assert st.pump.counters.handler_errors == 0  # the barrier was passed, not broken


# --- lifecycle ----------------------------------------------------------------------------------
def test_env_is_exported_while_running_and_restored_after(monkeypatch):
    monkeypatch.delenv(s.ENV_TABLE, raising=False)
    monkeypatch.setenv("AWS_PROFILE", "would-reach-a-real-account")
    s.get_settings.cache_clear()
    options = {**FAST, "env": {**NO_FUNCTIONS, "MY_FLAG": "1"}}
    with LocalStack(handler=FakeHandler(), **options) as st:
        assert os.environ["MY_FLAG"] == "1"
        assert "AWS_PROFILE" not in os.environ
        assert os.environ[s.ENV_QUEUE_URL] == st.settings.queue_url
        assert os.environ[s.ENV_QUEUE_ARN] == st.settings.queue_arn
        assert os.environ[s.ENV_TABLE] == st.settings.table
        assert os.environ[s.ENV_BUCKET] == st.settings.bucket
        assert os.environ[s.ENV_SCHEDULE_GROUP] == st.settings.schedule_group
        assert os.environ[s.ENV_SCHEDULER_ROLE_ARN] == st.settings.scheduler_role_arn
        assert os.environ[s.ENV_API_URL] == st.url  # its event API is the runtime's own
        assert os.environ[s.ENV_REALTIME_ENDPOINT] == st.url  # it serves @connections
        assert s.get_settings() == st.settings  # the cache was cleared
    assert "MY_FLAG" not in os.environ
    assert s.ENV_API_URL not in os.environ
    assert s.ENV_REALTIME_ENDPOINT not in os.environ
    assert s.ENV_TABLE not in os.environ
    assert os.environ["AWS_PROFILE"] == "would-reach-a-real-account"


def test_one_stack_at_a_time():
    with (
        LocalStack(handler=FakeHandler(), **FAST),
        pytest.raises(RuntimeError, match="already running"),
    ):
        LocalStack(handler=FakeHandler()).start()
    with LocalStack(handler=FakeHandler(), **FAST) as again:  # and the first one released it
        assert again.url


def test_handler_from_env_and_fixed_port(monkeypatch):
    port = free_port()
    monkeypatch.setenv("INNGEST_LAMBDA_LOCAL_HANDLER", "local_stub_handler:handler")
    with LocalStack(port=port, **FAST) as st:
        assert st.url == f"http://127.0.0.1:{port}"
        status, _, body = request(st.url, "GET", "/api/inngest")
        assert status == 200
        assert b"stub" in body


def test_the_log_level_a_stack_s_env_set_is_undone_when_it_stops():
    """A stack started with INNGEST_LAMBDA_LOG_LEVEL=CRITICAL must not leave the package's
    logger silenced for whatever runs next in the process (a later test's caplog saw nothing),
    and a runtime built later logs at its own level, not at the first runtime's."""
    from inngest_lambda import runtime
    from inngest_lambda.core.log import LOGGER_NAME, get_logger

    logger = logging.getLogger(LOGGER_NAME)
    get_logger("INFO")
    runtime.get_runtime.cache_clear()
    try:
        for level in ("CRITICAL", "ERROR"):
            env = {
                s.ENV_FUNCTIONS: "bench.workflows",
                s.ENV_DEV: "http://127.0.0.1:9",
                s.ENV_LOG_LEVEL: level,
            }
            with LocalStack(handler=FakeHandler(), **{**FAST, "env": env}):
                runtime.get_runtime()  # a cold start under the stack's env
                assert logger.level == logging.getLevelName(level)
            assert logger.level == logging.INFO
            runtime.get_runtime.cache_clear()
    finally:
        runtime.get_runtime.cache_clear()
