"""The secrets in customers' links (a booking's manage link, a quote's answer link): made strong,
and compared so that a wrong link costs the same whether its record exists or not (one constant-
time comparison, against a stand-in when there is no record or no token)."""
import hmac
import secrets

TOKEN_MAX = 200  # characters: a longer token is compared as empty (and fails)
_STAND_IN = secrets.token_urlsafe(32).encode()


def new() -> str:
    """32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def matches(real: str | None, given: str | None) -> bool:
    """Whether `given` is the record's token `real` (None: no record, or no token on it)."""
    offered = (given or "").encode("utf-8", "surrogatepass")
    if len(offered) > TOKEN_MAX:
        offered = b""
    expected = real.encode() if real else None
    same = hmac.compare_digest(expected or _STAND_IN, offered)
    return expected is not None and same
