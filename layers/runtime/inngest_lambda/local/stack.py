"""The whole deployment in one process: moto for AWS, a local API Gateway, the event sources.

`LocalStack` is what `make dev` runs and what end-to-end tests use: the unchanged Lambda
handler, fed by HTTP (and realtime's WebSocket events) like API Gateway feeds it and by the work
queue and schedules like Lambda's event source mapping and EventBridge Scheduler do, against
moto's in-memory AWS with the same resource names and environment variables the CDK stack gives
the real function.

    with LocalStack(handler=my_handler) as stack:
        httpx.post(f"{stack.url}/api/inngest", json={...})
        stack.wait_idle()

Everything it changes in `os.environ` is put back by `stop()`.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from inngest_lambda import settings as s
from inngest_lambda.core.log import LOGGER_NAME
from inngest_lambda.local import (
    moto_expressions,
    moto_index_query,
    moto_partition_query,
    moto_tracking,
    moto_transactions,
    websocket_api,
)
from inngest_lambda.local.invoke import Handler
from inngest_lambda.local.moto_guard import MotoGuard
from inngest_lambda.local.pump import Pump
from inngest_lambda.local.resources import create_resources
from inngest_lambda.local.server import API_TIMEOUT_SECONDS, LocalServer
from inngest_lambda.local.websocket_api import LocalWebSocketApi

LOCAL_HANDLER_ENV = "INNGEST_LAMBDA_LOCAL_HANDLER"
# Batches handled at once, as Lambda runs several invocations for one queue: a slow or hung app
# then holds one worker, not every run.
DEFAULT_CONCURRENCY = 8
# How long one SDK request may take locally; on AWS the bound is what is left of the invocation.
DEFAULT_SDK_TIMEOUT_SECONDS = "20"
"""`module:attr` (or `module.attr`) of the handler to run instead of `settings.HANDLER`."""

# Variables that would send boto3 to a real account or another endpoint: never while mocked.
_UNSAFE_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


def load_handler(spec: str) -> Handler:
    """Import `module:attr` or `module.attr` and return the callable."""
    module_name, sep, attr = spec.partition(":")
    if not sep:
        module_name, _, attr = spec.rpartition(".")
    if not module_name or not attr:
        raise ValueError(f"handler must look like module:attr, got {spec!r}")
    handler = getattr(importlib.import_module(module_name), attr)
    if not callable(handler):
        raise TypeError(f"{spec} is not callable")
    return handler  # type: ignore[no-any-return]


class LocalStack:
    """moto + local API Gateway + SQS/Scheduler pump around one Lambda handler.

    One at a time per process: moto's backends and `os.environ` are process-wide, so a second
    stack would share the first one's queue (and its pump would steal the messages).
    """

    _running: LocalStack | None = None
    _running_lock = threading.Lock()

    def __init__(
        self,
        port: int = 0,
        handler: Handler | None = None,
        env: Mapping[str, str | None] | None = None,
        duplicate_deliveries: bool = False,
        *,
        host: str = "127.0.0.1",
        batch_size: int = 10,
        concurrency: int = DEFAULT_CONCURRENCY,
        lambda_timeout_seconds: float = s.LAMBDA_TIMEOUT_SECONDS,
        api_timeout_seconds: float | None = API_TIMEOUT_SECONDS,
        poll_interval: float = 0.1,
        schedule_interval: float = 0.5,
        now: Callable[[], float] | None = None,
        background_pump: bool = True,
    ) -> None:
        """`handler=None` imports $INNGEST_LAMBDA_LOCAL_HANDLER, else `settings.HANDLER`, at
        start (after the environment is set, as a cold start would). `env` is exported for the
        stack's lifetime, before the settings are read (a None value unsets the variable).

        For virtual time (`inngest_lambda.testing`): `now` is the clock the emulated Scheduler
        evaluates schedules against (default: the wall clock), and `background_pump=False`
        starts no pump threads: the caller delivers with `stack.pump.deliver_once()` and
        `fire_due_schedules()`."""
        self._port = port
        self._handler = handler
        self._env = dict(env or {})
        self._host = host
        self._pump_options: dict[str, Any] = {
            "batch_size": batch_size,
            "duplicate_deliveries": duplicate_deliveries,
            "lambda_timeout_seconds": lambda_timeout_seconds,
            "concurrency": concurrency,
            "poll_interval": poll_interval,
            "schedule_interval": schedule_interval,
        }
        if now is not None:
            self._pump_options["now"] = now
        self._background_pump = background_pump
        self._lambda_timeout_seconds = lambda_timeout_seconds
        self._api_timeout_seconds = api_timeout_seconds
        self._saved_env: dict[str, str | None] = {}
        self._mock: Any = None
        self._guard: MotoGuard | None = None
        self._server: LocalServer | None = None
        self.websocket_api: LocalWebSocketApi | None = None
        self._pump: Pump | None = None
        self._settings: s.Settings | None = None
        self._log_level: int | None = None
        self._lifecycle = threading.Lock()

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> LocalStack:
        with self._lifecycle:
            with LocalStack._running_lock:
                if LocalStack._running is not None:
                    raise RuntimeError("a LocalStack is already running in this process")
                LocalStack._running = self
            try:
                self._start()
            except BaseException:
                self._stop()
                raise
        return self

    def _start(self) -> None:
        from moto import mock_aws  # the only place moto is imported for the stack

        self._log_level = logging.getLogger(LOGGER_NAME).level  # the env's runtime will set it
        for name in _UNSAFE_ENV:
            self._setenv(name, None)
        for name in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL_")]:
            self._setenv(name, None)
        for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
            if not os.environ.get(name):
                self._setenv(name, value)
        for name, value in self._env.items():
            self._setenv(name, value)
        if not os.environ.get(s.ENV_SDK_TIMEOUT):
            self._setenv(s.ENV_SDK_TIMEOUT, DEFAULT_SDK_TIMEOUT_SECONDS)
        region = (
            os.environ.get(s.ENV_REGION) or os.environ.get("AWS_DEFAULT_REGION") or s.DEFAULT_REGION
        )
        self._setenv(s.ENV_REGION, region)
        self._setenv("AWS_DEFAULT_REGION", region)

        self._mock = mock_aws()
        self._mock.start()
        self._guard = MotoGuard().install()
        moto_transactions.install()
        moto_index_query.install()
        moto_partition_query.install()
        moto_expressions.install()
        moto_tracking.install()
        settings = create_resources(s.Settings.from_env())
        self._settings = settings
        for name, value in (
            (s.ENV_TABLE, settings.table),
            (s.ENV_QUEUE_URL, settings.queue_url),
            (s.ENV_QUEUE_ARN, settings.queue_arn),
            (s.ENV_DLQ_ARN, settings.dlq_arn),
            (s.ENV_BUCKET, settings.bucket),
            (s.ENV_SCHEDULE_GROUP, settings.schedule_group),
            (s.ENV_SCHEDULER_ROLE_ARN, settings.scheduler_role_arn),
        ):
            self._setenv(name, value)
        _forget_cached_settings()
        _create_cron_schedules(settings)  # what the CDK stack creates at deploy
        if self._background_pump:  # virtual time emulates the sweeper's schedule itself
            _create_sweeper_schedule(settings)

        handler = self._handler or load_handler(os.environ.get(LOCAL_HANDLER_ENV) or s.HANDLER)
        server = LocalServer(
            handler,
            host=self._host,
            port=self._port,
            lambda_timeout_seconds=self._lambda_timeout_seconds,
            api_timeout_seconds=self._api_timeout_seconds,
            region=settings.region,
        )
        # Realtime: API Gateway's WebSocket API and its management endpoint, on the same port.
        self.websocket_api = LocalWebSocketApi(
            handler, region=settings.region, lambda_timeout_seconds=self._lambda_timeout_seconds
        )
        server.mount(websocket_api.CONNECT_PATH, self.websocket_api)
        server.mount(websocket_api.CONNECTIONS_PREFIX, self.websocket_api)
        self._server = server.start()
        # The API URL the CDK stack gives the function: the runtime serves sends to it in-process.
        self._setenv(s.ENV_API_URL, self._server.url)
        # Where the runtime posts realtime frames: the management endpoint served above.
        self._setenv(s.ENV_REALTIME_ENDPOINT, self._server.url)
        self._settings = dataclasses.replace(
            settings, api_url=self._server.url, realtime_endpoint=self._server.url
        )
        s.get_settings.cache_clear()
        self._pump = Pump(handler, settings, **self._pump_options)
        self._guard.add_listener(self._pump.notify)
        if self._background_pump:
            self._pump.start()
        else:
            self._pump.connect()

    def stop(self) -> None:
        """Stop pump and server (letting calls in progress finish), then moto; restore the env."""
        with self._lifecycle:
            self._stop()

    def _stop(self) -> None:
        if self._pump is not None:
            self._pump.stop()
        if self._server is not None:
            self._server.stop()
        if self._guard is not None:
            self._guard.uninstall()
            moto_transactions.uninstall()
            moto_partition_query.uninstall()
            moto_index_query.uninstall()
            moto_expressions.uninstall()
            moto_tracking.uninstall()
        if self._mock is not None:
            self._mock.stop()
        self._pump = self._server = self._guard = self._mock = None
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()
        if self._log_level is not None:  # the level the stack's env gave the logger goes too
            logging.getLogger(LOGGER_NAME).setLevel(self._log_level)
            self._log_level = None
        _forget_cached_settings()
        with LocalStack._running_lock:
            if LocalStack._running is self:
                LocalStack._running = None

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _setenv(self, name: str, value: str | None) -> None:
        if name not in self._saved_env:
            self._saved_env[name] = os.environ.get(name)
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value

    # --- what a caller uses --------------------------------------------------------------------
    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>`: API Gateway's invoke URL, locally."""
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def settings(self) -> s.Settings:
        if self._settings is None:
            raise RuntimeError("LocalStack not started")
        return self._settings

    @property
    def server(self) -> LocalServer:
        if self._server is None:
            raise RuntimeError("LocalStack not started")
        return self._server

    @property
    def pump(self) -> Pump:
        if self._pump is None:
            raise RuntimeError("LocalStack not started")
        return self._pump

    def wait_idle(self, timeout: float = 10.0, *, include_delayed: bool = True) -> bool:
        """Pump idle (see Pump.wait_idle) and no HTTP request in progress or started meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            before = (self.server.in_flight, self.server.requests_served)
            remaining = max(0.0, deadline - time.monotonic())
            if (
                before[0] == 0
                and self.pump.wait_idle(remaining, include_delayed=include_delayed)
                and (self.server.in_flight, self.server.requests_served) == before
            ):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)


def _create_cron_schedules(settings: s.Settings) -> None:
    """One Scheduler schedule per cron trigger of the functions module, as the CDK stack does.

    Skipped when the runtime or the functions module is absent (stacks around a stub handler).
    """
    try:
        from inngest_lambda.flow import schedules
    except ImportError:
        return
    try:
        schedules.ensure_from_module(settings.functions_module)
    except ModuleNotFoundError as exc:
        if exc.name and settings.functions_module.startswith(exc.name):
            return  # no functions module here: nothing to schedule
        raise


def _create_sweeper_schedule(settings: s.Settings) -> None:
    """The sweeper's rate schedule, as the CDK stack creates it (skipped without the runtime)."""
    try:
        from inngest_lambda.engine import sweeper
    except ImportError:
        return
    from inngest_lambda.local.aws_clients import client

    sweeper.ensure_schedule(
        client("scheduler", settings.region),
        settings.schedule_group,
        settings.queue_arn,
        settings.scheduler_role_arn,
    )


def _forget_cached_settings() -> None:
    """Make the runtime re-read settings and rebuild its boto3 clients (they cache both)."""
    s.get_settings.cache_clear()
    try:
        from inngest_lambda.core import aws
    except ImportError:  # the runtime is optional here: tests run the stack with a fake handler
        return
    reset = getattr(aws, "reset", None)
    if callable(reset):
        reset()
