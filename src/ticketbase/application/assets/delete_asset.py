"""``DELETE /api/assets/{id}``: the object, the row and its bytes of quota go together.

The row is locked while the object is deleted, so a completion or another delete waits; when
storage cannot be reached the transaction rolls back and nothing changes (503)."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.orders.audit import staff_action
from ticketbase.application.ports.storage import ObjectStorage
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.assets.asset import AssetNotFound
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.ids import AssetId


class DeleteAsset:
    def __init__(
        self, uow: UnitOfWork, storage: ObjectStorage, clock: Clock, ids: IdGenerator
    ) -> None:
        self._uow, self._storage, self._clock, self._ids = uow, storage, clock, ids

    async def __call__(self, asset_id: AssetId, actor: Actor) -> None:
        async with self._uow.for_tenant(require(actor, Permission.ASSETS_WRITE)) as tx:
            asset = await tx.assets.lock(asset_id)
            if asset is None:
                raise AssetNotFound()
            await self._storage.delete(asset.object_key)
            await tx.assets.remove(asset.id)
            await tx.storage_usage.release(asset.size)
            await tx.audit.append(
                staff_action(
                    actor,
                    "asset.deleted",
                    "asset",
                    asset.id,
                    at=self._clock.now(),
                    entry_id=self._ids.new(),
                    changes={"filename": asset.filename, "size": asset.size},
                )
            )
            await tx.commit()
