"""The named refusals of the events area.

State rules (the request is fine, the event's state forbids it) are ``Conflict`` (409); inputs
that break a rule are ``RuleViolated`` (422) naming the field as the client wrote it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ticketbase.domain.shared.errors import Conflict, DomainError, NotFound, RuleViolated


@contextmanager
def inputs_within(prefix: str) -> Iterator[None]:
    """Report a nested value's failure under its path in the request.

    A pricing tier names its own fields (``endsAt``); the code building the third tier of a
    request wraps it in ``inputs_within("tiers[2]")`` and the client reads ``tiers[2].endsAt``."""
    try:
        yield
    except DomainError as error:
        error.field = prefix if error.field is None else f"{prefix}.{error.field}"
        raise


class EventNotFound(NotFound):
    pass


class TicketTypeNotFound(NotFound):
    pass


class PromoCodeNotFound(NotFound):
    pass


class EventNotPublishable(Conflict):
    """A draft that lacks what a storefront needs: a visible ticket type, a future end."""

    code = "event_not_publishable"


class EventIsCancelled(Conflict):
    code = "event_cancelled"


class EventIsArchived(Conflict):
    code = "event_archived"


class EventNotArchivable(Conflict):
    """Only an event that is over, or cancelled, goes to the archive."""

    code = "event_not_archivable"


class EventSlugLocked(Conflict):
    """Links to a published event are out in the world: its slug no longer changes."""

    code = "event_slug_locked"


class CapacityBelowSold(Conflict):
    code = "capacity_below_sold"


class ScheduleExcludesTicketTypes(Conflict):
    """A new schedule would leave a ticket type selling outside the event's sales window."""

    code = "schedule_excludes_ticket_types"


class SalesWindowOutsideEvent(RuleViolated):
    """A ticket type's sales window reaches outside its event's."""

    code = "sales_window_outside_event"


class QuantityBelowSold(Conflict):
    code = "quantity_below_sold"


class TicketTypeHasSales(Conflict):
    code = "ticket_type_has_sales"


class MaxUsesBelowUses(Conflict):
    code = "max_uses_below_uses"


class PromoCodeUnusable(RuleViolated):
    """A code that cannot be redeemed now; reported on the order's ``promoCode`` field."""

    code = "promo_code_unusable"


class PromoCodeNotYetValid(PromoCodeUnusable):
    code = "promo_code_not_yet_valid"


class PromoCodeExpired(PromoCodeUnusable):
    code = "promo_code_expired"


class PromoCodeUsedUp(PromoCodeUnusable):
    code = "promo_code_used_up"
