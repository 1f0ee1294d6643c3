"""A hypothesis state machine over the box office: checkouts, payments (on time, late, twice),
the clock, the hold sweep, staff cancellations and full or partial refunds, interleaved at
random on the in-memory adapters (which keep the PostgreSQL adapters' rules, under one contract
test).

After every step the stored counters must equal what the orders say, and never exceed what
there is: ``sold + held <= quantity`` per ticket type and for the event's capacity, a promo
code's uses are its pending and paid orders, and every order's money adds up."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any, TypeVar
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from tests.unit.application.events.conftest import event_command, spec
from tests.unit.application.orders.test_checkout import BUYER_TOKENS
from tests.unit.application.orders.test_pay_order import SIGNER

from ticketbase.adapters.memory.system import FixedClock, SequentialIds
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.adapters.payments.offline import FreeGateway, ManualGateway
from ticketbase.application.context import Actor
from ticketbase.application.events.create_event import CreateEvent
from ticketbase.application.events.create_promo_code import (
    CreatePromoCode,
    CreatePromoCodeCommand,
)
from ticketbase.application.events.create_ticket_type import (
    CreateTicketType,
    CreateTicketTypeCommand,
)
from ticketbase.application.events.publish_event import PublishEvent, PublishEventCommand
from ticketbase.application.identity.create_organization import (
    CreateOrganization,
    CreateOrganizationCommand,
)
from ticketbase.application.orders.access import OrderAccess
from ticketbase.application.orders.cancel_order import CancelOrder, CancelOrderCommand
from ticketbase.application.orders.checkout import Checkout, CheckoutCommand
from ticketbase.application.orders.expire_holds import ExpireHolds, ExpiryPolicy
from ticketbase.application.orders.pay_order import PayCommand, PayOrder
from ticketbase.application.orders.record_payment import (
    PaymentGateways,
    ReceivedPayment,
    RecordPayment,
)
from ticketbase.application.orders.refund_order import RefundOrder, RefundOrderCommand
from ticketbase.application.ports.payments import PaymentProvider
from ticketbase.domain.events.promo_code import PercentOff, PromoCodeSpec
from ticketbase.domain.identity.permissions import Role, effective_permissions
from ticketbase.domain.orders.order import Order, OrderStatus
from ticketbase.domain.orders.quote import RequestedItem
from ticketbase.domain.shared.errors import DomainError
from ticketbase.domain.shared.ids import OrderId, SessionId, TicketTypeId, UserId
from ticketbase.domain.shared.values import Money
from ticketbase.domain.subscriptions.plan import PlanCatalog

T = TypeVar("T")
QUANTITIES = (4, 3)
CAPACITY = 6
MAX_USES = 2
ADMITTING_OR_SOLD = frozenset(
    {OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED}
)  # their tickets stay sold


class BoxOffice(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.uow = MemoryUnitOfWork()
        self.clock = FixedClock()
        self.ids = SequentialIds()
        organization = self.run(
            CreateOrganization(self.uow, self.clock, self.ids)(
                CreateOrganizationCommand(name="Acme", slug="acme")
            )
        )
        self.organization_id = organization.id
        self.owner = Actor(
            user_id=UserId(UUID(int=1)),
            session_id=SessionId(UUID(int=2)),
            organization_id=organization.id,
            role=Role.OWNER,
            permissions=effective_permissions(Role.OWNER, (), ()),
        )
        event = self.run(
            CreateEvent(self.uow, self.clock, self.ids)(
                event_command(capacity=CAPACITY), self.owner
            )
        )
        self.event_id = event.id
        create_type = CreateTicketType(self.uow, self.clock, self.ids)
        self.ticket_types: list[TicketTypeId] = []
        for n, quantity in enumerate(QUANTITIES):
            command = CreateTicketTypeCommand(event.id, spec(f"Type {n}", quantity=quantity))
            view = self.run(create_type(command, self.owner))
            self.ticket_types.append(view.ticket_type.id)
        code = self.run(
            CreatePromoCode(self.uow, self.clock, self.ids)(
                CreatePromoCodeCommand(
                    event.id, PromoCodeSpec("HALF", PercentOff(50), max_uses=MAX_USES)
                ),
                self.owner,
            )
        )
        self.promo_code_id = code.id
        self.run(
            PublishEvent(self.uow, self.clock, self.ids, PlanCatalog.unlimited())(
                PublishEventCommand(event.id), self.owner
            )
        )
        self.checkout = Checkout(self.uow, self.clock, self.ids, BUYER_TOKENS)
        self.record = RecordPayment(self.uow, self.clock, self.ids, SIGNER)
        gateways = PaymentGateways(
            {PaymentProvider.FREE: FreeGateway(), PaymentProvider.MANUAL: ManualGateway()}
        )
        self.pay = PayOrder(self.uow, self.clock, gateways, self.record)
        self.expire = ExpireHolds(self.uow, self.clock, self.ids, ExpiryPolicy(batch_size=100))
        self.cancel = CancelOrder(self.uow, self.clock, self.ids)
        self.refund = RefundOrder(self.uow, self.clock, self.ids)
        self.placed: list[OrderId] = []
        self.payments = 0

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.loop.close()

    # --- what may happen -----------------------------------------------------------------------

    @rule(
        type_index=st.integers(0, len(QUANTITIES) - 1),
        quantity=st.integers(1, 3),
        with_code=st.booleans(),
    )
    def buy(self, type_index: int, quantity: int, with_code: bool) -> None:
        command = CheckoutCommand(
            organization_id=self.organization_id,
            event_id=self.event_id,
            items=(RequestedItem(self.ticket_types[type_index], quantity),),
            buyer_full_name="Ada Lovelace",
            buyer_email="ada@example.com",
            promo_code="half" if with_code else None,
        )
        try:
            placed = self.run(self.checkout(command))
        except DomainError:
            return  # sold out, capacity, code used up: nothing was taken (checked below)
        self.placed.append(placed.order.id)

    @rule(data=st.data())
    def box_office_pays(self, data: st.DataObject) -> None:
        if not self.placed:
            return
        order_id = data.draw(st.sampled_from(self.placed))
        command = PayCommand(order_id, OrderAccess.staff(self.owner), PaymentProvider.MANUAL)
        order = self.order(order_id)
        if order.total.amount == 0:
            command = PayCommand(order_id, OrderAccess.staff(self.owner), PaymentProvider.FREE)
        try:
            self.run(self.pay(command))
        except DomainError:
            assert order.status is not OrderStatus.PENDING or order.hold_is_over(self.clock.now())

    @rule(data=st.data(), again=st.booleans())
    def a_card_payment_arrives(self, data: st.DataObject, again: bool) -> None:
        """The webhook, on time or late, sometimes a second, different payment."""
        if not self.placed:
            return
        order = self.order(data.draw(st.sampled_from(self.placed)))
        self.payments += 1
        reference = f"pi_{order.id.hex}" if not again else f"pi_other_{self.payments}"
        with contextlib.suppress(DomainError):
            self.run(
                self.record(
                    ReceivedPayment(
                        self.organization_id,
                        order.id,
                        PaymentProvider.MANUAL,
                        reference,
                        order.total,
                    )
                )
            )

    @rule(data=st.data())
    def staff_cancel(self, data: st.DataObject) -> None:
        if not self.placed:
            return
        order_id = data.draw(st.sampled_from(self.placed))
        with contextlib.suppress(DomainError):
            self.run(self.cancel(CancelOrderCommand(order_id), self.owner))

    @rule(data=st.data(), part=st.integers(0, 3))
    def staff_refund(self, data: st.DataObject, part: int) -> None:
        """``part`` 0: all that is left; otherwise that many quarters of what is left."""
        if not self.placed:
            return
        order = self.order(data.draw(st.sampled_from(self.placed)))
        amount = None
        if part and order.refundable.amount:
            amount = Money(max(1, order.refundable.amount * part // 4), order.currency)
        with contextlib.suppress(DomainError):
            self.run(self.refund(RefundOrderCommand(order.id, amount), self.owner))

    @rule(minutes=st.integers(1, 20))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    @rule()
    def the_worker_sweeps(self) -> None:
        self.run(self.expire())

    # --- what must always hold -----------------------------------------------------------------

    def order(self, order_id: OrderId) -> Order:
        stored = self.uow.database.state.orders[self.organization_id][order_id][0]
        return stored

    def orders(self) -> list[Order]:
        return [o for o, _ in self.uow.database.state.orders.get(self.organization_id, {}).values()]

    @invariant()
    def counters_match_the_orders_and_never_exceed_the_stock(self) -> None:
        state = self.uow.database.state
        orders = self.orders()
        event_sold = event_held = 0
        for ticket_type_id, quantity in zip(self.ticket_types, QUANTITIES, strict=True):
            stored = state.ticket_types[self.organization_id][ticket_type_id]
            sold = sum(
                line.quantity
                for o in orders
                if o.status in ADMITTING_OR_SOLD
                for line in o.lines
                if line.ticket_type_id == ticket_type_id
            )
            held = sum(
                line.quantity
                for o in orders
                if o.status is OrderStatus.PENDING
                for line in o.lines
                if line.ticket_type_id == ticket_type_id
            )
            assert (stored.sold, stored.held) == (sold, held)
            assert sold + held <= quantity
            event_sold, event_held = event_sold + sold, event_held + held
        assert event_sold + event_held <= CAPACITY
        code = state.promo_codes[self.organization_id][self.promo_code_id]
        using = [
            o
            for o in orders
            if o.promo_code_id == self.promo_code_id
            and (o.status is OrderStatus.PENDING or o.status in ADMITTING_OR_SOLD)
        ]
        assert code.uses == len(using) <= MAX_USES

    @invariant()
    def money_adds_up_and_paid_orders_have_their_tickets(self) -> None:
        attendees = self.uow.database.state.attendees.get(self.organization_id, {})
        for order in self.orders():
            totals = order.totals
            assert totals.total == totals.subtotal - totals.discount + totals.fees
            assert sum((line.total for line in order.lines), Money.zero(order.currency)) == (
                totals.subtotal - totals.discount
            )
            assert Money.zero(order.currency) <= order.refunded <= order.paid
            tickets = [a for a in attendees.values() if a.order_id == order.id]
            assert len(tickets) == (order.ticket_count if order.status.was_paid else 0)
        paid_messages = [
            m.payload["orderId"]
            for org, m in self.uow.database.state.outbox
            if org == self.organization_id and m.topic == "order.paid"
        ]
        assert len(paid_messages) == len(set(paid_messages))
        # Every cent refunded by staff leaves through a payment.refund command (and no more).
        refunded = {o.id: o.refunded.amount for o in self.orders()}
        commanded: dict[str, int] = {}
        for org, m in self.uow.database.state.outbox:
            if org == self.organization_id and m.topic == "order.refunded":
                amount = m.payload["amount"]
                assert isinstance(amount, dict)
                order_key = str(m.payload["orderId"])
                commanded[order_key] = commanded.get(order_key, 0) + int(str(amount["amount"]))
        for order_id, amount in refunded.items():
            assert commanded.get(str(order_id), 0) == amount


BoxOffice.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestBoxOffice = BoxOffice.TestCase
