"""The local user pool's signing key (`infra.local.keys`): made once, private to this user,
reused on later starts, with a kid of its own; a damaged key file stops the start with advice."""
import json
import stat

import jwt
import pytest
from jwt.algorithms import RSAAlgorithm

from infra.local.keys import KEY_FILE, SigningKey, UnusableKey


def test_the_first_start_makes_a_key_readable_by_this_user_only(tmp_path, capsys):
    path = tmp_path / KEY_FILE
    key = SigningKey.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert key.kid.startswith("local-") and key.kid != "dummy"
    assert "made a signing key" in capsys.readouterr().out


def test_later_starts_reuse_the_same_key(tmp_path):
    path = tmp_path / KEY_FILE
    first = SigningKey.load_or_create(path)
    again = SigningKey.load_or_create(path)
    assert again == first


def test_every_new_key_is_a_different_key_with_a_different_kid(tmp_path):
    one, two = SigningKey.load_or_create(tmp_path / "a" / "k.json"), SigningKey.load_or_create(tmp_path / "b" / "k.json")
    assert one.kid != two.kid and one.private_jwk["n"] != two.private_jwk["n"]


def test_a_key_file_others_could_read_is_made_private_again(tmp_path, capsys):
    path = tmp_path / KEY_FILE
    SigningKey.load_or_create(path)
    path.chmod(0o644)
    SigningKey.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "readable by others" in capsys.readouterr().out


@pytest.mark.parametrize("content", ["{broken", json.dumps({"kty": "RSA", "n": "x", "e": "AQAB"}), "[]"])
def test_a_damaged_key_file_stops_the_start_and_says_what_to_do(tmp_path, content):
    path = tmp_path / KEY_FILE
    path.parent.mkdir(parents=True)
    path.write_text(content)
    with pytest.raises(UnusableKey, match="delete it"):
        SigningKey.load_or_create(path)


def test_the_jwks_holds_the_public_half_only_and_verifies_what_the_key_signs(tmp_path):
    key = SigningKey.load_or_create(tmp_path / KEY_FILE)
    (public,) = key.public_jwks()["keys"]
    assert public["kid"] == key.kid and public["alg"] == "RS256" and not {"d", "p", "q", "dp", "dq", "qi"} & set(public)
    token = key.sign({"sub": "x", "token_use": "id"})
    assert jwt.get_unverified_header(token)["kid"] == key.kid
    assert jwt.decode(token, RSAAlgorithm.from_jwk(json.dumps(public)), algorithms=["RS256"])["sub"] == "x"
