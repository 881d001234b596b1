"""Locate the layer zips that layers/build.py produced and what they were built for.

The stack never builds layers itself (that needs PyPI and takes a while): `make layers` does,
and synth reads the result. The manifest decides the Lambda's Python version and architecture,
so the function can never run on a different interpreter than its wheels were built for.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

MANIFEST = "manifest.json"


class LayerArtifactsMissing(FileNotFoundError):
    """No built layers where the stack expects them."""


@dataclasses.dataclass(frozen=True)
class LayerArtifacts:
    deps_zip: Path
    runtime_zip: Path
    python_version: str  # "3.13"
    architecture: str  # "arm64" or "x86_64"

    @classmethod
    def load(cls, directory: Path) -> LayerArtifacts:
        manifest_path = directory / MANIFEST
        if not manifest_path.exists():
            raise LayerArtifactsMissing(
                f"no {MANIFEST} in {directory}: build the layers first with `make layers`"
                " (or `python layers/build.py --out DIR` and `-c layersDir=DIR`)"
            )
        manifest = json.loads(manifest_path.read_text())
        layers = manifest["layers"]
        artifacts = cls(
            deps_zip=directory / layers["deps"],
            runtime_zip=directory / layers["runtime"],
            python_version=str(manifest["python_version"]),
            architecture=str(manifest["architecture"]),
        )
        for path in (artifacts.deps_zip, artifacts.runtime_zip):
            if not path.exists():
                raise LayerArtifactsMissing(f"{path} is missing: run `make layers` again")
        return artifacts
