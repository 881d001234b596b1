"""Structured JSON logs (one object per line) that carry run_id and function_id when known."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from inngest_lambda.core.trace_context import CURRENT as TRACE_CONTEXT

LOGGER_NAME = "inngest_lambda"
_CONFIGURED = False
_FIELDS = ("run_id", "function_id", "event_id", "step", "attempt", "status", "request_id")
# Realtime connections (realtime/websocket.py): which connection, how many topics.
_FIELDS += ("connection_id", "topics")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "timestamp": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
        }
        for field in _FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                out[field] = value
        out.update(TRACE_CONTEXT.get() or {})  # trace_id, span_id: in a traced drive only
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def get_logger(level: str | None = None) -> logging.Logger:
    """The package's logger. Its handler is installed once per process; a given `level` is
    applied on every call, so a runtime built again (a local stack started with another
    INNGEST_LAMBDA_LOG_LEVEL) logs at its own level, not at the first runtime's."""
    global _CONFIGURED
    logger = logging.getLogger(LOGGER_NAME)
    if not _CONFIGURED:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False
        _CONFIGURED = True
        level = level or "INFO"
    if level is not None:
        logger.setLevel(level)
    return logger


def write_line(text: str) -> None:
    """Write one raw line (an EMF metrics document) to the log stream, whatever the log level,
    under the handler's lock so it never interleaves with a log record."""
    for handler in get_logger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.acquire()
            try:
                handler.stream.write(text + "\n")
                handler.flush()
            finally:
                handler.release()
