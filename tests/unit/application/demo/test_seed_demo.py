"""``SeedDemo`` on the in-memory adapters: everything made through the use cases, as the owner."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from ticketbase.adapters.local.cache import TaggedCache
from ticketbase.adapters.memory.change_feed import MemoryChangeFeed
from ticketbase.adapters.memory.system import FixedClock, SequentialIds
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.adapters.security.tokens import JwtTokenService
from ticketbase.application.demo.seed_demo import SeedDemo, SeedDemoCommand
from ticketbase.application.events.create_event import CreateEvent
from ticketbase.application.events.create_ticket_type import CreateTicketType
from ticketbase.application.events.get_public_event import GetPublicEvent
from ticketbase.application.events.publish_event import PublishEvent
from ticketbase.application.identity.register import Register
from ticketbase.application.identity.resolve_organization import ResolveOrganization
from ticketbase.application.identity.session_management import EndSession
from ticketbase.application.identity.sessions import SessionIssuer, SessionPolicy
from ticketbase.application.identity.update_organization import UpdateOrganization
from ticketbase.domain.events.event import EventStatus
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.errors import Conflict, RuleViolated
from ticketbase.domain.shared.values import Money
from ticketbase.domain.subscriptions.plan import PlanCatalog

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery staple"


class FakeHasher:
    async def hash(self, password: str) -> str:
        return f"hashed:{password}"

    async def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == f"hashed:{password}"

    def needs_rehash(self, password_hash: str) -> bool:
        return False


@pytest.fixture
def seed(uow: MemoryUnitOfWork, clock: FixedClock, ids: SequentialIds) -> SeedDemo:
    tokens = JwtTokenService(
        secret="unit-test-secret-" + "s" * 48,
        issuer="ticketbase-test",
        audience="ticketbase-admin",
        ttl_seconds=900,
        clock=clock,
    )
    feed = MemoryChangeFeed()
    uow.database.feed = feed  # commits invalidate the resolver's cache, as in a process
    issuer = SessionIssuer(tokens, clock, ids, SessionPolicy(refresh_token_ttl_seconds=86400))
    return SeedDemo(
        ResolveOrganization(uow, "ticketbase.localhost", TaggedCache(feed.hub)),
        clock,
        Register(uow, FakeHasher(), issuer, clock, ids),
        UpdateOrganization(uow, clock, ids),
        CreateEvent(uow, clock, ids),
        CreateTicketType(uow, clock, ids),
        PublishEvent(uow, clock, ids, PlanCatalog.unlimited()),
        EndSession(uow, clock, ids),
    )


async def test_a_demo_organization_with_its_owner_and_a_published_event(
    seed: SeedDemo, uow: MemoryUnitOfWork, clock: FixedClock
) -> None:
    demo = await seed(SeedDemoCommand(password=PASSWORD))
    state = uow.database.state

    organization = state.organizations[demo.organization.id]
    assert (organization.name, organization.slug.value) == ("Demo Events", "demo")
    assert organization.settings.timezone == "Europe/Lisbon"
    assert demo.owner_email == "owner@demo.example"
    [membership] = state.memberships.values()
    assert membership.role is Role.OWNER
    assert state.users[membership.user_id].password_hash == f"hashed:{PASSWORD}"

    event = demo.event
    assert event.status is EventStatus.PUBLISHED
    assert event.schedule.timezone == "Europe/Lisbon"
    # The fixed clock says 2026-05-01 12:00 UTC: thirty days on, 20:00 in Lisbon (WEST).
    assert event.starts_at == datetime(2026, 5, 31, 20, 0, tzinfo=ZoneInfo("Europe/Lisbon"))
    assert event.starts_at == datetime(2026, 5, 31, 19, 0, tzinfo=UTC)
    assert event.schedule.has_ended(clock.now()) is False

    public = await GetPublicEvent(uow, TaggedCache(MemoryChangeFeed().hub), clock)(
        organization.id, event.slug.value
    )
    prices = {t.name: (t.current_price, t.available) for t in public.ticket_types}
    assert prices == {
        "General admission": (Money(1900, "EUR"), 200),  # the early-bird tier
        "VIP": (Money(8000, "EUR"), 20),
    }
    [general] = [v.ticket_type for v in demo.ticket_types if v.ticket_type.name != "VIP"]
    [early_bird] = general.spec.tiers
    assert early_bird.up_to_quantity == 50
    assert early_bird.ends_at == datetime(2026, 5, 17, 19, 0, tzinfo=UTC)
    assert general.current_price(datetime(2026, 5, 18, tzinfo=UTC)) == Money(2500, "EUR")

    assert [e.action for org, e in state.audit if org == organization.id] == [
        "organization.registered",
        "organization.updated",
        "event.created",
        "ticket_type.created",
        "ticket_type.created",
        "event.published",
        "auth.logout",
    ]
    assert {e.actor_id for _, e in state.audit} == {membership.user_id}
    [session] = state.sessions.values()
    assert session.user_agent == "ticketbase seed-demo"
    assert session.revoked_at is not None  # nobody holds its tokens


async def test_a_taken_slug_is_refused_before_anything_is_written(
    seed: SeedDemo, uow: MemoryUnitOfWork
) -> None:
    await seed(SeedDemoCommand(password=PASSWORD, slug="Acme"))
    audit_rows = len(uow.database.state.audit)
    with pytest.raises(Conflict) as refused:
        await seed(SeedDemoCommand(password=PASSWORD, slug="acme", email="other@demo.example"))
    assert refused.value.field == "organizationSlug"
    assert refused.value.detail == "the organization slug 'acme' is already taken"
    assert len(uow.database.state.organizations) == 1
    assert len(uow.database.state.audit) == audit_rows


async def test_an_existing_account_and_a_bad_slug_are_refused(seed: SeedDemo) -> None:
    await seed(SeedDemoCommand(password=PASSWORD))
    with pytest.raises(Conflict) as taken:
        await seed(SeedDemoCommand(password=PASSWORD, slug="demo-2", email="Owner@Demo.example"))
    assert taken.value.field == "email"
    assert taken.value.detail == "an account with owner@demo.example already exists"
    with pytest.raises(RuleViolated) as invalid:
        await seed(SeedDemoCommand(password=PASSWORD, slug="not a slug"))
    assert invalid.value.field == "organizationSlug"
