"""Keyed hashes of emails (HMAC-SHA256) that name a data subject without the address.

The audit row of a privacy request must say whom it was about, yet an erasure must not leave
the address behind; a plain SHA-256 of an email is reversed by hashing a list of candidate
addresses, an HMAC under a secret key is not. The same address under the same key always
gives the same id, so an operator who is asked again can find the earlier requests.

The key is ``TICKETBASE_PRIVACY_HASH_KEY`` (at least 32 characters, required in production);
in development one is generated once into ``<data_dir>/privacy-hash-key``, like the ticket
signing keys. Changing the key changes every id: earlier rows no longer match new requests,
and the orders' ``buyer_email_hash`` would have to be recomputed (``rotate-keys`` does so for
rows it rewrites, not for rows already under the newest encryption key), so this key is kept.
The same digest is the lookup hash of encrypted emails (adapters/postgres/personal_fields.py).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from ticketbase.domain.shared.values import EmailAddress

DEVELOPMENT_KEY_FILE = "privacy-hash-key"
MIN_KEY_LENGTH = 32


class HmacSubjectHasher:
    def __init__(self, key: str) -> None:
        if len(key) < MIN_KEY_LENGTH:
            raise ValueError(f"a privacy hash key has at least {MIN_KEY_LENGTH} characters")
        self._key = key.encode()

    def digest(self, email: EmailAddress) -> bytes:
        """The raw HMAC: what an encrypted email column is looked up by."""
        return hmac.new(self._key, email.value.encode(), hashlib.sha256).digest()

    def subject_id(self, email: EmailAddress) -> str:
        return f"hmac-sha256:{self.digest(email).hex()}"

    @classmethod
    def development(cls, data_dir: Path) -> HmacSubjectHasher:
        """A key generated into ``data_dir`` on first use and read back ever after; linked
        into place only if absent (``os.link`` fails otherwise), so workers starting at once
        agree, and created 0600."""
        path = data_dir / DEVELOPMENT_KEY_FILE
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{DEVELOPMENT_KEY_FILE}-{secrets.token_hex(8)}")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(descriptor, "w", encoding="ascii") as file:
                    file.write(secrets.token_urlsafe(32) + "\n")
                os.link(temporary, path)  # atomic, and fails if another process won the race
            except FileExistsError:
                pass
            finally:
                temporary.unlink()
        return cls(path.read_text(encoding="ascii").strip())
