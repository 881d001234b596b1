"""Free local ports, for a server that must be named (INNGEST_DEV, an app's URL) before it binds."""

from __future__ import annotations

import socket

HOST = "127.0.0.1"


def free_port(host: str = HOST) -> int:
    """A port nothing listens on now on `host`; the caller's server binds it a moment later
    (another process could take it in between: fine for local stacks, tests and benchmarks)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
