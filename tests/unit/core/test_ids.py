import base64

from ulid import ULID

from inngest_lambda.core import ids


def test_seeded_ids_are_stable_for_a_retried_send():
    seed = f"1700000000000,{base64.b64encode(b'0123456789').decode()}"
    first = ids.seeded_ids(seed, 3)
    assert first == ids.seeded_ids(seed, 3)
    assert len(set(first)) == 3
    assert all(ULID.from_str(i).milliseconds == 1700000000000 for i in first)


def test_different_seeds_give_different_ids():
    a = ids.seeded_ids(f"1700000000000,{base64.b64encode(b'0123456789').decode()}", 1)
    b = ids.seeded_ids(f"1700000000000,{base64.b64encode(b'9876543210').decode()}", 1)
    assert a != b


def test_bad_or_missing_seed_falls_back_to_fresh_ids():
    for seed in (None, "", "garbage", "12,notbase64!", "12," + base64.b64encode(b"short").decode()):
        got = ids.seeded_ids(seed, 2)
        assert len(set(got)) == 2
        assert all(ULID.from_str(i) for i in got)
