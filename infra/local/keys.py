"""The local user pool's signing key: an RSA key pair of our own, made on first start and kept in
`<local dir>/keys/cognito-signing.json` (mode 0600), reused on every later start.

moto signs Cognito tokens with a private key that ships in every moto install (kid `dummy`), so
anyone could forge a token that verifies against moto's keys. `use_signing_key` makes moto, in
this process, sign every pool's tokens with our key under our own kid, and serve only its public
half at `/<pool_id>/.well-known/jwks.json`, which is where the app reads the keys it trusts
(chalicelib/staff/auth.py). A token signed with moto's key, with another key, or with none is
then refused (401).

The key lives here, not in the pool objects: a pool's `json_web_key` is a property that reads it,
so pools carry no key when pickled and a restored pool signs with the key on disk.
"""
import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

from infra.local.environment import log
from infra.local.files import create_once

KEY_FILE = Path("keys") / "cognito-signing.json"
KEY_BITS = 2048


class UnusableKey(Exception):
    pass


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_jwk: dict

    @classmethod
    def generate(cls) -> "SigningKey":
        from joserfc import jwk  # comes with moto

        key = jwk.RSAKey.generate_key(KEY_BITS, private=True)
        thumbprint = key.thumbprint()  # RFC 7638: SHA-256 of the public key, base64url
        kid = "local-" + base64.urlsafe_b64decode(thumbprint + "=" * (-len(thumbprint) % 4))[:8].hex()
        return cls(kid, {**key.as_dict(private=True), "kid": kid, "alg": "RS256", "use": "sig"})

    @classmethod
    def load_or_create(cls, path: Path) -> "SigningKey":
        """The key in `path`, made there first (folder 0700, file 0600) if there is none."""
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            key = cls.generate()
            if create_once(path, json.dumps(key.private_jwk, indent=2).encode(), mode=0o600):
                log(f"keys: made a signing key for local sign-in tokens ({key.kid}) in {path}")
                return key
        return cls.load(path)

    @classmethod
    def load(cls, path: Path) -> "SigningKey":
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)  # a private key is for this user only
            log(f"keys: {path} was readable by others; it is now 0600")
        try:
            data = json.loads(path.read_text())
            if not isinstance(data, dict) or data.get("kty") != "RSA" or not data.get("d") or not data.get("kid"):
                raise ValueError("not a private RSA key with a kid")
        except ValueError as exc:
            raise UnusableKey(f"{path} holds no usable signing key ({exc}); delete it and a new one is made "
                              "at the next start (everyone then signs in again)") from None
        return cls(data["kid"], data)

    def public_jwks(self) -> dict:
        public = {k: self.private_jwk[k] for k in ("kty", "n", "e")}
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def joserfc_key(self):
        from joserfc import jwk  # comes with moto

        return jwk.RSAKey.import_key(self.private_jwk)

    def sign(self, claims: dict, joserfc_key=None) -> str:
        from joserfc import jwt  # comes with moto

        return jwt.encode({"alg": "RS256", "kid": self.kid, "typ": "JWT"}, claims, joserfc_key or self.joserfc_key())


def _claims(token: str) -> dict:
    """The claims of a token moto has just made (no need to check a signature we watched it make)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


_signing: dict = {}  # "key": SigningKey, "joserfc": its joserfc key
_originals: dict = {}  # what `forget_signing_key` puts back


def use_signing_key(key: SigningKey) -> None:
    """From now on, in this process, moto signs every user pool's tokens with `key` and serves
    `key`'s public half, alone, as every pool's JWKS."""
    from moto.cognitoidp.models import CognitoIdpUserPool
    from moto.cognitoidp.responses import CognitoIdpJsonWebKeyResponse

    _signing.update(key=key, joserfc=key.joserfc_key())
    if not _originals:
        _originals.update(jwks=CognitoIdpJsonWebKeyResponse.json_web_key, create_jwt=CognitoIdpUserPool.create_jwt)
        create_jwt = CognitoIdpUserPool.create_jwt

        def create_jwt_with_our_kid(pool, *args, **kwargs):
            # moto writes `kid: dummy` into the header; the same claims, signed again under our kid.
            token, expires_in = create_jwt(pool, *args, **kwargs)
            return _signing["key"].sign(_claims(token), _signing["joserfc"]), expires_in

        # moto's pool loads its bundled key into `json_web_key` when it is made; a property on the
        # class takes that assignment (and drops it) and hands out our key instead.
        CognitoIdpUserPool.json_web_key = property(lambda pool: _signing["joserfc"], lambda pool, value: None)
        CognitoIdpUserPool.create_jwt = create_jwt_with_our_kid
    CognitoIdpJsonWebKeyResponse.json_web_key = json.dumps(key.public_jwks()).encode()


def forget_signing_key() -> None:
    """moto's own signing as it was (for tests that use a key in their own process). Pools made
    meanwhile carry no key of their own: they cannot sign with moto's again."""
    from moto.cognitoidp.models import CognitoIdpUserPool
    from moto.cognitoidp.responses import CognitoIdpJsonWebKeyResponse

    if _originals:
        CognitoIdpJsonWebKeyResponse.json_web_key = _originals["jwks"]
        CognitoIdpUserPool.create_jwt = _originals["create_jwt"]
        del CognitoIdpUserPool.json_web_key
        _originals.clear()
        _signing.clear()
