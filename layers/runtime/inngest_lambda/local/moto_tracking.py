"""moto's record of every model instance it ever made, kept weakly in the local stack.

moto appends each model object it creates (every DynamoDB item version, SQS message, schedule)
to a class-level list, for its server's state dashboard and for S3's clean-up on reset. The
list is never trimmed while the mock runs, so a long `make dev` session or a test process grew
by about 1 MB per 100-step run, holding items the table had long deleted. Here the list holds
weak references: objects moto still uses stay listed, the rest are freed. What iterates the
list (S3's reset, the dashboard) sees exactly the live objects.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from typing import Any

_PATCHED = "_inngest_lambda_weak"


class WeakList:
    """The `append` and iteration moto uses of `instances_tracked`, over weak references."""

    def __init__(self) -> None:
        self._refs: list[weakref.ref[Any]] = []
        self._appends = 0

    def append(self, instance: Any) -> None:
        self._refs.append(weakref.ref(instance))
        self._appends += 1
        if self._appends % 1024 == 0:  # drop dead references now and then: O(1) amortised
            self._refs = [r for r in self._refs if r() is not None]

    def __iter__(self) -> Iterator[Any]:
        return iter([obj for obj in (r() for r in self._refs) if obj is not None])

    def __len__(self) -> int:
        return sum(1 for r in self._refs if r() is not None)


def install() -> None:
    from moto.core.common_models import BaseModel

    original = BaseModel.__dict__["__new__"]  # a staticmethod
    if getattr(original.__func__, _PATCHED, False):
        return

    def __new__(cls: Any, *args: Any, **kwargs: Any) -> Any:
        instance = object.__new__(cls)
        tracked = cls.__dict__.get("instances_tracked")
        if not isinstance(tracked, WeakList):  # first object of the class, or after a reset
            tracked = WeakList()
            cls.instances_tracked = tracked
        try:
            tracked.append(instance)
        except TypeError:  # a class without weak reference support: moto's own list then
            return original.__func__(cls, *args, **kwargs)
        return instance

    setattr(__new__, _PATCHED, True)
    __new__.__wrapped__ = original  # type: ignore[attr-defined]
    BaseModel.__new__ = staticmethod(__new__)  # type: ignore[method-assign,assignment]


def uninstall() -> None:
    from moto.core.common_models import BaseModel

    current = BaseModel.__dict__["__new__"].__func__
    if getattr(current, _PATCHED, False):
        BaseModel.__new__ = current.__wrapped__  # type: ignore[method-assign]
