"""What every plugin change writes besides the row: the audit entry and, for the lifecycle,
the outbox message, both in the change's own transaction."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ticketbase.application.context import Actor, RequestMeta
from ticketbase.application.plugins.access import TARGET
from ticketbase.application.ports.audit import AuditEntry, JsonValue
from ticketbase.application.ports.outbox import OutboxMessage
from ticketbase.application.ports.unit_of_work import TenantTransaction
from ticketbase.domain.plugins.installed_plugin import InstalledPlugin


async def audited(
    tx: TenantTransaction,
    actor: Actor | None,
    action: str,
    plugin: InstalledPlugin,
    *,
    entry_id: UUID,
    at: datetime,
    changes: dict[str, JsonValue] | None = None,
) -> None:
    await tx.audit.append(
        AuditEntry(
            id=entry_id,
            at=at,
            actor_id=actor.user_id if actor else None,
            action=action,
            target_type=TARGET,
            target_id=plugin.plugin_id,
            meta=actor.meta if actor else RequestMeta(),
            changes=changes or {},
        )
    )


async def announce(
    tx: TenantTransaction,
    topic: str,
    payload: dict[str, JsonValue],
    *,
    message_id: UUID,
    at: datetime,
) -> None:
    await tx.outbox.add(OutboxMessage(id=message_id, topic=topic, payload=payload, created_at=at))


def view(plugin: InstalledPlugin) -> dict[str, JsonValue]:
    """The plugin as messages carry it (never its configuration: it may hold secrets)."""
    return {
        "pluginId": plugin.plugin_id,
        "version": plugin.version,
        "active": plugin.active,
        "status": plugin.status,
    }
