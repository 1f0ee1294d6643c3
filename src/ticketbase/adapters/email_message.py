"""The RFC 5322 message every mailer sends, built in one place so the development mailbox shows
exactly what SMTP would deliver."""

from __future__ import annotations

import email.policy
import re
from datetime import datetime
from email.headerregistry import AddressHeader, BaseHeader
from email.message import EmailMessage
from email.utils import make_msgid

from ticketbase.application.ports.mailer import OutgoingEmail

# CRLF line ends as on the wire. cte_type="7bit" makes non-ASCII bodies quoted-printable or
# base64, so the message is valid for any server, with or without 8BITMIME, and for any reader.
POLICY = email.policy.SMTP.clone(cte_type="7bit")

# Headers the builder writes itself, or that would change where an SMTP client sends the message
# (aiosmtplib takes the envelope from From/Sender/To/Cc/Bcc, or from the Resent-* block).
_RESERVED = frozenset(
    {
        "from",
        "sender",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "subject",
        "date",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
    }
)
# RFC 5322 field name: printable ASCII except the colon.
_FIELD_NAME = re.compile(r"[\x21-\x39\x3b-\x7e]+")


def build_message(outgoing: OutgoingEmail, *, sender: str, now: datetime) -> EmailMessage:
    """The message ``sender`` sends at ``now`` (timezone-aware).

    Raise ``ValueError`` for a message that cannot be sent as given: not exactly one valid
    recipient address, a line break in a header value, a malformed or reserved extra header.
    """
    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    message["To"] = outgoing.to
    if len(_addresses(message, "To")) != 1:
        raise ValueError("the recipient must be exactly one valid address")
    message["Subject"] = outgoing.subject
    message["Date"] = now
    if outgoing.reply_to is not None:
        message["Reply-To"] = outgoing.reply_to
    message_id: str | None = None
    for name, value in outgoing.headers:
        lowered = name.lower()
        if not _FIELD_NAME.fullmatch(name):
            raise ValueError(f"invalid header name {name!r}")
        if lowered in _RESERVED or lowered.startswith("resent-"):
            raise ValueError(f"the header {name} is set by the mailer, not by the caller")
        if lowered == "message-id":
            message_id = value
        else:
            message[name] = value
    message["Message-ID"] = message_id or make_msgid(domain=_domain_of(message))
    message.set_content(outgoing.text)
    if outgoing.html is not None:
        message.add_alternative(outgoing.html, subtype="html")
    return message


def _addresses(message: EmailMessage, name: str) -> list[str]:
    """The header's addresses; none when it does not parse cleanly."""
    header = message[name]
    if not (isinstance(header, AddressHeader) and isinstance(header, BaseHeader)) or header.defects:
        return []
    return [address.addr_spec for address in header.addresses if address.domain]


def _domain_of(message: EmailMessage) -> str:
    # The sender's domain: make_msgid would otherwise ask the resolver for this host's name.
    senders = _addresses(message, "From")
    domain = senders[0].rpartition("@")[2] if senders else ""
    return domain or "localhost"
