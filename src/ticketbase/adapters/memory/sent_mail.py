"""The sent-mail ledger in memory: one instant per (tenant, outbox message), the first kept."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from ticketbase.domain.shared.ids import OrganizationId

if TYPE_CHECKING:
    from ticketbase.adapters.memory.unit_of_work import MemoryState


class MemorySentMail:
    def __init__(self, state: MemoryState, organization_id: OrganizationId) -> None:
        self._state, self._org = state, organization_id

    async def was_sent(self, message_id: UUID) -> bool:
        return message_id in self._state.sent_mail.get(self._org, {})

    async def record(self, message_id: UUID, at: datetime) -> None:
        self._state.sent_mail.setdefault(self._org, {}).setdefault(message_id, at)
