"""Order confirmations survive a worker killed mid-delivery: the real ``ticketbase worker``,
the real PostgreSQL and an SMTP server on loopback; SIGKILLed several times at random moments
while the server is inside a message's DATA (before, at or after its 250), restarted each time,
until every confirmation is delivered.

"Exactly once" toward a mail server is at-least-once delivery plus a stable ``Message-ID``:
SMTP cannot be exactly once on the wire (a worker killed after the server's 250 but before its
ledger commit sends again). So the test checks that nothing is lost, that every outbox message
reached the server under its own ``Message-ID`` for its own order, that every row is marked
delivered, and that the raw duplicates are at most one per kill, each carrying the Message-ID
of its first copy. It prints the numbers."""

from __future__ import annotations

import asyncio
import email.policy
import random
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import anyio
import asyncpg
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.engine import URL
from tests.integration.adapters.test_smtp_mailer import free_port
from tests.integration.cli.test_serve import _cli, _environment
from tests.integration.postgres.test_event_repositories import NOW, a_ticket_type, an_event
from tests.integration.postgres.test_order_repositories import an_order
from tests.integration.support import raw_dsn

from ticketbase.adapters.postgres.engine import app_role_url, create_engine
from ticketbase.adapters.postgres.unit_of_work import PostgresUnitOfWork
from ticketbase.adapters.system import SystemClock, Uuid7Generator
from ticketbase.application.identity.create_organization import (
    CreateOrganization,
    CreateOrganizationCommand,
)
from ticketbase.application.orders.announcements import confirmation
from ticketbase.domain.orders.attendee import Attendee, TicketCode
from ticketbase.domain.shared.ids import AttendeeId, OrderId, OrganizationId

pytestmark = pytest.mark.anyio
ORDERS = 30
KILLS = 3
SMTP_SECONDS = 0.08  # the server's think time inside DATA, before its 250
DEADLINE_SECONDS = 25
DOMAIN = "acme.example"


@dataclass
class SlowServer:
    """An aiosmtpd handler that takes its time inside DATA, then records the message it
    accepts (the Message-ID and the order link of its text) and answers 250."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    received: list[EmailMessage] = field(default_factory=list)
    in_data: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.in_data += 1
        try:
            await asyncio.sleep(SMTP_SECONDS)
            assert isinstance(envelope.content, bytes)
            message = BytesParser(policy=email.policy.default).parsebytes(envelope.content)
            assert isinstance(message, EmailMessage)
            with self.lock:
                self.received.append(message)
            return "250 Message accepted for delivery"
        finally:
            with self.lock:
                self.in_data -= 1

    def snapshot(self) -> tuple[int, int]:
        with self.lock:
            return len(self.received), self.in_data


@contextmanager
def smtp_server() -> Iterator[tuple[SlowServer, int]]:
    handler = SlowServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


async def _paid_orders_with_confirmations(
    database_url: URL,
) -> tuple[OrganizationId, dict[uuid.UUID, OrderId]]:
    """ORDERS paid orders (three tickets each) of a new organization, each with its
    ``order.confirmation`` written in its payment's transaction: {message id: order id}."""
    engine = create_engine(app_role_url(database_url), pool_size=2, max_overflow=0)
    ids = Uuid7Generator()
    messages: dict[uuid.UUID, OrderId] = {}
    try:
        uow = PostgresUnitOfWork(engine)
        organization = await CreateOrganization(uow, SystemClock(), ids)(
            CreateOrganizationCommand(name="Acme Tickets", slug=f"c-{uuid.uuid4().hex[:12]}")
        )
        event = an_event(organization.id)
        standard, vip = a_ticket_type(event, "Standard"), a_ticket_type(event, "VIP")
        async with uow.for_tenant(organization.id) as tx:
            await tx.events.add(event)
            await tx.ticket_types.add(standard)
            await tx.ticket_types.add(vip)
            await tx.commit()
        for sequence in range(1, ORDERS + 1):
            order = an_order(organization.id, event, standard, vip, sequence=sequence)
            order.pay(at=NOW, amount=order.total, reference=f"ref-{sequence}", provider="manual")
            attendee_ids = [AttendeeId(ids.new()) for _ in order.ticket_holders()]
            codes = [TicketCode(f"code-{i.hex}-0123456789") for i in attendee_ids]
            tickets = Attendee.issue_all(order, ids=attendee_ids, codes=codes, now=NOW)
            message = confirmation(order.id, NOW, ids.new())
            async with uow.for_tenant(organization.id) as tx:
                await tx.orders.add(order, b"hash")
                await tx.attendees.add_all(tickets)
                await tx.outbox.add(message)
                await tx.commit()
            messages[message.id] = order.id
    finally:
        await engine.dispose()
    return organization.id, messages


async def _undelivered(database_url: URL, organization_id: OrganizationId) -> int:
    connection = await asyncpg.connect(raw_dsn(database_url))
    try:
        count = await connection.fetchval(
            "SELECT count(*) FROM outbox WHERE organization_id = $1 AND delivered_at IS NULL",
            organization_id,
        )
    finally:
        await connection.close()
    return int(count)


async def _until(check: Callable[[], bool], what: str, *, poll: float = 0.005) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await anyio.sleep(poll)


def _order_of(message: EmailMessage, orders: set[OrderId]) -> OrderId:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    text = part.get_content()
    found = [o for o in orders if f"/api/orders/{o}?token=" in text]
    assert len(found) == 1, text
    return found[0]


async def test_killed_workers_deliver_every_confirmation_exactly_once(
    database_url: URL, tmp_path: Path
) -> None:
    started = time.monotonic()
    organization_id, messages = await _paid_orders_with_confirmations(database_url)
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    log = tmp_path / "worker.log"
    with smtp_server() as (server, port), log.open("w") as stderr:
        env = _environment(
            TICKETBASE_DATABASE_URL=database_url.render_as_string(hide_password=False),
            TICKETBASE_DATA_DIR=str(tmp_path),
            TICKETBASE_SMTP_HOST="127.0.0.1",
            TICKETBASE_SMTP_PORT=str(port),
            TICKETBASE_SMTP_STARTTLS="false",
            TICKETBASE_MAIL_FROM=f"Acme Tickets <tickets@{DOMAIN}>",
            TICKETBASE_PUBLIC_URL="https://tickets.example.test",
            TICKETBASE_WORKER_OUTBOX_INTERVAL_SECONDS="0.1",
            TICKETBASE_WORKER_OUTBOX_BATCH_SIZE="2",
            # A killed worker's messages are due again 1.5 s later (the default lease is 2 min).
            TICKETBASE_WORKER_OUTBOX_LEASE_SECONDS="1.5",
            TICKETBASE_WORKER_OUTBOX_HANDLER_TIMEOUT_SECONDS="0.7",
        )

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(_cli("worker"), env=env, cwd=tmp_path, stderr=stderr)

        delays: list[float] = []
        for _ in range(KILLS):
            worker = start()
            try:
                target = server.snapshot()[0] + rng.randint(1, 4)
                await _until(
                    lambda: server.snapshot()[0] >= target and server.snapshot()[1] > 0,  # noqa: B023
                    "the worker to be inside a message's DATA",
                )
                # Before the 250 (the server may still accept what the client never hears
                # accepted), or after it (before or after the ledger's commit and the mark).
                delays.append(rng.uniform(0, SMTP_SECONDS * 1.5))
                await anyio.sleep(delays[-1])
            finally:
                worker.send_signal(signal.SIGKILL)
                worker.wait(10)
        worker = start()
        try:
            deadline = time.monotonic() + DEADLINE_SECONDS
            while await _undelivered(database_url, organization_id):
                assert time.monotonic() < deadline, "the confirmations were not all delivered"
                await anyio.sleep(0.1)
            worker.send_signal(signal.SIGTERM)
            assert await anyio.to_thread.run_sync(lambda: worker.wait(15)) == 0
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(10)
        received = list(server.received)

    # No loss, nothing foreign: the Message-IDs received are exactly the outbox messages'.
    by_message_id = {f"<{m}@{DOMAIN}>": order for m, order in messages.items()}
    copies = Counter(str(r["Message-ID"]) for r in received)
    assert set(copies) == set(by_message_id)
    # Each Message-ID came with its own order, and each order under its one Message-ID.
    orders = set(messages.values())
    ids_per_order: dict[OrderId, set[str]] = defaultdict(set)
    for message in received:
        order = _order_of(message, orders)
        assert by_message_id[str(message["Message-ID"])] == order
        ids_per_order[order].add(str(message["Message-ID"]))
    assert all(len(ids) == 1 for ids in ids_per_order.values())
    assert len(ids_per_order) == ORDERS
    # Every outbox row is marked delivered, and every send is in the ledger.
    assert await _undelivered(database_url, organization_id) == 0
    connection = await asyncpg.connect(raw_dsn(database_url))
    try:
        ledger = await connection.fetchval(
            "SELECT count(*) FROM mail_sent WHERE organization_id = $1", organization_id
        )
    finally:
        await connection.close()
    assert ledger == ORDERS
    # Raw duplicates on the wire: at most one per kill (a kill between a 250 and the ledger's
    # commit), each a copy under the same Message-ID, which receivers deduplicate on.
    duplicates = len(received) - len(copies)
    print(
        f"\nseed={seed} orders={ORDERS} kills={KILLS} "
        f"(ms into DATA: {', '.join(f'{d * 1000:.0f}' for d in delays)}) "
        f"received={len(received)} distinct={len(copies)} raw_duplicates={duplicates} "
        f"seconds={time.monotonic() - started:.1f}"
    )
    assert duplicates <= KILLS
