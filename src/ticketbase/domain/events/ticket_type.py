"""Ticket types: what staff set (a :class:`TicketTypeSpec`) and what sales have done to it.

Rules of a spec on its own: a name of 1-200 characters; a price that is not negative; a
quantity of 1-10 000 000; ``1 <= min_per_order <= max_per_order <= 100`` and
``min_per_order <= quantity`` (else no order could buy one); a tax rate of 0-10 000 basis points
(prices include tax); at most 20 tiers, all in the price's currency; its own sales window
starting before it ends. Against its event (:meth:`TicketTypeSpec.check_fits`): the sales
window lies within the event's. Against its sales: the quantity never drops below
``sold + held``, and a ticket type with sales is not removed.

The event checks its own state before it lets a spec in (see :class:`~.event.Event`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ticketbase.domain.events.errors import (
    QuantityBelowSold,
    SalesWindowOutsideEvent,
    TicketTypeHasSales,
)
from ticketbase.domain.events.pricing import (
    MAX_QUANTITY,
    MAX_TAX_RATE,
    PricingTier,
    check_price,
    check_tiers,
    current_price,
)
from ticketbase.domain.events.schedule import SalesWindow, Schedule, optional_utc
from ticketbase.domain.shared.errors import RuleViolated, StaleVersion
from ticketbase.domain.shared.ids import EventId, TicketTypeId
from ticketbase.domain.shared.values import Money

MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 10_000
MAX_PER_ORDER = 100


@dataclass(frozen=True, slots=True)
class TicketTypeSpec:
    """Everything staff set on a ticket type; a ``PUT`` replaces it whole."""

    name: str
    price: Money
    quantity: int
    description: str = ""
    min_per_order: int = 1
    max_per_order: int = 10
    sales_start_at: datetime | None = None
    sales_end_at: datetime | None = None
    hidden: bool = False
    tax_rate: int = 0
    tiers: Sequence[PricingTier] = ()

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > MAX_NAME_LENGTH:
            raise RuleViolated(f"a name is 1-{MAX_NAME_LENGTH} characters", field="name")
        if len(self.description) > MAX_DESCRIPTION_LENGTH:
            raise RuleViolated(
                f"a description is at most {MAX_DESCRIPTION_LENGTH} characters",
                field="description",
            )
        check_price(self.price)
        if not 1 <= self.quantity <= MAX_QUANTITY:
            raise RuleViolated(f"a quantity is 1-{MAX_QUANTITY}", field="quantity")
        if not 1 <= self.min_per_order <= MAX_PER_ORDER:
            raise RuleViolated(f"at least 1-{MAX_PER_ORDER} per order", field="minPerOrder")
        if self.min_per_order > self.quantity:
            raise RuleViolated("the minimum per order exceeds the quantity", field="minPerOrder")
        if not self.min_per_order <= self.max_per_order <= MAX_PER_ORDER:
            raise RuleViolated(
                f"the maximum per order is between the minimum and {MAX_PER_ORDER}",
                field="maxPerOrder",
            )
        if not 0 <= self.tax_rate <= MAX_TAX_RATE:
            raise RuleViolated(f"a tax rate is 0-{MAX_TAX_RATE} basis points", field="taxRate")
        start = optional_utc(self.sales_start_at, field="salesStartAt")
        end = optional_utc(self.sales_end_at, field="salesEndAt")
        if start is not None and end is not None and start >= end:
            raise RuleViolated("sales start before they end", field="salesEndAt")
        object.__setattr__(self, "sales_start_at", start)
        object.__setattr__(self, "sales_end_at", end)
        object.__setattr__(self, "tiers", check_tiers(self.price, self.tiers))

    def sales_window_in(self, schedule: Schedule) -> SalesWindow:
        """The window it sells in: its own bounds, the event's where it sets none."""
        event = schedule.sales_window
        return SalesWindow(self.sales_start_at or event.start, self.sales_end_at or event.end)

    def check_fits(self, schedule: Schedule) -> None:
        """Its sales window lies within the event's and is not empty there."""
        event = schedule.sales_window
        start, end = self.sales_start_at, self.sales_end_at
        if start is not None and (
            (event.start is not None and start < event.start)
            or (event.end is not None and start >= event.end)
        ):
            raise SalesWindowOutsideEvent(
                "ticket sales start within the event's sales window", field="salesStartAt"
            )
        if end is not None and (
            (event.end is not None and end > event.end)
            or (event.start is not None and end <= event.start)
        ):
            raise SalesWindowOutsideEvent(
                "ticket sales end within the event's sales window", field="salesEndAt"
            )


@dataclass(slots=True)
class TicketType:
    """A ticket type of one event. ``sold`` and ``held`` are kept by storage with conditional
    updates (never read-modify-write); the domain reads them to price and to refuse cuts."""

    id: TicketTypeId
    event_id: EventId
    spec: TicketTypeSpec
    created_at: datetime
    updated_at: datetime
    sold: int = 0
    held: int = 0
    version: int = 1

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def price(self) -> Money:
        return self.spec.price

    @property
    def quantity(self) -> int:
        return self.spec.quantity

    @property
    def hidden(self) -> bool:
        return self.spec.hidden

    @property
    def taken(self) -> int:
        """Tickets that count against the quantity and the tier caps: sold plus held."""
        return self.sold + self.held

    def current_price(self, at: datetime) -> Money:
        return current_price(self.spec.price, self.spec.tiers, at=at, taken=self.taken)

    def revise(
        self, spec: TicketTypeSpec, *, now: datetime, expected_version: int | None = None
    ) -> bool:
        """Replace the spec; ``False`` when it is the same. Use
        :meth:`~.event.Event.revise_ticket_type`, which checks the event first."""
        if expected_version is not None and expected_version != self.version:
            raise StaleVersion(
                f"the ticket type is at version {self.version}, not {expected_version}"
            )
        if spec == self.spec:
            return False
        if spec.quantity < self.taken:
            raise QuantityBelowSold(
                f"{self.taken} tickets are sold or held: the quantity cannot go below that",
                field="quantity",
            )
        self.spec = spec
        self.version += 1
        self.updated_at = now
        return True

    def check_removable(self) -> None:
        if self.taken:
            raise TicketTypeHasSales(
                "tickets of this type are sold or held: hide it instead of deleting it"
            )
