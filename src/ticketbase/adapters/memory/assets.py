"""Assets and the storage counter in memory, the twins of the PostgreSQL ones (the transaction
works on its own copy of the state, so a reservation is atomic within it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ticketbase.application.pagination import Page, PageRequest
from ticketbase.domain.assets.asset import Asset
from ticketbase.domain.shared.ids import AssetId, OrganizationId

if TYPE_CHECKING:
    from ticketbase.adapters.memory.unit_of_work import MemoryState


class MemoryAssetRepository:
    def __init__(self, state: MemoryState, organization_id: OrganizationId) -> None:
        self._state, self._org = state, organization_id

    @property
    def _mine(self) -> dict[AssetId, Asset]:
        return self._state.assets.setdefault(self._org, {})

    async def add(self, asset: Asset) -> None:
        self._mine[asset.id] = asset

    async def get(self, asset_id: AssetId) -> Asset | None:
        return self._mine.get(asset_id)

    async def lock(self, asset_id: AssetId) -> Asset | None:
        return self._mine.get(asset_id)

    async def save(self, asset: Asset) -> None:
        if asset.id in self._mine:
            self._mine[asset.id] = asset

    async def remove(self, asset_id: AssetId) -> None:
        self._mine.pop(asset_id, None)

    async def newest_first(self, page: PageRequest) -> Page[Asset]:
        rows = sorted(
            (a for a in self._mine.values() if page.after is None or a.id < page.after),
            key=lambda a: a.id,
            reverse=True,
        )
        return Page.from_rows(rows[: page.fetch], page, lambda a: a.id)


class MemoryStorageUsage:
    def __init__(self, state: MemoryState, organization_id: OrganizationId) -> None:
        self._state, self._org = state, organization_id

    async def reserve(self, size: int, quota: int) -> bool:
        used = self._state.storage_used.get(self._org, 0)
        if used + size > quota:
            return False
        self._state.storage_used[self._org] = used + size
        return True

    async def release(self, size: int) -> None:
        used = self._state.storage_used.get(self._org, 0) - size
        if used < 0:
            raise ValueError("storage usage below zero")  # the CHECK of the real table
        self._state.storage_used[self._org] = used

    async def used(self) -> int:
        return self._state.storage_used.get(self._org, 0)
