"""``GET /api/email-templates``: every kind, with the tenant's override or the default."""

from __future__ import annotations

from ticketbase.application.context import Actor
from ticketbase.application.email_templates.views import EmailTemplateView, require_reader, view_of
from ticketbase.application.ports.email_templates import EmailTemplates
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.email_templates.template import EmailKind


class ListEmailTemplates:
    def __init__(self, uow: UnitOfWork, templates: EmailTemplates) -> None:
        self._uow, self._templates = uow, templates

    async def __call__(self, actor: Actor) -> list[EmailTemplateView]:
        organization_id = require_reader(actor)
        async with self._uow.for_tenant(organization_id) as tx:
            overrides = {t.kind: t for t in await tx.email_templates.all()}
        return [view_of(kind, overrides.get(kind), self._templates) for kind in EmailKind]
