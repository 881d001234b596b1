"""Stage the Lambda's code asset: just the user's registry package, copied out of the repo.

Pointing CDK at the repo root with exclude globs works but makes it walk .venv and
node_modules (~20k files, ~5 s per synth). Copying the one package into a directory named
after its content hash is fast, needs no cleanup between synths and is safe to run twice at
once: the same content always lands in the same place.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

SKIPPED_DIRS = frozenset({"__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache"})


def _sources(root: Path, package: str) -> Iterator[tuple[Path, Path]]:
    """(source file, path inside the asset) for the package directory or single module."""
    directory, module = root / package, root / f"{package}.py"
    if directory.is_dir():
        for dirpath, dirnames, filenames in os.walk(directory):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
            for name in sorted(filenames):
                if not name.endswith((".pyc", ".pyo")):
                    path = Path(dirpath) / name
                    yield path, path.relative_to(root)
    elif module.is_file():
        yield module, module.relative_to(root)
    else:
        raise FileNotFoundError(f"no package {directory} or module {module} for the Lambda code")


def stage_function_code(root: Path, package: str, staging_root: Path) -> Path:
    """Copy `package` from `root` into `staging_root/<content hash>/` and return that dir."""
    files = list(_sources(root, package))
    digest = hashlib.sha256()
    for source, relative in files:
        digest.update(relative.as_posix().encode() + b"\0" + source.read_bytes() + b"\0")
    target = staging_root / digest.hexdigest()[:16]
    if target.is_dir():
        return target
    staging_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".staging-", dir=staging_root))
    for source, relative in files:
        (tmp / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, tmp / relative)
    try:
        tmp.rename(target)
    except OSError:  # another synth staged the same content first
        shutil.rmtree(tmp, ignore_errors=True)
    return target
