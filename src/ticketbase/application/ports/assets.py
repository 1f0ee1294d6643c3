"""The rows of assets and the storage counter of the tenant, reached through
``uow.for_tenant(...)`` like every tenant store."""

from __future__ import annotations

from typing import Protocol

from ticketbase.application.pagination import Page, PageRequest
from ticketbase.domain.assets.asset import Asset
from ticketbase.domain.shared.ids import AssetId


class AssetRepository(Protocol):
    async def add(self, asset: Asset) -> None: ...

    async def get(self, asset_id: AssetId) -> Asset | None:
        """Pending or ready."""
        ...

    async def lock(self, asset_id: AssetId) -> Asset | None:
        """Read and lock the row until the transaction ends (completion and deletion race)."""
        ...

    async def save(self, asset: Asset) -> None: ...

    async def remove(self, asset_id: AssetId) -> None: ...

    async def newest_first(self, page: PageRequest) -> Page[Asset]:
        """Pending and ready assets, newest first."""
        ...


class StorageUsage(Protocol):
    """The bytes the tenant's assets take, pending ones included."""

    async def reserve(self, size: int, quota: int) -> bool:
        """Add ``size`` when the sum stays within ``quota``; False (nothing added) otherwise.
        Concurrent reservations are serialised: of two that together pass the quota, one
        fails."""
        ...

    async def release(self, size: int) -> None: ...

    async def used(self) -> int: ...
