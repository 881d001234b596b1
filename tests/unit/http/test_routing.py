"""The pieces every surface shares: the signing-key check, the 401 body, plain routes."""

from __future__ import annotations

import dataclasses
import hashlib

import fastapi
from fastapi.testclient import TestClient

from inngest_lambda.http.routing import Router

KEY = "signkey-prod-" + "ab" * 32
OLD_KEY = "signkey-prod-" + "cd" * 32


@dataclasses.dataclass
class Keys:
    signing_key: str | None
    signing_key_fallback: str | None = None

    @property
    def dev_mode(self) -> bool:
        return self.signing_key is None


def _client(keys: Keys) -> TestClient:
    router = Router(fastapi.FastAPI(), keys)  # type: ignore[arg-type]  # only the keys are read

    @router.plain("GET", "/v1/a", "/v1/b")
    async def guarded(request: fastapi.Request) -> fastapi.Response:
        if denied := router.denied(request):
            return denied
        return fastapi.responses.JSONResponse({"path": request.url.path})

    return TestClient(router.app)


def _bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


def test_without_a_signing_key_every_caller_is_let_in():
    assert _client(Keys(None)).get("/v1/a").json() == {"path": "/v1/a"}


def test_with_a_signing_key_the_key_or_its_hash_is_required():
    client = _client(Keys(KEY, OLD_KEY))
    refused = client.get("/v1/a")
    assert refused.status_code == 401
    assert refused.json() == {"error": "a valid signing key is required", "status": 401}
    assert client.get("/v1/a", headers=_bearer("signkey-prod-" + "ef" * 32)).status_code == 401
    hashed = hashlib.sha256(bytes.fromhex("ab" * 32)).hexdigest()
    assert client.get("/v1/a", headers=_bearer(KEY)).status_code == 200
    assert client.get("/v1/a", headers=_bearer(hashed)).status_code == 200
    assert client.get("/v1/b", headers=_bearer(OLD_KEY)).json() == {"path": "/v1/b"}


def test_plain_routes_answer_head_for_get_and_405_for_other_methods():
    client = _client(Keys(None))
    assert client.head("/v1/b").status_code == 200
    wrong = client.post("/v1/a")
    assert wrong.status_code == 405
    assert set(wrong.headers["allow"].split(", ")) == {"GET", "HEAD"}
