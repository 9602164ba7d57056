"""The secrets in customers' links (core.link_tokens): strong, and only the record's own token opens it."""
from chalicelib.core import link_tokens


def test_a_new_token_is_32_random_bytes_url_safe_and_never_repeats():
    tokens = {link_tokens.new() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) == 43 and t.replace("-", "").replace("_", "").isalnum() for t in tokens)


def test_only_the_records_own_token_matches():
    real = link_tokens.new()
    assert link_tokens.matches(real, real)
    assert not link_tokens.matches(real, real[:-1])
    assert not link_tokens.matches(real, None)
    assert not link_tokens.matches(real, "")


def test_without_a_record_or_a_token_nothing_matches_not_even_the_stand_in():
    stand_in = link_tokens._STAND_IN.decode()
    assert not link_tokens.matches(None, stand_in)
    assert not link_tokens.matches("", stand_in)
    assert not link_tokens.matches(None, None)


def test_an_overlong_or_unencodable_token_fails_without_an_error():
    real = link_tokens.new()
    assert not link_tokens.matches(real, real + "x" * link_tokens.TOKEN_MAX)
    assert not link_tokens.matches(real, "\ud800" + real)
