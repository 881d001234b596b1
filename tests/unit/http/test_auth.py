"""Keys presented by callers: wrong or non-ASCII keys are refused, never a 500."""

from inngest_lambda.http import auth

SIGNING_KEY = "signkey-prod-" + "ab" * 32


def test_bearer_accepts_the_key_and_the_sdk_hash_of_it():
    assert auth.bearer_ok(f"Bearer {SIGNING_KEY}", [SIGNING_KEY])
    assert auth.bearer_ok(f"Bearer {auth.hashed_key(SIGNING_KEY)}", [None, SIGNING_KEY])
    # inngest-js keeps the prefix on the hash (`signkey-prod-<sha256>`, its hashSigningKey).
    assert auth.bearer_ok(f"Bearer signkey-prod-{auth.hashed_key(SIGNING_KEY)}", [SIGNING_KEY])
    assert not auth.bearer_ok(f"Bearer signkey-prod-{'cd' * 32}", [SIGNING_KEY])
    assert not auth.bearer_ok("Bearer nope", [SIGNING_KEY])
    assert not auth.bearer_ok("", [SIGNING_KEY])


def test_non_ascii_keys_are_simply_wrong():
    assert not auth.bearer_ok("Bearer clé-ünïcødé", [SIGNING_KEY])
    assert not auth.bearer_ok("Bearer \udcff", [SIGNING_KEY])
    assert not auth.event_key_ok("clé", "key")
    assert not auth.event_key_ok("clé", None)  # even in dev mode: no key is non-ASCII
    assert auth.event_key_ok("anything", None)
    assert auth.event_key_ok("key", "key") and not auth.event_key_ok("kez", "key")
