"""Turn database constraint violations into domain errors, by constraint name."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from ticketbase.domain.events.errors import (
    CapacityBelowSold,
    MaxUsesBelowUses,
    QuantityBelowSold,
    TicketTypeHasSales,
)
from ticketbase.domain.shared.errors import Conflict, DomainError

_BY_CONSTRAINT: dict[str, tuple[str, str]] = {
    "uq_organizations_slug": ("organizationSlug", "this slug is already taken"),
    "uq_organization_domains_domain": (
        "customDomains",
        "a custom domain is already used by another organization",
    ),
    "uq_users_email": ("email", "an account with this email already exists"),
    # Safety nets behind the checks made under the department tree lock.
    "fk_departments_parent": (
        "parentId",
        "the department tree changed: a parent is gone or a department still has children",
    ),
    "fk_memberships_department": (
        "departmentId",
        "the department is gone, or still has members",
    ),
    "uq_events_slug": ("slug", "another event of this organization has this slug"),
    "uq_promo_codes_code": ("code", "this event already has this code"),
    "uq_pages_slug": ("slug", "another page of this organization has this slug"),
}

# Checks the domain makes on what it read, which only a sale or a redemption landing before the
# write can break: the same refusal as when the domain sees it.
_RACES: dict[str, Callable[[], DomainError]] = {
    "ck_events_capacity": lambda: CapacityBelowSold(
        "tickets were sold meanwhile: the capacity cannot go below those sold or held",
        field="capacity",
    ),
    "ck_ticket_types_inventory": lambda: QuantityBelowSold(
        "tickets were sold meanwhile: the quantity cannot go below those sold or held",
        field="quantity",
    ),
    "ck_promo_codes_uses": lambda: MaxUsesBelowUses(
        "the code was used meanwhile: the maximum cannot go below its uses", field="maxUses"
    ),
    # Not a race: an order's lines keep their ticket type, even once nothing is held or sold.
    "fk_order_items_ticket_type": lambda: TicketTypeHasSales(
        "orders name this ticket type: hide it instead of deleting it"
    ),
}


def constraint_name(error: IntegrityError) -> str | None:
    cause = getattr(error.orig, "__cause__", None)
    name = getattr(cause, "constraint_name", None)
    return name if isinstance(name, str) else None


def as_domain_error(error: IntegrityError) -> DomainError | None:
    name = constraint_name(error) or ""
    race = _RACES.get(name)
    if race is not None:
        return race()
    known = _BY_CONSTRAINT.get(name)
    if known is None:
        return None
    field, detail = known
    return Conflict(detail, field=field)
