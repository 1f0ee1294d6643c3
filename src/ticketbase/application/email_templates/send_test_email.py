"""``POST /api/email-templates/{kind}/test``: the caller receives the kind's email, rendered
with sample data through the organization's current template, at their own address.

Only ever to the caller (a test-send is no way to mail anyone else). Like every email it leaves
through the outbox: the message (``email_template.test``: kind, recipient and the sample data)
is written with the audit row in one transaction and the worker renders and sends it
(``DeliverTestEmail``); the answer is 202 with the message id."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast
from uuid import UUID

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.email_templates.audit import template_action
from ticketbase.application.email_templates.variables import conform
from ticketbase.application.ports.audit import JsonValue
from ticketbase.application.ports.outbox import OutboxMessage
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.email_templates.template import EmailKind
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.errors import NotFound

TEST_EMAIL = "email_template.test"


@dataclass(frozen=True, slots=True)
class SendTestCommand:
    kind: EmailKind
    sample_data: Mapping[str, object] | None = None


@dataclass(frozen=True, slots=True)
class QueuedTestEmail:
    message_id: UUID
    to: str


class SendTestEmail:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: SendTestCommand, actor: Actor) -> QueuedTestEmail:
        organization_id = require(actor, Permission.EMAIL_TEMPLATES_WRITE)
        data = conform(command.kind, command.sample_data)
        if command.sample_data is None or "organization" not in command.sample_data:
            del data["organization"]  # the worker puts in the organization as it is then
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            user = await tx.users.get(actor.user_id)
            if user is None:
                raise NotFound("the caller's account no longer exists")
            message = OutboxMessage(
                id=self._ids.new(),
                topic=TEST_EMAIL,
                payload={
                    "kind": command.kind.value,
                    "to": user.email.value,
                    "data": cast(dict[str, JsonValue], data),
                },
                created_at=now,
            )
            await tx.outbox.add(message)
            await tx.audit.append(
                template_action(
                    actor,
                    "email_template.test_sent",
                    command.kind,
                    at=now,
                    entry_id=self._ids.new(),
                    changes={"messageId": str(message.id)},
                )
            )
            await tx.commit()
        return QueuedTestEmail(message.id, user.email.value)
