"""``SmtpMailer`` hands each message to an SMTP server with aiosmtplib: one connection per
message (the outbox worker sends few, and a pooled connection would need its own liveness
checks). Every failure becomes ``MailDeliveryError``; it is ``permanent`` only when the server
refused this message's recipient or content with a 5xx reply, or the message cannot be built.
A refused login or sender is a configuration problem that fixing the settings cures, so it is
left retryable."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import aiosmtplib

from ticketbase.adapters.email_message import build_message
from ticketbase.application.ports.mailer import MailDeliveryError, OutgoingEmail


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        use_tls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        """``starttls`` upgrades a plain connection (submission, port 587) and fails when the
        server does not offer it; ``use_tls`` connects with TLS from the start (port 465).
        ``timeout`` bounds each network step: connecting and every command."""
        if starttls and use_tls:
            raise ValueError("starttls and use_tls exclude each other (use_tls is for port 465)")
        self._host = host
        self._port = port
        self._sender = sender
        self._username = username
        self._password = password
        self._starttls = starttls
        self._use_tls = use_tls
        self._timeout = timeout

    async def send(self, email: OutgoingEmail) -> None:
        try:
            message = build_message(email, sender=self._sender, now=datetime.now(UTC))
        except ValueError as error:
            raise MailDeliveryError(f"cannot build the message: {error}", permanent=True) from error
        try:
            await aiosmtplib.send(
                message,
                hostname=self._host,
                port=self._port,
                start_tls=self._starttls,
                use_tls=self._use_tls,
                username=self._username,
                password=self._password,
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            permanent = all(refused.code >= 500 for refused in error.recipients)
            raise self._failed(error, permanent=permanent) from error
        except (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError) as error:
            raise self._failed(error, permanent=error.code >= 500) from error
        except (aiosmtplib.SMTPException, OSError) as error:
            # OSError: TLS handshake and socket errors aiosmtplib lets through unwrapped.
            raise self._failed(error, permanent=False) from error
        except ValueError as error:
            # aiosmtplib refuses addresses that cannot go on an SMTP command line.
            raise self._failed(error, permanent=True) from error

    def _failed(self, error: Exception, *, permanent: bool) -> MailDeliveryError:
        return MailDeliveryError(
            f"SMTP delivery through {self._host}:{self._port} failed: "
            f"{type(error).__name__}: {error}",
            permanent=permanent,
        )


class SmtpProbe:
    """Ready when the server answers: connect (and TLS), EHLO, QUIT, all within ``timeout``.
    It does not log in, so frequent health checks cannot trip the server's login limits."""

    name = "mail"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        starttls: bool = False,
        use_tls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self._host = host
        self._port = port
        self._starttls = starttls
        self._use_tls = use_tls
        self._timeout = timeout

    async def check(self) -> None:
        client = aiosmtplib.SMTP(
            hostname=self._host,
            port=self._port,
            start_tls=self._starttls,
            use_tls=self._use_tls,
            timeout=self._timeout,
        )
        async with asyncio.timeout(self._timeout), client:
            await client.ehlo()
