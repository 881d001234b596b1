"""free_port: a port a server can bind right after (what INNGEST_DEV and app URLs name)."""

import socket

from inngest_lambda.local.ports import free_port


def test_the_port_is_free_to_bind_and_differs_from_one_in_use():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = free_port()
        assert port != busy.getsockname()[1]
        with socket.socket() as server:
            server.bind(("127.0.0.1", port))  # raises if something holds it
