"""``POST /api/assets/{id}/complete``: check what a presigned upload stored, then keep it.

The object must be there, of exactly the declared size, and its first bytes (read back from
storage) of an allowed type agreeing with the declared one. Otherwise the object, the asset and
its reservation are dropped and the answer is 422 ``upload_refused``: the client starts again.
Completing a ready asset answers it unchanged."""

from __future__ import annotations

from ticketbase.application.assets.policy import SNIFF_BYTES
from ticketbase.application.assets.reservations import Reservations
from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.storage import ContentSniffer
from ticketbase.domain.assets.asset import (
    Asset,
    AssetNotFound,
    AssetStatus,
    UploadRefused,
    content_type_of,
)
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.errors import DomainError, RuleViolated
from ticketbase.domain.shared.ids import AssetId


class CompleteAssetUpload:
    def __init__(self, reservations: Reservations, sniffer: ContentSniffer) -> None:
        self._r, self._sniffer = reservations, sniffer

    async def __call__(self, asset_id: AssetId, actor: Actor) -> Asset:
        organization_id = require(actor, Permission.ASSETS_WRITE)
        async with self._r.uow.for_tenant(organization_id) as tx:
            asset = await tx.assets.get(asset_id)
        if asset is None:
            raise AssetNotFound()
        if asset.status is AssetStatus.READY:
            return asset
        stored = await self._r.storage.head(asset.object_key)
        if stored is None:
            raise RuleViolated("nothing was uploaded yet: PUT the file to its uploadUrl first")
        try:
            if stored.size != asset.size:
                raise UploadRefused(f"{stored.size} bytes arrived, {asset.size} were declared")
            head = await self._r.storage.read_prefix(asset.object_key, SNIFF_BYTES)
            try:
                content_type = content_type_of(self._sniffer.readings(head), asset.content_type)
            except DomainError as refused:
                raise UploadRefused(refused.detail) from None
        except UploadRefused:
            await self._r.abandon(asset, object_stored=True)
            raise
        ready = await self._r.finish(asset, actor, content_type, stored.size, "asset.uploaded")
        if ready is None:
            raise AssetNotFound()
        return ready
