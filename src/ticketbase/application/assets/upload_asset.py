"""``POST /api/assets`` with the file in the body: the bytes stream through to storage.

The size is reserved first (the request's length bounds the file's), the file's type is read
from its first bytes before anything is stored (HTML renamed ``.png`` never reaches storage),
then the rest follows chunk by chunk: this process never holds the whole file. Anything that
fails afterwards gives the reservation back and leaves no object behind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from ticketbase.application.assets.policy import SNIFF_BYTES
from ticketbase.application.assets.reservations import Reservations
from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.storage import ContentSniffer, ObjectTooLarge
from ticketbase.domain.assets.asset import (
    Asset,
    AssetNotFound,
    FileTooLarge,
    content_type_of,
)
from ticketbase.domain.identity.permissions import Permission

# The multipart framing around a file (boundaries, part headers): what a request may carry
# beyond the largest file before it is refused unread.
FRAMING_ALLOWANCE = 64 * 1024


@dataclass(frozen=True, slots=True)
class UploadCommand:
    filename: str
    declared_type: str | None  # the part's Content-Type, if any
    chunks: AsyncIterator[bytes]
    length_bound: int | None  # the request's Content-Length: the file cannot be longer


class UploadAsset:
    def __init__(self, reservations: Reservations, sniffer: ContentSniffer) -> None:
        self._r, self._sniffer = reservations, sniffer

    async def __call__(self, command: UploadCommand, actor: Actor) -> Asset:
        organization_id = require(actor, Permission.ASSETS_WRITE)
        limit = self._r.policy.max_file_bytes
        bound = limit if command.length_bound is None else command.length_bound
        if bound > limit + FRAMING_ALLOWANCE:
            raise FileTooLarge(limit)
        reserved = min(bound, limit)
        head, rest = await _take(command.chunks, SNIFF_BYTES)
        content_type = content_type_of(self._sniffer.readings(head), command.declared_type)
        asset = await self._r.reserve(
            organization_id, actor, command.filename, content_type, reserved
        )
        stored = False
        try:
            try:
                size = await self._r.storage.put(
                    asset.object_key,
                    _chain(head, rest),
                    content_type=content_type,
                    max_size=reserved,
                )
            except ObjectTooLarge:
                raise FileTooLarge(limit) from None
            stored = True
            ready = await self._r.finish(asset, actor, content_type, size, "asset.uploaded")
        except BaseException:
            await self._r.abandon(asset, object_stored=stored)
            raise
        if ready is None:  # deleted while its bytes were on their way
            await self._r.storage.delete(asset.object_key)
            raise AssetNotFound()
        return ready


async def _take(chunks: AsyncIterator[bytes], length: int) -> tuple[bytes, AsyncIterator[bytes]]:
    """At least ``length`` bytes from the start (fewer for a shorter stream) and the rest."""
    head = bytearray()
    while len(head) < length:
        try:
            head += await anext(chunks)
        except StopAsyncIteration:
            break
    return bytes(head), chunks


async def _chain(head: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if head:
        yield head
    async for chunk in rest:
        yield chunk
