"""The Event aggregate: what, where and when, its status, and the door to its ticket types.

Status: ``draft → published → cancelled | archived``, plus ``draft → cancelled`` (a plan
dropped) and ``draft → archived`` (once over). Rules, each refused with a named error:

- publishing needs at least one visible (not hidden) ticket type and an event not yet over
  (``EventNotPublishable``); a cancelled or archived event is never published
  (``EventIsCancelled``, ``EventIsArchived``);
- an event is archived only once over or when cancelled (``EventNotArchivable``);
- an archived event changes no more (``EventIsArchived``); a cancelled one keeps its times
  (``EventIsCancelled``), and neither takes ticket type changes;
- the slug is derived from the name when none is given, and is stable once the event has been
  published (``EventSlugLocked``); its uniqueness per organization is storage's to enforce;
- a new schedule must keep every ticket type's sales window inside the event's
  (``ScheduleExcludesTicketTypes``), a new capacity at least the tickets sold and held
  (``CapacityBelowSold``).

Asking for the state it is already in (publish a published event, archive an archived one, an
update that changes nothing) changes nothing, bumps no version and announces nothing."""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from ticketbase.domain.events.domain_events import EventCancelled, EventPublished
from ticketbase.domain.events.errors import (
    CapacityBelowSold,
    EventIsArchived,
    EventIsCancelled,
    EventNotArchivable,
    EventNotPublishable,
    EventSlugLocked,
    SalesWindowOutsideEvent,
    ScheduleExcludesTicketTypes,
    TicketTypeNotFound,
)
from ticketbase.domain.events.metadata import JsonObject, parse_metadata
from ticketbase.domain.events.pricing import MAX_QUANTITY
from ticketbase.domain.events.schedule import Schedule
from ticketbase.domain.events.ticket_type import TicketType, TicketTypeSpec
from ticketbase.domain.events.venue import Venue
from ticketbase.domain.shared.errors import RuleViolated, StaleVersion
from ticketbase.domain.shared.ids import EventId, OrganizationId, TicketTypeId
from ticketbase.domain.shared.values import CurrencyMismatch, Slug

MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 20_000
MAX_CAPACITY = MAX_QUANTITY
_SLUG_LENGTH = 64
# Letters NFKD does not decompose into ASCII, spelled the way people write them without accents.
_TRANSLITERATION = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l",
     "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH"}
)  # fmt: skip


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    ARCHIVED = "archived"


class Keep(enum.Enum):
    """An update argument the caller did not send: that part stays as it is (``None`` cannot
    say so, since it clears an optional part such as the capacity)."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP


def derive_slug(name: str) -> Slug:
    """A slug from a name: accents dropped, every run of other characters one hyphen, at most
    64 characters; ``event`` when nothing is left (a name in another script)."""
    ascii_text = (
        unicodedata.normalize("NFKD", name.translate(_TRANSLITERATION))
        .encode("ascii", "ignore")
        .decode()
    )
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return Slug("-".join(words)[:_SLUG_LENGTH].strip("-") or "event")


def check_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not 1 <= len(cleaned) <= MAX_NAME_LENGTH:
        raise RuleViolated(f"a name is 1-{MAX_NAME_LENGTH} characters", field="name")
    return cleaned


def check_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise RuleViolated(
            f"a description is at most {MAX_DESCRIPTION_LENGTH} characters", field="description"
        )
    return description


def check_capacity(capacity: int | None) -> int | None:
    if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
        raise RuleViolated(f"a capacity is 1-{MAX_CAPACITY}", field="capacity")
    return capacity


@dataclass(slots=True)
class Event:
    id: EventId
    organization_id: OrganizationId
    name: str
    slug: Slug
    description: str
    venue: Venue
    schedule: Schedule
    created_at: datetime
    updated_at: datetime
    capacity: int | None = None
    metadata: JsonObject = field(default_factory=dict)
    status: EventStatus = EventStatus.DRAFT
    published_at: datetime | None = None
    cancelled_at: datetime | None = None
    archived_at: datetime | None = None
    version: int = 1

    @classmethod
    def create(
        cls,
        *,
        id: EventId,
        organization_id: OrganizationId,
        name: str,
        description: str,
        venue: Venue,
        schedule: Schedule,
        now: datetime,
        slug: Slug | None = None,
        capacity: int | None = None,
        metadata: object = None,
    ) -> Event:
        """A draft; ``metadata`` is any decoded JSON, checked by :func:`parse_metadata`."""
        cleaned = check_name(name)
        return cls(
            id=id,
            organization_id=organization_id,
            name=cleaned,
            slug=derive_slug(cleaned) if slug is None else slug,
            description=check_description(description),
            venue=venue,
            schedule=schedule,
            created_at=now,
            updated_at=now,
            capacity=check_capacity(capacity),
            metadata=parse_metadata({} if metadata is None else metadata),
        )

    # --- reading -------------------------------------------------------------------------------

    @property
    def starts_at(self) -> datetime:
        return self.schedule.starts_at

    @property
    def ends_at(self) -> datetime:
        return self.schedule.ends_at

    @property
    def timezone(self) -> str:
        return self.schedule.timezone

    @property
    def sales_start_at(self) -> datetime | None:
        return self.schedule.sales_start_at

    @property
    def sales_end_at(self) -> datetime | None:
        return self.schedule.sales_end_at

    def is_on_sale(self, at: datetime) -> bool:
        return self.status is EventStatus.PUBLISHED and self.schedule.sales_window.is_open_at(at)

    def sells(self, ticket_type: TicketType, at: datetime) -> bool:
        """Is this (own) ticket type on sale at ``at``, by the event's and its own window?"""
        return (
            ticket_type.event_id == self.id
            and self.status is EventStatus.PUBLISHED
            and ticket_type.spec.sales_window_in(self.schedule).is_open_at(at)
        )

    # --- changing ------------------------------------------------------------------------------

    def update(
        self,
        *,
        now: datetime,
        ticket_types: Iterable[TicketType],
        expected_version: int | None = None,
        name: str | Keep = KEEP,
        slug: Slug | Keep = KEEP,
        description: str | Keep = KEEP,
        venue: Venue | Keep = KEEP,
        schedule: Schedule | Keep = KEEP,
        capacity: int | Keep | None = KEEP,
        metadata: object = KEEP,
    ) -> bool:
        """Apply a partial update; ``False`` when nothing changes. ``ticket_types`` are all of
        the event's, against which a new schedule or capacity is checked. Everything is
        checked before anything changes."""
        self._check_version(expected_version)
        new_name = self.name if isinstance(name, Keep) else check_name(name)
        new_slug = self.slug if isinstance(slug, Keep) else slug
        new_description = (
            self.description if isinstance(description, Keep) else check_description(description)
        )
        new_venue = self.venue if isinstance(venue, Keep) else venue
        new_schedule = self.schedule if isinstance(schedule, Keep) else schedule
        new_capacity = self.capacity if isinstance(capacity, Keep) else check_capacity(capacity)
        new_metadata = self.metadata if isinstance(metadata, Keep) else parse_metadata(metadata)
        after = (
            new_name,
            new_slug,
            new_description,
            new_venue,
            new_schedule,
            new_capacity,
            new_metadata,
        )
        before = (
            self.name,
            self.slug,
            self.description,
            self.venue,
            self.schedule,
            self.capacity,
            self.metadata,
        )
        if after == before:
            return False
        if self.status is EventStatus.ARCHIVED:
            raise EventIsArchived("an archived event no longer changes")
        if new_schedule != self.schedule and self.status is EventStatus.CANCELLED:
            raise EventIsCancelled("a cancelled event keeps its times")
        if new_slug != self.slug and self.published_at is not None:
            raise EventSlugLocked("the slug of a published event stays as it is", field="slug")
        own = self._own(ticket_types)
        if new_schedule != self.schedule:
            self._check_ticket_types_fit(new_schedule, own)
        if new_capacity is not None and new_capacity != self.capacity:
            taken = sum(t.taken for t in own)
            if new_capacity < taken:
                raise CapacityBelowSold(
                    f"{taken} tickets are sold or held: the capacity cannot go below that",
                    field="capacity",
                )
        self.name = new_name
        self.slug = new_slug
        self.description = new_description
        self.venue = new_venue
        self.schedule = new_schedule
        self.capacity = new_capacity
        self.metadata = new_metadata
        self._touch(now)
        return True

    def publish(
        self,
        *,
        now: datetime,
        ticket_types: Iterable[TicketType],
        expected_version: int | None = None,
    ) -> EventPublished | None:
        """Put the event on the storefront; ``None`` when it already is."""
        self._check_version(expected_version)
        self._refuse_if_over_or_cancelled("published")
        if self.status is EventStatus.PUBLISHED:
            return None
        if self.schedule.has_ended(now):
            raise EventNotPublishable("the event is over")
        if not any(not t.hidden for t in self._own(ticket_types)):
            raise EventNotPublishable("an event needs a visible ticket type to be published")
        self.status = EventStatus.PUBLISHED
        self.published_at = now
        self._touch(now)
        return EventPublished(self.organization_id, self.id, now)

    def cancel(
        self, *, now: datetime, expected_version: int | None = None
    ) -> EventCancelled | None:
        """Call the event off; ``None`` when it already is."""
        self._check_version(expected_version)
        if self.status is EventStatus.ARCHIVED:
            raise EventIsArchived("an archived event is not cancelled")
        if self.status is EventStatus.CANCELLED:
            return None
        self.status = EventStatus.CANCELLED
        self.cancelled_at = now
        self._touch(now)
        return EventCancelled(self.organization_id, self.id, now)

    def archive(self, *, now: datetime, expected_version: int | None = None) -> bool:
        """Put an event that is over, or cancelled, away; ``False`` when it already is."""
        self._check_version(expected_version)
        if self.status is EventStatus.ARCHIVED:
            return False
        if self.status is not EventStatus.CANCELLED and not self.schedule.has_ended(now):
            raise EventNotArchivable("only an event that is over, or cancelled, is archived")
        self.status = EventStatus.ARCHIVED
        self.archived_at = now
        self._touch(now)
        return True

    # --- ticket types --------------------------------------------------------------------------

    def add_ticket_type(
        self, *, id: TicketTypeId, spec: TicketTypeSpec, currency: str, now: datetime
    ) -> TicketType:
        """A new ticket type, priced in ``currency`` (the organization's)."""
        self._check_accepts(spec, currency)
        return TicketType(id=id, event_id=self.id, spec=spec, created_at=now, updated_at=now)

    def revise_ticket_type(
        self,
        ticket_type: TicketType,
        spec: TicketTypeSpec,
        *,
        currency: str,
        now: datetime,
        expected_version: int | None = None,
    ) -> bool:
        self._check_own(ticket_type)
        self._check_accepts(spec, currency)
        return ticket_type.revise(spec, now=now, expected_version=expected_version)

    def check_ticket_type_removable(self, ticket_type: TicketType) -> None:
        self._check_own(ticket_type)
        self._refuse_if_over_or_cancelled("changed")
        ticket_type.check_removable()

    # --- rules ---------------------------------------------------------------------------------

    def _check_version(self, expected: int | None) -> None:
        if expected is not None and expected != self.version:
            raise StaleVersion(f"the event is at version {self.version}, not {expected}")

    def _touch(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now

    def _refuse_if_over_or_cancelled(self, what: str) -> None:
        if self.status is EventStatus.ARCHIVED:
            raise EventIsArchived(f"an archived event is not {what}")
        if self.status is EventStatus.CANCELLED:
            raise EventIsCancelled(f"a cancelled event is not {what}")

    def _own(self, ticket_types: Iterable[TicketType]) -> list[TicketType]:
        return [t for t in ticket_types if t.event_id == self.id]

    def _check_own(self, ticket_type: TicketType) -> None:
        if ticket_type.event_id != self.id:
            raise TicketTypeNotFound("no such ticket type in this event")

    def _check_accepts(self, spec: TicketTypeSpec, currency: str) -> None:
        self._refuse_if_over_or_cancelled("changed")
        if spec.price.currency != currency:
            raise CurrencyMismatch(f"ticket types are priced in {currency}", field="price")
        spec.check_fits(self.schedule)

    @staticmethod
    def _check_ticket_types_fit(schedule: Schedule, ticket_types: Sequence[TicketType]) -> None:
        for ticket_type in ticket_types:
            try:
                ticket_type.spec.check_fits(schedule)
            except SalesWindowOutsideEvent as error:
                raise ScheduleExcludesTicketTypes(
                    f"ticket type {ticket_type.name!r} would sell outside the event's sales "
                    "window: change its window first"
                ) from error
