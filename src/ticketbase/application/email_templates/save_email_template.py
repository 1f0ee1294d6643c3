"""``PUT /api/email-templates/{kind}``: an organization words one kind of email itself.

The template is checked before anything is written: it must compile in the sandbox (a syntax
error answers 422 naming the part and the line), load no other template, and render the kind's
sample data within the sandbox's limits. Optimistic concurrency is optional: ``If-Match`` or
``version`` names the version the editor saw (0 for the default), and a save over another one
answers 409. Audited with the new version (not the text: the row would grow with every save)."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.email_templates.audit import template_action
from ticketbase.application.email_templates.variables import sample_data
from ticketbase.application.email_templates.views import EmailTemplateView, view_of
from ticketbase.application.ports.email_templates import EmailTemplates
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.email_templates.template import (
    EmailKind,
    EmailTemplate,
    TemplateSource,
    check_version,
)
from ticketbase.domain.identity.permissions import Permission


@dataclass(frozen=True, slots=True)
class SaveEmailTemplateCommand:
    kind: EmailKind
    subject: str
    html: str
    text: str
    expected_version: int | None = None


class SaveEmailTemplate:
    def __init__(
        self, uow: UnitOfWork, templates: EmailTemplates, clock: Clock, ids: IdGenerator
    ) -> None:
        self._uow, self._templates, self._clock, self._ids = uow, templates, clock, ids

    async def __call__(self, command: SaveEmailTemplateCommand, actor: Actor) -> EmailTemplateView:
        organization_id = require(actor, Permission.EMAIL_TEMPLATES_WRITE)
        source = TemplateSource(command.subject, command.html, command.text)
        # Rendered in a worker thread, outside the transaction: nothing is held meanwhile.
        await self._templates.check(source, sample_data(command.kind))
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            template = await tx.email_templates.get(command.kind)
            if template is None:
                check_version(None, command.expected_version)
                template = EmailTemplate.first(command.kind, source, now=now, by=actor.user_id)
            else:
                template.revise(
                    source, now=now, by=actor.user_id, expected_version=command.expected_version
                )
            await tx.email_templates.save(template)
            await tx.audit.append(
                template_action(
                    actor,
                    "email_template.updated",
                    command.kind,
                    at=now,
                    entry_id=self._ids.new(),
                    changes={"version": template.version},
                )
            )
            await tx.commit()
        return view_of(command.kind, template, self._templates)
