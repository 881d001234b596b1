"""Static checks for Inngest functions: replay safety, stable step ids and registration.

Pure `ast`, no imports of user code: `python -m inngest_lambda lint functions` is safe to run
anywhere (CI, pre-commit) and fast enough to run on every test. Rules are documented in
docs/readme/lint.md and listed by `python -m inngest_lambda lint --list-rules`.
"""

from __future__ import annotations

from .engine import LintResult, lint_paths, lint_source
from .rules import RULES, Diagnostic, Rule

__all__ = ["RULES", "Diagnostic", "LintResult", "Rule", "lint_paths", "lint_source"]
