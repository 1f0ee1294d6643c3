"""Email the buyer their paid order and tickets: the outbox handler of ``order.confirmation``.

The payment's transaction issues the tickets and writes the message (``{"orderId": …}``, the
organization being the message's); "resend confirmation" writes another one (a new id). The
worker delivers each at least once, so this handler makes a redelivery harmless twice over:

1. **The sent-mail ledger.** Right after the mail server's 250 the message id is recorded in a
   short transaction of its own (``tx.sent_mail``); a redelivery reads it first and sends
   nothing. This closes the common crash window: a worker killed between the 250 and the
   outbox's mark (a handler's whole run, then a mark in a transaction of its own).
2. **A stable ``Message-ID``.** The email's ``Message-ID`` is ``<{message id}@{domain of
   TICKETBASE_MAIL_FROM}>``: the same in every copy of one message. The window the ledger
   cannot close is the few milliseconds between the server's 250 and the ledger's commit (the
   process killed there, or the database gone): the next delivery sends again, and the copy
   carries the same ``Message-ID``, on which receiving systems drop duplicates. A resend is
   another message, hence another id: it is delivered, as asked.

The words are the organization's ``order_confirmation`` template (its override or the
default, through ``EmailTemplates.render_for`` in the read transaction); an override that fails
on this order's data falls back to the default rather than losing the email.

What is not sent: a message whose order is gone (its tenant was deleted) is dropped (there is
nothing to send, and retrying would only park it later), as is one whose order does not admit
(pending, cancelled, expired, refunded in full: the confirmation would show void tickets).

A refused delivery raises: a temporary failure (connection, timeout, 4xx) is retried by the
outbox with backoff. A permanent one (``MailDeliveryError.permanent``: the server refused the
recipient or content with a 5xx) cannot succeed later, but the delivery loop has no notion of a
permanent failure yet: it is retried like the others and parked after the policy's
``max_attempts`` (kept undelivered, its ``last_error`` naming the refusal)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from email.utils import parseaddr
from uuid import UUID

from ticketbase.application.orders.confirmation_email import TicketLinks, order_confirmation_data
from ticketbase.application.ports.email_templates import EmailTemplates
from ticketbase.application.ports.mailer import Mailer
from ticketbase.application.ports.outbox import ClaimedMessage
from ticketbase.application.ports.security import BuyerTokens
from ticketbase.application.ports.system import Clock
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.email_templates.template import EmailKind
from ticketbase.domain.orders.order import OrderStatus
from ticketbase.domain.shared.ids import OrderId

log = logging.getLogger(__name__)

# Orders whose tickets admit: a partial refund leaves them valid.
_ADMITTING = frozenset({OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED})
_DOMAIN = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def message_id_domain(mail_from: str) -> str:
    """The domain of the sender address (``TicketBase <no-reply@acme.example>`` →
    ``acme.example``), or ``ticketbase`` when it has none."""
    _, at, domain = parseaddr(mail_from)[1].rpartition("@")
    domain = domain.strip().lower()
    return domain if at and _DOMAIN.fullmatch(domain) else "ticketbase"


@dataclass(frozen=True, slots=True)
class ConfirmationPolicy:
    public_url: str
    """``TICKETBASE_PUBLIC_URL``: the base of the order and ticket links."""
    message_id_domain: str = "ticketbase"


class SendOrderConfirmation:
    def __init__(
        self,
        uow: UnitOfWork,
        mailer: Mailer,
        buyer_tokens: BuyerTokens,
        clock: Clock,
        policy: ConfirmationPolicy,
        templates: EmailTemplates,
    ) -> None:
        self._uow, self._mailer, self._tokens = uow, mailer, buyer_tokens
        self._clock, self._policy, self._templates = clock, policy, templates

    async def __call__(self, message: ClaimedMessage) -> None:
        order_id = _order_id(message)
        async with self._uow.for_tenant(message.organization_id) as tx:
            # Read only: leaving without a commit rolls back.
            if await tx.sent_mail.was_sent(message.id):
                log.info("order_confirmation_already_sent message_id=%s", message.id)
                return
            order = await tx.orders.get(order_id)
            if order is None:
                log.warning(
                    "order_confirmation_without_order order_id=%s message_id=%s",
                    order_id,
                    message.id,
                )
                return
            if order.status not in _ADMITTING:
                log.info(
                    "order_confirmation_not_sent order_id=%s status=%s", order.id, order.status
                )
                return
            event = await tx.events.get(order.event_id)
            tickets = await tx.attendees.of_order(order.id)
            if event is None:
                log.warning("order_confirmation_without_event order_id=%s", order.id)
                return
            if len(tickets) != order.ticket_count:
                # The payment issues every ticket in its transaction: a retry will not see
                # more, and an email without them is worse than none. Fail loudly (it parks).
                raise RuntimeError(
                    f"order {order.id} has {order.ticket_count} tickets but {len(tickets)} issued"
                )
            data = order_confirmation_data(
                order=order,
                event=event,
                tickets=tickets,
                links=TicketLinks(self._policy.public_url, self._tokens.for_order(order.id)),
            )
            # The organization's own wording (or the default), read in this transaction.
            rendered = await self._templates.render_for(tx, EmailKind.ORDER_CONFIRMATION, data)
        message_id = f"<{message.id}@{self._policy.message_id_domain}>"
        await self._mailer.send(
            rendered.to(order.buyer.email.value, headers=(("Message-ID", message_id),))
        )
        async with self._uow.for_tenant(message.organization_id) as tx:
            await tx.sent_mail.record(message.id, self._clock.now())
            await tx.commit()


def _order_id(message: ClaimedMessage) -> OrderId:
    raw = message.payload.get("orderId")
    try:
        return OrderId(UUID(str(raw)))
    except ValueError:
        raise ValueError(f"an order.confirmation message names no order: {raw!r}") from None
