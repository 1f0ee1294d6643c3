"""``DELETE /api/email-templates/{kind}``: back to the default (the override is deleted).

Answers the same whether there was an override or not (the result is the default either way);
only a removal is audited. ``If-Match`` may name the version the editor saw."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.email_templates.audit import template_action
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.email_templates.template import EmailKind, check_version
from ticketbase.domain.identity.permissions import Permission


class ResetEmailTemplate:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(
        self, kind: EmailKind, actor: Actor, expected_version: int | None = None
    ) -> None:
        organization_id = require(actor, Permission.EMAIL_TEMPLATES_WRITE)
        async with self._uow.for_tenant(organization_id) as tx:
            template = await tx.email_templates.get(kind)
            check_version(template, expected_version)
            if template is None or not await tx.email_templates.delete(kind):
                return
            await tx.audit.append(
                template_action(
                    actor,
                    "email_template.reset",
                    kind,
                    at=self._clock.now(),
                    entry_id=self._ids.new(),
                    changes={"version": template.version},
                )
            )
            await tx.commit()
