"""Buyers' order access tokens: HMAC-SHA256 of the order id under a key derived from a server
secret. 256 bits a client cannot guess or forge; the same for an order every time, so an
idempotent replay of a checkout hands out the token again without it ever being stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
from uuid import UUID

_PURPOSE = b"ticketbase order access tokens v1"


class HmacBuyerTokens:
    def __init__(self, secret: str) -> None:
        # A key of its own: a token of one kind never doubles as a signature of another.
        self._key = hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()

    def for_order(self, order_id: UUID) -> str:
        digest = hmac.new(self._key, order_id.bytes, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")
