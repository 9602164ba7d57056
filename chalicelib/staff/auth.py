"""Staff identity: verifying Cognito ID tokens and checking roles.

Tokens are verified here, in the app, the same way locally and in the cloud: signature against
the user pool's JWKS (RS256), issuer, audience (the app client), expiry and `token_use`.
`chalice local` would otherwise accept any well-formed token.

A verified token is then held against the staff record on every request (one GetItem by key, no
cache): a deactivated user's tokens are refused from the next request, not only once they expire,
and a role changed by an admin applies at once (the token must still carry a staff group).
"""
import json
import threading
import time
import urllib.request
from dataclasses import dataclass

from chalicelib.core import settings
from chalicelib.core.errors import Forbidden, Unauthorized
from chalicelib.data.models import StaffModel

ROLES = ("admin", "dispatcher", "technician")
STAFF = ROLES
OFFICE = ("admin", "dispatcher")
ADMIN = ("admin",)


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: str
    groups: tuple[str, ...]

    @property
    def is_technician(self) -> bool:
        return self.role == "technician"


SYSTEM = Principal(user_id="system", role="system", groups=("system",))


def issuer() -> str:
    return f"https://cognito-idp.{settings.region()}.amazonaws.com/{settings.user_pool_id()}"


def jwks_url() -> str:
    """JWKS_URL when set; else the local embedded AWS's copy; else Cognito's."""
    explicit = settings.env("JWKS_URL", "")
    if explicit:
        return explicit
    endpoint = settings.env("AWS_ENDPOINT_URL", "")
    if endpoint:
        return f"{endpoint.rstrip('/')}/{settings.user_pool_id()}/.well-known/jwks.json"
    return issuer() + "/.well-known/jwks.json"


class _KeySet:
    """JWKS cached per container; refetched (at most once a minute) when a `kid` is unknown."""

    def __init__(self):
        self._lock = threading.Lock()
        self._url = None
        self._keys: dict = {}
        self._fetched_at = 0.0

    def key(self, kid: str):
        url = jwks_url()
        with self._lock:
            stale = url != self._url or (kid not in self._keys and time.time() - self._fetched_at > 60)
            if stale:
                self._load(url)
            return self._keys.get(kid)

    def _load(self, url: str) -> None:
        # Deferred for cold start: PyJWT with its crypto backend is needed only to verify a token.
        from jwt.algorithms import RSAAlgorithm

        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (configured URL)
            document = json.loads(response.read())
        self._keys = {k["kid"]: RSAAlgorithm.from_jwk(json.dumps(k)) for k in document.get("keys", [])}
        self._url, self._fetched_at = url, time.time()


_key_set = _KeySet()


def _groups(claims: dict) -> tuple[str, ...]:
    raw = claims.get("cognito:groups") or []
    if isinstance(raw, str):  # API Gateway hands groups over as "[a b]" or "a,b"
        raw = raw.strip("[]").replace(",", " ").split()
    return tuple(str(g) for g in raw)


def verify_token(token: str) -> Principal:
    # Deferred for cold start (see _KeySet._load).
    import jwt

    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise Unauthorized("The token is malformed.")
    if header.get("alg") != "RS256":
        raise Unauthorized("The token is not signed with RS256.")
    key = _key_set.key(header.get("kid", ""))
    if key is None:
        raise Unauthorized("The token was not signed by this user pool.")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=settings.user_pool_client_id(),
            issuer=issuer(),
            options={"require": ["exp", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The token has expired.")
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"The token is not valid: {exc}.")
    if claims.get("token_use") != "id":
        raise Unauthorized("An ID token is required.")
    username = claims.get("cognito:username")
    if not isinstance(username, str) or not username:
        raise Unauthorized("The token names no user.")
    groups = _groups(claims)
    role = next((r for r in ROLES if r in groups), None)
    if role is None:
        raise Forbidden("This account has no staff role.")
    return Principal(user_id=username, role=role, groups=groups)


def authenticate(headers) -> Principal:
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Sign in: an `Authorization: Bearer <id_token>` header is required.")
    return current(verify_token(token.strip()))


def current(principal: Principal) -> Principal:
    """The principal as the staff record says now: refused (401) when the record is gone or
    deactivated; its role is the record's (an admin may have changed it since the token was issued)."""
    try:
        member = StaffModel.get(principal.user_id, consistent_read=True)
    except StaffModel.DoesNotExist:
        raise Unauthorized("This account is not a staff account.")
    if not member.active:
        raise Unauthorized("This account has been deactivated.", code="account_deactivated")
    if member.role == principal.role or member.role not in ROLES:
        return principal
    return Principal(user_id=principal.user_id, role=member.role, groups=principal.groups)


def require_role(principal: Principal, roles: tuple[str, ...]) -> None:
    if principal.role not in roles:
        raise Forbidden(f"This needs one of the roles: {', '.join(roles)}.")
