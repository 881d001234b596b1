"""Flow-control state in the run table: keys, evaluation of key expressions, small item helpers.

Every flow item lives under a `F#` partition key next to the runtime's own items (see the
package docstring for the full layout). Keys are CEL values, so they are hashed: a customer id
with `#` in it, or a 2 KB string, still makes a short, unambiguous partition key.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, Any

from inngest_lambda import expressions
from inngest_lambda.settings import TABLE_PK, TABLE_SK, TABLE_TTL_ATTRIBUTE
from inngest_lambda.storage import flow_items
from inngest_lambda.storage.codec import decode_attr, encode_attr, item_key
from inngest_lambda.storage.store import is_conflict

if TYPE_CHECKING:
    from inngest_lambda.storage.store import Store


log = logging.getLogger("inngest_lambda.flow")

__all__ = [
    "TABLE_PK",
    "TABLE_SK",
    "TABLE_TTL_ATTRIBUTE",
    "delete_if",
    "enc",
    "get",
    "is_conflict",
    "key",
    "key_value",
    "plain",
    "pk",
]

enc = encode_attr
key = item_key


def key_value(source: str | None, event: dict[str, Any]) -> str:
    """A key expression on the event, as a string; "" when the option has no key.

    A key that cannot be evaluated (a type error on this event's data) falls back to the shared
    key "" rather than failing the event: Inngest likewise evaluates keys best-effort.
    """
    if not source:
        return ""
    try:
        return expressions.evaluate_key(source, event)
    except expressions.ExpressionError as err:
        log.warning(f"key expression {source!r} failed, using the shared key: {err}")
        return ""


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:24]


def pk(fn_id: str, kind: str, value: str) -> str:
    """`F#<fn_id>#<kind>#<digest of key value>`: the state of one option for one key."""
    return f"F#{fn_id}#{kind}#{digest(value)}"


def claim_key(fn_id: str, event_id: str, sk: str) -> dict[str, Any]:
    """`FE#<fn>#<event id>` / `sk`: where an event claims its place in a batch (`B`) or a
    debounce burst (`D`), so a client's resend of it joins nothing a second time."""
    return item_key(f"FE#{fn_id}#{event_id}", sk)


def plain(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain values; maps and string sets decoded one level."""
    out: dict[str, Any] = {}
    for name, attr in item.items():
        if "M" in attr:
            out[name] = {k: decode_attr(v) for k, v in attr["M"].items()}
        elif "SS" in attr:
            out[name] = set(attr["SS"])
        elif "L" in attr:
            out[name] = [decode_attr(v) for v in attr["L"]]
        else:
            out[name] = decode_attr(attr)
    return out


def get(store: Store, pk_value: str, sk_value: str) -> dict[str, Any] | None:
    found = flow_items.get(store, pk_value, sk_value)
    return plain(found) if found is not None else None


def delete_if(store: Store, pk_value: str, sk_value: str, attr: str, expected: object) -> bool:
    """Delete an item only while `attr` still holds `expected`; False when someone changed it
    first (a newer debounce event, a batch already closed): their version wins."""
    return flow_items.delete_if(store, pk_value, sk_value, attr, expected)
