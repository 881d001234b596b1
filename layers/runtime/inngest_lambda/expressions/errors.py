"""The errors a CEL expression raises: why it is wrong, kept apart from which expression it is.

:class:`ExpressionError` is the one error type callers catch (syntax errors, type errors, an
undefined variable, a non-bool filter); :class:`MissingFieldError` is the subset caused by absent
or null data, which :func:`~inngest_lambda.expressions.matches` reads as "does not match". Both
pickle (they cross process boundaries in the sweep and fault tests).
"""

from __future__ import annotations

import json
from typing import Any, Literal

__all__ = ["ExpressionError", "MissingFieldError"]


class ExpressionError(ValueError):
    """A CEL expression could not be compiled or evaluated.

    Carries the expression and the reason separately, so callers can log them as fields and users
    see which of their expressions is wrong, e.g.
    ``invalid expression "event.data.x ==": ERROR: <input>:1:16: Syntax error: ...``.
    """

    def __init__(
        self,
        expression: str,
        reason: str,
        *,
        phase: Literal["compile", "evaluate"] = "compile",
    ) -> None:
        self.expression = expression
        self.reason = reason
        self.phase = phase
        verb = "invalid expression" if phase == "compile" else "cannot evaluate expression"
        super().__init__(f"{verb} {json.dumps(expression, ensure_ascii=False)}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions pickle as cls(*args); ours has keyword state, so spell it out.
        return (_rebuild_error, (type(self), self.expression, self.reason, self.phase))


class MissingFieldError(ExpressionError):
    """Evaluation failed because data the expression reads is absent or null.

    A separate type so callers can choose a default (e.g. priority 0) for data-shape problems while
    still surfacing genuine expression bugs. :func:`matches` treats it as "does not match".
    """


def _rebuild_error(
    cls: type[ExpressionError], expression: str, reason: str, phase: Literal["compile", "evaluate"]
) -> ExpressionError:
    return cls(expression, reason, phase=phase)
