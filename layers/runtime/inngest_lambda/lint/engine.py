"""Running the checks over paths (or one source string) and applying `# noqa` and `--select`."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Collection, Iterable
from pathlib import Path

from .checks import Finding, check_module
from .checks.registration import check_registration
from .discovery import ModuleInfo, analyse_module
from .noqa import is_silenced, parse_noqa
from .registry import Resolver
from .rules import Diagnostic
from .sources import ParseFailure, Project, SourceFile, collect_files, display_path


@dataclasses.dataclass
class LintResult:
    """Findings (sorted), errors that make the run unusable (exit 2) and how many files ran."""

    diagnostics: list[Diagnostic]
    errors: list[str]
    files_checked: int


def lint_paths(paths: Iterable[str | Path], select: Collection[str] | None = None) -> LintResult:
    """Lint files and directories: every rule, registration included."""
    files, errors = collect_files(paths)
    project = Project()
    modules: list[ModuleInfo] = []
    found: set[Diagnostic] = set()
    for path in files:
        loaded = project.load(path)
        if isinstance(loaded, ParseFailure):
            errors.append(loaded.format())
            continue
        loaded.display = display_path(path)
        try:
            module = analyse_module(loaded)
            found.update(_diagnostic(loaded, f) for f in check_module(module))
        except RecursionError:  # expressions nested hundreds deep (generated code)
            errors.append(f"{loaded.display}: error: too deeply nested to analyse")
            continue
        modules.append(module)
    for path, finding in check_registration(modules, Resolver(project)):
        source = project.module(path)
        if source is not None:
            found.add(_diagnostic(source, finding))
    kept = sorted(d for d in found if _kept(d, project, select))
    return LintResult(kept, errors, len(files))


def lint_source(
    source: str, path: str = "<string>", select: Collection[str] | None = None
) -> list[Diagnostic]:
    """Per-file rules (DUR001-DUR004) on a source string; registration needs real files."""
    tree = ast.parse(source, filename=path)
    parsed = SourceFile(Path(path), path, tree, parse_noqa(source.splitlines()))
    diagnostics = {_diagnostic(parsed, f) for f in check_module(analyse_module(parsed))}
    return sorted(
        d
        for d in diagnostics
        if not is_silenced(parsed.noqa, d.line, d.code) and (select is None or d.code in select)
    )


def _diagnostic(source: SourceFile, finding: Finding) -> Diagnostic:
    return Diagnostic(
        source.display, finding.line, finding.col, finding.code, finding.message, source.path
    )


def _kept(diagnostic: Diagnostic, project: Project, select: Collection[str] | None) -> bool:
    if select is not None and diagnostic.code not in select:
        return False
    source = project.module(diagnostic.path)
    return source is None or not is_silenced(source.noqa, diagnostic.line, diagnostic.code)
