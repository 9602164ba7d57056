"""The local system signs sign-in tokens with a key of its own (`.local/keys/cognito-signing.json`,
made on the first start, kept private, reused later) and accepts no other: a token signed with the
key that ships inside moto, one with no signature, one signed by another key under our kid, all
get 401. Against a real local system (`python -m infra.local`)."""
import base64
import json
import stat
import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.helpers import TokenForger
from tests.support.local_system import LocalSystem, login


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("tokens")


@pytest.fixture(scope="module")
def system(work):
    running = LocalSystem(work)
    try:
        running.wait_until_up()
        yield running
    finally:
        running.stop()


def key_file(system: LocalSystem):
    return system.local_dir / "keys" / "cognito-signing.json"


def _segment(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def status_with(system: LocalSystem, token: str) -> int:
    return requests.get(f"{system.url}/orders", headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code


def test_a_sign_in_token_is_signed_with_the_key_made_on_first_start(system):
    token = login(system.url, "dispatcher@example.com")
    saved = json.loads(key_file(system).read_text())
    assert jwt.get_unverified_header(token) == {"alg": "RS256", "kid": saved["kid"], "typ": "JWT"}
    assert saved["kid"] != "dummy"
    assert stat.S_IMODE(key_file(system).stat().st_mode) == 0o600
    assert status_with(system, token) == 200


def test_the_embedded_aws_publishes_our_public_key_alone(system):
    token = login(system.url, "admin@example.com")
    pool_id = claims_of(token)["iss"].rsplit("/", 1)[1]
    moto_url = next(line.split("embedded AWS: ")[1].split(")")[0] for line in system.log.splitlines() if "embedded AWS: " in line)
    served = requests.get(f"{moto_url}/{pool_id}/.well-known/jwks.json", timeout=30).json()
    saved = json.loads(key_file(system).read_text())
    assert served == {"keys": [{"kty": "RSA", "n": saved["n"], "e": saved["e"], "kid": saved["kid"],
                                "alg": "RS256", "use": "sig"}]}


def forgeries(genuine: str, our_kid: str) -> dict:
    claims = claims_of(genuine) | {"cognito:username": "admin-1", "cognito:groups": ["admin"],
                                   "exp": int(time.time()) + 3600}
    pool_id, client_id = claims["iss"].rsplit("/", 1)[1], claims["aud"]
    moto = TokenForger(pool_id, client_id)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "moto's bundled key, its kid": moto.pool_signed(),
        "moto's bundled key, our kid": moto.pool_signed(headers={"kid": our_kid}),
        "another key, our kid": jwt.encode(claims, other, algorithm="RS256", headers={"kid": our_kid}),
        "no signature, our kid": f"{_segment({'alg': 'none', 'typ': 'JWT', 'kid': our_kid})}.{_segment(claims)}.",
        "a genuine token, claims changed": ".".join([genuine.split(".")[0], _segment(claims), genuine.split(".")[2]]),
    }


def test_tokens_not_signed_with_our_key_are_refused(system):
    genuine = login(system.url, "tech1@example.com")
    our_kid = jwt.get_unverified_header(genuine)["kid"]
    answers = {name: status_with(system, token) for name, token in forgeries(genuine, our_kid).items()}
    assert answers == {name: 401 for name in answers}


def test_a_restart_reuses_the_same_key(system, work):
    before = key_file(system).read_bytes()
    system.stop()
    again = LocalSystem(work)
    try:
        again.wait_until_up()
        token = login(again.url, "dispatcher@example.com")
        assert key_file(again).read_bytes() == before
        assert jwt.get_unverified_header(token)["kid"] == json.loads(before)["kid"]
        assert status_with(again, token) == 200
        assert "made a signing key" not in again.log
    finally:
        again.stop()
