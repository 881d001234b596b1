"""Which versions of the libraries whose internals the runtime reads were checked, and the gate.

A few modules reach past the public API of a library because it has none for what they need
(each says what it reads at its top):

* `sdk/send_ids.py`: that the SDK takes each step's memo out of `inngest.StepMemos` with `pop`;
* `sdk/inprocess_send.py`: the served client's httpx clients (inngest's `_http_client`) and
  their transports (httpx's `_transport`, `_mounts`);
* `sdk/transport.py`: httpx's reading of the proxy variables (`httpx._utils`);
* `testing/sdk_client.py`: the inngest client's `_mode`, `_api_origin`, `_event_api_origin`.

A library upgrade may move any of these without an error: ids that are no longer deterministic,
sends that silently go over the network, a test client that talks to Inngest Cloud. So each of
those modules calls `require` when it is imported (at the runtime's build, the cold start, or
the `durable` fixture's start): a version of the library outside `TESTED` raises
`UntestedVersion`, naming the module, what it reads and the versions it was checked with.
`docs/upgrading.md` says what to check before adding a version here. Setting
`INNGEST_LAMBDA_UNTESTED_VERSIONS=1` turns the error into a warning (for the person checking a
new version: the tests then say what broke).

Cost: `importlib.metadata.version` reads the package's metadata once per package and process.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import os

from inngest_lambda.settings import ENV_UNTESTED_VERSIONS

# The versions each library was checked with (the pins of pyproject.toml and requirements.lock).
TESTED: dict[str, tuple[str, ...]] = {
    "inngest": ("0.5.19",),
    "httpx": ("0.28.1",),
}

_log = logging.getLogger("inngest_lambda")


class UntestedVersion(RuntimeError):
    """A library version whose internals a module reads was not checked."""


@functools.cache
def installed(package: str) -> str:
    """The installed version of `package` (its distribution metadata)."""
    return importlib.metadata.version(package)


def tested(package: str) -> bool:
    return installed(package) in TESTED[package]


def require(module: str, package: str, reads: str) -> None:
    """Raise `UntestedVersion` unless the installed `package` is one `module` was checked with
    (a warning instead when INNGEST_LAMBDA_UNTESTED_VERSIONS=1)."""
    if tested(package):
        return
    message = (
        f"{module} reads {package} internals ({reads}) and was tested with {package} "
        f"{', '.join(TESTED[package])} only, but {package} {installed(package)} is installed; "
        f"check it as docs/upgrading.md says and add the version to "
        f"inngest_lambda.sdk.versions.TESTED, or pin {package} to a tested version "
        f"({ENV_UNTESTED_VERSIONS}=1 runs it anyway)"
    )
    if os.environ.get(ENV_UNTESTED_VERSIONS) == "1":
        _log.warning(message)
        return
    raise UntestedVersion(message)
