"""A message handler that only writes to the log.

It stands in for topics whose real side effect comes later (``event.published`` and
``event.cancelled``: the realtime push and the buyers' emails), so that their messages are
marked delivered instead of piling up. It logs ids only, never the payload, which may come to
hold personal data."""

from __future__ import annotations

import structlog

from ticketbase.application.ports.outbox import ClaimedMessage


class LogMessageHandler:
    def __init__(self) -> None:
        self._log = structlog.get_logger()

    async def __call__(self, message: ClaimedMessage) -> None:
        self._log.info(
            "outbox_message_logged",
            topic=message.topic,
            message_id=str(message.id),
            organization_id=str(message.organization_id),
            attempt=message.attempt,
        )
