"""Per-process read caches that every process keeps exact, and the feed that tells them.

The database is the truth. A process may keep what it read (a session's state, a member's
profile, a storefront's organization) only while it is told about every change: each committed
write names the **tags** it touched, the unit of work hands them to the ``ChangeFeed`` after the
commit, and every process (this one included) drops the entries carrying those tags before the
writer's response leaves. A process that is not connected to the feed caches nothing and reads
the database on every request until it has reconnected and cleared what it held.

Tags are plain strings built here, so the adapters that record writes and the use cases that
cache reads agree on them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import NewType, Protocol, TypeVar
from uuid import UUID

K_contra = TypeVar("K_contra", contravariant=True)
V = TypeVar("V")

# A read ticket: taken before the database read whose result is then put. A put is refused when
# any change was applied (or the feed dropped) after the ticket was taken.
CacheTicket = NewType("CacheTicket", int)


def session_tag(session_id: UUID) -> str:
    return f"session:{session_id}"


def user_tag(user_id: UUID) -> str:
    """The account (name, email, platform flag) — shown in every organization's profile."""
    return f"user:{user_id}"


def member_tag(organization_id: UUID, user_id: UUID) -> str:
    return f"member:{organization_id}:{user_id}"


def organization_tag(organization_id: UUID) -> str:
    """The organization's name, slug, status, settings, branding and domains."""
    return f"organization:{organization_id}"


def event_tag(event_id: UUID) -> str:
    """An event with its ticket types (and their availability) and promo codes."""
    return f"event:{event_id}"


def events_tag(organization_id: UUID) -> str:
    """The organization's lists of events (a new event, a status or date change)."""
    return f"events:{organization_id}"


def page_tag(page_id: UUID) -> str:
    """A storefront page: its slug, status and published version."""
    return f"page:{page_id}"


def pages_tag(organization_id: UUID) -> str:
    """The organization's pages as a whole (a new page, a slug taken or given up)."""
    return f"pages:{organization_id}"


def subscription_tag(organization_id: UUID) -> str:
    """The organization's plan (its limits, its request rate)."""
    return f"subscription:{organization_id}"


# Carried by cached *absences* (an unknown host or slug): any organization created or changed
# may be the one that was missing.
ANY_ORGANIZATION = "organization:*"


class Cache(Protocol[K_contra, V]):
    def ticket(self) -> CacheTicket: ...

    def get(self, key: K_contra) -> V | None: ...

    def put(self, ticket: CacheTicket, key: K_contra, value: V, tags: Iterable[str]) -> None:
        """Keep ``value`` until a change names one of ``tags`` — unless something changed since
        ``ticket`` was taken (then the value may already be stale and is not kept)."""
        ...


class ChangeFeed(Protocol):
    async def publish(self, tags: Collection[str]) -> None:
        """Called after a commit: every process drops what it cached under ``tags``. Returns
        once this process has applied it and the message has reached the other processes."""
        ...

    def forget(self, tags: Collection[str]) -> None:
        """Drop what this process cached under ``tags`` (a change learnt another way)."""
        ...


@dataclass(slots=True)
class ReadRecord:
    """What one request's answer was built from: the tags of every cached fact it read (or
    read from the database and cached), and the moment it stops holding (a token's or a
    session's expiry). An answer made only of such facts may itself be cached under them."""

    tags: set[str] = field(default_factory=set)
    valid_until: datetime | None = None


_reads: ContextVar[ReadRecord | None] = ContextVar("ticketbase_cache_reads", default=None)


@contextmanager
def read_record() -> Iterator[ReadRecord]:
    """Within the block (and what it awaits), note what the caches serve and store."""
    record = ReadRecord()
    token = _reads.set(record)
    try:
        yield record
    finally:
        _reads.reset(token)


def record_read(tags: Iterable[str]) -> None:
    record = _reads.get()
    if record is not None:
        record.tags.update(tags)


def record_deadline(moment: datetime) -> None:
    record = _reads.get()
    if record is not None and (record.valid_until is None or moment < record.valid_until):
        record.valid_until = moment
