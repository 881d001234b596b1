"""Point the functions' inngest client at the test's local stack, and back.

The SDK client reads `INNGEST_DEV` and the API URLs when it is constructed. A test file that
does `from functions import ...` at the top builds the client at collection time, before any
fixture runs, so it would talk to Inngest Cloud in production mode (and `serve()` would refuse to
start without a signing key). Rather than make users build clients in a special way, the toolkit
sets on the one client the runtime serves (`<functions module>.client`) exactly what the
constructor would have derived with `INNGEST_DEV=<local stack URL>`, and restores the original
values when the test ends, so `step.send_event` and `client.send()` reach the local stack.

Those are private fields of the client (`_FIELDS`) and `inngest._internal.server_lib`: the SDK
has no public way to re-point a built client. So the module is gated on the inngest versions it
was checked with (`sdk/versions.py`), and a client without the fields is refused by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from inngest_lambda.sdk import versions

versions.require(__name__, "inngest", "Inngest._mode, _api_origin, _event_api_origin")
_FIELDS = ("_mode", "is_production", "_api_origin", "_event_api_origin")


def point_at(client: Any, url: str) -> Callable[[], None]:
    """Make `client` a dev-mode client of `url`; returns the function that undoes it."""
    from inngest._internal import server_lib

    missing = [f for f in _FIELDS if not hasattr(client, f)]
    if missing:
        raise RuntimeError(
            f"cannot point the inngest client at the local stack: {type(client).__name__} has "
            f"no {', '.join(missing)} (an unsupported inngest SDK version?)"
        )
    saved = {field: getattr(client, field) for field in _FIELDS}
    client._mode = server_lib.ServerKind.DEV_SERVER
    client.is_production = False
    client._api_origin = url
    client._event_api_origin = url

    def restore() -> None:
        for field, value in saved.items():
            setattr(client, field, value)

    return restore
