"""The log-only handler: ids in the log, never the payload."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID

import pytest
import structlog
from structlog.testing import capture_logs

from ticketbase.adapters.local.message_log import LogMessageHandler
from ticketbase.application.ports.outbox import ClaimedMessage
from ticketbase.domain.shared.ids import OrganizationId

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def default_logging() -> Iterator[None]:
    """Another test may have configured a level above INFO in this process."""
    saved = structlog.get_config()
    structlog.reset_defaults()
    yield
    structlog.configure(**saved)


async def test_it_logs_the_message_ids_and_not_the_payload() -> None:
    message = ClaimedMessage(
        organization_id=OrganizationId(UUID(int=7)),
        id=UUID(int=9),
        topic="event.published",
        payload={"email": "buyer@example.com"},
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        attempt=2,
    )
    with capture_logs() as logs:
        await LogMessageHandler()(message)
    assert logs == [
        {
            "event": "outbox_message_logged",
            "log_level": "info",
            "topic": "event.published",
            "message_id": str(UUID(int=9)),
            "organization_id": str(UUID(int=7)),
            "attempt": 2,
        }
    ]
