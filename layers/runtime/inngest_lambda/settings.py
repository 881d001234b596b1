"""The one place that names things.

The CDK stack (`infra/`), the local stack (`inngest_lambda.local`) and the runtime all import this
module, so a table key, an environment variable or a resource name cannot drift between them.
It imports nothing heavy: the stack imports it at synth time and the Lambda at cold start.
"""

from __future__ import annotations

import dataclasses
import functools
import os

# --- Environment variables the Lambda reads (once, at cold start) --------------------------------
ENV_TABLE = "INNGEST_LAMBDA_TABLE"
ENV_QUEUE_URL = "INNGEST_LAMBDA_QUEUE_URL"
ENV_QUEUE_ARN = "INNGEST_LAMBDA_QUEUE_ARN"
ENV_DLQ_ARN = "INNGEST_LAMBDA_DLQ_ARN"
ENV_BUCKET = "INNGEST_LAMBDA_BUCKET"
ENV_SCHEDULE_GROUP = "INNGEST_LAMBDA_SCHEDULE_GROUP"
ENV_SCHEDULER_ROLE_ARN = "INNGEST_LAMBDA_SCHEDULER_ROLE_ARN"
ENV_FUNCTIONS = "INNGEST_LAMBDA_FUNCTIONS"
ENV_SIGNING_KEY_SECRET_ARN = "INNGEST_LAMBDA_SIGNING_KEY_SECRET_ARN"
ENV_EVENT_KEY_SECRET_ARN = "INNGEST_LAMBDA_EVENT_KEY_SECRET_ARN"
# The dashboard login key: read on the first dashboard request, never at cold start.
ENV_DASHBOARD_KEY_SECRET_ARN = "INNGEST_LAMBDA_DASHBOARD_KEY_SECRET_ARN"
ENV_DASHBOARD_KEY = "INNGEST_LAMBDA_DASHBOARD_KEY"
ENV_RETENTION_DAYS = "INNGEST_LAMBDA_RETENTION_DAYS"
# "true": also accept the signing key secret's AWSPREVIOUS version (during a key rotation).
ENV_ACCEPT_PREVIOUS_SIGNING_KEY = "INNGEST_LAMBDA_ACCEPT_PREVIOUS_SIGNING_KEY"
ENV_LOG_LEVEL = "INNGEST_LAMBDA_LOG_LEVEL"
# Run and step metrics (EMF lines): on in Lambda, off elsewhere unless "1" (metrics.py).
ENV_METRICS = "INNGEST_LAMBDA_METRICS"
# At most this long per SDK request (the local stack sets it; on AWS the invocation bounds it).
ENV_SDK_TIMEOUT = "INNGEST_LAMBDA_SDK_TIMEOUT_SECONDS"
ENV_MAX_EVENT_BYTES = "INNGEST_LAMBDA_MAX_EVENT_BYTES"
ENV_MAX_REQUEST_BYTES = "INNGEST_LAMBDA_MAX_REQUEST_BYTES"
ENV_SDK_INLINE_STATE_BYTES = "INNGEST_LAMBDA_SDK_INLINE_STATE_BYTES"
ENV_SDK_REPLAY_FIX = "INNGEST_LAMBDA_SDK_REPLAY_FIX"  # "0" keeps the SDK's own StepMemos.pop
# "0" sends the served functions' events over the network even to this deployment's own API.
ENV_INPROCESS_SEND = "INNGEST_LAMBDA_INPROCESS_SEND"
# "1" runs modules that read inngest/httpx internals on an untested version (sdk/versions.py).
ENV_UNTESTED_VERSIONS = "INNGEST_LAMBDA_UNTESTED_VERSIONS"
# This deployment's public API URL, whose event API the runtime serves in-process. The CDK stack
# sets the SDK's INNGEST_EVENT_API_BASE_URL to it (read when this is unset); the local stack sets
# this one, since there the SDK finds the stack through INNGEST_DEV.
ENV_API_URL = "INNGEST_LAMBDA_API_URL"
ENV_EVENT_API_BASE_URL = "INNGEST_EVENT_API_BASE_URL"
# Where realtime posts to WebSocket connections (API Gateway's management API): the WebSocket
# API's stage URL on AWS, the local server locally; unset, a realtime publish answers 503.
ENV_REALTIME_ENDPOINT = "INNGEST_LAMBDA_REALTIME_ENDPOINT"
# OpenTelemetry traces (tracing/config.py): unset or "off", "otlp" (OTEL_EXPORTER_OTLP_* say
# where), "xray" (X-Ray's OTLP endpoint, SigV4); and the service name the spans carry.
ENV_TRACING = "INNGEST_LAMBDA_TRACING"
ENV_TRACING_SERVICE = "INNGEST_LAMBDA_TRACING_SERVICE"
ENV_REGION = "AWS_REGION"
# The SDK's own variables, read by the SDK and by us with the same meaning.
ENV_SIGNING_KEY = "INNGEST_SIGNING_KEY"
ENV_SIGNING_KEY_FALLBACK = "INNGEST_SIGNING_KEY_FALLBACK"
ENV_EVENT_KEY = "INNGEST_EVENT_KEY"
ENV_DEV = "INNGEST_DEV"

# --- Default resource names (the local stack uses them; the CDK stack passes real ones) ----------
DEFAULT_TABLE = "inngest-lambda"
DEFAULT_QUEUE = "inngest-lambda-work"
DEFAULT_DLQ = "inngest-lambda-dlq"
DEFAULT_BUCKET = "inngest-lambda-state"
DEFAULT_SCHEDULE_GROUP = "inngest-lambda"
DEFAULT_REGION = "us-east-1"
DEFAULT_FUNCTIONS_MODULE = "functions"
DEFAULT_RETENTION_DAYS = 30
# A run's S3 values expire a day after its items (an S3 lifecycle rule of retention + 1 days, a
# 32-bit integer of at least 1): the range a retention can be honoured in.
MIN_RETENTION_DAYS = 1
MAX_RETENTION_DAYS = 2**31 - 2

# --- The Lambda ---------------------------------------------------------------------------------
HANDLER = "inngest_lambda.handler.handler"
# The Python the Lambda functions run on (layers/build.py builds for it, the stack takes it from
# the layer manifest): the newest version Lambda offers that `make test` can also run here, so
# the layer import check and an end-to-end smoke test run on exactly what is deployed.
LAMBDA_PYTHON_VERSION = "3.13"
SERVE_PATH = "/api/inngest"
# Two functions from the same code and handler: the API (HTTP API integrations give up after
# 30 s) and the executor (SQS batches; a drive hands its run over well before this timeout).
LAMBDA_TIMEOUT_SECONDS = 900
API_TIMEOUT_SECONDS = 29
# AWS recommends at least 6x the function timeout for a Lambda event source, so a batch whose
# invocation was throttled is retried before the message becomes visible again. A crashed
# drive is not left to this timeout: its lease expires and the sweeper re-drives the run.
QUEUE_VISIBILITY_SECONDS = 6 * LAMBDA_TIMEOUT_SECONDS
# A failing message comes back with exponential backoff (2 s doubling up to 5 min, from its
# receive count): 40 receives are about 2.5 hours of a persistent error before the DLQ.
QUEUE_MAX_RECEIVE_COUNT = 40
# One-off timer schedules: Scheduler retries a failed delivery for up to a day, then puts the
# message in the DLQ (alarmed), from where a redrive delivers it late but intact.
SCHEDULE_RETRY_ATTEMPTS = 185
SCHEDULE_MAX_EVENT_AGE_SECONDS = 24 * 3600
# SQS caps DelaySeconds at 15 minutes; longer timers go through EventBridge Scheduler.
MAX_SQS_DELAY_SECONDS = 900

# The format of what the runtime stores (table items, S3 values, messages, schedules): one more
# whenever a release changes it; the table's marker item holds it (data_format.py). A runtime
# refuses a table of a newer format; an older one is migrated. See docs/upgrading.md.
#   1: the layout before the marker existed.
#   2: `EN#` by-name entries live as long as their event (events are listed by name from them);
#      the 1 -> 2 step records when that started (data_format.MIGRATIONS, index_keys).
DATA_FORMAT_VERSION = 2

# --- DynamoDB table layout ----------------------------------------------------------------------
# One table, string partition and sort keys. Every access of the runtime is by key, except the
# sweeper's query of its sparse index; the listing indexes exist for the dashboard, CLI, /v1/runs.
TABLE_PK = "pk"
TABLE_SK = "sk"

# --- Listing indexes (see docs/dashboard.md "What listing costs") --------------------------------
# Only run items and event items carry the `lst_*` attributes, so the indexes hold nothing else.
# Their keys and projected attributes change only when a run changes status, never per step.
LIST_AT = "lst_at"  # sort key of all three: "<13-digit epoch ms>#<run or event id>", unique
LIST_FUNCTION = "lst_fn"  # runs by function: the function id
LIST_FUNCTION_STATUS = "lst_fs"  # runs by function and status: "<fn>#active" or "<fn>#<ended>"
LIST_EVENTS = "lst_ev"  # events by time: "EV#<shard>", spread over EVENT_INDEX_SHARDS partitions
INDEX_RUNS_BY_FUNCTION = "runs-by-function"
INDEX_RUNS_BY_STATUS = "runs-by-status"
INDEX_EVENTS_BY_TIME = "events-by-time"
EVENT_INDEX_SHARDS = 4
# Projected beside the keys: each changes at most once per status change of a run (or never).
LIST_PROJECTION = ("function_id", "status", "event_id", "started_at", "ended_at", "ev_name")
LIST_INDEXES = (
    (INDEX_RUNS_BY_FUNCTION, LIST_FUNCTION),
    (INDEX_RUNS_BY_STATUS, LIST_FUNCTION_STATUS),
    (INDEX_EVENTS_BY_TIME, LIST_EVENTS),
)
TABLE_TTL_ATTRIBUTE = "expires_at"
# The sweep index: a sparse GSI holding only runs that something must still happen to (queued,
# leased, parked until a time); `sweep_at` is when the run counts as stuck if nothing happened.
# Written with the run's state changes (create, lease, park, wake, finish), never per step.
SWEEP_INDEX = "sweep"
SWEEP_SHARD_ATTRIBUTE = "sweep_shard"  # "0".."SWEEP_SHARDS-1", spreads index writes
SWEEP_AT_ATTRIBUTE = "sweep_at"  # epoch seconds (number)
SWEEPS_ATTRIBUTE = "sweeps"  # how often the sweeper re-drove the run since it last parked
SWEEP_SHARDS = 8
# The order in which a table that predates its secondary indexes gets them, one per deploy
# (DynamoDB creates one GSI per table update): the sweep index first (recovery needs it), then
# the listing indexes. New tables get all of them at once. See docs/upgrading.md.
INDEX_UPGRADE_ORDER = (
    SWEEP_INDEX,
    INDEX_RUNS_BY_FUNCTION,
    INDEX_RUNS_BY_STATUS,
    INDEX_EVENTS_BY_TIME,
)
# How long after it should have moved a run counts as stuck (normal delivery takes < 1 s).
SWEEP_GRACE_SECONDS = 15
# The sweeper: a Scheduler rate schedule sending {"kind": "sweep"} to the work queue.
SWEEPER_SCHEDULE = "inngest-lambda-sweeper"
SWEEPER_RATE_MINUTES = 1
SWEEPER_MESSAGE = {"kind": "sweep"}
# Items larger than this go to S3 with a pointer in the item (DynamoDB's item limit is 400 KB).
INLINE_VALUE_LIMIT_BYTES = 300_000
# The run item as a whole: its event(s) and its outcome (the pending `finishing` record, then the
# output or error) share this many bytes inline; whatever does not fit goes to S3 by reference,
# leaving room under DynamoDB's 400 KB for the item's other attributes.
RUN_ITEM_INLINE_BUDGET_BYTES = 300_000

# --- Sizes --------------------------------------------------------------------------------------
# Inngest's largest documented per-event limit (paid plans); events over the item budget above
# are stored in S3 like large step outputs.
DEFAULT_MAX_EVENT_BYTES = 3 * 1024 * 1024
# AWS Lambda's synchronous invocation payload limit, for requests and responses alike.
LAMBDA_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024
DEFAULT_MAX_REQUEST_BYTES = LAMBDA_PAYLOAD_LIMIT_BYTES
# A request to a remote app whose event batch and step state are larger than this carries
# neither: it sets `use_api` and the SDK fetches them from /v0/runs/{id}/batch and /actions.
DEFAULT_SDK_INLINE_STATE_BYTES = 4 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class Settings:
    """Configuration read from the environment once per process."""

    table: str
    queue_url: str
    queue_arn: str
    bucket: str
    schedule_group: str
    scheduler_role_arn: str
    functions_module: str
    region: str
    retention_days: int
    log_level: str
    signing_key_secret_arn: str | None
    event_key_secret_arn: str | None
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    sdk_inline_state_bytes: int = DEFAULT_SDK_INLINE_STATE_BYTES
    accept_previous_signing_key: bool = False
    dlq_arn: str = ""  # where one-off timer schedules put what they could not deliver
    sdk_replay_fix: bool = True  # see sdk_replay.py
    inprocess_send: bool = True  # see inprocess_send.py
    api_url: str = ""  # this deployment's own API URL ("": unknown, nothing is routed in-process)
    realtime_endpoint: str = ""  # see ENV_REALTIME_ENDPOINT

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = os.environ if env is None else env
        region = e.get(ENV_REGION) or e.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        account = "123456789012"
        queue_url = e.get(ENV_QUEUE_URL) or (
            f"https://sqs.{region}.amazonaws.com/{account}/{DEFAULT_QUEUE}"
        )
        return cls(
            table=e.get(ENV_TABLE, DEFAULT_TABLE),
            queue_url=queue_url,
            queue_arn=e.get(ENV_QUEUE_ARN) or f"arn:aws:sqs:{region}:{account}:{DEFAULT_QUEUE}",
            bucket=e.get(ENV_BUCKET, DEFAULT_BUCKET),
            schedule_group=e.get(ENV_SCHEDULE_GROUP, DEFAULT_SCHEDULE_GROUP),
            scheduler_role_arn=e.get(ENV_SCHEDULER_ROLE_ARN)
            or f"arn:aws:iam::{account}:role/inngest-lambda-scheduler",
            functions_module=e.get(ENV_FUNCTIONS, DEFAULT_FUNCTIONS_MODULE),
            region=region,
            retention_days=retention_days(
                e.get(ENV_RETENTION_DAYS) or DEFAULT_RETENTION_DAYS, ENV_RETENTION_DAYS
            ),
            log_level=e.get(ENV_LOG_LEVEL, "INFO"),
            signing_key_secret_arn=e.get(ENV_SIGNING_KEY_SECRET_ARN) or None,
            event_key_secret_arn=e.get(ENV_EVENT_KEY_SECRET_ARN) or None,
            max_event_bytes=int(e.get(ENV_MAX_EVENT_BYTES) or DEFAULT_MAX_EVENT_BYTES),
            max_request_bytes=int(e.get(ENV_MAX_REQUEST_BYTES) or DEFAULT_MAX_REQUEST_BYTES),
            sdk_inline_state_bytes=int(
                e.get(ENV_SDK_INLINE_STATE_BYTES) or DEFAULT_SDK_INLINE_STATE_BYTES
            ),
            accept_previous_signing_key=e.get(ENV_ACCEPT_PREVIOUS_SIGNING_KEY, "").lower()
            in ("1", "true", "yes"),
            dlq_arn=e.get(ENV_DLQ_ARN) or f"arn:aws:sqs:{region}:{account}:{DEFAULT_DLQ}",
            sdk_replay_fix=e.get(ENV_SDK_REPLAY_FIX, "1").lower() not in ("0", "false", "no"),
            inprocess_send=e.get(ENV_INPROCESS_SEND, "1").lower() not in ("0", "false", "no"),
            api_url=e.get(ENV_API_URL) or e.get(ENV_EVENT_API_BASE_URL) or "",
            realtime_endpoint=e.get(ENV_REALTIME_ENDPOINT) or "",
        )


def retention_days(value: object, name: str) -> int:
    """A retention in whole days that the runtime can honour; `name` (the env var, the CDK
    context key) is named in the error. 0 or a negative value would expire runs at once."""
    try:
        days = int(str(value).strip())
    except ValueError:
        days = None
    if days is None or not MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
        raise ValueError(
            f"{name} must be a whole number of days from {MIN_RETENTION_DAYS} to "
            f"{MAX_RETENTION_DAYS:,}, got {value!r}"
        )
    return days


@functools.cache
def get_settings() -> Settings:
    """Settings of this process; a test that changes the environment calls
    `get_settings.cache_clear()`."""
    return Settings.from_env()
