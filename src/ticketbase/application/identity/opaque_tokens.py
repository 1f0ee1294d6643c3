"""Opaque secrets handed to clients (refresh tokens, one-time links): random, stored only as
their SHA-256 (enough for 256-bit random values; no salt or slow hash needed)."""

from __future__ import annotations

import hashlib
import secrets


def new_opaque_token() -> tuple[str, bytes]:
    token = secrets.token_urlsafe(32)
    return token, hash_opaque_token(token)


def hash_opaque_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
