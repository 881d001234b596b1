"""The attribute-value format: what goes in comes back, None fields are left out."""

from __future__ import annotations

import pytest

from inngest_lambda.storage.codec import decode_item, encode_attr, encode_item, item_key


def test_items_round_trip_and_none_is_no_attribute():
    item = encode_item(s="x", i=3, f=1.5, b=True, gone=None)
    assert item == {"s": {"S": "x"}, "i": {"N": "3"}, "f": {"N": "1.5"}, "b": {"BOOL": True}}
    assert decode_item({**item, **item_key("P", "S")}) == {
        "s": "x",
        "i": 3,
        "f": 1.5,
        "b": True,
        "pk": "P",
        "sk": "S",
    }
    assert decode_item({"ss": {"SS": ["b", "a"]}, "n": {"NULL": True}}) == {
        "ss": ["a", "b"],
        "n": None,
    }
    with pytest.raises(TypeError):
        encode_attr([1])
