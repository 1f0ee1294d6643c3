"""The audit row of a staff action on an order or an attendee."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ticketbase.application.context import Actor
from ticketbase.application.ports.audit import AuditEntry, JsonValue


def staff_action(
    actor: Actor,
    action: str,
    target_type: str,
    target_id: UUID,
    *,
    at: datetime,
    entry_id: UUID,
    changes: dict[str, JsonValue] | None = None,
) -> AuditEntry:
    return AuditEntry(
        id=entry_id,
        at=at,
        actor_id=actor.user_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        meta=actor.meta,
        changes=changes or {},
    )
