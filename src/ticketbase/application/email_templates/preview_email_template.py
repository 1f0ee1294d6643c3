"""``POST /api/email-templates/{kind}/preview``: the kind's email rendered with sample data.

Renders the tenant's current template of the kind (or the default), or a draft given with the
request (an extension: the editor previews before saving; a draft compiles and renders in the
same sandbox as a saved one). ``sampleData`` lays documented variables over the kind's
sample (422 on an unknown name or a wrong type); the organization is the caller's, with its
branding, unless the sample names one. A template that fails on this data answers 422 naming
the part and the line. Needs ``email_templates:write``: a preview is the editor's tool and
costs a render."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.email_templates.variables import conform, organization_variables
from ticketbase.application.ports.email_templates import EmailTemplates, RenderedEmail
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.email_templates.template import EmailKind, TemplateSource
from ticketbase.domain.identity.permissions import Permission


@dataclass(frozen=True, slots=True)
class PreviewCommand:
    kind: EmailKind
    sample_data: Mapping[str, object] | None = None
    draft: TemplateSource | None = None


class PreviewEmailTemplate:
    def __init__(self, uow: UnitOfWork, templates: EmailTemplates) -> None:
        self._uow, self._templates = uow, templates

    async def __call__(self, command: PreviewCommand, actor: Actor) -> RenderedEmail:
        organization_id = require(actor, Permission.EMAIL_TEMPLATES_WRITE)
        data = conform(command.kind, command.sample_data)
        async with self._uow.for_tenant(organization_id) as tx:
            override = await tx.email_templates.get(command.kind)
            organization = await tx.organizations.get()
        if command.sample_data is None or "organization" not in command.sample_data:
            data["organization"] = organization_variables(organization)
        source = command.draft
        if source is None:
            source = override.source if override else self._templates.default(command.kind)
        return await self._templates.render(source, data)
