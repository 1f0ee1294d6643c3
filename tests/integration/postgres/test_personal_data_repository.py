"""One contract for the privacy store, on the memory adapter and on PostgreSQL (the app role,
row level security), there in clear and with buyers' fields encrypted: finding a person's
orders, tickets and audit mentions by email within one tenant, and rewriting an erased order's
people with its version checked."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from uuid import uuid4

import pytest
from sqlalchemy.engine import URL
from tests.integration.postgres.test_attendee_repositories import a_paid_order, setup
from tests.integration.postgres.test_event_repositories import (
    NOW,
    Subject,
    _organization,
    _subject,
    a_ticket_type,
    an_event,
    given,
)
from tests.integration.postgres.test_order_repositories import IDS, an_order

from ticketbase.adapters.memory.change_feed import MemoryChangeFeed
from ticketbase.adapters.postgres.engine import app_role_url, create_engine
from ticketbase.adapters.postgres.personal_fields import PersonalFields
from ticketbase.adapters.postgres.unit_of_work import PostgresUnitOfWork
from ticketbase.adapters.security.field_cipher import FieldCipher, generate_key
from ticketbase.adapters.security.subject_hash import HmacSubjectHasher
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.domain.orders.buyer import Buyer, NamedAttendee
from ticketbase.domain.orders.order import Order
from ticketbase.domain.privacy.erasure import erase_from_order, erased_email
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import OrganizationId, UserId
from ticketbase.domain.shared.values import EmailAddress

pytestmark = pytest.mark.anyio
ADA = EmailAddress("ada@example.com")
GRACE = EmailAddress("g@example.org")


FIELDS = PersonalFields(FieldCipher([generate_key()]), HmacSubjectHasher("h" * 32))


@asynccontextmanager
async def _encrypted(database_url: URL) -> AsyncIterator[Subject]:
    feed = MemoryChangeFeed()
    async with AsyncExitStack() as stack:
        engine = create_engine(app_role_url(database_url), pool_size=2, max_overflow=2)
        stack.push_async_callback(engine.dispose)
        uow = PostgresUnitOfWork(engine, feed, fields=FIELDS)
        tenant, other = await _organization(uow, "Acme"), await _organization(uow, "Rival")
        yield Subject(uow, feed, tenant, other, None, database_url)


@pytest.fixture(params=["memory", "postgres", "postgres-encrypted"])
async def subject(request: pytest.FixtureRequest, database_url: URL) -> AsyncIterator[Subject]:
    if request.param == "postgres-encrypted":
        async with _encrypted(database_url) as made:
            yield made
    else:
        async with _subject(request.param, database_url) as made:
            yield made


async def placed(subject: Subject, order: Order, tenant: OrganizationId | None = None) -> Order:
    async with subject.uow.for_tenant(tenant or subject.tenant) as tx:
        await tx.orders.add(order, b"hash")
        await tx.commit()
    return order


async def test_a_persons_orders_are_those_they_bought_or_are_named_on(subject: Subject) -> None:
    event, first, _ = await setup(subject)
    bought = await placed(subject, an_order(subject.tenant, event, first, sequence=1))
    other_buyer = dataclasses.replace(
        an_order(subject.tenant, event, first, sequence=2),
        buyer=Buyer("Alan Turing", EmailAddress("alan@example.org")),
        attendees=(),
    )
    await placed(subject, other_buyer)
    # Ada named on Alan's order, not buying it.
    named = dataclasses.replace(
        an_order(subject.tenant, event, first, sequence=3),
        buyer=Buyer("Alan Turing", EmailAddress("alan@example.org")),
        attendees=(NamedAttendee(first.id, "Ada Lovelace", ADA),),
    )
    await placed(subject, named)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.personal_data.orders_of(ADA) == [bought.id, named.id]
        assert await tx.personal_data.orders_of(GRACE) == [bought.id]  # named on Ada's
        assert await tx.personal_data.orders_of(EmailAddress("nobody@example.com")) == []


async def test_another_tenant_finds_nothing_and_cannot_rewrite(subject: Subject) -> None:
    event, first, _ = await setup(subject)
    order, tickets = await a_paid_order(subject, event, first)
    theirs_event = an_event(subject.other)
    theirs_type = a_ticket_type(theirs_event)
    await given(subject, theirs_event, theirs_type, tenant=subject.other)
    theirs = await placed(
        subject, an_order(subject.other, theirs_event, theirs_type), subject.other
    )
    async with subject.uow.for_tenant(subject.other) as tx:
        assert await tx.personal_data.orders_of(ADA) == [theirs.id]
        assert await tx.personal_data.attendees_of(ADA) == []
        assert await tx.personal_data.audit_mentioning(None, {str(order.id)}) == []
        assert erase_from_order(order, ADA, now=NOW)
        with pytest.raises(StaleVersion):
            await tx.personal_data.store_people(order)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        stored = await tx.orders.get(order.id)
        assert stored is not None
        assert stored.buyer.email == ADA
        assert await tx.personal_data.attendees_of(ADA) == [t.id for t in tickets if t.email == ADA]


async def test_tickets_in_a_persons_email_oldest_first(subject: Subject) -> None:
    event, first, second = await setup(subject)
    _, a = await a_paid_order(subject, event, first, second, sequence=1)
    _, b = await a_paid_order(subject, event, second, sequence=2)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        ada = await tx.personal_data.attendees_of(ADA)
        grace = await tx.personal_data.attendees_of(GRACE)
    assert ada == sorted(t.id for t in a + b if t.email == ADA)
    # Grace is named for each order's first type: the first order's one ticket of it and the
    # second order's only ticket; Ada holds the first order's two of its second type.
    assert len(ada) == 2
    assert grace == [a[0].id, b[0].id]


async def test_audit_mentions_by_actor_or_target_within_the_tenant(subject: Subject) -> None:
    user, target = UserId(uuid4()), str(uuid4())

    def entry(actor: UserId | None, target_id: str | None) -> AuditEntry:
        return AuditEntry(IDS.new(), NOW, actor, "order.cancelled", "order", target_id)

    wrote, named, unrelated = entry(user, "x"), entry(None, target), entry(None, "y")
    async with subject.uow.for_tenant(subject.tenant) as tx:
        for e in (wrote, named, unrelated):
            await tx.audit.append(e)
        await tx.commit()
    async with subject.uow.for_tenant(subject.other) as tx:
        await tx.audit.append(entry(user, target))
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.personal_data.audit_mentioning(user, {target}) == [wrote, named]
        assert await tx.personal_data.audit_mentioning(None, {target}) == [named]
        assert await tx.personal_data.audit_mentioning(user, ()) == [wrote]
        assert await tx.personal_data.audit_mentioning(None, ()) == []


async def test_store_people_rewrites_only_the_people_with_a_version_check(
    subject: Subject,
) -> None:
    event, first, _ = await setup(subject)
    order = await placed(subject, an_order(subject.tenant, event, first))
    async with subject.uow.for_tenant(subject.tenant) as tx:
        loaded = await tx.orders.lock(order.id)
        assert loaded is not None
        assert erase_from_order(loaded, GRACE, now=NOW)
        await tx.personal_data.store_people(loaded)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        stored = await tx.orders.get(order.id)
        assert stored is not None
        assert stored == loaded
        assert stored.buyer == order.buyer  # Grace was only named
        assert stored.attendees == (NamedAttendee(first.id, "Erased", erased_email(order.id)),)
        assert (stored.totals, stored.lines, stored.version) == (order.totals, order.lines, 2)
        assert await tx.personal_data.orders_of(GRACE) == []
        with pytest.raises(StaleVersion):
            await tx.personal_data.store_people(loaded)  # version 2 is stored already


async def test_reencrypt_takes_what_is_not_under_the_newest_key_once(
    subject: Subject, database_url: URL, request: pytest.FixtureRequest
) -> None:
    event, first, _ = await setup(subject)
    order = await placed(subject, an_order(subject.tenant, event, first))
    async with subject.uow.for_tenant(subject.tenant) as tx:
        # Memory and a unit of work without keys encrypt nothing; with keys the order was
        # written under the newest one already.
        assert await tx.personal_data.reencrypt(10) == 0
    if request.node.callspec.params["subject"] != "postgres-encrypted":
        return
    # A row in clear (from before encryption) is taken once, then reads back alike.
    async with _subject("postgres", database_url) as clear:
        clear.tenant = subject.tenant
        legacy = await placed(clear, an_order(subject.tenant, event, first, sequence=2))
    async with subject.uow.for_tenant(subject.other) as tx:
        assert await tx.personal_data.reencrypt(10) == 0
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.personal_data.orders_of(ADA) == [order.id, legacy.id]
        assert await tx.personal_data.reencrypt(10) == 1
        assert await tx.personal_data.reencrypt(10) == 0
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.orders.get(legacy.id) == legacy
        assert await tx.personal_data.orders_of(GRACE) == [order.id, legacy.id]
