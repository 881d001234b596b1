"""Projection: the variables an expression reads, cut down to the paths it references.

This is how "an absent attribute is null" is implemented (the ``cel`` library raises
``KeyError`` instead): each referenced path absent from the data is written as null, and only
the referenced fields are converted into CEL values, which is also the fast path.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from inngest_lambda.expressions.references import Ref

__all__ = ["Node", "plan", "project"]


class Node:
    """Projection plan for one variable: the keys an expression reads, and how.

    A *whole* node is read as a value (``size(event.data)``, ``event.data.tags``, a path's last
    field): it is passed through untouched. Any other node is only travelled through on the way
    to a field, so nothing can observe it but those fields.
    """

    __slots__ = ("children", "fill", "whole")

    def __init__(self) -> None:
        self.children: dict[str, Node] = {}
        self.whole = False
        self.fill = True  # absent -> null; False for a has() target, which must stay absent


def plan(refs: Sequence[Ref], roots: Collection[str]) -> dict[str, Node]:
    plans: dict[str, Node] = {}
    presence: list[Node] = []
    for ref in refs:
        node = plans.setdefault(ref.root, Node())
        for field in ref.fields:
            node = node.children.setdefault(field, Node())
        node.whole = True
        if ref.in_has:
            presence.append(node)
    # has(x.y) must see y as absent even where another reference reads x.y or x.y.z: the guard
    # in "has(x.y) && x.y.z == 1" has to stay false for the && to short-circuit.
    for node in presence:
        node.fill = False
    for root in roots:  # references the analysis could not see: pass the variable whole
        plans.setdefault(root, Node()).whole = True
    for node in plans.values():
        _propagate_whole(node, False)
    return plans


def _propagate_whole(node: Node, inherited: bool) -> None:
    node.whole = node.whole or inherited
    for child in node.children.values():
        _propagate_whole(child, node.whole)


def project(value: Any, node: Node) -> Any:
    """``value`` reduced to the fields ``node`` reads, absent ones as null.

    This is how "an absent attribute is null" is implemented, and it is also the fast path:
    converting a whole event into CEL values costs ~100-200 us, converting the few fields an
    expression reads a few us. A node only travelled through is rebuilt as a dict of its children,
    so a path through something absent, null or not a map (``event.data.n.x`` with ``n`` null)
    reads as null, as Inngest's evaluator treats it. The caller's dicts are never mutated.
    """
    if node.whole:
        return value
    if not isinstance(value, dict):
        value = {}
    projected: dict[str, Any] = {}
    for key, child in node.children.items():
        if key in value:
            projected[key] = project(value[key], child)
        elif not child.whole:
            projected[key] = project({}, child)
        elif child.fill:
            projected[key] = None
    return projected
