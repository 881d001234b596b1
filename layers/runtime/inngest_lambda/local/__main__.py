"""`python -m inngest_lambda.local` (what `make dev` runs): the local stack on $PORT until stopped.

Environment:
  PORT                          port to listen on (default 8288, Inngest's dev-server port, so
                                the SDK's defaults work; 0 picks a free one)
  INNGEST_DEV                   set to this server's URL when unset, so the SDK client (and
                                `client.send()`) talks to it rather than to an Inngest server
  INNGEST_LAMBDA_FUNCTIONS      the functions module the real handler serves (default functions)
  INNGEST_LAMBDA_LOCAL_HANDLER  `module:attr` of a handler to run instead of the real one
  INNGEST_LAMBDA_LOG_LEVEL      log level (default INFO)

Ctrl-C or SIGTERM stops it cleanly: exit status 0, background threads joined.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import traceback
from types import FrameType

from inngest_lambda import settings as s
from inngest_lambda.local.ports import free_port
from inngest_lambda.local.stack import LocalStack

DEFAULT_PORT = 8288
HOST = "127.0.0.1"


def _configure_logging() -> None:
    """The runtime's JSON logs when it is there (one format for both), else plain lines."""
    level = os.environ.get(s.ENV_LOG_LEVEL, "INFO").upper()
    try:
        from inngest_lambda.core.log import get_logger
    except ImportError:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
        return
    get_logger(level)


def main() -> int:
    try:
        port = int(os.environ.get("PORT") or DEFAULT_PORT)
    except ValueError:
        print(f"PORT must be a number, got {os.environ['PORT']!r}", file=sys.stderr)
        return 2
    if port == 0:
        port = free_port(HOST)  # INNGEST_DEV has to name the port before the server binds it
    if not os.environ.get(s.ENV_DEV):
        os.environ[s.ENV_DEV] = f"http://{HOST}:{port}"
    _configure_logging()

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    stack = LocalStack(port=port, host=HOST)
    try:
        stack.start()
    except Exception as exc:  # e.g. the functions module does not import: show where
        traceback.print_exc()
        print(f"inngest-lambda local stack failed to start: {exc}", file=sys.stderr)
        return 1
    try:
        print(
            f"inngest-lambda local stack on {stack.url} (SDK endpoint {stack.url}{s.SERVE_PATH})",
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    finally:
        stack.stop()
    print("inngest-lambda local stack stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
