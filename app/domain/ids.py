"""Identifiers: a type prefix and a time-ordered random part (ULID layout, Crockford base32).

The prefix lets `node(id)` find the collection without a lookup; time order makes the id a
stable, index-friendly pagination key.
"""

from __future__ import annotations

import hashlib
import secrets
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

PREFIXES = {
    "prc": "Process",
    "ist": "InputSet",
    "rel": "Release",
    "grp": "ReleaseGroup",
    "tok": "Token",
}


def new_id(prefix: str, now_ms: int | None = None) -> str:
    """A new id such as `prc_01J9Z3K7Q8...`: 48 bits of milliseconds, 80 random bits."""
    assert prefix in PREFIXES
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    return _encoded(prefix, ms, secrets.randbits(80))


def derived_id(prefix: str, ms: int, seed: bytes) -> str:
    """An id of the same shape made from `ms` and `seed` alone: the same inputs, the same id."""
    assert prefix in PREFIXES
    return _encoded(prefix, ms, int.from_bytes(hashlib.sha256(seed).digest()[:10], "big"))


def _encoded(prefix: str, ms: int, low_80_bits: int) -> str:
    value = ((ms & (2**48 - 1)) << 80) | low_80_bits
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars))}"


def type_of(id_: str) -> str | None:
    """The GraphQL type name an id belongs to, or None when it is not one of ours."""
    prefix, sep, rest = id_.partition("_")
    if not sep or len(rest) != 26 or any(c not in _ALPHABET for c in rest):
        return None
    return PREFIXES.get(prefix)
