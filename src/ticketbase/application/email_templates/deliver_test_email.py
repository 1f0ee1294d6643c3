"""The outbox handler of ``email_template.test``: render the kind through the organization's
template (as every email of the tenant is rendered) and send it to the staff member who asked.

Idempotent like the order confirmation: the sent-mail ledger is read first and written right
after the server's 250, and the email's ``Message-ID`` is derived from the outbox message id,
so a redelivery sends nothing or a copy receivers drop. The subject says ``[Test]``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import cast

from ticketbase.application.ports.email_templates import EmailTemplates, TemplateData
from ticketbase.application.ports.mailer import Mailer
from ticketbase.application.ports.outbox import ClaimedMessage
from ticketbase.application.ports.system import Clock
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.email_templates.template import EmailKind

log = logging.getLogger(__name__)


class DeliverTestEmail:
    def __init__(
        self,
        uow: UnitOfWork,
        mailer: Mailer,
        templates: EmailTemplates,
        clock: Clock,
        message_id_domain: str,
    ) -> None:
        self._uow, self._mailer, self._templates = uow, mailer, templates
        self._clock, self._domain = clock, message_id_domain

    async def __call__(self, message: ClaimedMessage) -> None:
        kind = EmailKind(str(message.payload["kind"]))
        to = str(message.payload["to"])
        data = message.payload.get("data")
        if not isinstance(data, Mapping):
            raise ValueError("an email_template.test message carries no data")
        async with self._uow.for_tenant(message.organization_id) as tx:
            if await tx.sent_mail.was_sent(message.id):
                log.info("test_email_already_sent message_id=%s", message.id)
                return
            rendered = await self._templates.render_for(tx, kind, cast(TemplateData, data))
        rendered = replace(rendered, subject=f"[Test] {rendered.subject}")
        await self._mailer.send(
            rendered.to(to, headers=(("Message-ID", f"<{message.id}@{self._domain}>"),))
        )
        async with self._uow.for_tenant(message.organization_id) as tx:
            await tx.sent_mail.record(message.id, self._clock.now())
            await tx.commit()
