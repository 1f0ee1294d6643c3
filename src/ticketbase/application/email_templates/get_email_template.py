"""``GET /api/email-templates/{kind}``: one kind, the tenant's override or the default."""

from __future__ import annotations

from ticketbase.application.context import Actor
from ticketbase.application.email_templates.views import EmailTemplateView, require_reader, view_of
from ticketbase.application.ports.email_templates import EmailTemplates
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.email_templates.template import EmailKind


class GetEmailTemplate:
    def __init__(self, uow: UnitOfWork, templates: EmailTemplates) -> None:
        self._uow, self._templates = uow, templates

    async def __call__(self, kind: EmailKind, actor: Actor) -> EmailTemplateView:
        organization_id = require_reader(actor)
        async with self._uow.for_tenant(organization_id) as tx:
            override = await tx.email_templates.get(kind)
        return view_of(kind, override, self._templates)
