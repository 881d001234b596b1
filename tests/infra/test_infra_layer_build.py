"""layers/build.py: the layer it builds is importable on its own.

The deployed layer is aarch64 and cannot load here, so the test builds the same layer for this
machine (x86_64, this Python), unzips it the way Lambda does (/opt/python) and imports the
runtime in a fresh interpreter whose path is ONLY the layer plus what the Lambda Python runtime
itself provides (boto3, botocore, s3transfer, jmespath, dateutil, six, urllib3 - taken from the
venv, since the layer leaves them out on purpose). Building needs PyPI (pip downloads wheels).
"""

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from infra_support import ROOT

BUILD = ROOT / "layers" / "build.py"
# Developer tools inside the package (local stack, linter, CLI): never imported on Lambda.
DEV_ONLY = {"__main__", "local", "lint"}
# What the AWS Lambda Python runtime ships next to the interpreter.
LAMBDA_PROVIDED = ["boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3"]


def _load_build_module():
    spec = importlib.util.spec_from_file_location("layer_build", BUILD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build_module():
    return _load_build_module()


@pytest.fixture(scope="module")
def host_layer(tmp_path_factory):
    out = tmp_path_factory.mktemp("host-layer")
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    subprocess.run(
        [
            sys.executable,
            str(BUILD),
            "--out",
            str(out),
            "--arch",
            "x86_64",
            "--python-version",
            version,
        ],
        check=True,
        cwd=ROOT,
    )
    return out


@pytest.fixture(scope="module")
def opt(host_layer, tmp_path_factory):
    """The layers unzipped on top of each other, as Lambda does under /opt."""
    opt = tmp_path_factory.mktemp("opt")
    manifest = json.loads((host_layer / "manifest.json").read_text())
    for name in manifest["layers"].values():
        with zipfile.ZipFile(host_layer / name) as zf:
            zf.extractall(opt)
    return opt


@pytest.fixture(scope="module")
def lambda_provided(tmp_path_factory):
    """A directory with only the packages the Lambda runtime provides, linked from the venv."""
    provided = tmp_path_factory.mktemp("lambda-provided")
    for name in LAMBDA_PROVIDED:
        spec = importlib.util.find_spec(name)
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (provided / source.name).symlink_to(source)
    return provided


def test_manifest_describes_the_build(host_layer):
    manifest = json.loads((host_layer / "manifest.json").read_text())
    assert manifest["architecture"] == "x86_64"
    assert manifest["python_version"] == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert all(p.endswith("_x86_64") for p in manifest["platforms"])


def test_layers_are_python_dirs_without_boto3(opt):
    assert sorted(p.name for p in opt.iterdir()) == ["python"]
    site = opt / "python"
    assert (site / "inngest_lambda" / "handler.py").exists()
    assert (site / "inngest").is_dir()
    for name in ("boto3", "botocore", "s3transfer"):
        assert not (site / name).exists(), f"{name} is provided by Lambda; keep it out"
    assert not (site / "bin").exists()


def test_layers_carry_unchecked_bytecode_of_the_target_version(opt, host_layer):
    """Lambda's /opt is read-only: without bytecode every cold start compiles every module."""
    tag = f"cpython-{sys.version_info.major}{sys.version_info.minor}"
    assert json.loads((host_layer / "manifest.json").read_text())["bytecode"] == tag
    site = opt / "python"
    for module in ("inngest_lambda/handler.py", "inngest/__init__.py", "fastapi/routing.py"):
        source = site / module
        pyc = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
        # PEP 552 flags: 0b01 = hash-based, source not checked (zip timestamps are fixed).
        assert int.from_bytes(pyc.read_bytes()[4:8], "little") == 0b01, pyc
    assert all(p.name.endswith(f".{tag}.pyc") for p in site.rglob("*.pyc"))


def test_runtime_imports_from_the_layer_alone(opt, lambda_provided):
    code = "\n".join(
        [
            "import importlib._bootstrap_external as be",
            "compiled = []",
            "compile_source = be.SourceLoader.source_to_code",
            "be.SourceLoader.source_to_code = lambda self, data, path, *a, **k: ("
            "compiled.append(str(path)) or compile_source(self, data, path, *a, **k))",
            "import importlib, pkgutil, sys",
            "import inngest_lambda.handler as h",
            "assert callable(h.handler)",
            # Everything the handler loads lazily at cold start, too.
            "import inngest_lambda",
            "for m in pkgutil.iter_modules(inngest_lambda.__path__, 'inngest_lambda.'):",
            f"    if m.name.rsplit('.', 1)[1] not in {sorted(DEV_ONLY)!r}:",
            "        importlib.import_module(m.name)",
            "import mangum, fastapi, inngest, pydantic_core, cel, ulid, httpx",
            # Tracing's modules import the OpenTelemetry SDK and exporter (only when it is on).
            "import inngest_lambda.tracing.spans, inngest_lambda.tracing.sigv4",
            f"opt = {str(opt / 'python')!r}",
            "assert inngest_lambda.__file__.startswith(opt), inngest_lambda.__file__",
            "assert inngest.__file__.startswith(opt), inngest.__file__",
            "assert not [p for p in sys.path if 'site-packages' in p], sys.path",
            # Everything came from the layer's bytecode: nothing under /opt was compiled.
            "assert not [p for p in compiled if p.startswith(opt)], compiled[:5]",
        ]
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": f"{opt / 'python'}{os.pathsep}{lambda_provided}",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    # -S: no site-packages at all (not the venv's, not the system's); -E is not used because
    # PYTHONPATH is how Lambda itself puts /opt/python on the path.
    result = subprocess.run(
        [sys.executable, "-S", "-c", code], env=env, capture_output=True, text=True, cwd=opt
    )
    assert result.returncode == 0, result.stderr


def test_layer_fits_lambda_limits(host_layer):
    sizes = json.loads((host_layer / "manifest.json").read_text())["sizes"]
    assert sizes["deps_unzipped"] < 120 * 1024 * 1024  # Lambda allows 250 MB for all layers
    assert sizes["deps_zip"] < 30 * 1024 * 1024  # with bytecode: about 19 MB


def test_zips_are_reproducible(build_module, tmp_path):
    """Same content, different mtimes and creation order: byte-identical zips (stable hashes)."""
    trees = []
    for name, order in (("a", ["x.py", "pkg/y.py"]), ("b", ["pkg/y.py", "x.py"])):
        tree = tmp_path / name / "python"
        for i, rel in enumerate(order):
            path = tree / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"# {rel}\n")
            os.utime(path, (1_000_000 + i, 1_000_000 + i * 7))
        (tree / "pkg" / "__pycache__").mkdir()
        (tree / "pkg" / "__pycache__" / "y.cpython-311.pyc").write_bytes(b"junk")
        trees.append(tree.parent)
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    build_module.deterministic_zip(trees[0], first)
    build_module.deterministic_zip(trees[1], second)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as zf:
        assert zf.namelist() == ["python/x.py", "python/pkg/y.py"]  # no __pycache__
    build_module.deterministic_zip(trees[0], first, "cpython-311")
    with zipfile.ZipFile(first) as zf:  # the target's bytecode when asked for
        assert "python/pkg/__pycache__/y.cpython-311.pyc" in zf.namelist()


def test_requirements_come_from_pyproject_without_boto3(build_module):
    requirements = build_module.runtime_requirements()
    names = {r.split("==")[0].lower() for r in requirements}
    assert "inngest" in names
    assert "boto3" not in names


def test_platforms_cover_lambda_glibc(build_module):
    platforms = build_module.pip_platforms("aarch64", "2.34")
    assert platforms[0] == "manylinux2014_aarch64"
    assert "manylinux_2_28_aarch64" in platforms
    assert platforms[-1] == "manylinux_2_34_aarch64"
    assert "manylinux_2_35_aarch64" not in platforms


def test_layers_target_the_lambda_python_version(build_module):
    """One version everywhere: layers, the stack's runtime, and `make test-lambda-python`."""
    from inngest_lambda import settings

    assert build_module.DEFAULT_PYTHON_VERSION == settings.LAMBDA_PYTHON_VERSION
    makefile = (ROOT / "Makefile").read_text()
    assert "LAMBDA_PYTHON_VERSION" in makefile and "test-lambda-python" in makefile
