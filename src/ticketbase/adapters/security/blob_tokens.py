"""Signed tokens for the URLs the folder storage hands out in place of S3's presigned ones.

A token is ``<payload>.<signature>``: the payload is the grant (key, method, expiry, type, size,
filename) as compact JSON in base64url, the signature HMAC-SHA256 of the payload under a key
derived from the server secret for this purpose only (a buyer's order token or a JWT never
verifies as a blob token, and the reverse). Changing any byte of either half breaks it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import UTC, datetime

import msgspec

from ticketbase.application.ports.storage import BlobGrant, BlobTokenRefused

_PURPOSE = b"ticketbase asset blob urls v1"
MAX_TOKEN_LENGTH = 4096


class _Payload(msgspec.Struct, forbid_unknown_fields=True):
    k: str  # key
    m: str  # method
    x: int  # expires, unix seconds
    t: str  # content type
    n: int | None = None  # exact size of an upload
    f: str | None = None  # filename of a download


class HmacBlobTokens:
    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()

    def issue(self, grant: BlobGrant) -> str:
        payload = _b64(
            msgspec.json.encode(
                _Payload(
                    k=grant.key,
                    m=grant.method,
                    x=int(grant.expires_at.timestamp()),
                    t=grant.content_type,
                    n=grant.size,
                    f=grant.filename,
                )
            )
        )
        return f"{payload}.{_b64(self._sign(payload))}"

    def verify(self, token: str, method: str, now: datetime) -> BlobGrant:
        payload, dot, signature = token.partition(".")
        if not dot or len(token) > MAX_TOKEN_LENGTH:
            raise BlobTokenRefused("malformed")
        try:
            given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        except (binascii.Error, ValueError):
            raise BlobTokenRefused("malformed") from None
        if not hmac.compare_digest(given, self._sign(payload)):
            raise BlobTokenRefused("bad signature")
        try:
            raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
            claims = msgspec.json.decode(raw, type=_Payload)
        except (binascii.Error, ValueError, msgspec.DecodeError):
            raise BlobTokenRefused("malformed") from None
        if claims.m != method:
            raise BlobTokenRefused(f"signed for {claims.m}")
        expires_at = datetime.fromtimestamp(claims.x, UTC)
        if now >= expires_at:
            raise BlobTokenRefused("expired")
        return BlobGrant(
            key=claims.k,
            method=claims.m,
            expires_at=expires_at,
            content_type=claims.t,
            size=claims.n,
            filename=claims.f,
        )

    def _sign(self, payload: str) -> bytes:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
