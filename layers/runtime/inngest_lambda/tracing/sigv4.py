"""SigV4 signing of the OTLP export requests sent to X-Ray's OTLP endpoint (service `xray`).

The exporter sends with `requests`; a `requests` auth hook signs each prepared request (its
exact body, compressed or not) with botocore's SigV4Auth and the function's own credentials
(the Lambda role's, from the environment), resolved again for each request so rotated session
credentials are picked up.
"""

from __future__ import annotations

import botocore.session
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from inngest_lambda.tracing.config import XRAY_SIGNING_NAME

# Headers botocore must sign besides its own (host, x-amz-date, x-amz-security-token).
SIGNED_HEADERS = ("content-type", "content-encoding")


class SigV4RequestAuth(requests.auth.AuthBase):
    def __init__(
        self, region: str, service: str = XRAY_SIGNING_NAME, credentials: Credentials | None = None
    ) -> None:
        self.region = region
        self.service = service
        self._credentials = credentials
        self._session: botocore.session.Session | None = None

    def credentials(self) -> Credentials:
        if self._credentials is not None:
            return self._credentials
        if self._session is None:
            self._session = botocore.session.Session()
        found = self._session.get_credentials()
        if found is None:
            raise RuntimeError("no AWS credentials to sign the X-Ray export with")
        return found

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        headers = {k: v for k, v in request.headers.items() if k.lower() in SIGNED_HEADERS}
        body = request.body if request.body is not None else b""
        aws = AWSRequest(method=request.method, url=request.url, data=body, headers=headers)
        frozen = self.credentials().get_frozen_credentials()
        SigV4Auth(frozen, self.service, self.region).add_auth(aws)
        for name, value in aws.headers.items():
            request.headers[name] = value
        return request


def signed_session(region: str) -> requests.Session:
    """A `requests` session whose every request is SigV4-signed for X-Ray in `region`."""
    session = requests.Session()
    session.auth = SigV4RequestAuth(region)
    return session
