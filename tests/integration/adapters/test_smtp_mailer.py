"""SmtpMailer and SmtpProbe against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import anyio
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from ticketbase.adapters.smtp import SmtpMailer, SmtpProbe
from ticketbase.application.ports.mailer import MailDeliveryError, OutgoingEmail

pytestmark = pytest.mark.anyio

SENDER = "Billetterie Zoë <no-reply@acme.example>"
USERNAME, PASSWORD = "mailer", "s3cret-pässword"
REFUSED = "nobody@example.com"


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: bytes | None


class Collector:
    """An aiosmtpd handler that keeps what it accepts and refuses one recipient with 550."""

    def __init__(self) -> None:
        self.received: list[Received] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        message = BytesParser(policy=email.policy.default).parsebytes(envelope.content)
        assert isinstance(message, EmailMessage)
        assert envelope.mail_from is not None
        login = session.auth_data if session.authenticated else None
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, login))
        return "250 Message accepted for delivery"


def authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USERNAME.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Server:
    port: int
    collector: Collector


@pytest.fixture
def smtp_server() -> Iterator[Server]:
    collector = Collector()
    controller = Controller(
        collector,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticate,
        auth_require_tls=False,  # AUTH over plain loopback: this test server has no certificate
    )
    controller.start()
    try:
        yield Server(controller.port, collector)
    finally:
        controller.stop()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose connections are accepted by the kernel but never greeted."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def mailer(port: int, **options: Any) -> SmtpMailer:
    return SmtpMailer("127.0.0.1", port, SENDER, **options)


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


async def test_delivers_the_message_with_its_envelope(smtp_server: Server) -> None:
    await mailer(smtp_server.port).send(
        OutgoingEmail(
            to="Zoë Ångström <zoe@example.com>",
            subject="Vos billets ✓",
            text="Bonjour Zoë, voici vos billets.\n",
            html="<p>Bonjour Zoë, voici vos <b>billets</b>.</p>\n",
            reply_to="support@acme.example",
        )
    )

    [received] = smtp_server.collector.received
    assert received.mail_from == "no-reply@acme.example"
    assert received.rcpt_tos == ["zoe@example.com"]
    assert received.login is None
    message = received.message
    assert message["From"] == SENDER
    assert message["To"] == "Zoë Ångström <zoe@example.com>"
    assert message["Subject"] == "Vos billets ✓"
    assert message["Reply-To"] == "support@acme.example"
    assert message["Message-ID"].endswith("@acme.example>")
    assert message["Date"] is not None
    assert body(message, "plain") == "Bonjour Zoë, voici vos billets.\n"
    assert body(message, "html") == "<p>Bonjour Zoë, voici vos <b>billets</b>.</p>\n"


async def test_logs_in_when_given_credentials(smtp_server: Server) -> None:
    await mailer(smtp_server.port, username=USERNAME, password=PASSWORD).send(
        OutgoingEmail(to="buyer@example.com", subject="s", text="x")
    )

    [received] = smtp_server.collector.received
    assert received.login == USERNAME.encode()
    assert received.rcpt_tos == ["buyer@example.com"]


async def test_a_wrong_password_fails_retryably_and_sends_nothing(smtp_server: Server) -> None:
    with pytest.raises(MailDeliveryError) as raised:
        await mailer(smtp_server.port, username=USERNAME, password="wrong").send(
            OutgoingEmail(to="buyer@example.com", subject="s", text="x")
        )

    assert raised.value.permanent is False
    assert "SMTPAuthenticationError" in str(raised.value)
    assert "wrong" not in str(raised.value)
    assert smtp_server.collector.received == []


async def test_a_refused_recipient_fails_permanently(smtp_server: Server) -> None:
    with pytest.raises(MailDeliveryError) as raised:
        await mailer(smtp_server.port).send(OutgoingEmail(to=REFUSED, subject="s", text="x"))

    assert raised.value.permanent is True
    assert smtp_server.collector.received == []


async def test_requiring_starttls_does_not_fall_back_to_plain_text(smtp_server: Server) -> None:
    with pytest.raises(MailDeliveryError) as raised:
        await mailer(smtp_server.port, starttls=True).send(
            OutgoingEmail(to="buyer@example.com", subject="s", text="x")
        )

    assert raised.value.permanent is False
    assert smtp_server.collector.received == []


async def test_a_closed_port_fails_at_once() -> None:
    with anyio.fail_after(2), pytest.raises(MailDeliveryError) as raised:
        await mailer(free_port(), timeout=10).send(
            OutgoingEmail(to="buyer@example.com", subject="s", text="x")
        )

    assert raised.value.permanent is False


async def test_a_server_that_never_answers_fails_after_the_timeout(silent_port: int) -> None:
    with anyio.fail_after(2), pytest.raises(MailDeliveryError) as raised:
        await mailer(silent_port, timeout=0.2).send(
            OutgoingEmail(to="buyer@example.com", subject="s", text="x")
        )

    assert raised.value.permanent is False


def test_starttls_and_implicit_tls_exclude_each_other() -> None:
    with pytest.raises(ValueError, match="exclude each other"):
        SmtpMailer("127.0.0.1", 465, SENDER, starttls=True, use_tls=True)


async def test_probe_is_ok_when_the_server_answers(smtp_server: Server) -> None:
    probe = SmtpProbe("127.0.0.1", smtp_server.port, timeout=2)

    await probe.check()

    assert probe.name == "mail"
    assert smtp_server.collector.received == []


async def test_probe_fails_on_a_closed_port() -> None:
    with anyio.fail_after(2), pytest.raises(ConnectionError):
        await SmtpProbe("127.0.0.1", free_port(), timeout=10).check()


async def test_probe_fails_within_its_timeout_on_a_server_that_never_answers(
    silent_port: int,
) -> None:
    with anyio.fail_after(2), pytest.raises(TimeoutError):
        await SmtpProbe("127.0.0.1", silent_port, timeout=0.2).check()
