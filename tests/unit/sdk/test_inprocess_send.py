"""Routing of the served client's sends (inprocess_send.py): which requests stay in-process,
what the SDK sees when the app fails, the version gate and the off switch."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import inngest
import pytest

from inngest_lambda import runtime, settings
from inngest_lambda.sdk import inprocess_send, versions

OWN = "https://abc123.execute-api.us-east-1.amazonaws.com"
LOG = logging.getLogger("test-inprocess-send")


class App:
    """An ASGI app standing in for the API app: records what reached it, answers 200."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.requests: list[tuple[str, bytes, dict[str, str]]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        received = (await receive())["body"]
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.requests.append((scope["path"], received, headers))
        if self.fail:
            raise RuntimeError("the table is gone")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        body = b'{"ids": ["in-process"], "status": 200}'
        await send({"type": "http.response.body", "body": body})


def _network(seen: list[str]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"ids": ["network"], "status": 200})

    return httpx.MockTransport(answer)


def _client(event_api: str, network: list[str]) -> inngest.Inngest:
    """A production-mode client of `event_api` whose network is a spy."""
    client = inngest.Inngest(
        app_id="routing", event_key="key", is_production=True, event_api_base_url=event_api
    )
    client._http_client._http_client._transport = _network(network)
    client._http_client._http_client_sync._transport = _network(network)
    return client


def _send_both_ways(client: inngest.Inngest) -> list[list[str]]:
    event = inngest.Event(name="a/b")
    return [client.send_sync(event), asyncio.run(client.send(event))]


def test_sends_to_the_deployments_own_origin_reach_the_app_not_the_network() -> None:
    network: list[str] = []
    app = App()
    client = _client(OWN + "/", network)
    assert inprocess_send.install(client, app, OWN, enabled=True, log=LOG) is True
    assert _send_both_ways(client) == [["in-process"], ["in-process"]]
    assert network == []
    assert [path for path, _, _ in app.requests] == ["/e/key", "/e/key"]
    _, body, headers = app.requests[0]
    assert b'"name":"a/b"' in body.replace(b" ", b"")
    assert headers["host"] == "abc123.execute-api.us-east-1.amazonaws.com"
    assert headers["content-length"] == str(len(body))
    assert "x-inngest-event-id-seed" in headers


def test_sends_to_another_origin_go_over_the_network() -> None:
    network: list[str] = []
    app = App()
    client = _client("https://inn.gs", network)
    assert inprocess_send.install(client, app, OWN, enabled=True, log=LOG) is True
    assert _send_both_ways(client) == [["network"], ["network"]]
    assert network == ["https://inn.gs/e/key", "https://inn.gs/e/key"]
    assert app.requests == []


@pytest.mark.parametrize(
    ("url", "same"),
    [
        (OWN + ":443/e/k", True),
        (OWN.upper().replace("HTTPS", "https") + "/e/k", True),
        (OWN.replace("https", "http") + "/e/k", False),
        (OWN + ":8443/e/k", False),
        ("https://abc123.execute-api.us-east-1.amazonaws.com.evil/e/k", False),
    ],
)
def test_the_origin_is_compared_as_scheme_host_and_port(url: str, same: bool) -> None:
    assert (inprocess_send.origin(url) == inprocess_send.origin(OWN)) is same


def test_realtime_publishes_to_the_own_api_reach_the_app_too() -> None:
    from inngest.experimental import realtime

    network: list[str] = []
    app = App()
    client = inngest.Inngest(
        app_id="routing",
        event_key="key",
        signing_key="signkey-prod-" + "ab" * 32,
        is_production=True,
        api_base_url=OWN,  # where the stack points INNGEST_API_BASE_URL
    )
    client._http_client._http_client._transport = _network(network)
    client._http_client._http_client_sync._transport = _network(network)
    inprocess_send.install(client, app, OWN, enabled=True, log=LOG)
    realtime.publish_sync(client, "user:1", "ai", {"token": "hi"})
    asyncio.run(realtime.publish(client, "user:1", "ai", {"token": "ho"}))
    assert network == []
    assert [(path, body) for path, body, _ in app.requests] == [
        ("/v1/realtime/publish", b'{"token":"hi"}'),
        ("/v1/realtime/publish", b'{"token":"ho"}'),
    ]
    assert app.requests[0][2]["authorization"].startswith("Bearer ")  # the signed request


def test_only_event_posts_are_routed() -> None:
    network: list[str] = []
    client = _client(OWN, network)
    inprocess_send.install(client, App(), OWN, enabled=True, log=LOG)
    sync = client._http_client._http_client_sync
    sync.get(OWN + "/e/key")
    sync.post(OWN + "/v1/events", json={})
    assert network == [OWN + "/e/key", OWN + "/v1/events"]


def test_an_app_that_raises_answers_500_so_the_sdk_retries_the_same_request(monkeypatch) -> None:
    from inngest._internal.client_lib import client as client_lib

    monkeypatch.setattr(client_lib, "_compute_backoff_delay", lambda attempt: 0)
    network: list[str] = []
    app = App(fail=True)
    client = _client(OWN, network)
    inprocess_send.install(client, app, OWN, enabled=True, log=LOG)
    response = client._http_client._http_client_sync.post(OWN + "/e/key", json=[])
    assert response.status_code == 500
    with pytest.raises(ValueError):  # the SDK's own end after 5 attempts, as over HTTP
        client.send_sync(inngest.Event(name="a/b", id="fixed"))
    sent = [body for _, body, _ in app.requests[1:]]
    assert len(sent) == 5 and len(set(sent)) == 1
    assert network == []


def test_proxy_mounts_are_wrapped_too() -> None:
    """With HTTPS_PROXY set, httpx sends through a mounted proxy transport, not `_transport`."""
    network: list[str] = []
    client = _client(OWN, network)
    sync = client._http_client._http_client_sync
    sync._mounts = {httpx._utils.URLPattern("all://"): _network(network)}
    inprocess_send.install(client, App(), OWN, enabled=True, log=LOG)
    assert client.send_sync(inngest.Event(name="a/b")) == ["in-process"]
    assert network == []


def test_a_rebuild_replaces_the_routing_and_the_switch_removes_it() -> None:
    network: list[str] = []
    first, second = App(), App()
    client = _client(OWN, network)
    inprocess_send.install(client, first, OWN, enabled=True, log=LOG)
    inprocess_send.install(client, second, OWN, enabled=True, log=LOG)
    client.send_sync(inngest.Event(name="a/b"))
    assert (len(first.requests), len(second.requests), network) == (0, 1, [])
    assert inprocess_send.install(client, second, OWN, enabled=False, log=LOG) is False
    client.send_sync(inngest.Event(name="a/b"))
    assert len(second.requests) == 1 and network == [OWN + "/e/key"]


def test_other_sdk_versions_send_over_the_network_and_say_so_once(monkeypatch, caplog) -> None:
    """With the version gate overridden (INNGEST_LAMBDA_UNTESTED_VERSIONS=1; without it the
    import fails, tests/unit/sdk/test_versions.py), an untested inngest is not wrapped."""
    real = versions.installed
    monkeypatch.setattr(versions, "installed", lambda p: "0.6.0" if p == "inngest" else real(p))
    monkeypatch.setattr(inprocess_send, "_warned", set())
    network: list[str] = []
    client = _client(OWN, network)
    with caplog.at_level(logging.WARNING, logger=LOG.name):
        assert inprocess_send.install(client, App(), OWN, enabled=True, log=LOG) is False
        assert inprocess_send.install(client, App(), OWN, enabled=True, log=LOG) is False
    assert len([r for r in caplog.records if "inngest 0.6.0" in r.getMessage()]) == 1
    client.send_sync(inngest.Event(name="a/b"))
    assert network == [OWN + "/e/key"]


def test_a_client_without_the_attributes_is_left_alone(monkeypatch) -> None:
    class Bare:
        pass

    monkeypatch.setattr(inprocess_send, "_warned", set())
    assert inprocess_send.install(Bare(), App(), OWN, enabled=True, log=LOG) is False


def test_the_runtime_installs_it_from_its_settings(fresh_runtime, monkeypatch) -> None:
    monkeypatch.setenv(settings.ENV_EVENT_API_BASE_URL, OWN)  # what the CDK stack sets
    assert runtime.get_runtime().inprocess_send is True
    monkeypatch.setenv(settings.ENV_INPROCESS_SEND, "0")
    settings.get_settings.cache_clear()
    runtime.get_runtime.cache_clear()
    assert runtime.get_runtime().inprocess_send is False
    monkeypatch.delenv(settings.ENV_INPROCESS_SEND)
    monkeypatch.delenv(settings.ENV_EVENT_API_BASE_URL)
    settings.get_settings.cache_clear()
    runtime.get_runtime.cache_clear()
    assert runtime.get_runtime().inprocess_send is False  # no own API URL: nothing to route
