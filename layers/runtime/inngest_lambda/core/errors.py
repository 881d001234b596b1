"""Error objects in Inngest's shapes, so code that reads them (the SDK, `on_failure` handlers,
tools written against Inngest) sees exactly what Inngest's executor would produce.

Two shapes exist. A run's own error (its output, a step's memoized error) is the SDK's error
object as the SDK sent it, or, for errors the executor raises itself, `{"error", "name",
"message"}` with no `stack` key. The lifecycle events (`inngest/function.failed`,
`inngest/function.finished`) carry Inngest's "standard error": `error` (a one-line summary),
`name`, `message`, and `stack` only when there is one.
"""

from __future__ import annotations

from typing import Any

DEFAULT_NAME = "Error"
DEFAULT_MESSAGE = "Function execution error"
UPSTREAM_NAME = "Server returned a fatal error"
UPSTREAM_BODY_LIMIT = 8192


def error(name: str, message: str) -> dict[str, Any]:
    """An error the executor raises itself (a timeout, a missing function)."""
    return {"error": f"{name}: {message}", "name": name, "message": message}


def upstream_error(status: int, body: str, content_type: str) -> dict[str, Any]:
    """A non-2xx answer that no SDK produced (a proxy, a crashed app): the raw body goes into
    the stack, so the user can see which layer failed."""
    message = f"Your server returned HTTP {status} before the SDK responded."
    stack = (
        "No step output was produced before the request failed — this can mean a proxy or "
        "load balancer in front of your app returned an error, or your app was unable to respond."
    )
    if body:
        shown = body[:UPSTREAM_BODY_LIMIT]
        more = "\n… (truncated)" if len(body) > UPSTREAM_BODY_LIMIT else ""
        stack += f"\n\nUpstream response ({content_type or 'unknown content-type'}):\n{shown}{more}"
    return {"error": message, "name": UPSTREAM_NAME, "message": message, "stack": stack}


def standard_error(err: object, reason: str | None = None) -> dict[str, Any]:
    """The lifecycle events' error for a run that ended with `err`.

    `reason` is the executor's own one-line account (for a failed SDK request, "invalid status
    code: 500"); it fills `error` when the error object has none, as Inngest's executor does.
    """
    raw: dict[str, Any] = err if isinstance(err, dict) else {"message": str(err)}
    name = _text(raw.get("name")) or DEFAULT_NAME
    message = _text(raw.get("message")) or reason or DEFAULT_MESSAGE
    summary = _text(raw.get("error")) or reason or f"{name}: {message}"
    out: dict[str, Any] = {"error": summary, "name": name, "message": message}
    stack = _text(raw.get("stack"))
    if stack:
        out["stack"] = stack
    if raw.get("cause") is not None:
        out["cause"] = raw["cause"]
    return out


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
