"""The CLI's HTTP client: one place that turns transport and API failures into named errors."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx

# Exit statuses (documented in docs/cli.md): 2 is Click's own for bad usage.
EXIT_ERROR = 1
EXIT_NOT_FOUND = 3
EXIT_AUTH = 4
EXIT_UNREACHABLE = 5


class CliError(Exception):
    """A failure to report as one line on stderr, with its exit status."""

    def __init__(self, message: str, status: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.status = status


def hashed_key(key: str) -> str:
    """The signing key as the SDK sends it: SHA-256 of its hex part (the raw key never travels)."""
    stripped = re.sub(r"^signkey-\w+-", "", key.strip())
    try:
        return hashlib.sha256(bytes.fromhex(stripped)).hexdigest()
    except ValueError:
        return hashlib.sha256(stripped.encode()).hexdigest()


class Api:
    def __init__(self, url: str, signing_key: str | None, timeout: float = 30) -> None:
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {hashed_key(signing_key)}"} if signing_key else {}
        self.http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            res = self.http.request(method, path, **kwargs)
        except httpx.TransportError as err:
            raise CliError(
                f"cannot reach {self.url} ({type(err).__name__}: {err}); is `make dev` running, "
                "or is --url / INNGEST_LAMBDA_URL right?",
                EXIT_UNREACHABLE,
            ) from err
        try:
            body = res.json()
        except ValueError:
            body = {"error": res.text[:200]}
        if res.status_code == 401:
            raise CliError(
                f"{self.url} refused the signing key (401): set INNGEST_SIGNING_KEY or "
                "--signing-key to the deployment's signing key",
                EXIT_AUTH,
            )
        if res.status_code == 404:
            raise CliError(_message(body, res), EXIT_NOT_FOUND)
        if res.status_code >= 400:
            raise CliError(f"{_message(body, res)} (HTTP {res.status_code})")
        return body

    def close(self) -> None:
        self.http.close()


def _message(body: Any, res: httpx.Response) -> str:
    if isinstance(body, dict) and body.get("error"):
        return str(body["error"])
    return f"{res.request.method} {res.request.url.path} failed"


def stack_url(stack: str) -> str:
    """A deployed stack's ApiUrl output (CloudFormation; uses your AWS credentials)."""
    import boto3

    try:
        found = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except Exception as err:  # botocore's errors: no credentials, no such stack, ...
        raise CliError(f"cannot read stack {stack!r}: {err}") from err
    for output in found[0].get("Outputs", []):
        if output["OutputKey"] == "ApiUrl":
            return str(output["OutputValue"])
    raise CliError(f"stack {stack!r} has no ApiUrl output")
