"""The storefront's checkout: price a request at the clock's now, hold its tickets, number and
place a pending order, and hand the buyer the order's access token once.

The order number comes first, from the process's reserved block (``numbers.py``), outside the
transaction. Then one tenant transaction writes the order, its lines and its outbox message,
and only then holds the tickets with the inventory's conditional updates, right before the
commit: the rows every buyer of the event contends for (the ticket type, the event, the code)
are locked for two round trips, not for the whole checkout. A refusal leaves without
committing: nothing of the order stays (its number is skipped).

**Idempotency.** With an ``Idempotency-Key`` the key is claimed first, in the same transaction:
a replay with the same request gets the order it placed (with the same access token, derived
again from the order id: no token is ever stored, only its hash; the key is kept for
:data:`KEEP_KEYS`), another request under a used key is refused
(``IdempotencyKeyReused``), and a concurrent request with the key waits on the first one's
claim, then answers as a replay. A refused checkout stores nothing: its key stays free.

**Lapsed holds count as free.** When the hold is refused (``SoldOut``, ``EventSoldOut``,
``PromoCodeUsedUp``) the checkout tries once more in a new transaction that first expires the
event's pending orders past their hold (bounded, skipping locked ones; see
``expire_holds.free_lapsed_holds``), so a stopped worker never blocks sales. A checkout that
finds its tickets pays nothing for this.

**The plan's orders per month** are admitted first in the transaction, before any row the
other buyers contend for is locked, by the process's ``MonthlyOrderAllowance``
(subscriptions/limits.py): nothing to count far from the limit, an index count now and then,
a lock on the organization's subscription row only for its last orders of the month."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from ticketbase.application.identity.opaque_tokens import hash_opaque_token
from ticketbase.application.orders.announcements import order_created
from ticketbase.application.orders.expire_holds import free_lapsed_holds
from ticketbase.application.orders.numbers import OrderNumbers
from ticketbase.application.ports.orders import StoredAnswer
from ticketbase.application.ports.security import BuyerTokens
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import TenantTransaction, UnitOfWork
from ticketbase.application.subscriptions.limits import MonthlyOrderAllowance
from ticketbase.domain.events.errors import EventNotFound, PromoCodeUsedUp, inputs_within
from ticketbase.domain.events.event import EventStatus
from ticketbase.domain.events.promo_code import PromoCode, normalise_code
from ticketbase.domain.orders.buyer import Buyer, NamedAttendee
from ticketbase.domain.orders.errors import (
    EventSoldOut,
    OrderNotFound,
    SoldOut,
    UnknownPromoCode,
)
from ticketbase.domain.orders.order import DEFAULT_HOLD, Order, OrderNumber
from ticketbase.domain.orders.quote import RequestedItem, quote
from ticketbase.domain.shared.errors import Conflict, DomainError, RuleViolated
from ticketbase.domain.shared.ids import EventId, OrderId, OrganizationId, TicketTypeId

KEEP_KEYS = timedelta(hours=24)
KEY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
CREATED = 201


class IdempotencyKeyReused(RuleViolated):
    """The key answered another request: a client bug, never served the other answer."""

    code = "idempotency_key_reused"


@dataclass(frozen=True, slots=True)
class AttendeeInput:
    ticket_type_id: TicketTypeId
    full_name: str
    email: str


@dataclass(frozen=True, slots=True)
class CheckoutCommand:
    """``organization_id``: the storefront's tenant (from the Host or ``X-Organization``)."""

    organization_id: OrganizationId
    event_id: EventId
    items: tuple[RequestedItem, ...]
    buyer_full_name: str
    buyer_email: str
    attendees: tuple[AttendeeInput, ...] = ()
    promo_code: str | None = None
    idempotency_key: str | None = None

    def fingerprint(self) -> bytes:
        """What makes two requests the same request (the key itself aside)."""
        parts = [
            str(self.event_id),
            [[str(i.ticket_type_id), i.quantity] for i in self.items],
            self.buyer_full_name,
            self.buyer_email,
            [[str(a.ticket_type_id), a.full_name, a.email] for a in self.attendees],
            self.promo_code,
        ]
        return hashlib.sha256(json.dumps(parts).encode()).digest()


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    """The new order and the buyer's access token: shown once, only its hash is kept."""

    order: Order
    access_token: str


class Checkout:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        ids: IdGenerator,
        buyer_tokens: BuyerTokens,
        numbers: OrderNumbers | None = None,
        allowance: MonthlyOrderAllowance | None = None,
    ) -> None:
        """``numbers``: the process's (the container passes its one); tests may leave it.
        ``allowance``: the process's monthly order allowance (the container passes its one);
        without one, no monthly limit is applied."""
        self._uow, self._clock, self._ids = uow, clock, ids
        self._buyer_tokens = buyer_tokens
        self._numbers = numbers or OrderNumbers(uow, clock)
        self._allowance = allowance

    async def __call__(self, command: CheckoutCommand) -> PlacedOrder:
        with inputs_within("buyer"):
            buyer = Buyer.parse(full_name=command.buyer_full_name, email=command.buyer_email)
        attendees = tuple(_attendee(i, a) for i, a in enumerate(command.attendees))
        key = check_key(command.idempotency_key)
        now = self._clock.now()
        monthly_limit = (
            None
            if self._allowance is None
            else await self._allowance.limit_of(command.organization_id)
        )
        # Before the transaction: see numbers.py (a refused checkout leaves a gap).
        sequence = await self._numbers.next(command.organization_id)
        try:
            return await self._place(command, buyer, attendees, key, now, sequence, monthly_limit)
        except (SoldOut, EventSoldOut, PromoCodeUsedUp) as refused:
            # --- Hold expiry: lapsed holds count as free (expire_holds.free_lapsed_holds) ------
            # Once more in a new transaction that first expires the event's lapsed holds. Not in
            # the refused one: it may hold ticket type rows already, and giving back rows below
            # them could deadlock; a savepoint would tax every checkout, this only the refused.
            return await self._place(
                command, buyer, attendees, key, now, sequence, monthly_limit, refused
            )

    async def _place(
        self,
        command: CheckoutCommand,
        buyer: Buyer,
        attendees: tuple[NamedAttendee, ...],
        key: str | None,
        now: datetime,
        sequence: int,
        monthly_limit: int | None,
        refused: DomainError | None = None,
    ) -> PlacedOrder:
        async with self._uow.for_tenant(command.organization_id) as tx:
            if key is not None:
                answer = await tx.idempotency_keys.claim(
                    key, command.fingerprint(), now=now, keep=KEEP_KEYS
                )
                if answer is not None:
                    order = await _replay(tx, command, answer)
                    return PlacedOrder(order, self._buyer_tokens.for_order(order.id))
            if self._allowance is not None:
                await self._allowance.admit(tx, command.organization_id, monthly_limit, now)
            event = await tx.events.get(command.event_id)
            if event is None or event.status is not EventStatus.PUBLISHED:
                raise EventNotFound("no such event")
            if refused is not None:  # hold expiry: see above; before the quote reads the code
                await self._free_lapsed_holds(tx, event.id, command, now, refused)
            priced = quote(
                event,
                await tx.ticket_types.of_event(event.id),
                command.items,
                at=now,
                promo_code=await _promo_code(tx, event.id, command.promo_code),
            )
            order, created = Order.place(
                id=OrderId(self._ids.new()),
                organization_id=command.organization_id,
                event_id=event.id,
                number=OrderNumber.from_sequence(sequence),
                quote=priced,
                buyer=buyer,
                now=now,
                hold=DEFAULT_HOLD,
                attendees=attendees,
            )
            token = self._buyer_tokens.for_order(order.id)
            await tx.orders.add(order, hash_opaque_token(token))
            await tx.outbox.add(order_created(created, self._ids.new()))
            if key is not None:
                answer_body = {"orderId": str(order.id)}
                await tx.idempotency_keys.record(key, CREATED, answer_body)
            # The hold last: from its first UPDATE to the commit, the hot rows (the ticket
            # types, the event, the code) are locked, and every other buyer waits that long.
            await tx.inventory.hold(
                event.id,
                [(line.ticket_type_id, line.quantity) for line in priced.lines],
                priced.promo_code_id,
            )
            await tx.commit()
        return PlacedOrder(order, token)

    async def _free_lapsed_holds(
        self,
        tx: TenantTransaction,
        event_id: EventId,
        command: CheckoutCommand,
        now: datetime,
        refused: DomainError,
    ) -> None:
        code = await _promo_code(tx, event_id, command.promo_code)
        lines = [(item.ticket_type_id, item.quantity) for item in command.items]
        code_id = None if code is None else code.id
        await free_lapsed_holds(tx, event_id, now, self._ids, refused, lines, code_id)


def _attendee(index: int, given: AttendeeInput) -> NamedAttendee:
    with inputs_within(f"attendees[{index}]"):
        return NamedAttendee.parse(
            ticket_type_id=given.ticket_type_id, full_name=given.full_name, email=given.email
        )


async def _promo_code(
    tx: TenantTransaction, event_id: EventId, raw: str | None
) -> PromoCode | None:
    """The event's code of that name, case-insensitively; ``UnknownPromoCode`` when none."""
    if raw is None:
        return None
    code = normalise_code(raw, field="promoCode")
    for promo_code in await tx.promo_codes.of_event(event_id):
        if promo_code.code == code:
            return promo_code
    raise UnknownPromoCode("no such code for this event", field="promoCode")


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all("!" <= c <= "~" for c in key):
        raise RuleViolated(
            f"an idempotency key is 1-{MAX_KEY_LENGTH} visible ASCII characters", field=KEY_HEADER
        )
    return key


async def _replay(tx: TenantTransaction, command: CheckoutCommand, answer: StoredAnswer) -> Order:
    if answer.request_hash != command.fingerprint():
        raise IdempotencyKeyReused(
            "this idempotency key was used for another request", field=KEY_HEADER
        )
    if answer.status_code != CREATED or answer.body is None:
        raise Conflict("the request with this idempotency key has not finished")
    order = await tx.orders.get(OrderId(UUID(answer.body["orderId"])))
    if order is None:
        raise OrderNotFound("the order of this idempotency key is gone")
    return order
