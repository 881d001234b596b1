"""What the HTTP layer needs of the deployment it serves: a small Protocol, not the `Runtime`.

`inngest_lambda.runtime.Runtime` satisfies it structurally (tests/unit/http/test_services.py
checks each member on a built runtime); nothing in `http/` or `admin/` imports `runtime`, so the
runtime can build the app without an import cycle, typing-only imports included.

The object passed as `Services` is the runtime itself: realtime keys its per-runtime engine by
it (a weak reference), so a wrapper built per app would not do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import inngest

    from inngest_lambda.apps.registry import Registry
    from inngest_lambda.events.ingest import Ingestor
    from inngest_lambda.settings import Settings
    from inngest_lambda.storage.store import Store


@runtime_checkable
class Services(Protocol):
    """The deployment's parts the routes call: state, functions, ingestion, keys, settings."""

    settings: Settings
    log: Any  # the runtime's logger (realtime logs connections with it)
    store: Store
    registry: Registry  # this deployment's functions and synced apps
    ingestor: Ingestor  # events in, runs started
    client: inngest.Inngest  # the user's SDK client, served in-process at SERVE_PATH
    functions: list[Any]  # the user's SDK functions (inngest.Function, generic in its output)
    signing_key: str | None
    signing_key_fallback: str | None  # the previous key during a rotation
    event_key: str | None

    @property
    def dev_mode(self) -> bool:
        """No signing key: every caller is let in, as on Inngest's dev server."""
        ...
