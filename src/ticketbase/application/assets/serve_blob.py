"""The bytes behind a self-served signed download URL (``GET /api/assets/blobs/{token}``).

The token is the only credential: it names the key, the method and the expiry under the
server's HMAC. A token that does not verify (tampered, expired, for PUT) is 403, as S3 answers
a bad signature."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from ticketbase.application.ports.storage import (
    BlobGrant,
    BlobTokenRefused,
    BlobTokens,
    ObjectStorage,
)
from ticketbase.application.ports.system import Clock
from ticketbase.domain.assets.asset import AssetNotFound
from ticketbase.domain.shared.errors import PermissionDenied


@dataclass(frozen=True, slots=True)
class Blob:
    grant: BlobGrant
    size: int
    chunks: AsyncIterator[bytes]


def verified(tokens: BlobTokens, token: str, method: str, clock: Clock) -> BlobGrant:
    try:
        return tokens.verify(token, method, clock.now())
    except BlobTokenRefused as refused:
        raise PermissionDenied(f"this signed URL is not valid: {refused}") from None


class ServeBlob:
    def __init__(self, storage: ObjectStorage, tokens: BlobTokens, clock: Clock) -> None:
        self._storage, self._tokens, self._clock = storage, tokens, clock

    async def __call__(self, token: str) -> Blob:
        grant = verified(self._tokens, token, "GET", self._clock)
        info = await self._storage.head(grant.key)
        if info is None:
            raise AssetNotFound()
        return Blob(grant, info.size, self._storage.get(grant.key))
