"""Installed plugins (``installed_plugins``) and the status webhook's receipts
(``plugin_webhook_receipts``) in PostgreSQL, migration 0015. Tenant tables under row level
security; every statement also names the organization (the keys lead with it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.adapters.postgres.tables import installed_plugins, plugin_webhook_receipts
from ticketbase.domain.plugins.errors import PluginAlreadyInstalled, PluginNotFound
from ticketbase.domain.plugins.installed_plugin import InstalledPlugin, Requirement
from ticketbase.domain.shared.ids import OrganizationId

_table = installed_plugins


class PostgresInstalledPlugins:
    def __init__(self, connection: AsyncConnection, organization_id: OrganizationId) -> None:
        self._c, self._org = connection, organization_id

    async def all(self, *, lock: bool = False) -> list[InstalledPlugin]:
        query = (
            select(_table).where(_table.c.organization_id == self._org).order_by(_table.c.plugin_id)
        )
        if lock:
            query = query.with_for_update()
        return [_plugin(row) for row in (await self._c.execute(query)).mappings()]

    async def get(self, plugin_id: str, *, lock: bool = False) -> InstalledPlugin | None:
        query = select(_table).where(
            _table.c.organization_id == self._org, _table.c.plugin_id == plugin_id
        )
        if lock:
            query = query.with_for_update()
        row = (await self._c.execute(query)).mappings().first()
        return _plugin(row) if row is not None else None

    async def add(self, plugin: InstalledPlugin) -> None:
        inserted = await self._c.execute(
            pg_insert(_table)
            .values(organization_id=self._org, **_values(plugin))
            .on_conflict_do_nothing(index_elements=[_table.c.organization_id, _table.c.plugin_id])
            .returning(_table.c.plugin_id)
        )
        if inserted.first() is None:
            raise PluginAlreadyInstalled(f"{plugin.plugin_id} is already installed")

    async def save(self, plugin: InstalledPlugin) -> None:
        values = _values(plugin)
        del values["plugin_id"], values["created_at"]
        updated = await self._c.execute(
            update(_table)
            .where(_table.c.organization_id == self._org, _table.c.plugin_id == plugin.plugin_id)
            .values(**values)
            .returning(_table.c.plugin_id)
        )
        if updated.first() is None:
            raise PluginNotFound(f"{plugin.plugin_id} is not installed")

    async def remove(self, plugin_id: str) -> bool:
        deleted = await self._c.execute(
            delete(_table)
            .where(_table.c.organization_id == self._org, _table.c.plugin_id == plugin_id)
            .returning(_table.c.plugin_id)
        )
        return deleted.first() is not None


class PostgresPluginWebhookReceipts:
    def __init__(self, connection: AsyncConnection, organization_id: OrganizationId) -> None:
        self._c, self._org = connection, organization_id

    async def remember(self, digest: bytes, now: datetime, expires_at: datetime) -> bool:
        receipts = plugin_webhook_receipts
        await self._c.execute(
            delete(receipts).where(
                receipts.c.organization_id == self._org, receipts.c.expires_at < now
            )
        )
        inserted = await self._c.execute(
            pg_insert(receipts)
            .values(organization_id=self._org, digest=digest, expires_at=expires_at)
            .on_conflict_do_nothing(index_elements=[receipts.c.organization_id, receipts.c.digest])
            .returning(receipts.c.digest)
        )
        return inserted.first() is not None


def _values(plugin: InstalledPlugin) -> dict[str, Any]:
    return {
        "plugin_id": plugin.plugin_id,
        "version": plugin.version,
        "active": plugin.active,
        "config": dict(plugin.config),
        "status": plugin.status,
        "status_detail": plugin.status_detail,
        "requires": [
            {"pluginId": r.plugin_id, "minVersion": r.min_version} for r in plugin.requires
        ],
        "created_at": plugin.created_at,
        "updated_at": plugin.updated_at,
    }


def _plugin(row: RowMapping) -> InstalledPlugin:
    return InstalledPlugin(
        organization_id=OrganizationId(row["organization_id"]),
        plugin_id=row["plugin_id"],
        version=row["version"],
        active=row["active"],
        config=row["config"],
        status=row["status"],
        status_detail=row["status_detail"],
        requires=tuple(Requirement(r["pluginId"], r.get("minVersion")) for r in row["requires"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
