"""PostgreSQL assets (``assets``, migration 0013) and the storage counter
(``organization_storage``), scoped to the transaction's tenant (row level security backs every
``organization_id`` filter written here)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.adapters.postgres.tables import assets, organization_storage
from ticketbase.application.pagination import Page, PageRequest
from ticketbase.domain.assets.asset import Asset, AssetStatus
from ticketbase.domain.shared.ids import AssetId, OrganizationId, UserId


class PostgresAssetRepository:
    def __init__(self, connection: AsyncConnection, organization_id: OrganizationId) -> None:
        self._c, self._org = connection, organization_id

    async def add(self, asset: Asset) -> None:
        await self._c.execute(insert(assets).values(**_columns(asset)))

    async def get(self, asset_id: AssetId) -> Asset | None:
        return await self._one(asset_id, lock=False)

    async def lock(self, asset_id: AssetId) -> Asset | None:
        return await self._one(asset_id, lock=True)

    async def _one(self, asset_id: AssetId, *, lock: bool) -> Asset | None:
        statement = select(assets).where(
            assets.c.organization_id == self._org, assets.c.id == asset_id
        )
        if lock:
            statement = statement.with_for_update()
        row = (await self._c.execute(statement)).mappings().first()
        return None if row is None else asset_from_row(row)

    async def save(self, asset: Asset) -> None:
        columns = _columns(asset)
        del columns["organization_id"], columns["id"]
        await self._c.execute(
            update(assets)
            .where(assets.c.organization_id == self._org, assets.c.id == asset.id)
            .values(**columns)
        )

    async def remove(self, asset_id: AssetId) -> None:
        await self._c.execute(
            delete(assets).where(assets.c.organization_id == self._org, assets.c.id == asset_id)
        )

    async def newest_first(self, page: PageRequest) -> Page[Asset]:
        statement = (
            select(assets)
            .where(assets.c.organization_id == self._org)
            .order_by(assets.c.id.desc())
            .limit(page.fetch)
        )
        if page.after is not None:
            statement = statement.where(assets.c.id < page.after)
        rows = [asset_from_row(row) for row in (await self._c.execute(statement)).mappings()]
        return Page.from_rows(rows, page, lambda a: a.id)


class PostgresStorageUsage:
    def __init__(self, connection: AsyncConnection, organization_id: OrganizationId) -> None:
        self._c, self._org = connection, organization_id

    async def reserve(self, size: int, quota: int) -> bool:
        # The row exists from the first upload on; the conditional UPDATE then locks it, so a
        # second reservation waits and re-checks the sum against the first one's result.
        await self._c.execute(
            pg_insert(organization_storage)
            .values(organization_id=self._org, used_bytes=0)
            .on_conflict_do_nothing(index_elements=[organization_storage.c.organization_id])
        )
        used = organization_storage.c.used_bytes
        reserved = await self._c.scalar(
            update(organization_storage)
            .where(organization_storage.c.organization_id == self._org, used + size <= quota)
            .values(used_bytes=used + size)
            .returning(used)
        )
        return reserved is not None

    async def release(self, size: int) -> None:
        used = organization_storage.c.used_bytes
        await self._c.execute(
            update(organization_storage)
            .where(organization_storage.c.organization_id == self._org)
            .values(used_bytes=used - size)
        )

    async def used(self) -> int:
        found = await self._c.scalar(
            select(organization_storage.c.used_bytes).where(
                organization_storage.c.organization_id == self._org
            )
        )
        return int(found or 0)


def _columns(asset: Asset) -> dict[str, Any]:
    return {
        "organization_id": asset.organization_id,
        "id": asset.id,
        "filename": asset.filename,
        "content_type": asset.content_type,
        "size": asset.size,
        "object_key": asset.object_key,
        "status": asset.status.value,
        "created_by": asset.created_by,
        "created_at": asset.created_at,
        "completed_at": asset.completed_at,
    }


def asset_from_row(row: RowMapping) -> Asset:
    return Asset(
        id=AssetId(row["id"]),
        organization_id=OrganizationId(row["organization_id"]),
        filename=row["filename"],
        content_type=row["content_type"],
        size=row["size"],
        object_key=row["object_key"],
        status=AssetStatus(row["status"]),
        created_by=None if row["created_by"] is None else UserId(row["created_by"]),
        created_at=row["created_at"],
        completed_at=row["completed_at"],
    )
