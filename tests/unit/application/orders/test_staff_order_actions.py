"""Staff on orders, on the in-memory adapters: the filtered list, cancel, refund (the outbox's
``payment.refund`` command and its worker handler) and resending the confirmation — who may,
what each changes (stock, outbox, audit) and what another tenant's id gets (404)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

import pytest
from tests.unit.application.events.conftest import EventsKit, MakeMember
from tests.unit.application.orders.test_checkout import BUYER_TOKENS, command, on_sale

from ticketbase.adapters.payments.offline import ManualGateway
from ticketbase.adapters.security.ticket_codes import (
    Ed25519TicketSigner,
    TicketSigningKeys,
    generate_private_key,
)
from ticketbase.application.context import Actor
from ticketbase.application.orders.cancel_order import CancelOrder, CancelOrderCommand
from ticketbase.application.orders.checkout import Checkout
from ticketbase.application.orders.list_orders import ListOrders
from ticketbase.application.orders.record_payment import (
    PaymentGateways,
    ReceivedPayment,
    RecordPayment,
)
from ticketbase.application.orders.refund_order import RefundOrder, RefundOrderCommand
from ticketbase.application.orders.refund_payment import RefundPayment
from ticketbase.application.orders.resend_confirmation import (
    OrderNotConfirmable,
    ResendConfirmation,
)
from ticketbase.application.pagination import PageRequest
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.orders import OrderFilter
from ticketbase.application.ports.outbox import ClaimedMessage, OutboxMessage
from ticketbase.application.ports.payments import (
    ChargeRequest,
    ChargeResult,
    PaymentGatewayError,
    PaymentNotice,
    PaymentProvider,
)
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.orders.errors import (
    OrderNotCancellable,
    OrderNotFound,
    OrderNotRefundable,
    RefundExceedsPaid,
)
from ticketbase.domain.orders.order import Order, OrderStatus
from ticketbase.domain.shared.errors import PermissionDenied, StaleVersion
from ticketbase.domain.shared.ids import EventId, OrderId, TicketTypeId
from ticketbase.domain.shared.values import Money

pytestmark = pytest.mark.anyio
SIGNER = Ed25519TicketSigner(TicketSigningKeys.parse([generate_private_key()]))


@dataclass
class RecordingCard:
    """A card provider that records the refunds asked of it, or fails them when told."""

    refunds: list[tuple[str, Money, str]] = field(default_factory=list)
    failure: PaymentGatewayError | None = None

    @property
    def provider(self) -> PaymentProvider:
        return PaymentProvider.STRIPE

    async def charge(self, request: ChargeRequest) -> ChargeResult:
        raise AssertionError("not charged here")

    async def refund(self, reference: str, amount: Money, idempotency_key: str) -> str:
        if self.failure is not None:
            raise self.failure
        self.refunds.append((reference, amount, idempotency_key))
        return f"re_{len(self.refunds)}"

    def parse_webhook(
        self, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> PaymentNotice:
        raise AssertionError("not used here")


@dataclass
class Staff:
    kit: EventsKit
    organization: Organization
    owner: Actor
    event_id: EventId
    ticket_type_id: TicketTypeId

    async def place(self, quantity: int = 2, email: str = "ada@example.com") -> Order:
        checkout = Checkout(self.kit.uow, self.kit.clock, self.kit.ids, BUYER_TOKENS)
        placed = await checkout(
            command(
                self.organization,
                self.event_id,
                self.ticket_type_id,
                quantity,
                buyer_email=email,
            )
        )
        return placed.order

    async def paid(
        self, quantity: int = 2, provider: PaymentProvider = PaymentProvider.STRIPE
    ) -> Order:
        order = await self.place(quantity)
        record = RecordPayment(self.kit.uow, self.kit.clock, self.kit.ids, SIGNER)
        recorded = await record(
            ReceivedPayment(
                organization_id=self.organization.id,
                order_id=order.id,
                provider=provider,
                reference=f"pi_{order.id.hex[-8:]}",
                amount=order.total,
            )
        )
        return recorded.order

    def counts(self) -> tuple[int, int]:
        stored = self.kit.stored_ticket_type(self.organization.id, self.ticket_type_id)
        return stored.sold, stored.held

    def messages(self, topic: str) -> list[OutboxMessage]:
        return [m for m in self.kit.outbox(self.organization.id) if m.topic == topic]

    def audit(self, action: str) -> list[AuditEntry]:
        return [
            e
            for org, e in self.kit.uow.database.state.audit
            if org == self.organization.id and e.action == action
        ]

    def member(self, make_member: MakeMember, role: Role) -> Actor:
        return make_member(self.organization.id, role)


@pytest.fixture
async def staff(kit: EventsKit, owner: Actor, acme: Organization) -> Staff:
    event, ticket_type_id = await on_sale(kit, owner, quantity=20)
    return Staff(kit, acme, owner, event.id, ticket_type_id)


def cancel(kit: EventsKit) -> CancelOrder:
    return CancelOrder(kit.uow, kit.clock, kit.ids)


def refund(kit: EventsKit) -> RefundOrder:
    return RefundOrder(kit.uow, kit.clock, kit.ids)


def eur(amount: int) -> Money:
    return Money(amount, "EUR")


def claimed(message: OutboxMessage, organization: Organization) -> ClaimedMessage:
    return ClaimedMessage(
        organization.id, message.id, message.topic, message.payload, message.created_at, 1
    )


# --- list -----------------------------------------------------------------------------------------


async def test_staff_with_orders_read_list_their_tenants_orders_filtered_newest_first(
    staff: Staff, make_member: MakeMember, rival: Actor
) -> None:
    kit = staff.kit
    first = await staff.place(email="Grace@Example.org")
    kit.clock.advance(minutes=1)
    second = await staff.paid()
    kit.clock.advance(minutes=1)
    third = await staff.place(email="grace@example.org")
    list_orders = ListOrders(kit.uow)
    analyst = staff.member(make_member, Role.ANALYST)
    everything = await list_orders(OrderFilter(), PageRequest(), analyst)
    assert [o.id for o in everything.items] == [third.id, second.id, first.id]
    assert everything.items[1].lines == second.lines
    by_email = await list_orders(
        OrderFilter(buyer_email="grace@example.org"), PageRequest(), analyst
    )
    assert [o.id for o in by_email.items] == [third.id, first.id]
    paid = await list_orders(OrderFilter(status=OrderStatus.PAID), PageRequest(), analyst)
    assert [o.id for o in paid.items] == [second.id]
    window = OrderFilter(created_from=second.created_at, created_before=third.created_at)
    assert [o.id for o in (await list_orders(window, PageRequest(), analyst)).items] == [second.id]
    page = await list_orders(OrderFilter(), PageRequest(limit=2), analyst)
    assert [o.id for o in page.items] == [third.id, second.id]
    rest = await list_orders(OrderFilter(), PageRequest(limit=2, after=page.next_after), analyst)
    assert ([o.id for o in rest.items], rest.next_after) == ([first.id], None)
    # Another tenant's staff see none of them; a member without orders:read nothing at all.
    assert (await list_orders(OrderFilter(), PageRequest(), rival)).items == []
    revoked = make_member(staff.organization.id, Role.ANALYST, revokes=[Permission.ORDERS_READ])
    with pytest.raises(PermissionDenied):
        await list_orders(OrderFilter(), PageRequest(), revoked)


# --- cancel ---------------------------------------------------------------------------------------


async def test_cancelling_a_pending_order_gives_its_tickets_back_announces_and_audits_once(
    staff: Staff, make_member: MakeMember
) -> None:
    order = await staff.place(3)
    assert staff.counts() == (0, 3)
    support = staff.member(make_member, Role.SUPPORT)
    cancelled = await cancel(staff.kit)(CancelOrderCommand(order.id, order.version), support)
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.version == order.version + 1
    assert staff.counts() == (0, 0)
    assert [m.payload["orderId"] for m in staff.messages("order.cancelled")] == [str(order.id)]
    (entry,) = staff.audit("order.cancelled")
    assert (entry.actor_id, entry.target_id) == (support.user_id, str(order.id))
    # Again: answered as it is, nothing released twice, nothing more announced or audited.
    again = await cancel(staff.kit)(CancelOrderCommand(order.id), support)
    assert again == cancelled
    assert staff.counts() == (0, 0)
    assert len(staff.messages("order.cancelled")) == len(staff.audit("order.cancelled")) == 1


async def test_a_paid_order_is_not_cancelled_and_a_stale_version_changes_nothing(
    staff: Staff,
) -> None:
    paid = await staff.paid()
    with pytest.raises(OrderNotCancellable):
        await cancel(staff.kit)(CancelOrderCommand(paid.id), staff.owner)
    pending = await staff.place()
    with pytest.raises(StaleVersion):
        await cancel(staff.kit)(CancelOrderCommand(pending.id, pending.version + 1), staff.owner)
    assert staff.counts() == (2, 2)
    assert staff.messages("order.cancelled") == []


async def test_cancel_needs_orders_manage_and_another_tenants_order_is_not_found(
    staff: Staff, make_member: MakeMember, rival: Actor
) -> None:
    order = await staff.place()
    with pytest.raises(PermissionDenied):
        await cancel(staff.kit)(
            CancelOrderCommand(order.id), staff.member(make_member, Role.ANALYST)
        )
    with pytest.raises(OrderNotFound):
        await cancel(staff.kit)(CancelOrderCommand(order.id), rival)
    with pytest.raises(OrderNotFound):
        await cancel(staff.kit)(CancelOrderCommand(OrderId(UUID(int=7))), staff.owner)
    assert staff.counts() == (0, 2)


# --- refund ---------------------------------------------------------------------------------------


async def test_a_partial_then_the_rest_refunds_announce_command_the_gateway_and_free_the_stock(
    staff: Staff, make_member: MakeMember
) -> None:
    order = await staff.paid(3)  # 3 x 25.00 EUR
    support = staff.member(make_member, Role.SUPPORT)
    part = await refund(staff.kit)(RefundOrderCommand(order.id, eur(1000)), support)
    assert part.order.status is OrderStatus.PARTIALLY_REFUNDED
    assert part.order.refunded == eur(1000)
    assert len(part.attendees) == 3
    assert staff.counts() == (3, 0)  # a partial refund leaves the tickets valid
    rest = await refund(staff.kit)(RefundOrderCommand(order.id), support)
    assert rest.order.status is OrderStatus.REFUNDED
    assert rest.order.refunded == eur(7500)
    assert staff.counts() == (0, 0)
    commands = staff.messages("payment.refund")
    assert [(c.payload["provider"], c.payload["reference"]) for c in commands] == [
        ("stripe", order.payment_reference)
    ] * 2
    assert [c.payload["amount"] for c in commands] == [
        {"amount": 1000, "currency": "EUR"},
        {"amount": 6500, "currency": "EUR"},
    ]
    assert len({c.payload["idempotencyKey"] for c in commands}) == 2
    announced = staff.messages("order.refunded")
    assert [(m.payload["full"], m.payload["refunded"]) for m in announced] == [
        (False, {"amount": 1000, "currency": "EUR"}),
        (True, {"amount": 7500, "currency": "EUR"}),
    ]
    assert len(staff.audit("order.refunded")) == 2
    # A full refund of a refunded order answers it unchanged and commands nothing more.
    again = await refund(staff.kit)(RefundOrderCommand(order.id), support)
    assert again.order == rest.order
    assert len(staff.messages("payment.refund")) == 2
    assert staff.counts() == (0, 0)


async def test_refund_refusals_change_nothing(staff: Staff, make_member: MakeMember) -> None:
    pending = await staff.place()
    with pytest.raises(OrderNotRefundable):
        await refund(staff.kit)(RefundOrderCommand(pending.id), staff.owner)
    paid = await staff.paid()
    with pytest.raises(RefundExceedsPaid) as too_much:
        await refund(staff.kit)(RefundOrderCommand(paid.id, eur(5001)), staff.owner)
    assert too_much.value.field == "amount"
    with pytest.raises(StaleVersion):
        await refund(staff.kit)(
            RefundOrderCommand(paid.id, eur(100), paid.version - 1), staff.owner
        )
    with pytest.raises(PermissionDenied):
        await refund(staff.kit)(
            RefundOrderCommand(paid.id), staff.member(make_member, Role.ANALYST)
        )
    assert staff.messages("payment.refund") == staff.messages("order.refunded") == []
    assert staff.counts() == (2, 2)


async def test_another_tenant_cannot_refund_an_order(staff: Staff, rival: Actor) -> None:
    paid = await staff.paid()
    with pytest.raises(OrderNotFound):
        await refund(staff.kit)(RefundOrderCommand(paid.id), rival)
    assert staff.messages("payment.refund") == []


async def test_the_worker_refunds_through_the_gateway_that_took_the_payment(
    staff: Staff,
) -> None:
    paid = await staff.paid()
    await refund(staff.kit)(RefundOrderCommand(paid.id, eur(1500)), staff.owner)
    (message,) = staff.messages("payment.refund")
    card = RecordingCard()
    handler = RefundPayment(PaymentGateways({PaymentProvider.STRIPE: card}))
    await handler(claimed(message, staff.organization))
    assert card.refunds == [(paid.payment_reference, eur(1500), str(message.id))]
    # A gateway failure raises (the outbox retries); a provider no longer set up too.
    card.failure = PaymentGatewayError("Stripe did not answer in time")
    with pytest.raises(PaymentGatewayError):
        await handler(claimed(message, staff.organization))
    manual_only = RefundPayment(PaymentGateways({PaymentProvider.MANUAL: ManualGateway()}))
    with pytest.raises(RuntimeError, match="stripe payment provider is not configured"):
        await manual_only(claimed(message, staff.organization))
    broken = OutboxMessage(message.id, message.topic, {"provider": "stripe"}, message.created_at)
    with pytest.raises(ValueError, match="reference"):
        await handler(claimed(broken, staff.organization))


# --- resend confirmation --------------------------------------------------------------------------


async def test_a_confirmation_is_queued_again_for_an_admitting_order_only(
    staff: Staff, make_member: MakeMember, rival: Actor
) -> None:
    resend = ResendConfirmation(staff.kit.uow, staff.kit.clock, staff.kit.ids)
    paid = await staff.paid()
    support = staff.member(make_member, Role.SUPPORT)
    queued = await resend(paid.id, support)
    confirmations = staff.messages("order.confirmation")
    assert len(confirmations) == 2  # the payment's and this one
    assert confirmations[-1].id == queued.message_id != confirmations[0].id
    assert confirmations[-1].payload == {"orderId": str(paid.id)}
    (entry,) = staff.audit("order.confirmation_resent")
    assert entry.actor_id == support.user_id
    await refund(staff.kit)(RefundOrderCommand(paid.id, eur(100)), staff.owner)
    await resend(paid.id, support)  # partially refunded: the tickets still admit
    pending = await staff.place()
    await refund(staff.kit)(RefundOrderCommand(paid.id), staff.owner)
    for order_id in (pending.id, paid.id):
        with pytest.raises(OrderNotConfirmable):
            await resend(order_id, support)
    with pytest.raises(PermissionDenied):
        await resend(paid.id, staff.member(make_member, Role.ANALYST))
    with pytest.raises(OrderNotFound):
        await resend(paid.id, rival)
    assert len(staff.messages("order.confirmation")) == 3


async def test_a_box_office_refund_goes_back_through_the_box_office(staff: Staff) -> None:
    paid = await staff.paid(1, PaymentProvider.MANUAL)
    await refund(staff.kit)(RefundOrderCommand(paid.id), staff.owner)
    (message,) = staff.messages("payment.refund")
    assert message.payload["provider"] == "manual"
    handler = RefundPayment(PaymentGateways({PaymentProvider.MANUAL: ManualGateway()}))
    await handler(claimed(message, staff.organization))
    assert staff.counts() == (0, 0)


async def test_a_free_order_is_refunded_without_asking_any_gateway(
    kit: EventsKit, owner: Actor, acme: Organization
) -> None:
    event, ticket_type_id = await on_sale(kit, owner, price=Money(0, "EUR"))
    staff = Staff(kit, acme, owner, event.id, ticket_type_id)
    paid = await staff.paid(2, PaymentProvider.FREE)
    assert paid.total == eur(0)
    refunded = await refund(kit)(RefundOrderCommand(paid.id), owner)
    assert refunded.order.status is OrderStatus.REFUNDED
    assert staff.counts() == (0, 0)
    assert staff.messages("payment.refund") == []
    assert len(staff.messages("order.refunded")) == 1
