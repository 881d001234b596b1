"""The version gate of the modules that read inngest or httpx internals (`sdk/versions.py`):
the pinned versions pass, any other fails the module's import with a message naming the module,
the library and the versions it was tested with, unless INNGEST_LAMBDA_UNTESTED_VERSIONS=1."""

from __future__ import annotations

import json
import logging
import pathlib
import re
import subprocess
import sys

import pytest

from inngest_lambda import settings
from inngest_lambda.sdk import versions

ROOT = pathlib.Path(__file__).resolve().parents[3]
# The gated modules and the libraries each is gated on.
GATED = {
    "inngest_lambda.sdk.send_ids": ("inngest",),
    "inngest_lambda.sdk.inprocess_send": ("inngest", "httpx"),
    "inngest_lambda.sdk.transport": ("httpx",),
    "inngest_lambda.testing.sdk_client": ("inngest",),
}

# Imports every gated module in a fresh interpreter whose metadata reports `sys.argv[1]` at
# version `sys.argv[2]` (the others as installed); prints what each import did.
_PROBE = """
import importlib, importlib.metadata as md, json, sys
package, fake = sys.argv[1], sys.argv[2]
real = md.version
md.version = lambda name: fake if name == package else real(name)
out = {}
for module in sys.argv[3:]:
    try:
        importlib.import_module(module)
        out[module] = "ok"
    except Exception as exc:
        out[module] = f"{type(exc).__name__}: {exc}"
print(json.dumps(out))
"""


def _import_with(package: str, version: str, env: dict[str, str] | None = None) -> dict[str, str]:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, package, version, *GATED],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=ROOT,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("package", ["inngest", "httpx"])
def test_the_pins_are_the_tested_versions(package: str) -> None:
    for pins in ("requirements.lock", "pyproject.toml"):
        pinned = re.search(rf'^\W*{package}==([^\s",]+)', (ROOT / pins).read_text(), re.M)
        assert pinned is not None, pins
        assert pinned.group(1) in versions.TESTED[package], pins
    assert versions.tested(package)
    versions.require("some.module", package, "its internals")  # the pinned one passes


@pytest.mark.parametrize("package", ["inngest", "httpx"])
def test_another_version_fails_each_gated_import_by_name(package: str) -> None:
    tested_with = ", ".join(versions.TESTED[package])
    results = _import_with(package, "99.0.0")
    for module, packages in GATED.items():
        if package not in packages:
            assert results[module] == "ok", module
            continue
        assert results[module].startswith("UntestedVersion: "), (module, results[module])
        assert f"{module} reads {package} internals" in results[module]
        assert f"tested with {package} {tested_with} only" in results[module]
        assert f"{package} 99.0.0 is installed" in results[module]


def test_the_override_warns_instead(monkeypatch, caplog) -> None:
    monkeypatch.setattr(versions, "installed", lambda package: "99.0.0")
    with pytest.raises(versions.UntestedVersion, match="inngest 99.0.0 is installed"):
        versions.require("some.module", "inngest", "its internals")
    monkeypatch.setenv(settings.ENV_UNTESTED_VERSIONS, "1")
    with caplog.at_level(logging.WARNING, logger="inngest_lambda"):
        versions.require("some.module", "inngest", "its internals")
    assert "some.module reads inngest internals" in caplog.text
