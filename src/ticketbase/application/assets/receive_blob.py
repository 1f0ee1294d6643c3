"""The bytes sent to a self-served signed upload URL (``PUT /api/assets/blobs/{token}``).

The token fixes the key, the content type and the exact size: a request with another type is
refused like a bad signature (403), more bytes than granted 413. What arrives is checked again
by ``complete``."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ticketbase.application.assets.serve_blob import verified
from ticketbase.application.ports.storage import BlobTokens, ObjectStorage, ObjectTooLarge
from ticketbase.application.ports.system import Clock
from ticketbase.domain.assets.asset import FileTooLarge, canonical_type
from ticketbase.domain.shared.errors import PermissionDenied


class ReceiveBlob:
    def __init__(self, storage: ObjectStorage, tokens: BlobTokens, clock: Clock) -> None:
        self._storage, self._tokens, self._clock = storage, tokens, clock

    async def __call__(
        self,
        token: str,
        content_type: str | None,
        chunks: AsyncIterator[bytes],
    ) -> int:
        grant = verified(self._tokens, token, "PUT", self._clock)
        if canonical_type(content_type or "") != grant.content_type:
            raise PermissionDenied(f"this signed URL takes Content-Type {grant.content_type}")
        limit = grant.size if grant.size is not None else 0
        try:
            return await self._storage.put(
                grant.key, chunks, content_type=grant.content_type, max_size=limit
            )
        except ObjectTooLarge:
            raise FileTooLarge(limit) from None
