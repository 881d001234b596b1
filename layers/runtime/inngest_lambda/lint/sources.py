"""Finding and parsing source files, each exactly once per run.

The linter never imports user code (importing a functions module would construct clients and run
its top level); everything works on `ast` trees kept in one cache, so the registry check can read
a module the per-file checks already parsed without parsing it again.
"""

from __future__ import annotations

import ast
import dataclasses
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from .noqa import NoqaMap, parse_noqa

# Directories that never hold user functions; walking them would only cost time.
_SKIP_DIRS = frozenset({"__pycache__", "node_modules", "cdk.out", "build", "venv"})


@dataclasses.dataclass
class SourceFile:
    """A parsed module: the tree, the raw lines (for noqa) and how to print its path."""

    path: Path
    display: str
    tree: ast.Module
    noqa: NoqaMap


@dataclasses.dataclass(frozen=True)
class ParseFailure:
    """A file that could not be read or parsed: reported as an error (exit status 2)."""

    path: Path
    display: str
    line: int
    col: int
    reason: str

    def format(self) -> str:
        """Same `path:line:col:` prefix as findings, so editors still jump to it."""
        return f"{self.display}:{self.line}:{self.col}: error: cannot parse: {self.reason}"


def display_path(path: Path) -> str:
    """Relative to the working directory when under it (shorter, what the user typed), else
    absolute: `../../../tmp/x.py` helps nobody."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(absolute)


class Project:
    """The parse cache for one run, keyed by resolved path."""

    def __init__(self) -> None:
        self._cache: dict[Path, SourceFile | ParseFailure | None] = {}
        self._resolved: dict[Path, Path] = {}

    def resolve(self, path: Path) -> Path:
        """`path.resolve()`, memoized: it stats every component and the registry asks often."""
        if path not in self._resolved:
            self._resolved[path] = path.resolve()
        return self._resolved[path]

    def load(self, path: Path) -> SourceFile | ParseFailure:
        """Parse `path` on first use and return the cached result afterwards."""
        key = self.resolve(path)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = _parse(key)
        return cached

    def module(self, path: Path) -> SourceFile | None:
        """The parsed module, or None when it does not exist or does not parse."""
        key = self.resolve(path)
        if key not in self._cache:
            self._cache[key] = _parse(key) if key.is_file() else None
        loaded = self._cache[key]
        return loaded if isinstance(loaded, SourceFile) else None


def _parse(path: Path) -> SourceFile | ParseFailure:
    display = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return ParseFailure(path, display, 1, 1, f"{type(exc).__name__}: {exc}")
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        return ParseFailure(
            path, display, exc.lineno or 1, exc.offset or 1, f"SyntaxError: {exc.msg}"
        )
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        return ParseFailure(path, display, 1, 1, f"{type(exc).__name__}: {exc}")
    return SourceFile(path, display, tree, parse_noqa(text.splitlines()))


def collect_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Expand the command-line paths into Python files, plus errors for paths that don't exist.

    Directories are walked for `*.py` (hidden and build directories skipped); a file named
    explicitly is linted whatever its suffix, as the user asked for it.
    """
    files: list[Path] = []
    errors: list[str] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            candidates: Iterable[Path] = _walk(path)
        elif path.is_file():
            candidates = [path]
        else:
            errors.append(f"{raw}: error: no such file or directory")
            continue
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                files.append(candidate)
    return files, errors


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            name for name in dirnames if not name.startswith(".") and name not in _SKIP_DIRS
        )
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield Path(dirpath, name)
