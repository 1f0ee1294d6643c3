"""``GET /api/assets/{id}``: an asset and, once ready, a short-lived signed download URL."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.assets.policy import AssetPolicy
from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.storage import ObjectStorage, PresignedRequest
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.assets.asset import Asset, AssetNotFound, AssetStatus
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.ids import AssetId


@dataclass(frozen=True, slots=True)
class AssetWithDownload:
    asset: Asset
    download: PresignedRequest | None  # None while pending


class GetAsset:
    def __init__(self, uow: UnitOfWork, storage: ObjectStorage, policy: AssetPolicy) -> None:
        self._uow, self._storage, self._policy = uow, storage, policy

    async def __call__(self, asset_id: AssetId, actor: Actor) -> AssetWithDownload:
        async with self._uow.for_tenant(require(actor, Permission.ORGANIZATION_READ)) as tx:
            asset = await tx.assets.get(asset_id)
        if asset is None:
            raise AssetNotFound()
        if asset.status is not AssetStatus.READY:
            return AssetWithDownload(asset, None)
        download = await self._storage.presign_download(
            asset.object_key,
            content_type=asset.content_type,
            filename=asset.filename,
            expires_in=self._policy.download_url_ttl,
        )
        return AssetWithDownload(asset, download)
