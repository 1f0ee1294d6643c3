"""``MailboxMailer`` writes every message as one RFC 5322 ``.eml`` file that any mail client
opens; nothing leaves the machine. Files are named ``<UTC time>-<uuid>.eml`` so a plain listing
sorts them by sending time, and appear whole or not at all (written under a temporary dot-name
in the same folder, then renamed). They are readable by their owner only: they may hold
password-reset and invitation links."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

from ticketbase.adapters.email_message import build_message
from ticketbase.application.ports.mailer import MailDeliveryError, OutgoingEmail


class MailboxMailer:
    def __init__(self, directory: Path, sender: str) -> None:
        self._directory = directory
        self._sender = sender

    @property
    def directory(self) -> Path:
        return self._directory

    async def send(self, email: OutgoingEmail) -> None:
        now = datetime.now(UTC)
        try:
            data = build_message(email, sender=self._sender, now=now).as_bytes()
        except ValueError as error:
            raise MailDeliveryError(f"cannot build the message: {error}", permanent=True) from error
        name = f"{now:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex}.eml"
        try:
            await asyncio.to_thread(_write_atomically, self._directory, name, data)
        except OSError as error:
            raise MailDeliveryError(
                f"cannot write to the mailbox {self._directory}: {error}"
            ) from error


class MailboxProbe:
    name = "mail"

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    async def check(self) -> None:
        await asyncio.to_thread(_check_writable, self._directory)


def _write_atomically(directory: Path, name: str, data: bytes) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, directory / name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _check_writable(directory: Path) -> None:
    # Create (and drop) a file rather than ask os.access: it is what sending does, so it fails
    # for every reason sending would.
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=directory):
        pass
