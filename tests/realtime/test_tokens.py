"""Subscription tokens: Inngest's claims, HS256 only, our key only, 60 s to connect."""

from __future__ import annotations

import base64
import json

import jwt
import pytest

from inngest_lambda.core import clock
from inngest_lambda.realtime import tokens
from inngest_lambda.realtime.protocol import ProtocolError

KEY = "signkey-prod-" + "ab" * 32


def test_a_token_carries_inngests_claims_and_the_requested_topics():
    secret = tokens.secrets_for([KEY])[0]
    topics = tokens.parse_request(
        [{"channel": "user:1", "name": "ai", "kind": "run"}, {"channel": "user:1", "name": "x"}]
    )
    token = tokens.issue(topics, secret)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(token, secret, algorithms=["HS256"], issuer="rt.inngest.com")
    assert claims["exp"] - claims["iat"] == 60
    assert claims["publish"] is False and claims["sub"] and claims["env"] and claims["jti"]
    assert [(t["channel"], t["name"], t["kind"]) for t in claims["topics"]] == [
        ("user:1", "ai", "run"),
        ("user:1", "x", "run"),
    ]
    assert tokens.verify(token, [secret]) == topics


def test_prefixed_and_bare_signing_keys_give_the_same_token_key_and_dev_mode_uses_inngests():
    assert tokens.secrets_for([KEY]) == tokens.secrets_for(["ab" * 32])
    assert tokens.secrets_for([KEY])[0] != KEY.encode()
    assert tokens.secrets_for([None, None]) == [tokens.DEV_SECRET]
    assert len(tokens.DEV_SECRET) == 32  # HS256 wants at least 32 bytes of key


def test_the_fallback_key_still_verifies_tokens_issued_before_a_rotation():
    old, new = "signkey-prod-" + "01" * 32, KEY
    token = tokens.issue([tokens.Topic("c", "t")], tokens.secrets_for([old])[0])
    assert tokens.verify(token, tokens.secrets_for([new, old])) == [tokens.Topic("c", "t")]
    with pytest.raises(tokens.TokenError, match="signature"):
        tokens.verify(token, tokens.secrets_for([new]))


def test_expired_foreign_unsigned_and_garbage_tokens_are_refused():
    secret = tokens.secrets_for([KEY])[0]
    now = clock.now()
    clock.set_clock(lambda: now)
    try:
        token = tokens.issue([tokens.Topic("c", "t")], secret)
        clock.set_clock(lambda: now + 61)
        with pytest.raises(tokens.TokenError, match="expired"):
            tokens.verify(token, [secret])
    finally:
        clock.set_clock(None)
    claims = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False})
    claims["exp"] = int(now) + 600
    unsigned = jwt.encode(claims, None, algorithm="none")
    foreign_issuer = jwt.encode({**claims, "iss": "someone-else"}, secret, algorithm="HS256")
    other_key = jwt.encode(claims, b"x" * 32, algorithm="HS256")
    no_topics = jwt.encode({**claims, "topics": []}, secret, algorithm="HS256")
    for bad in (unsigned, foreign_issuer, other_key, no_topics, "", "not.a.jwt"):
        with pytest.raises(tokens.TokenError):
            tokens.verify(bad, [secret])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "non-empty JSON array"),
        ([], "non-empty JSON array"),
        (["x"], "topic 0 must be an object"),
        ([{"channel": "c"}], "topic 0: name is required"),
        ([{"name": "t", "channel": ""}], "topic 0: channel is required"),
        ([{"name": "t", "channel": "c", "kind": "step"}], 'kind must be "run"'),
        ([{"name": "t" * 257, "channel": "c"}], "longer than 256"),
        ([{"name": f"t{i}", "channel": "c"} for i in range(65)], "at most 64 topics"),
    ],
)
def test_a_bad_token_request_names_its_problem(body, message):
    with pytest.raises(ProtocolError, match=message):
        tokens.parse_request(body)
