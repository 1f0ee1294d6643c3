"""Reading a page's parts inside a tenant transaction, each absence a named ``NotFound``.

Row level security hides other tenants' rows, so another tenant's id reads as missing here and
answers exactly like an id that never existed."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.context import Actor
from ticketbase.application.ports.audit import AuditEntry, JsonValue
from ticketbase.application.ports.system import IdGenerator
from ticketbase.application.ports.unit_of_work import TenantTransaction
from ticketbase.domain.pages.errors import PageNotFound, PageVersionNotFound
from ticketbase.domain.pages.page import Page, PageId, PageVersion


@dataclass(frozen=True, slots=True)
class PageWithContent:
    """A page with its current version: what the editor opens and what staff writes return."""

    page: Page
    current: PageVersion


async def load_page(tx: TenantTransaction, page_id: PageId) -> Page:
    page = await tx.pages.get(page_id)
    if page is None:
        raise PageNotFound("no such page")
    return page


async def load_version(tx: TenantTransaction, page: Page, number: int) -> PageVersion:
    version = await tx.pages.version(page.id, number)
    if version is None:
        raise PageVersionNotFound(f"the page has no version {number}")
    return version


def page_audit(
    ids: IdGenerator,
    actor: Actor,
    page: Page,
    action: str,
    changes: dict[str, JsonValue],
) -> AuditEntry:
    """One audit row about ``page``; the document itself is never copied into the log."""
    return AuditEntry(
        id=ids.new(),
        at=page.updated_at,
        actor_id=actor.user_id,
        action=action,
        target_type="page",
        target_id=str(page.id),
        meta=actor.meta,
        changes=changes,
    )
