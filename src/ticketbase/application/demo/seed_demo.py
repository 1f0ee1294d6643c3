"""A demo organization with an owner and a published event, so a fresh clone shows something.

Made only through the use cases a person would go through — register, set the time zone,
create the event and its ticket types, publish — so every rule applies and every step leaves
its audit row. The steps act as the new owner, in the session registering started, which is
ended at the end (nobody holds its tokens).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from ticketbase.application.context import Actor, RequestMeta
from ticketbase.application.events.create_event import CreateEvent, CreateEventCommand
from ticketbase.application.events.create_ticket_type import (
    CreateTicketType,
    CreateTicketTypeCommand,
)
from ticketbase.application.events.publish_event import PublishEvent, PublishEventCommand
from ticketbase.application.events.views import TicketTypeView
from ticketbase.application.identity.register import Register, RegisterCommand
from ticketbase.application.identity.resolve_organization import ResolveOrganization
from ticketbase.application.identity.session_management import EndSession
from ticketbase.application.identity.update_organization import (
    UpdateOrganization,
    UpdateOrganizationCommand,
)
from ticketbase.application.ports.system import Clock
from ticketbase.domain.events.event import Event
from ticketbase.domain.events.pricing import PricingTier
from ticketbase.domain.events.ticket_type import TicketTypeSpec
from ticketbase.domain.events.venue import Venue
from ticketbase.domain.identity.organization import Organization, OrganizationSettings
from ticketbase.domain.identity.permissions import Role, effective_permissions
from ticketbase.domain.shared.errors import Conflict, NotFound, inputs_named
from ticketbase.domain.shared.values import Money, Slug

ORGANIZATION_NAME = "Demo Events"
OWNER_NAME = "Demo Owner"
TIMEZONE = "Europe/Lisbon"
CURRENCY = "EUR"
EVENT_NAME = "Demo Night Live"
DAYS_AHEAD = 30
EARLY_BIRD_DAYS_BEFORE = 14
DOORS, CLOSING = time(20, 0), time(23, 30)
VENUE = Venue(name="Demo Hall", address="Avenida da Liberdade 1", city="Lisbon", country="PT")


@dataclass(frozen=True, slots=True)
class SeedDemoCommand:
    password: str
    slug: str = "demo"
    email: str = "owner@demo.example"
    meta: RequestMeta = field(
        default_factory=lambda: RequestMeta(user_agent="ticketbase seed-demo")
    )


@dataclass(frozen=True, slots=True)
class SeededDemo:
    organization: Organization
    owner_email: str
    event: Event
    ticket_types: tuple[TicketTypeView, ...]


class SeedDemo:
    def __init__(
        self,
        resolve: ResolveOrganization,
        clock: Clock,
        register: Register,
        update_organization: UpdateOrganization,
        create_event: CreateEvent,
        create_ticket_type: CreateTicketType,
        publish_event: PublishEvent,
        end_session: EndSession,
    ) -> None:
        self._resolve, self._clock = resolve, clock
        self._register, self._update_organization = register, update_organization
        self._create_event, self._create_ticket_type = create_event, create_ticket_type
        self._publish_event, self._end_session = publish_event, end_session

    async def __call__(self, command: SeedDemoCommand) -> SeededDemo:
        """``Conflict`` (field ``organizationSlug``) when the slug is taken, checked before
        anything is written; ``Conflict`` (field ``email``) when the account exists."""
        with inputs_named({"slug": "organizationSlug"}):
            slug = Slug(command.slug.strip().lower())
        try:
            await self._resolve.by_slug(slug.value)
        except NotFound:
            pass  # free (or a suspended tenant's: registering then refuses it)
        else:
            raise Conflict(
                f"the organization slug {slug.value!r} is already taken", field="organizationSlug"
            )
        try:
            signed_in = await self._register(
                RegisterCommand(
                    organization_name=ORGANIZATION_NAME,
                    organization_slug=slug.value,
                    email=command.email,
                    password=command.password,
                    full_name=OWNER_NAME,
                    meta=command.meta,
                )
            )
        except Conflict as error:
            if error.field != "email":
                raise
            # Registering suggests logging in instead; a demo needs an owner of its own.
            raise Conflict(
                f"an account with {command.email.strip().lower()} already exists", field="email"
            ) from None
        assert signed_in.organization is not None
        owner = Actor(
            user_id=signed_in.user.id,
            session_id=signed_in.tokens.session_id,
            organization_id=signed_in.organization.id,
            role=Role.OWNER,
            permissions=effective_permissions(Role.OWNER),
            meta=command.meta,
        )
        try:
            return await self._seed(owner, signed_in.user.email.value)
        finally:
            await self._end_session(owner)

    async def _seed(self, owner: Actor, email: str) -> SeededDemo:
        assert owner.organization_id is not None
        organization = await self._update_organization(
            UpdateOrganizationCommand(
                organization_id=owner.organization_id,
                # A new organization has the default settings: only these two change.
                settings=OrganizationSettings(timezone=TIMEZONE, currency=CURRENCY),
            ),
            owner,
        )
        zone = organization.settings.timezone
        day = self._clock.now().astimezone(ZoneInfo(zone)).date() + timedelta(days=DAYS_AHEAD)
        starts_at = datetime.combine(day, DOORS, tzinfo=ZoneInfo(zone))
        event = await self._create_event(
            CreateEventCommand(
                name=EVENT_NAME,
                description=(
                    "A made-up evening of live music to try TicketBase with: "
                    "general admission with an early-bird price, and a few VIP seats."
                ),
                venue=VENUE,
                starts_at=starts_at,
                ends_at=datetime.combine(day, CLOSING, tzinfo=ZoneInfo(zone)),
                timezone=zone,
            ),
            owner,
        )
        currency = organization.settings.currency
        specs = (
            TicketTypeSpec(
                name="General admission",
                description="Standing, doors at 20:00.",
                price=Money(2500, currency),
                quantity=200,
                tiers=(
                    PricingTier(
                        name="Early bird",
                        price=Money(1900, currency),
                        ends_at=starts_at - timedelta(days=EARLY_BIRD_DAYS_BEFORE),
                        up_to_quantity=50,
                    ),
                ),
            ),
            TicketTypeSpec(
                name="VIP",
                description="Front-row seats and a welcome drink.",
                price=Money(8000, currency),
                quantity=20,
                max_per_order=4,
            ),
        )
        views = [
            await self._create_ticket_type(CreateTicketTypeCommand(event.id, spec), owner)
            for spec in specs
        ]
        published = await self._publish_event(PublishEventCommand(event.id), owner)
        return SeededDemo(organization, email, published, tuple(views))
