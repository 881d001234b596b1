"""Structured JSON logs (one object per line) that carry run_id and function_id when known."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

_CONFIGURED = False
_FIELDS = ("run_id", "function_id", "event_id", "step", "attempt", "status", "request_id")


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
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def get_logger(level: str = "INFO") -> logging.Logger:
    global _CONFIGURED
    logger = logging.getLogger("inngest_lambda")
    if not _CONFIGURED:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
        _CONFIGURED = True
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
