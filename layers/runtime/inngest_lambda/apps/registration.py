"""The `/fn/register` payload (what an SDK sends when its app syncs), parsed and bounded.

The models follow the shape of Inngest's register request as the Python SDK builds it
(`appname`, `url`, `functions[]` with `id`, `triggers`, `steps`, flow-control options) and are
strict: a trigger `{"event": 5}`, a trigger that is not an object or `"steps": 5` is refused
with a 400 naming the field, before anything is stored. The same parse guards the other
direction: an app read back from the table that no longer parses is skipped, so one bad item
cannot break event ingestion or runs of other apps.

Unknown fields are kept (a newer SDK may send more); flow-control options are checked by
`flow.config` / `flow.validation`, which already know their spellings.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

# Apps are stored under `A#<appname>` and function ids appear in several sort keys: both stay
# far below DynamoDB's 1,024-byte key limit even in 4-byte UTF-8.
MAX_ID_CHARS = 200
MAX_NAME_CHARS = 256
MAX_EXPRESSION_CHARS = 4_096
MAX_URL_CHARS = 2_048
MAX_FUNCTIONS = 1_000
MAX_RETRIES = 20  # Inngest's own cap on `retries`
# One DynamoDB item holds an app's functions; its limit is 400 KB.
MAX_STORED_BYTES = 350_000
_HTTP_URL = re.compile(r"^https?://[^\s]+$")

Id = Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS)]
Name = Annotated[str, Field(max_length=MAX_NAME_CHARS)]
Expression = Annotated[str, Field(max_length=MAX_EXPRESSION_CHARS)]
Url = Annotated[str, Field(max_length=MAX_URL_CHARS, pattern=_HTTP_URL.pattern)]
Duration = Annotated[str, Field(max_length=64)] | int


class _Model(BaseModel):
    # strict: no coercion of 5 into "5"; allow: keep fields a newer SDK adds.
    model_config = ConfigDict(strict=True, extra="allow")


class TriggerEvent(_Model):
    event: Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS)]
    expression: Expression | None = None


class TriggerCron(_Model):
    cron: Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS)]
    jitter: Duration | None = None


def _trigger_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        return "cron" if "cron" in value else "event"
    return None  # pydantic reports "unable to extract tag": not an object


Trigger = Annotated[
    Annotated[TriggerEvent, Tag("event")] | Annotated[TriggerCron, Tag("cron")],
    Discriminator(
        _trigger_kind,
        custom_error_type="invalid_trigger",
        custom_error_message="a trigger must be an object with 'event' or 'cron'",
    ),
]


class Retries(_Model):
    attempts: Annotated[int, Field(ge=0, le=MAX_RETRIES)]


class StepRuntime(_Model):
    type: Literal["http"]
    url: Url


class StepConfig(_Model):
    id: Id
    name: Name
    runtime: StepRuntime
    retries: Retries | None = None


class Cancel(_Model):
    event: Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS)]
    if_: Expression | None = Field(default=None, alias="if")
    timeout: Duration | None = None


class FunctionConfig(_Model):
    id: Id
    name: Name | None = None
    triggers: Annotated[list[Trigger], Field(max_length=10)]
    steps: dict[Id, StepConfig]
    cancel: list[Cancel] | None = None

    @pydantic.field_validator("steps")
    @classmethod
    def _has_step(cls, steps: dict[str, StepConfig]) -> dict[str, StepConfig]:
        if "step" not in steps:
            raise ValueError("must contain the entry 'step' (the function's runtime URL)")
        return steps


class RegisterRequest(_Model):
    appname: Id
    url: Url
    functions: Annotated[list[FunctionConfig], Field(min_length=1, max_length=MAX_FUNCTIONS)]


class RegistrationError(ValueError):
    """The payload is refused; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def describe(err: pydantic.ValidationError) -> str:
    """`functions[0].triggers[1].event: Input should be a valid string` (first three errors)."""
    lines = []
    for detail in err.errors(include_url=False)[:3]:
        loc = detail["loc"]
        path = ""
        for i, part in enumerate(loc):
            if i >= 2 and loc[i - 2] == "triggers" and isinstance(loc[i - 1], int):
                continue  # the discriminator's tag ("event"/"cron"), not a field
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        lines.append(f"{path or 'body'}: {detail['msg']}")
    more = len(err.errors()) - len(lines)
    return "; ".join(lines) + (f" (and {more} more)" if more > 0 else "")


def parse(body: Any) -> RegisterRequest:
    """The validated request (RegistrationError otherwise); the parsed body is kept unchanged
    in `model_extra`-preserving form, so `dump(...)` returns exactly what the SDK sent."""
    try:
        encoded = json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise RegistrationError("strings must be valid Unicode (a lone surrogate?)") from None
    if len(encoded) > MAX_STORED_BYTES:
        raise RegistrationError(
            f"registration is {len(encoded):,} bytes; at most {MAX_STORED_BYTES:,} allowed", 413
        )
    if not isinstance(body, dict):
        raise RegistrationError("body must be a JSON object")
    try:
        return RegisterRequest.model_validate(body)
    except pydantic.ValidationError as err:
        raise RegistrationError(describe(err)) from None


def check_function(config: Any) -> FunctionConfig:
    """One stored function config, re-validated when it is read back (ValueError if bad)."""
    try:
        return FunctionConfig.model_validate(config)
    except pydantic.ValidationError as err:
        raise ValueError(describe(err)) from None
