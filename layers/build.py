"""Build the Lambda layers without Docker: pip downloads wheels for the Lambda platform.

Two layers, so a code change does not re-upload the dependencies:

- `deps`: the runtime's third-party dependencies (`[project] dependencies` of pyproject.toml,
  versions pinned by requirements.lock), installed from binary wheels for the target platform.
  boto3 and its own dependencies stay out: the Lambda Python runtime provides them.
- `runtime`: the `inngest_lambda` package from layers/runtime.

Output (`--out`, default build/layers): `deps.zip`, `runtime.zip` (layer zips with everything
under `python/`, byte-for-byte reproducible so CDK asset hashes only change with the content),
the unzipped trees next to them, and `manifest.json`, which tells the CDK stack which Python
version and architecture the wheels were built for. The dependency layer is rebuilt only when
its inputs change (or with `--force`); building it needs PyPI, nothing else.

The defaults target the deployed Lambda (arm64, settings.LAMBDA_PYTHON_VERSION); the layer
import test builds for the host (`--arch x86_64 --python-version <host>`) because aarch64 wheels
cannot load here, and `make test` runs it under the Lambda's Python version too.

Both layers ship bytecode compiled by the target Python version: a layer is read-only on
Lambda, so without it every cold start compiles every module it imports (measured here under
Python 3.13: 1.94 s to build the runtime from the bare layers, 1.04 s with their bytecode). The
bytecode is hash-based and unchecked (PEP 552): valid whatever the files' timestamps (the zips
fix them to 1980) and reproducible. Building needs that Python (`pythonX.Y` on PATH, or pyenv);
without it the layers are built without bytecode and a warning says what that costs.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_PACKAGE = ROOT / "layers" / "runtime" / "inngest_lambda"
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements.lock"
DEFAULT_OUT = ROOT / "build" / "layers"


def _lambda_python_version() -> str:
    """settings.LAMBDA_PYTHON_VERSION, read without importing the package (this script runs
    before anything is installed for the target)."""
    text = (RUNTIME_PACKAGE / "settings.py").read_text()
    match = re.search(r'^LAMBDA_PYTHON_VERSION = "([0-9.]+)"', text, re.M)
    if match is None:
        raise RuntimeError("settings.py names no LAMBDA_PYTHON_VERSION")
    return match.group(1)


DEFAULT_PYTHON_VERSION = _lambda_python_version()
DEFAULT_ARCH = "aarch64"
# Lambda's Python 3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34): accept wheels up to that.
DEFAULT_GLIBC = "2.34"
# Provided by the Lambda Python runtime; shipping them would only add ~25 MB.
EXCLUDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath"})
# Bump to force a rebuild of every cached dependency layer when this script's logic changes.
BUILD_FORMAT = 2  # 2: bytecode in the layers
ARCHITECTURES = {"aarch64": "arm64", "x86_64": "x86_64"}
# A fixed timestamp in every zip entry keeps the archive (and so the asset hash) reproducible.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
SKIPPED_NAMES = frozenset({"__pycache__", ".pytest_cache", ".ruff_cache"})


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_requirements(pyproject: Path = PYPROJECT) -> list[str]:
    """The runtime's pinned requirements, minus what Lambda already provides."""
    project = tomllib.loads(pyproject.read_text())["project"]
    out = []
    for requirement in project.get("dependencies", []):
        name = re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]
        if _canonical(name) not in EXCLUDED:
            out.append(requirement)
    return out


def pip_platforms(arch: str, glibc: str) -> list[str]:
    """Every manylinux tag a Lambda with this glibc can load, oldest first.

    pip takes `--platform` literally (manylinux_2_28 does not imply manylinux2014), so list all.
    """
    major, minor = (int(p) for p in glibc.split("."))
    tags = [f"manylinux2014_{arch}"]
    tags += [f"manylinux_{major}_{m}_{arch}" for m in range(17, minor + 1)]
    return tags


def _digest(parts: Iterable[bytes]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def _files(root: Path, bytecode: str | None = None) -> Iterator[Path]:
    """Files under root in a stable order, skipping caches and compiled bytecode, except the
    `bytecode` tag's (`cpython-313`) when given."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in SKIPPED_NAMES or (bytecode is not None and d == "__pycache__")
        )
        in_cache = Path(dirpath).name == "__pycache__"
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                if in_cache and bytecode is not None and name.endswith(f".{bytecode}.pyc"):
                    yield Path(dirpath) / name
            elif not in_cache:
                yield Path(dirpath) / name


def target_python(version: str) -> str | None:
    """An interpreter of the target version that runs: this one, pyenv's, or `pythonX.Y` on
    PATH (a pyenv shim there may not run when that version is not selected)."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = sorted(glob.glob(f"{root}/versions/{version}.*/bin/python{version}"))[::-1]
    candidates.append(shutil.which(f"python{version}") or "")
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


def compile_bytecode(tree: Path, version: str) -> str | None:
    """Compile every module under `tree` with the target Python; returns the bytecode tag
    (`cpython-313`), or None (with a warning) when no such interpreter is here."""
    python = target_python(version)
    if python is None:
        print(
            f"warning: no python{version} here, so the layers carry no bytecode: on Lambda"
            " every cold start compiles what it imports (about 0.9 s more at 3.13);"
            " install it (tools/lambda-python.sh) and rebuild",
            flush=True,
        )
        return None
    tag = f"cpython-{version.replace('.', '')}"
    for stale in tree.rglob("__pycache__"):
        shutil.rmtree(stale)
    subprocess.run(
        [python, "-m", "compileall", "-q", "-j0", "--invalidation-mode", "unchecked-hash"]
        + [str(tree)],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""},
    )
    return tag


def deterministic_zip(source: Path, dest: Path, bytecode: str | None = None) -> None:
    """Zip `source`'s contents with fixed timestamps and modes, in sorted order."""
    tmp = dest.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in _files(source, bytecode):
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), ZIP_DATE)
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    tmp.replace(dest)


def _remove_distribution(site: Path, dist_info: Path) -> None:
    """Delete an installed distribution using its RECORD (pip --target has no exclude option)."""
    record = dist_info / "RECORD"
    if record.exists():
        for line in record.read_text().splitlines():
            rel = line.split(",", 1)[0]
            target = (site / rel).resolve()
            if target.is_file() and site.resolve() in target.parents:
                target.unlink()
    shutil.rmtree(dist_info, ignore_errors=True)
    for path in sorted(site.iterdir()):
        if path.is_dir() and not any(path.rglob("*")):
            path.rmdir()


def _installed(site: Path) -> dict[str, Path]:
    out = {}
    for dist_info in site.glob("*.dist-info"):
        name = dist_info.name[: -len(".dist-info")].rsplit("-", 1)[0]
        out[_canonical(name)] = dist_info
    return out


def build_deps(
    dest: Path, requirements: list[str], platforms: list[str], python_version: str
) -> None:
    """pip-install binary wheels for the target platform into dest/python."""
    site = dest / "python"
    shutil.rmtree(dest, ignore_errors=True)
    site.mkdir(parents=True)
    req_file = dest / "requirements.txt"
    req_file.write_text("\n".join(requirements) + "\n")
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    cmd += ["--target", str(site), "--implementation", "cp", "--python-version", python_version]
    cmd += ["--only-binary=:all:", "--no-compile", "-r", str(req_file)]
    if LOCK.exists():
        cmd += ["-c", str(LOCK)]
    for platform in platforms:
        cmd += ["--platform", platform]
    subprocess.run(cmd, check=True)
    req_file.unlink()
    # Console scripts point at this machine's interpreter: useless in a layer.
    shutil.rmtree(site / "bin", ignore_errors=True)
    for name, dist_info in _installed(site).items():
        if name in EXCLUDED:
            _remove_distribution(site, dist_info)


def build_runtime(dest: Path, package: Path = RUNTIME_PACKAGE) -> None:
    """Copy the inngest_lambda package into dest/python."""
    shutil.rmtree(dest, ignore_errors=True)
    target = dest / "python" / package.name
    for path in _files(package):
        out = target / path.relative_to(package)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, out)


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def build(
    out: Path = DEFAULT_OUT,
    python_version: str = DEFAULT_PYTHON_VERSION,
    arch: str = DEFAULT_ARCH,
    glibc: str = DEFAULT_GLIBC,
    force: bool = False,
) -> dict[str, object]:
    """Build both layers into `out` and return the manifest written there."""
    if arch not in ARCHITECTURES:
        raise SystemExit(f"unknown --arch {arch!r}; expected one of {sorted(ARCHITECTURES)}")
    out.mkdir(parents=True, exist_ok=True)
    requirements = runtime_requirements()
    platforms = pip_platforms(arch, glibc)
    bytecode_python = target_python(python_version)
    deps_key = _digest(
        [
            json.dumps(
                [BUILD_FORMAT, requirements, platforms, python_version, bool(bytecode_python)]
            ).encode(),
            LOCK.read_bytes() if LOCK.exists() else b"",
        ]
    )
    runtime_key = _digest(
        p.relative_to(RUNTIME_PACKAGE).as_posix().encode() + b"\0" + p.read_bytes()
        for p in _files(RUNTIME_PACKAGE)
    )
    manifest_path = out / "manifest.json"
    previous = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}

    deps_zip = out / "deps.zip"
    if force or previous.get("deps_key") != deps_key or not deps_zip.exists():
        print(f"building dependency layer for Python {python_version} on {arch} ...", flush=True)
        build_deps(out / "deps", requirements, platforms, python_version)
        deterministic_zip(out / "deps", deps_zip, compile_bytecode(out / "deps", python_version))
    else:
        print("dependency layer up to date", flush=True)
    build_runtime(out / "runtime")
    bytecode = compile_bytecode(out / "runtime", python_version)
    deterministic_zip(out / "runtime", out / "runtime.zip", bytecode)

    manifest: dict[str, object] = {
        "python_version": python_version,
        "architecture": ARCHITECTURES[arch],
        "platforms": platforms,
        "requirements": requirements,
        "excluded": sorted(EXCLUDED),
        "bytecode": bytecode,
        "deps_key": deps_key,
        "runtime_key": runtime_key,
        "layers": {"deps": deps_zip.name, "runtime": "runtime.zip"},
        "sizes": {
            "deps_zip": deps_zip.stat().st_size,
            "deps_unzipped": _size(out / "deps") if (out / "deps").exists() else None,
            "runtime_zip": (out / "runtime.zip").stat().st_size,
        },
    }
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--python-version", default=DEFAULT_PYTHON_VERSION)
    parser.add_argument("--arch", default=DEFAULT_ARCH, choices=sorted(ARCHITECTURES))
    parser.add_argument("--glibc", default=DEFAULT_GLIBC, help="newest glibc the target has")
    parser.add_argument("--force", action="store_true", help="rebuild the dependency layer")
    args = parser.parse_args(argv)
    manifest = build(args.out, args.python_version, args.arch, args.glibc, args.force)
    sizes = manifest["sizes"]
    assert isinstance(sizes, dict)
    mb = 1024 * 1024
    print(
        f"layers in {args.out}: deps.zip {sizes['deps_zip'] / mb:.1f} MB"
        f" (unzipped {(sizes['deps_unzipped'] or 0) / mb:.1f} MB),"
        f" runtime.zip {sizes['runtime_zip'] / 1024:.0f} KB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
