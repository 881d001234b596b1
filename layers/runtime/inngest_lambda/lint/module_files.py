"""Where an import points on disk, without importing anything.

The layout rules are Python's: a package is a directory with `__init__.py`; absolute imports are
rooted at the directory above the outermost package (what `sys.path` holds when the runtime
imports `functions`); relative imports count dots up from the importing module's package.
Every stat is memoized because resolving a large registry asks the same questions many times.
"""

from __future__ import annotations

from pathlib import Path

from .sources import Project


class ModuleFiles:
    """Memoized module-path lookups for one run."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._files: dict[Path, bool] = {}

    def _is_file(self, path: Path) -> bool:
        if path not in self._files:
            self._files[path] = path.is_file()
        return self._files[path]

    def find_module(self, path: Path, module: str | None, level: int) -> Path | None:
        """File for an import as written in the module at `path`; None when outside the package."""
        if level:
            base = path.parent
            for _ in range(level - 1):
                base = base.parent
        else:
            inits = self.package_inits(path)
            base = (inits[-1].parent if inits else path).parent
        target = base.joinpath(*module.split(".")) if module else base
        candidates = [target / "__init__.py"]
        if module:
            candidates.insert(0, target.with_suffix(".py"))
        found = next((c for c in candidates if self._is_file(c)), None)
        return self.project.resolve(found) if found else None

    def submodule(self, path: Path, name: str) -> Path | None:
        """`name` as a submodule of the package whose `__init__.py` is `path`."""
        if path.name != "__init__.py":
            return None
        for candidate in (path.parent / f"{name}.py", path.parent / name / "__init__.py"):
            if self._is_file(candidate):
                return self.project.resolve(candidate)
        return None

    def package_inits(self, path: Path) -> list[Path]:
        """`__init__.py` files of the packages containing `path`, nearest first."""
        found = []
        directory = path.parent
        while self._is_file(directory / "__init__.py"):
            found.append(directory / "__init__.py")
            directory = directory.parent
        return found
