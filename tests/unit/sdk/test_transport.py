"""Remote SDK answers are framed as Inngest's Go server frames them (sdk_transport)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl
import threading
from collections.abc import Iterator

import httpx
import pytest

from inngest_lambda.sdk import client as sdk
from inngest_lambda.sdk.transport import without_http10_transfer_encoding

STREAMED = b' {"status": 200, "body": "\\"Hi\\"", "headers": {}}'


def _read_request(conn: socket.socket) -> None:
    """Read one whole request, body included: closing a socket with unread bytes sends a reset,
    which can destroy the answer before the client (or a proxy in between) has read it."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(
        next(
            line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        ).split(b":")[1]
    )
    while len(body) < length:
        body += conn.recv(65536)


def _serve_once(answer: bytes) -> tuple[str, threading.Thread]:
    """A server that reads one request, writes `answer` verbatim and closes the connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve() -> None:
        conn, _ = listener.accept()
        with conn, listener:
            _read_request(conn)
            conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}/api/inngest", thread


@pytest.fixture()
def client() -> Iterator[sdk.SdkClient]:
    yield sdk.SdkClient(asgi_app=None, signing_key=None)


def _call(client: sdk.SdkClient, url: str) -> sdk.SdkResponse:
    async def call() -> sdk.SdkResponse:
        try:
            return await client.call(url, False, "fn", "step", b'{"event": {}}')
        finally:
            await client.aclose()

    return asyncio.run(call())


# What a Python http.server proxy sends for a streamed SDK answer (the SDK suite's proxy does):
# the app's chunked header, forwarded on an HTTP/1.0 response whose body is not chunked.
HTTP10_WITH_CHUNKED_HEADER = (
    b"HTTP/1.0 201 Created\r\nServer: proxy\r\ncontent-type: application/json\r\n"
    b"Transfer-Encoding: chunked\r\nx-inngest-sdk: inngest-py:v0.5\r\n\r\n" + STREAMED
)


def test_plain_httpx_rejects_an_http10_answer_with_a_chunked_header():
    """The case this transport exists for: without it the call fails (as it did before)."""
    url, thread = _serve_once(HTTP10_WITH_CHUNKED_HEADER)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(url, content=b"{}", timeout=5)
    thread.join(5)


def test_http10_answer_with_a_chunked_header_is_read_until_close(client):
    """Go's net/http ignores Transfer-Encoding on HTTP/1.0 and reads until close; so do we."""
    url, thread = _serve_once(HTTP10_WITH_CHUNKED_HEADER)
    res = _call(client, url)
    thread.join(5)
    assert res.status == 201
    assert res.body == json.loads(STREAMED)
    assert res.headers["x-inngest-sdk"] == "inngest-py:v0.5"
    assert "transfer-encoding" not in res.headers


def test_http11_chunked_answer_is_still_de_chunked(client):
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(part), part) for part in (STREAMED[:10], STREAMED[10:])
    )
    answer = b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    url, thread = _serve_once(answer + chunks + b"0\r\n\r\n")
    res = _call(client, url)
    thread.join(5)
    assert res.status == 201
    assert res.body == json.loads(STREAMED)


def test_http10_answer_with_content_length_keeps_its_length(client):
    body = b'"done"'
    answer = b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    url, thread = _serve_once(answer)
    res = _call(client, url)
    thread.join(5)
    assert (res.status, res.body) == (200, "done")


@pytest.mark.parametrize(
    "head, expected",
    [
        (
            b"HTTP/1.0 201 Created\r\nTransfer-Encoding: chunked\r\nA: b\r\n\r\n",
            b"HTTP/1.0 201 Created\r\nA: b\r\n\r\n",
        ),
        (
            b"HTTP/1.0 200 OK\ntransfer-encoding:chunked\nA: b\n\n",
            b"HTTP/1.0 200 OK\nA: b\n\n",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        ),
        # A header whose value merely mentions the name is kept.
        (
            b"HTTP/1.0 200 OK\r\nX-Note: Transfer-Encoding: chunked\r\n\r\n",
            b"HTTP/1.0 200 OK\r\nX-Note: Transfer-Encoding: chunked\r\n\r\n",
        ),
    ],
)
def test_only_http10_heads_lose_transfer_encoding(head, expected):
    assert without_http10_transfer_encoding(head) == expected


def _self_signed(directory) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, as PEM files (the certificate is its own CA)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "app.pem", directory / "app.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


def _connect_proxy(tunnels: list[bytes]) -> tuple[str, threading.Thread]:
    """A proxy that serves one CONNECT: records its target, then pipes bytes both ways."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def serve() -> None:
        conn, _ = listener.accept()
        with conn, listener:
            head = b""
            while b"\r\n\r\n" not in head:
                head += conn.recv(65536)
            method, target, _ = head.split(b"\r\n")[0].split(b" ")
            tunnels.append(method + b" " + target)
            host, port = target.rsplit(b":", 1)
            with socket.create_connection((host.decode(), int(port))) as upstream:
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                back = threading.Thread(target=pipe, args=(upstream, conn), daemon=True)
                back.start()
                pipe(conn, upstream)
                back.join(5)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}", thread


def test_an_https_app_is_reached_through_the_environment_s_proxy_tunnel(monkeypatch, tmp_path):
    """HTTPS_PROXY: a CONNECT tunnel, TLS end to end to the app (verified with the process's
    context), and the answer inside the tunnel framed as on a direct connection."""
    cert, key = _self_signed(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve() -> None:
        conn, _ = listener.accept()
        with server_context.wrap_socket(conn, server_side=True) as tls, listener:
            _read_request(tls)
            tls.sendall(HTTP10_WITH_CHUNKED_HEADER)

    app = threading.Thread(target=serve, daemon=True)
    app.start()
    tunnels: list[bytes] = []
    proxy_url, proxy = _connect_proxy(tunnels)
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("https_proxy", proxy_url)
    monkeypatch.setattr(sdk, "_tls_context", lambda: ssl.create_default_context(cafile=cert))
    port = listener.getsockname()[1]
    res = _call(sdk.SdkClient(asgi_app=None, signing_key=None), f"https://127.0.0.1:{port}/api")
    app.join(5)
    proxy.join(5)
    assert tunnels == [b"CONNECT 127.0.0.1:%d" % port]
    assert res.status == 201
    assert res.body == json.loads(STREAMED)
