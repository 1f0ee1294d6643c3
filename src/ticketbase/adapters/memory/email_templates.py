"""A tenant's email template overrides in memory, with the same version rule as PostgreSQL."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from ticketbase.domain.email_templates.template import EmailKind, EmailTemplate
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import OrganizationId

if TYPE_CHECKING:
    from ticketbase.adapters.memory.unit_of_work import MemoryState


class MemoryEmailTemplateRepository:
    def __init__(self, state: MemoryState, organization_id: OrganizationId) -> None:
        self._state, self._org = state, organization_id

    def _mine(self) -> dict[EmailKind, EmailTemplate]:
        return self._state.email_templates.setdefault(self._org, {})

    async def get(self, kind: EmailKind) -> EmailTemplate | None:
        found = self._mine().get(kind)
        return copy.deepcopy(found)

    async def all(self) -> list[EmailTemplate]:
        return [copy.deepcopy(t) for _, t in sorted(self._mine().items())]

    async def save(self, template: EmailTemplate) -> None:
        stored = self._mine().get(template.kind)
        expected = None if template.version == 1 else template.version - 1
        if (stored.version if stored else None) != expected:
            raise StaleVersion("the template was changed meanwhile", field="version")
        self._mine()[template.kind] = copy.deepcopy(template)

    async def delete(self, kind: EmailKind) -> bool:
        return self._mine().pop(kind, None) is not None
