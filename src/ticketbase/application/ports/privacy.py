"""Ports of privacy requests: finding a data subject's records and hashing their email.

``PersonalData`` is reached through ``uow.for_tenant(...)`` like every tenant store, so it sees
one organization's rows only (and PostgreSQL's row level security again). It finds; the use
cases load and change the records through the orders and attendees repositories, and store an
erased order's people with ``store_people`` (the orders repository's ``save`` never rewrites a
buyer: it is the one change an order's people ever get).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from ticketbase.application.ports.audit import AuditEntry
from ticketbase.domain.orders.order import Order
from ticketbase.domain.shared.ids import AttendeeId, OrderId, UserId
from ticketbase.domain.shared.values import EmailAddress


class PersonalData(Protocol):
    async def orders_of(self, email: EmailAddress) -> list[OrderId]:
        """Orders the person bought or is named on as an attendee, oldest first (by id)."""
        ...

    async def attendees_of(self, email: EmailAddress) -> list[AttendeeId]:
        """Tickets held in the person's email, oldest first (by id)."""
        ...

    async def audit_mentioning(
        self, actor_id: UserId | None, target_ids: Collection[str]
    ) -> list[AuditEntry]:
        """Audit rows the person wrote (``actor_id``) or that name one of their records
        (``target_id`` among ``target_ids``), oldest first."""
        ...

    async def store_people(self, order: Order) -> None:
        """Write back an order's buyer and named attendees (its ``version`` bumped by one);
        ``StaleVersion`` when the stored one is not at ``version - 1``."""
        ...

    async def reencrypt(self, limit: int) -> int:
        """Rewrite up to ``limit`` records whose personal fields are not all under the newest
        encryption key (or still in clear), skipping those another transaction holds; return
        how many. Nothing changes for the domain (no version bump). 0 when none are left, or
        when the store does not encrypt."""
        ...


class SubjectHasher(Protocol):
    """A keyed hash of an email: names a data subject in the audit log without storing the
    address (an unkeyed hash of an email is reversed by hashing candidate addresses)."""

    def subject_id(self, email: EmailAddress) -> str: ...
