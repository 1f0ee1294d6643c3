"""Publish, cancel, archive: the status machine through the use cases, each change audited,
publish and cancel announced through the outbox in the same transaction — and only then."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest
from tests.unit.application.events.conftest import EventsKit, spec

from ticketbase.adapters.memory.system import FixedClock
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.application.context import Actor
from ticketbase.application.events.archive_event import ArchiveEventCommand
from ticketbase.application.events.cancel_event import CancelEvent, CancelEventCommand
from ticketbase.application.events.create_ticket_type import CreateTicketTypeCommand
from ticketbase.application.events.publish_event import PublishEvent, PublishEventCommand
from ticketbase.domain.events.errors import (
    EventIsArchived,
    EventIsCancelled,
    EventNotArchivable,
    EventNotFound,
    EventNotPublishable,
)
from ticketbase.domain.events.event import EventStatus
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.subscriptions.plan import PlanCatalog

pytestmark = pytest.mark.anyio


async def test_publishing_announces_the_event_in_the_outbox_and_audits_it(
    kit: EventsKit, clock: FixedClock, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    await kit.ticket_type(owner, event.id)

    published = await kit.publish_event(PublishEventCommand(event.id, expected_version=1), owner)

    stored = kit.stored_event(acme.id, event.id)
    assert stored == published
    assert (stored.status, stored.published_at, stored.version) == (
        EventStatus.PUBLISHED,
        clock.now(),
        2,
    )
    [message] = kit.outbox(acme.id)
    assert message.topic == "event.published"
    assert message.payload == {
        "organizationId": str(acme.id),
        "eventId": str(event.id),
        "at": "2026-05-01T12:00:00+00:00",
    }
    assert message.created_at == clock.now()
    entry = kit.audit(acme.id, "event.published")[-1]
    assert (entry.actor_id, entry.target_id, entry.changes) == (
        owner.user_id,
        str(event.id),
        {"status": {"from": "draft", "to": "published"}},
    )


async def test_publishing_again_changes_and_announces_nothing(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.published(owner)

    again = await kit.publish_event(PublishEventCommand(event.id), owner)

    assert again.version == event.version
    assert [m.topic for m in kit.outbox(acme.id)] == ["event.published"]
    assert kit.actions(acme.id, "event.published") == ["event.published"]


async def test_a_refused_publish_writes_no_message_and_no_audit_row(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    await kit.ticket_type(owner, event.id, hidden=True)

    with pytest.raises(EventNotPublishable):
        await kit.publish_event(PublishEventCommand(event.id), owner)

    assert kit.outbox(acme.id) == []
    assert kit.actions(acme.id, "event.published") == []
    assert kit.stored_event(acme.id, event.id).status is EventStatus.DRAFT


async def test_an_event_that_is_over_is_not_published(
    kit: EventsKit, clock: FixedClock, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    await kit.ticket_type(owner, event.id)
    clock.current = datetime(2026, 6, 2, tzinfo=UTC)

    with pytest.raises(EventNotPublishable):
        await kit.publish_event(PublishEventCommand(event.id), owner)

    assert kit.outbox(acme.id) == []


async def test_a_publish_with_a_stale_version_writes_nothing(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    await kit.ticket_type(owner, event.id)

    with pytest.raises(StaleVersion):
        await kit.publish_event(PublishEventCommand(event.id, expected_version=7), owner)

    assert kit.outbox(acme.id) == []
    assert kit.stored_event(acme.id, event.id).status is EventStatus.DRAFT


class ConnectionLost(Exception):
    pass


class FailingCommit:
    """A unit of work whose tenant transactions fail at the commit, as a lost connection
    would: everything written before it is rolled back."""

    def __init__(self, inner: MemoryUnitOfWork) -> None:
        self.inner = inner

    @asynccontextmanager
    async def for_tenant(self, organization_id: OrganizationId) -> AsyncIterator[object]:
        async with self.inner.for_tenant(organization_id) as tx:

            async def refuse() -> None:
                raise ConnectionLost

            tx.commit = refuse  # type: ignore[method-assign]
            yield tx


async def test_the_message_leaves_only_with_the_commit(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    await kit.ticket_type(owner, event.id)
    publish = PublishEvent(FailingCommit(kit.uow), kit.clock, kit.ids, PlanCatalog.unlimited())  # type: ignore[arg-type]
    cancel = CancelEvent(FailingCommit(kit.uow), kit.clock, kit.ids)  # type: ignore[arg-type]

    with pytest.raises(ConnectionLost):
        await publish(PublishEventCommand(event.id), owner)
    with pytest.raises(ConnectionLost):
        await cancel(CancelEventCommand(event.id), owner)

    assert kit.outbox(acme.id) == []
    assert kit.actions(acme.id) == ["event.created", "ticket_type.created"]
    assert kit.stored_event(acme.id, event.id).status is EventStatus.DRAFT


async def test_cancelling_announces_and_audits(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.published(owner)

    cancelled = await kit.cancel_event(CancelEventCommand(event.id), owner)

    assert cancelled.status is EventStatus.CANCELLED
    assert kit.stored_event(acme.id, event.id).status is EventStatus.CANCELLED
    assert [m.topic for m in kit.outbox(acme.id)] == ["event.published", "event.cancelled"]
    assert kit.outbox(acme.id)[-1].payload["eventId"] == str(event.id)
    assert kit.audit(acme.id, "event.cancelled")[-1].changes == {
        "status": {"from": "published", "to": "cancelled"}
    }


async def test_a_draft_can_be_cancelled_and_cancelling_twice_does_nothing(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)

    await kit.cancel_event(CancelEventCommand(event.id), owner)
    await kit.cancel_event(CancelEventCommand(event.id), owner)

    assert [m.topic for m in kit.outbox(acme.id)] == ["event.cancelled"]
    assert kit.actions(acme.id, "event.cancelled") == ["event.cancelled"]


async def test_a_cancelled_event_is_never_published_and_takes_no_ticket_types(
    kit: EventsKit, owner: Actor
) -> None:
    event = await kit.event(owner)
    await kit.ticket_type(owner, event.id)
    await kit.cancel_event(CancelEventCommand(event.id), owner)

    with pytest.raises(EventIsCancelled):
        await kit.publish_event(PublishEventCommand(event.id), owner)
    with pytest.raises(EventIsCancelled):
        await kit.create_ticket_type(CreateTicketTypeCommand(event.id, spec("VIP")), owner)


async def test_a_cancelled_event_is_archived_and_audited(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    await kit.cancel_event(CancelEventCommand(event.id), owner)

    archived = await kit.archive_event(ArchiveEventCommand(event.id), owner)

    assert archived.status is EventStatus.ARCHIVED
    assert kit.stored_event(acme.id, event.id).status is EventStatus.ARCHIVED
    assert kit.audit(acme.id, "event.archived")[-1].changes == {
        "status": {"from": "cancelled", "to": "archived"}
    }
    assert [m.topic for m in kit.outbox(acme.id)] == ["event.cancelled"]


async def test_an_event_that_is_over_is_archived(
    kit: EventsKit, clock: FixedClock, owner: Actor
) -> None:
    event = await kit.published(owner)
    clock.current = datetime(2026, 6, 2, tzinfo=UTC)

    archived = await kit.archive_event(ArchiveEventCommand(event.id), owner)

    assert archived.status is EventStatus.ARCHIVED
    with pytest.raises(EventIsArchived):
        await kit.cancel_event(CancelEventCommand(event.id), owner)


async def test_an_event_still_to_come_is_not_archived(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.published(owner)

    with pytest.raises(EventNotArchivable):
        await kit.archive_event(ArchiveEventCommand(event.id), owner)

    assert kit.actions(acme.id, "event.archived") == []


async def test_stale_versions_are_refused_by_cancel_and_archive(
    kit: EventsKit, owner: Actor
) -> None:
    event = await kit.event(owner)

    with pytest.raises(StaleVersion):
        await kit.cancel_event(CancelEventCommand(event.id, expected_version=2), owner)
    await kit.cancel_event(CancelEventCommand(event.id, expected_version=1), owner)
    with pytest.raises(StaleVersion):
        await kit.archive_event(ArchiveEventCommand(event.id, expected_version=1), owner)


async def test_another_tenants_event_is_not_found(
    kit: EventsKit, acme: Organization, owner: Actor, rival: Actor
) -> None:
    event = await kit.event(owner)
    await kit.ticket_type(owner, event.id)

    for attempt in (
        kit.publish_event(PublishEventCommand(event.id), rival),
        kit.cancel_event(CancelEventCommand(event.id), rival),
        kit.archive_event(ArchiveEventCommand(event.id), rival),
    ):
        with pytest.raises(EventNotFound):
            await attempt

    assert kit.stored_event(acme.id, event.id).status is EventStatus.DRAFT
    assert kit.outbox(acme.id) == []
