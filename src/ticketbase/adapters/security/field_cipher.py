"""AES-GCM encryption of personal fields at rest, each ciphertext naming its key.

A stored value is ASCII text::

    enc:v1:<kid>:<base64url(nonce || ciphertext || tag)>

- ``kid``: 8 characters, base64url of the first 6 bytes of SHA-256 of the raw key: derived,
  never configured, so a key and its id cannot disagree (like the ticket signing keys).
- ``nonce``: 12 random bytes per value (AES-GCM's own size; 2^-32 collision odds are reached
  only after ~2^32 values under one key, far beyond a key's life between rotations).
- The associated data is the value's place (``orders.buyer_email:<organization>:<order>``):
  a ciphertext copied into another row or column, or another tenant's, does not decrypt.

Keys (``TICKETBASE_ENCRYPTION_KEYS``, comma-separated, newest first; each 43 characters,
base64url of 32 random bytes, :func:`generate_key`) are all used to decrypt, the first to
encrypt. Rotating is adding a new key in front, running ``ticketbase rotate-keys`` (which
re-encrypts every value not under the first key), then removing the old one. In development one
key is generated once into ``<data_dir>/encryption-keys``.

A value without the ``enc:v1:`` prefix is one written before encryption existed (in clear) and
is returned as is; ``rotate-keys`` encrypts those too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "enc:v1:"
DEVELOPMENT_KEYS_FILE = "encryption-keys"
_KEY_BYTES = 32
_NONCE_BYTES = 12
_KID_CHARS = 8


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_key() -> str:
    return _b64(secrets.token_bytes(_KEY_BYTES))


class UnreadableCiphertext(Exception):
    """A stored value that no configured key opens: tampered, misplaced, or under a key that
    was removed before ``rotate-keys`` finished."""


class FieldCipher:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._keys: dict[str, AESGCM] = {}
        for index, key in enumerate(keys):
            try:
                raw = _unb64(key.strip())
            except (binascii.Error, ValueError):
                raise ValueError(f"key {index + 1} is not base64url") from None
            if len(raw) != _KEY_BYTES:
                raise ValueError(f"key {index + 1} is not 32 bytes (43 base64url characters)")
            kid = _b64(hashlib.sha256(raw).digest()[:6])
            self._keys.setdefault(kid, AESGCM(raw))
        self.current_kid = next(iter(self._keys))
        self.current_prefix = f"{PREFIX}{self.current_kid}:"

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def encrypt(self, plaintext: str, place: str) -> str:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._keys[self.current_kid].encrypt(nonce, plaintext.encode(), place.encode())
        return self.current_prefix + _b64(nonce + sealed)

    def decrypt(self, stored: str, place: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # written in clear, before encryption
        kid, _, body = stored[len(PREFIX) :].partition(":")
        key = self._keys.get(kid)
        if key is None or len(kid) != _KID_CHARS:
            raise UnreadableCiphertext(f"no configured key has the id {kid!r}")
        try:
            raw = _unb64(body)
            return key.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], place.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise UnreadableCiphertext(f"a value under key {kid!r} does not open") from None

    def is_current(self, stored: str) -> bool:
        return stored.startswith(self.current_prefix)

    @classmethod
    def development(cls, data_dir: Path) -> FieldCipher:
        """One key generated into ``data_dir`` on first use and read back ever after, linked
        into place only if absent (workers starting at once agree on it), created 0600."""
        path = data_dir / DEVELOPMENT_KEYS_FILE
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{DEVELOPMENT_KEYS_FILE}-{secrets.token_hex(8)}")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(descriptor, "w", encoding="ascii") as file:
                    file.write(generate_key() + "\n")
                os.link(temporary, path)  # atomic, and fails if another process won the race
            except FileExistsError:
                pass
            finally:
                temporary.unlink()
        try:
            return cls(path.read_text(encoding="ascii").split())
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None
