"""Opaque ids: random ones, and ones derived from a client's Idempotency-Key so that a replay
finds what the first attempt wrote. No 0/O or 1/I, so an id read out on the phone is unambiguous."""
import hashlib
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(10))


def id_for_key(prefix: str, scope: str, key: str | None) -> str:
    """A fresh id, or, for a client's Idempotency-Key, the same id every time the key is replayed
    for this scope (an order), so a replay finds what the first attempt wrote."""
    if not key:
        return new_id(prefix)
    digest = hashlib.sha256(f"{scope}:{key}".encode()).digest()
    return prefix + "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:12])
