"""One contract for the email template overrides, on the memory adapter and on PostgreSQL (the
app role, row level security): a saved override is read back by its tenant only, each save
must follow the version it read (a concurrent first save or a stale one is refused without
spoiling the transaction), a delete goes back to nothing, and nothing is kept without a
commit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import URL
from tests.integration.postgres.test_event_repositories import IDS, NOW, Subject, _subject

from ticketbase.domain.email_templates.template import EmailKind, EmailTemplate, TemplateSource
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import UserId

pytestmark = pytest.mark.anyio
SOURCE = TemplateSource("Hi {{ buyer.full_name }}", "<p>é ✓</p>", "text\n")


@pytest.fixture(params=["memory", "postgres"])
async def subject(request: pytest.FixtureRequest, database_url: URL) -> AsyncIterator[Subject]:
    async with _subject(request.param, database_url) as made:
        yield made


async def test_an_override_is_read_back_by_its_tenant_only(subject: Subject) -> None:
    editor = UserId(IDS.new())
    template = EmailTemplate.first(EmailKind.EVENT_REMINDER, SOURCE, now=NOW, by=editor)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.email_templates.get(EmailKind.EVENT_REMINDER) is None
        await tx.email_templates.save(template)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.email_templates.get(EmailKind.EVENT_REMINDER) == template
        assert await tx.email_templates.all() == [template]
    async with subject.uow.for_tenant(subject.other) as tx:
        assert await tx.email_templates.get(EmailKind.EVENT_REMINDER) is None
        assert await tx.email_templates.all() == []
        assert not await tx.email_templates.delete(EmailKind.EVENT_REMINDER)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.email_templates.get(EmailKind.EVENT_REMINDER) is not None


async def test_each_save_follows_the_version_it_read(subject: Subject) -> None:
    kind = EmailKind.ORDER_REFUNDED
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.email_templates.save(EmailTemplate.first(kind, SOURCE, now=NOW, by=None))
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        late_first = EmailTemplate.first(kind, SOURCE, now=NOW, by=None)
        with pytest.raises(StaleVersion):
            await tx.email_templates.save(late_first)
        # The refusal leaves the transaction usable.
        template = await tx.email_templates.get(kind)
        assert template is not None
        stale = EmailTemplate(kind, SOURCE, template.version, NOW, None)
        template.revise(TemplateSource("New", "", "new\n"), now=NOW + timedelta(minutes=1), by=None)
        await tx.email_templates.save(template)
        stale.revise(TemplateSource("Lost", "", "lost\n"), now=NOW, by=None)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        with pytest.raises(StaleVersion):
            await tx.email_templates.save(stale)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        saved = await tx.email_templates.get(kind)
        assert saved is not None
        assert (saved.version, saved.source.subject, saved.updated_at) == (
            2,
            "New",
            NOW + timedelta(minutes=1),
        )


async def test_a_delete_goes_back_to_nothing_and_needs_a_commit(subject: Subject) -> None:
    kind = EmailKind.TICKET_DELIVERY
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.email_templates.save(EmailTemplate.first(kind, SOURCE, now=NOW, by=None))
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.email_templates.get(kind) is None  # never committed
        await tx.email_templates.save(EmailTemplate.first(kind, SOURCE, now=NOW, by=None))
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.email_templates.delete(kind)
        assert not await tx.email_templates.delete(kind)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.email_templates.get(kind) is not None  # the delete was rolled back
        assert await tx.email_templates.delete(kind)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.email_templates.get(kind) is None
