"""The audit row of a staff action on an email template (the target is the kind)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ticketbase.application.context import Actor
from ticketbase.application.ports.audit import AuditEntry, JsonValue
from ticketbase.domain.email_templates.template import EmailKind


def template_action(
    actor: Actor,
    action: str,
    kind: EmailKind,
    *,
    at: datetime,
    entry_id: UUID,
    changes: dict[str, JsonValue],
) -> AuditEntry:
    return AuditEntry(
        id=entry_id,
        at=at,
        actor_id=actor.user_id,
        action=action,
        target_type="email_template",
        target_id=kind.value,
        meta=actor.meta,
        changes=changes,
    )
