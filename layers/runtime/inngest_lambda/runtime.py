"""Everything a Lambda process builds once, at its first invocation: config, secrets, the
user's functions, the FastAPI app, and the executor on the first queue message. Later invocations
reuse it."""

from __future__ import annotations

import functools
import importlib
import os
from typing import TYPE_CHECKING, Any

from inngest_lambda import settings as names
from inngest_lambda.core.log import get_logger
from inngest_lambda.settings import Settings, get_settings

if TYPE_CHECKING:
    from inngest_lambda.engine.executor import Executor
    from inngest_lambda.storage.store import Store


class Runtime:
    """The deployment one process serves. The HTTP layer sees it only as `http.services.Services`
    and admin operations as `admin.operations.Deployment` (structurally: neither imports this
    module), so its attributes below are those Protocols' members; keep them in step."""

    def __init__(self, settings: Settings) -> None:
        from inngest_lambda.apps import registry
        from inngest_lambda.events import ingest as events
        from inngest_lambda.http import app as api
        from inngest_lambda.storage import store

        self.settings = settings
        self.log = get_logger(settings.log_level)
        _load_secrets(settings)
        module = importlib.import_module(settings.functions_module)
        from inngest_lambda.sdk import replay as sdk_replay

        self.sdk_replay_fixed = sdk_replay.install(settings.sdk_replay_fix)
        self.client = module.client
        self.functions = list(module.functions)
        from inngest_lambda.sdk import send_ids

        send_ids.install(self.client)  # a re-run step sends the same event ids
        from inngest_lambda.flow import validation

        # Fail the cold start, naming function and option, rather than fail every event later.
        validation.check_entries(registry.Registry.from_sdk(self.client, self.functions).all())
        self.store = store.Store()
        self.registry = registry.Registry.from_sdk(
            self.client, self.functions, load_remote=self.store.list_apps
        )
        self.ingestor = events.Ingestor(self.store, self.registry)
        self.signing_key = os.environ.get(names.ENV_SIGNING_KEY) or None
        self.signing_key_fallback = os.environ.get(names.ENV_SIGNING_KEY_FALLBACK) or None
        self.event_key = os.environ.get(names.ENV_EVENT_KEY) or None
        self.sdk_app = api.create_sdk_app(self)
        self.app = api.Entry(self.sdk_app, lambda: api.create_app(self))
        from inngest_lambda.sdk import inprocess_send

        # Sends to this deployment's own event API skip API Gateway (its throttle, its cost).
        self.inprocess_send = inprocess_send.install(
            self.client, self.app, settings.api_url, enabled=settings.inprocess_send, log=self.log
        )
        self._mangum: Any = None

    @functools.cached_property
    def executor(self) -> Executor:
        """Made on the first queue message: a cold start that only answers HTTP requests never
        imports the engine (about 30 modules)."""
        from inngest_lambda.engine.executor import Executor
        from inngest_lambda.sdk import client as sdk

        return Executor(
            self.store,
            self.registry,
            self.ingestor,
            lambda: sdk.SdkClient(self.sdk_app, self.signing_key, self.signing_key_fallback),
            self.log,
            jobs={"bulk_cancel": _bulk_cancel_page},
        )

    @property
    def dev_mode(self) -> bool:
        return self.signing_key is None

    @property
    def http(self) -> Any:
        if self._mangum is None:
            from mangum import Mangum

            self._mangum = Mangum(self.app, lifespan="off")
        return self._mangum


def _bulk_cancel_page(store: Store, message: dict[str, Any]) -> None:
    """One page of a bulk cancellation (`admin/cancellations.py`, imported on its first page)."""
    from inngest_lambda.admin import cancellations

    cancellations.handle(store, message)


def _load_secrets(settings: Settings) -> None:
    """Put the signing and event keys from Secrets Manager where the SDK looks for them.

    The SDK client reads INNGEST_SIGNING_KEY / INNGEST_EVENT_KEY when the user's module creates
    it, so this must run before that import. Explicit environment values win. During a key
    rotation the secret's previous version (stage AWSPREVIOUS) becomes the fallback key, read
    like the current one so that no key sits in the function's configuration.
    """
    wanted = [
        (names.ENV_SIGNING_KEY, settings.signing_key_secret_arn, "AWSCURRENT"),
        (names.ENV_EVENT_KEY, settings.event_key_secret_arn, "AWSCURRENT"),
    ]
    if settings.accept_previous_signing_key:
        wanted.append(
            (names.ENV_SIGNING_KEY_FALLBACK, settings.signing_key_secret_arn, "AWSPREVIOUS")
        )
    used: Any = None
    for env_name, arn, stage in wanted:
        if arn and not os.environ.get(env_name):
            from inngest_lambda.core import aws

            client = used = aws.client("secretsmanager")
            try:
                value = client.get_secret_value(SecretId=arn, VersionStage=stage)["SecretString"]
            except client.exceptions.ResourceNotFoundException:
                if stage == "AWSCURRENT":
                    raise
                # Never rotated yet: there is no previous key to accept.
                get_logger(settings.log_level).warning(
                    "acceptPreviousSigningKey is on but the signing key secret has no"
                    " AWSPREVIOUS version yet; only the current key is accepted"
                )
                continue
            os.environ[env_name] = value.strip()
    if used is not None:
        used.close()  # no pooled connection outlives init (a SnapStart snapshot would keep it)


@functools.cache
def get_runtime() -> Runtime:
    return Runtime(get_settings())
