"""Restore an old version: a new version equal to it becomes the current one. Nothing is
removed, so the versions in between stay in the history (and may be restored in turn)."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.pages.loading import (
    PageWithContent,
    load_page,
    load_version,
    page_audit,
)
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.pages.page import PageId


@dataclass(frozen=True, slots=True)
class RestorePageVersionCommand:
    page_id: PageId
    number: int
    expected_version: int | None = None


class RestorePageVersion:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: RestorePageVersionCommand, actor: Actor) -> PageWithContent:
        organization_id = require(actor, Permission.PAGES_WRITE)
        async with self._uow.for_tenant(organization_id) as tx:
            page = await load_page(tx, command.page_id)
            old = await load_version(tx, page, command.number)
            restored = page.restore(
                old,
                now=self._clock.now(),
                by=actor.user_id,
                expected_version=command.expected_version,
            )
            await tx.pages.save(page, restored)
            await tx.audit.append(
                page_audit(
                    self._ids,
                    actor,
                    page,
                    "page.restored",
                    {"restoredFrom": old.number, "version": restored.number},
                )
            )
            await tx.commit()
        return PageWithContent(page, restored)
