"""One contract for the sent-mail ledger, on the memory adapter and on PostgreSQL (the app role,
row level security): a recorded message is seen as sent by its tenant only, recording it again
keeps the first instant, and nothing is kept without a commit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import URL
from tests.integration.postgres.test_event_repositories import IDS, NOW, Subject, _subject

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["memory", "postgres"])
async def subject(request: pytest.FixtureRequest, database_url: URL) -> AsyncIterator[Subject]:
    async with _subject(request.param, database_url) as made:
        yield made


async def test_a_recorded_message_is_sent_for_its_tenant_only(subject: Subject) -> None:
    message_id, other_message = IDS.new(), IDS.new()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert not await tx.sent_mail.was_sent(message_id)
        await tx.sent_mail.record(message_id, NOW)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.sent_mail.was_sent(message_id)
        assert not await tx.sent_mail.was_sent(other_message)
        await tx.sent_mail.record(message_id, NOW + timedelta(minutes=1))  # again: no error
        await tx.commit()
    async with subject.uow.for_tenant(subject.other) as tx:
        assert not await tx.sent_mail.was_sent(message_id)


async def test_nothing_is_recorded_without_a_commit(subject: Subject) -> None:
    message_id = IDS.new()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.sent_mail.record(message_id, NOW)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert not await tx.sent_mail.was_sent(message_id)
