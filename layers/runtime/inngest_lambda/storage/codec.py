"""DynamoDB's attribute-value format and the table's key shape.

The lowest layer of the table code: store, the listing and pause indexes and flow-control state
all read and write items in this format, so it imports nothing of theirs (only settings).
"""

from __future__ import annotations

from typing import Any

from inngest_lambda.settings import TABLE_PK, TABLE_SK


def encode_attr(value: object) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float):
        return {"N": repr(value) if isinstance(value, float) else str(value)}
    if isinstance(value, str):
        return {"S": value}
    raise TypeError(f"cannot store {type(value).__name__}")


def decode_attr(attr: dict[str, Any]) -> object:
    if "S" in attr:
        return attr["S"]
    if "N" in attr:
        text = attr["N"]
        return float(text) if any(c in text for c in ".eE") else int(text)
    if "BOOL" in attr:
        return attr["BOOL"]
    if "NULL" in attr:
        return None
    if "SS" in attr:
        return sorted(attr["SS"])
    raise TypeError(f"unexpected attribute {attr}")


def item_key(pk: str, sk: str) -> dict[str, Any]:
    return {TABLE_PK: {"S": pk}, TABLE_SK: {"S": sk}}


def encode_item(**fields: object) -> dict[str, Any]:
    """Attributes from keyword fields; None fields are left out (no attribute at all)."""
    return {k: encode_attr(v) for k, v in fields.items() if v is not None}


def decode_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: decode_attr(v) for k, v in item.items()}
