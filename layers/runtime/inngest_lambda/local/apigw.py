"""API Gateway HTTP API (payload format 2.0) on the wire: raw HTTP request <-> Lambda event.

The deployed Lambda only ever sees what API Gateway makes of a request, so the local server
must hand the handler the same shape, quirks included: lower-case header names with duplicates
comma-joined, the `cookie` header moved into `cookies`, a base64 body for non-text content, a
`$default` stage. On the way back a response dict becomes status, headers and bytes, with each
entry of `cookies` as its own `set-cookie` header, and a result without `statusCode` taken as a
JSON 200 body as API Gateway does.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import secrets
import time
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from inngest_lambda.local.invoke import ACCOUNT_ID

API_ID = "local"
STAGE = "$default"
ROUTE_KEY = "$default"

# Headers that describe one hop of the connection, not the response: the server sets its own.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)
# Media types API Gateway hands over as text; everything else arrives base64-encoded.
# (An approximation of AWS's rule: form posts, for one, do arrive base64-encoded on HTTP APIs.)
_TEXT_SUBTYPES = frozenset({"json", "xml", "javascript", "x-javascript", "ecmascript", "x-ndjson"})


class MalformedResponse(ValueError):
    """The handler's result is not a response API Gateway can turn into HTTP (it answers 502)."""


@dataclasses.dataclass(frozen=True)
class HttpResponse:
    """A response ready for the socket; `headers` may repeat a name (set-cookie)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def split_target(target: str) -> tuple[str, str]:
    """Split a request-target into path and raw query string (no `?`), percent-encoding kept."""
    if "://" in target:  # absolute-form, as sent to proxies
        parts = urlsplit(target)
        return parts.path or "/", parts.query
    path, _, query = target.partition("?")
    return path or "/", query


def is_text_content(content_type: str | None) -> bool:
    """True when API Gateway would pass a body of this type as a plain string."""
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    main, _, sub = media.partition("/")
    return main == "text" or sub in _TEXT_SUBTYPES or sub.endswith("+json") or sub.endswith("+xml")


def build_event(
    method: str,
    path: str,
    query_string: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    source_ip: str,
    *,
    protocol: str = "HTTP/1.1",
    scheme: str = "http",
    port: int | None = None,
    request_id: str | None = None,
    time_epoch_ms: int | None = None,
) -> dict[str, Any]:
    """The `version: "2.0"` event API Gateway would send the Lambda for this request."""
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    # The headers API Gateway adds (or extends) on its way to the integration.
    forwarded_for = joined.get("x-forwarded-for")
    joined["x-forwarded-for"] = f"{forwarded_for}, {source_ip}" if forwarded_for else source_ip
    joined["x-forwarded-proto"] = scheme
    if port is not None:
        joined["x-forwarded-port"] = str(port)
    joined.setdefault("x-amzn-trace-id", f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}")

    now_ms = int(time.time() * 1000) if time_epoch_ms is None else time_epoch_ms
    host = joined.get("host", f"{API_ID}.execute-api.localhost")
    domain = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": ROUTE_KEY,
        "rawPath": path,
        "rawQueryString": query_string,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = joined
    if query_string:
        params: dict[str, str] = {}
        for key, value in parse_qsl(query_string, keep_blank_values=True):
            params[key] = f"{params[key]},{value}" if key in params else value
        event["queryStringParameters"] = params
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0],
        "http": {
            "method": method.upper(),
            "path": path,
            "protocol": protocol,
            "sourceIp": source_ip,
            "userAgent": joined.get("user-agent", ""),
        },
        "requestId": request_id or uuid.uuid4().hex[:16],
        "routeKey": ROUTE_KEY,
        "stage": STAGE,
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now_ms / 1000)),
        "timeEpoch": now_ms,
    }
    if body:
        if is_text_content(joined.get("content-type")):
            try:
                event["body"] = body.decode("utf-8")
                event["isBase64Encoded"] = False
                return event
            except UnicodeDecodeError:
                pass
        event["body"] = base64.b64encode(body).decode("ascii")
        event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    return event


def parse_response(result: Any) -> HttpResponse:
    """Turn a handler result into HTTP; raises MalformedResponse where API Gateway answers 502."""
    if not isinstance(result, dict) or "statusCode" not in result:
        # Format 2.0: valid JSON without statusCode is a 200 JSON response of that JSON.
        return HttpResponse(
            200, [("content-type", "application/json")], json.dumps(result).encode()
        )
    try:
        status = int(result["statusCode"])
    except (TypeError, ValueError) as exc:
        raise MalformedResponse(f"statusCode is not an integer: {result['statusCode']!r}") from exc
    if not 100 <= status <= 599:
        raise MalformedResponse(f"statusCode out of range: {status}")

    out: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        if str(name).lower() not in _HOP_BY_HOP:
            out.append((str(name), _header_value(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        if str(name).lower() in _HOP_BY_HOP:
            continue
        for value in values or []:
            pair = (str(name), _header_value(value))
            if pair not in out:
                out.append(pair)
    for cookie in result.get("cookies") or []:
        out.append(("set-cookie", str(cookie)))

    body = result.get("body")
    if body is None:
        data = b""
    elif not isinstance(body, str):
        raise MalformedResponse(f"body must be a string, got {type(body).__name__}")
    elif result.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body, validate=True)
        except ValueError as exc:
            raise MalformedResponse(f"isBase64Encoded but body is not base64: {exc}") from exc
    else:
        data = body.encode("utf-8")
    return HttpResponse(status, out, data)


def error_response(status: int, message: str, **details: Any) -> HttpResponse:
    """A JSON error in API Gateway's `{"message": ...}` shape, with what went wrong added, and
    Inngest's `error` field (the message, then the detail): the inngest SDK's `send` reads only
    the body, and raises only when it holds `error`, so without it a refused send looks sent.
    The REST front door's gateway responses (infra/rest_api.py) carry `error` the same way."""
    detail = details.get("errorMessage")
    error = f"{status} {message}: {detail}" if detail else f"{status} {message}"
    body = json.dumps({"message": message, "error": error, **details}).encode()
    return HttpResponse(status, [("content-type", "application/json")], body)


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
