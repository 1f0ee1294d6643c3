"""MailboxMailer: each message is one complete, parseable .eml file; MailboxProbe: writability."""

from __future__ import annotations

import email.policy
import stat
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from ticketbase.adapters.mailbox import MailboxMailer, MailboxProbe
from ticketbase.application.ports.mailer import MailDeliveryError, OutgoingEmail

pytestmark = pytest.mark.anyio

SENDER = "TicketBase <no-reply@ticketbase.localhost>"


def files(directory: Path) -> list[Path]:
    """Everything in the directory, hidden temporary files included, in name order."""
    return sorted(directory.iterdir())


def read_all(directory: Path) -> list[EmailMessage]:
    parser = BytesParser(policy=email.policy.default)
    messages = []
    for path in files(directory):
        message = parser.parsebytes(path.read_bytes())
        assert isinstance(message, EmailMessage)
        messages.append(message)
    return messages


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    assert part.get_content_type() == f"text/{subtype}"
    content = part.get_content()
    assert isinstance(content, str)
    # The file keeps RFC 5322's CRLF line ends; the parser hands them back as they are.
    return content.replace("\r\n", "\n")


async def test_writes_a_plain_text_message_that_parses_back(tmp_path: Path) -> None:
    await MailboxMailer(tmp_path, SENDER).send(
        OutgoingEmail(to="buyer@example.com", subject="Your tickets", text="See you there.\n")
    )

    [message] = read_all(tmp_path)
    assert message["From"] == SENDER
    assert message["To"] == "buyer@example.com"
    assert message["Subject"] == "Your tickets"
    assert message.get_content_type() == "text/plain"
    assert body(message, "plain") == "See you there.\n"
    assert message["Message-ID"].endswith("@ticketbase.localhost>")
    assert parsedate_to_datetime(message["Date"]).utcoffset() is not None
    assert message["Reply-To"] is None


async def test_html_makes_a_multipart_alternative_with_both_parts(tmp_path: Path) -> None:
    await MailboxMailer(tmp_path, SENDER).send(
        OutgoingEmail(
            to="Buyer <buyer@example.com>",
            subject="Receipt",
            text="Total: 10 EUR\n",
            html="<p>Total: <b>10 EUR</b></p>\n",
            reply_to="support@acme.example",
            headers=(("X-Ticketbase-Kind", "receipt"),),
        )
    )

    [message] = read_all(tmp_path)
    assert message.get_content_type() == "multipart/alternative"
    assert body(message, "plain") == "Total: 10 EUR\n"
    assert body(message, "html") == "<p>Total: <b>10 EUR</b></p>\n"
    assert message["Reply-To"] == "support@acme.example"
    assert message["X-Ticketbase-Kind"] == "receipt"


async def test_non_ascii_subject_names_and_bodies_survive(tmp_path: Path) -> None:
    subject = "Billets für Zoë — Größe ✓ 🎫"
    text = "Hallo Zoë,\nvotre billet est prêt ✓ 🎫\n" + "é" * 300 + "\n"
    await MailboxMailer(tmp_path, "Billetterie Zoë <billets@acme.example>").send(
        OutgoingEmail(to="Zoë Ångström <zoe@example.com>", subject=subject, text=text, html=text)
    )

    [path] = files(tmp_path)
    raw = path.read_bytes()
    raw.decode("ascii")  # 7-bit clean: any server and any reader take it
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    [message] = read_all(tmp_path)
    assert message["Subject"] == subject
    assert message["To"] == "Zoë Ångström <zoe@example.com>"
    assert message["From"] == "Billetterie Zoë <billets@acme.example>"
    assert body(message, "plain") == text
    assert body(message, "html") == text
    assert message["Message-ID"].endswith("@acme.example>")


async def test_each_send_is_its_own_time_sortable_file_and_no_temporary_file_stays(
    tmp_path: Path,
) -> None:
    mailer = MailboxMailer(tmp_path, SENDER)
    for subject in ("first", "second", "third"):
        await mailer.send(OutgoingEmail(to="a@example.com", subject=subject, text="x"))

    names = sorted(path.name for path in files(tmp_path))
    assert len(names) == 3
    assert all(name.endswith(".eml") and not name.startswith(".") for name in names)
    assert [m["Subject"] for m in read_all(tmp_path)] == ["first", "second", "third"]
    assert len({m["Message-ID"] for m in read_all(tmp_path)}) == 3


async def test_the_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    await MailboxMailer(tmp_path, SENDER).send(
        OutgoingEmail(to="a@example.com", subject="s", text="x")
    )

    [path] = files(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_creates_the_missing_directory(tmp_path: Path) -> None:
    directory = tmp_path / "data" / "mailbox"
    await MailboxMailer(directory, SENDER).send(
        OutgoingEmail(to="a@example.com", subject="s", text="x")
    )

    assert [path.suffix for path in files(directory)] == [".eml"]


async def test_a_given_message_id_is_kept(tmp_path: Path) -> None:
    message_id = "<outbox-42@acme.example>"
    await MailboxMailer(tmp_path, SENDER).send(
        OutgoingEmail(
            to="a@example.com", subject="s", text="x", headers=(("Message-ID", message_id),)
        )
    )

    [message] = read_all(tmp_path)
    assert message.get_all("Message-ID") == [message_id]


@pytest.mark.parametrize(
    "outgoing",
    [
        OutgoingEmail(to="a@example.com", subject="hi\r\nBcc: victim@example.com", text="x"),
        OutgoingEmail(to="a@example.com\nBcc: victim@example.com", subject="s", text="x"),
        OutgoingEmail(to="", subject="s", text="x"),
        OutgoingEmail(to="not an address", subject="s", text="x"),
        OutgoingEmail(to="a@example.com, b@example.com", subject="s", text="x"),
        OutgoingEmail(to="a@example.com", subject="s", text="x", headers=(("Bcc", "b@x.io"),)),
        OutgoingEmail(to="a@example.com", subject="s", text="x", headers=(("From", "b@x.io"),)),
        OutgoingEmail(
            to="a@example.com", subject="s", text="x", headers=(("Resent-To", "b@x.io"),)
        ),
        OutgoingEmail(to="a@example.com", subject="s", text="x", headers=(("X-A: b\r\nBcc", "c"),)),
    ],
    ids=[
        "newline-in-subject",
        "newline-in-to",
        "no-recipient",
        "not-an-address",
        "two-recipients",
        "bcc-header",
        "from-header",
        "resent-header",
        "bad-header-name",
    ],
)
async def test_a_message_that_cannot_be_sent_fails_permanently_and_writes_nothing(
    tmp_path: Path, outgoing: OutgoingEmail
) -> None:
    with pytest.raises(MailDeliveryError) as raised:
        await MailboxMailer(tmp_path, SENDER).send(outgoing)

    assert raised.value.permanent is True
    assert files(tmp_path) == []


async def test_an_unwritable_place_fails_retryably(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")

    with pytest.raises(MailDeliveryError) as raised:
        await MailboxMailer(blocker / "mailbox", SENDER).send(
            OutgoingEmail(to="a@example.com", subject="s", text="x")
        )

    assert raised.value.permanent is False


async def test_probe_is_ok_for_a_writable_directory_and_leaves_nothing(tmp_path: Path) -> None:
    probe = MailboxProbe(tmp_path / "mailbox")

    await probe.check()

    assert probe.name == "mail"
    assert files(tmp_path / "mailbox") == []


async def test_probe_fails_when_the_directory_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")

    with pytest.raises(NotADirectoryError):
        await MailboxProbe(blocker / "mailbox").check()


async def test_probe_fails_on_a_read_only_directory(tmp_path: Path) -> None:
    directory = tmp_path / "mailbox"
    directory.mkdir()
    directory.chmod(0o500)
    try:
        if _can_create_a_file_in(directory):
            pytest.skip("this process writes into read-only directories (root)")
        with pytest.raises(PermissionError):
            await MailboxProbe(directory).check()
    finally:
        directory.chmod(0o700)


def _can_create_a_file_in(directory: Path) -> bool:
    try:
        (directory / "probe").touch()
    except PermissionError:
        return False
    (directory / "probe").unlink()
    return True
