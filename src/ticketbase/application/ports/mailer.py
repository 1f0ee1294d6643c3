"""Outgoing mail: what the application hands over to be delivered, and how delivery fails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    """One message to one recipient.

    ``text`` is always sent; ``html``, when given, is offered as the alternative part. ``headers``
    are extra headers (``List-Unsubscribe``, ``X-…``); the sender, recipients, subject, date and
    MIME structure belong to the mailer and cannot be set there. A ``Message-ID`` among them
    replaces the generated one, so a retried delivery can keep its id and receivers can drop the
    duplicate.
    """

    to: str
    subject: str
    text: str
    html: str | None = None
    reply_to: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


class MailDeliveryError(Exception):
    """The message was not handed over.

    ``permanent`` is True when sending the same message again cannot succeed (the server refused
    the recipient or the content with a 5xx reply, or the message cannot be built); otherwise the
    failure is worth retrying later (connection, timeout, authentication, a full disk).
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Mailer(Protocol):
    async def send(self, email: OutgoingEmail) -> None:
        """Return once the message is accepted (by the mail server, or written to the mailbox);
        raise ``MailDeliveryError`` when it is not."""
        ...
