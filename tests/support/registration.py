"""Bodies of `POST /fn/register` for apps served elsewhere: the shape the SDK's sync sends.

Tests register hand-written apps to reach paths an SDK app would not (a URL that is down, an
impostor, options the SDK never sends). A function here has one step, `step`, called over HTTP at
`url`; whatever else a test needs goes in `options` as the wire names it (`batchEvents`, ...).
"""

from __future__ import annotations

from typing import Any

NOWHERE = "http://127.0.0.1:9/api/inngest"  # a URL nothing answers: registration only

# What the Python SDK's own sync adds to the body (`inngest.fast_api.serve`, 0.5.19).
SDK_FIELDS = {"framework": "fast_api", "sdk": "py:v0.5.19", "v": "0.1", "deployType": "ping"}


def one_step_function(
    fn_id: str,
    triggers: list[Any],
    url: str = NOWHERE,
    *,
    name: str | None = None,
    attempts: int | None = None,
    **options: Any,
) -> dict[str, Any]:
    """A function `fn_id` (named `name`, else its id) whose one step is called at `url`;
    `attempts` sets the step's retries."""
    step: dict[str, Any] = {"id": "step", "name": "step", "runtime": {"type": "http", "url": url}}
    if attempts is not None:
        step["retries"] = {"attempts": attempts}
    return {
        "id": fn_id,
        "name": name or fn_id,
        "triggers": triggers,
        "steps": {"step": step},
        **options,
    }


def app_sync(
    appname: str, functions: list[dict[str, Any]], url: str = NOWHERE, *, as_sdk: bool = False
) -> dict[str, Any]:
    """The registration body of app `appname` at `url`; `as_sdk` adds the SDK's own fields."""
    return {
        "appname": appname,
        "url": url,
        **(SDK_FIELDS if as_sdk else {}),
        "functions": functions,
    }
