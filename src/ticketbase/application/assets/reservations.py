"""Reserving an asset's bytes before they move, and giving them back when they do not arrive.

An upload first takes its size from the organization's storage counter (one conditional
UPDATE: of two uploads racing for the last bytes of the quota, one wins) and records the asset
as pending, in one short transaction: nothing is held open while bytes stream. Whatever then
goes wrong gives the reservation back with the row (``abandon``)."""

from __future__ import annotations

import logging

from ticketbase.application.assets.policy import AssetPolicy
from ticketbase.application.context import Actor
from ticketbase.application.orders.audit import staff_action
from ticketbase.application.ports.storage import ObjectStorage, StorageQuota
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.assets.asset import (
    Asset,
    AssetStatus,
    FileTooLarge,
    StorageQuotaExceeded,
)
from ticketbase.domain.shared.ids import AssetId, OrganizationId

log = logging.getLogger(__name__)


class Reservations:
    """What the upload use cases share: reserve, finish, abandon."""

    def __init__(
        self,
        uow: UnitOfWork,
        storage: ObjectStorage,
        quota: StorageQuota,
        clock: Clock,
        ids: IdGenerator,
        policy: AssetPolicy,
    ) -> None:
        self.uow, self.storage, self.quota = uow, storage, quota
        self.clock, self.ids, self.policy = clock, ids, policy

    async def reserve(
        self,
        organization_id: OrganizationId,
        actor: Actor,
        filename: str,
        content_type: str,
        size: int,
    ) -> Asset:
        if size > self.policy.max_file_bytes:
            raise FileTooLarge(self.policy.max_file_bytes)
        quota = await self.quota.bytes_for(organization_id)
        asset = Asset.reserve(
            AssetId(self.ids.new()),
            organization_id,
            filename,
            content_type,
            size,
            actor.user_id,
            self.clock.now(),
        )
        async with self.uow.for_tenant(organization_id) as tx:
            if not await tx.storage_usage.reserve(size, quota):
                raise StorageQuotaExceeded(quota)
            await tx.assets.add(asset)
            await tx.commit()
        return asset

    async def finish(
        self, asset: Asset, actor: Actor, content_type: str, size: int, action: str
    ) -> Asset | None:
        """Mark a pending asset ready with what was stored, giving back what was reserved
        beyond its size; None when it was deleted meanwhile."""
        async with self.uow.for_tenant(asset.organization_id) as tx:
            current = await tx.assets.lock(asset.id)
            if current is None:
                return None
            now = self.clock.now()
            ready = current.ready(content_type, size, now)
            await tx.assets.save(ready)
            if current.size > size:
                await tx.storage_usage.release(current.size - size)
            elif size > current.size:  # never more than reserved: the stream was bounded by it
                raise AssertionError("stored more than reserved")
            await tx.audit.append(
                staff_action(
                    actor,
                    action,
                    "asset",
                    asset.id,
                    at=now,
                    entry_id=self.ids.new(),
                    changes={
                        "filename": ready.filename,
                        "contentType": content_type,
                        "size": size,
                    },
                )
            )
            await tx.commit()
        return ready

    async def abandon(self, asset: Asset, *, object_stored: bool) -> None:
        """Forget a pending asset: its object (when something may be there), its row and its
        reservation. Never raises: it runs while another error is on its way out."""
        try:
            if object_stored:
                await self.storage.delete(asset.object_key)
            async with self.uow.for_tenant(asset.organization_id) as tx:
                current = await tx.assets.lock(asset.id)
                if current is not None and current.status is AssetStatus.PENDING:
                    await tx.assets.remove(asset.id)
                    await tx.storage_usage.release(current.size)
                    await tx.commit()
        except Exception as error:
            log.error("asset_abandon_failed asset_id=%s error=%r", asset.id, error)
