"""Ticket codes signed with Ed25519, short enough for a small QR code, checkable offline.

A code is 162 ASCII characters, all within :class:`~ticketbase.domain.orders.attendee.TicketCode`'s
alphabet::

    <payload>.<kid>.<signature>

- ``payload``: base64url without padding (66 characters) of 49 bytes: a version byte (``0x01``),
  then the organization, event and attendee UUIDs (16 big-endian bytes each). The attendee id
  makes every ticket's code its own.
- ``kid``: 8 characters, base64url of the first 6 bytes of SHA-256 of the raw 32-byte public
  key. Derived, never configured, so a key and its id cannot disagree.
- ``signature``: base64url without padding (86 characters) of the Ed25519 signature of the
  ASCII text ``<payload>.<kid>`` (the code up to its last dot, as in JWS). It covers version,
  ids *and* key id: a code relabelled with another kid does not verify under that key.

Only canonical base64url is accepted (the unused low bits of the last character must be zero),
so one ticket has exactly one code text and any changed character is a forgery.

Keys (:class:`TicketSigningKeys`) are listed newest first: the first signs, every one verifies.
Retiring a key is removing it from the list; the tickets it signed then stop verifying. An
operator's key is 43 characters, base64url of the 32-byte Ed25519 private key
(:func:`generate_private_key`). In development one key is generated once into
``<data_dir>/ticket-signing-keys`` and reused after restarts.

A scanner checks a code with nothing but the JWKs of ``GET /api/ticket-keys``::

    import base64, uuid
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    def unb64(text: str) -> bytes:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    keys = {k["kid"]: Ed25519PublicKey.from_public_bytes(unb64(k["x"])) for k in jwks}
    signed, _, signature = code.rpartition(".")
    payload, _, kid = signed.partition(".")
    keys[kid].verify(unb64(signature), signed.encode("ascii"))  # InvalidSignature if forged
    body = unb64(payload)
    assert len(body) == 49 and body[0] == 1
    organization, event, attendee = (uuid.UUID(bytes=body[i : i + 16]) for i in (1, 17, 33))
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ticketbase.application.ports.audit import JsonValue
from ticketbase.application.ports.tickets import TicketClaims
from ticketbase.domain.orders.attendee import TicketCode
from ticketbase.domain.shared.ids import AttendeeId, EventId, OrganizationId

VERSION = 1
_PAYLOAD_BYTES = 1 + 3 * 16
_SIGNATURE_BYTES = 64
_KID_CHARS = 8
_PRIVATE_KEY_BYTES = 32
DEVELOPMENT_KEYS_FILE = "ticket-signing-keys"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _b64_length(size: int) -> int:
    return len(_b64(bytes(size)))


_PAYLOAD_CHARS = _b64_length(_PAYLOAD_BYTES)
_SIGNATURE_CHARS = _b64_length(_SIGNATURE_BYTES)
CODE_LENGTH = _PAYLOAD_CHARS + 1 + _KID_CHARS + 1 + _SIGNATURE_CHARS
_CODE = re.compile(
    rf"([A-Za-z0-9_-]{{{_PAYLOAD_CHARS}}})\.([A-Za-z0-9_-]{{{_KID_CHARS}}})"
    rf"\.([A-Za-z0-9_-]{{{_SIGNATURE_CHARS}}})"
)
_PRIVATE_KEY = re.compile(rf"[A-Za-z0-9_-]{{{_b64_length(_PRIVATE_KEY_BYTES)}}}")


def _unb64(text: str) -> bytes | None:
    """The bytes of canonical base64url ``text`` (the regexes above already checked the
    alphabet and length); ``None`` when spare bits are set, i.e. another text of the same bytes."""
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return raw if _b64(raw) == text else None


def generate_private_key() -> str:
    """A new signing key as an operator configures it (43 characters of base64url)."""
    return _b64(Ed25519PrivateKey.generate().private_bytes_raw())


def key_id(public_key: Ed25519PublicKey) -> str:
    return _b64(hashlib.sha256(public_key.public_bytes_raw()).digest()[:6])


@dataclass(frozen=True, slots=True)
class _Key:
    kid: str
    private: Ed25519PrivateKey
    public: Ed25519PublicKey


class TicketSigningKeys:
    """The configured private keys, newest first: the first signs, all verify."""

    def __init__(self, private_keys: Sequence[Ed25519PrivateKey]) -> None:
        if not private_keys:
            raise ValueError("at least one ticket signing key is needed")
        keys = [_Key(key_id(p.public_key()), p, p.public_key()) for p in private_keys]
        kids = [k.kid for k in keys]
        if len(set(kids)) != len(kids):
            raise ValueError("a ticket signing key is listed twice")
        self.keys: tuple[_Key, ...] = tuple(keys)

    @classmethod
    def parse(cls, values: Sequence[str]) -> TicketSigningKeys:
        """Keys as configured (see :func:`generate_private_key`). The error names a key by its
        position, never by its text."""
        private_keys = []
        for position, value in enumerate(values, start=1):
            text = value.strip()
            raw = _unb64(text) if _PRIVATE_KEY.fullmatch(text) else None
            if raw is None:
                raise ValueError(
                    f"ticket signing key {position} of {len(values)} is not an Ed25519 private "
                    f"key in base64url ({_b64_length(_PRIVATE_KEY_BYTES)} characters)"
                )
            private_keys.append(Ed25519PrivateKey.from_private_bytes(raw))
        return cls(private_keys)

    @classmethod
    def development(cls, data_dir: Path) -> TicketSigningKeys:
        """One key generated into ``data_dir`` on first use and read back ever after.

        Like the development JWT secret: the file is linked into place only if it does not
        exist yet (``os.link`` fails otherwise), so server workers starting at once all end up
        with the one key that won. It is created 0600 from the start, never readable by others.
        """
        path = data_dir / DEVELOPMENT_KEYS_FILE
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{DEVELOPMENT_KEYS_FILE}-{secrets.token_hex(8)}")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(descriptor, "w", encoding="ascii") as file:
                    file.write(generate_private_key() + "\n")
                os.link(temporary, path)  # atomic, and fails if another process won the race
            except FileExistsError:
                pass
            finally:
                temporary.unlink()
        lines = path.read_text(encoding="ascii").split()
        try:
            return cls.parse(lines)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(k.kid for k in self.keys)


class Ed25519TicketSigner:
    """:class:`~ticketbase.application.ports.tickets.TicketSigner` with the layout above."""

    def __init__(self, keys: TicketSigningKeys) -> None:
        self._signing = keys.keys[0]
        self._verifying = {k.kid: k.public for k in keys.keys}
        self._jwks: list[dict[str, JsonValue]] = [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": _b64(k.public.public_bytes_raw()),
                "kid": k.kid,
                "use": "sig",
                "alg": "EdDSA",
            }
            for k in keys.keys
        ]

    def sign(
        self, organization_id: OrganizationId, event_id: EventId, attendee_id: AttendeeId
    ) -> TicketCode:
        payload = bytes([VERSION]) + organization_id.bytes + event_id.bytes + attendee_id.bytes
        signed = f"{_b64(payload)}.{self._signing.kid}"
        signature = self._signing.private.sign(signed.encode("ascii"))
        return TicketCode(f"{signed}.{_b64(signature)}")

    def verify(self, code: TicketCode) -> TicketClaims | None:
        # Every step refuses with ``None``; none of them can raise on any input text.
        text = getattr(code, "value", None)
        if not isinstance(text, str) or len(text) != CODE_LENGTH:
            return None
        match = _CODE.fullmatch(text)
        if match is None:
            return None
        encoded_payload, kid, encoded_signature = match.groups()
        public = self._verifying.get(kid)
        payload, signature = _unb64(encoded_payload), _unb64(encoded_signature)
        if public is None or payload is None or signature is None or payload[0] != VERSION:
            return None
        try:
            public.verify(signature, f"{encoded_payload}.{kid}".encode("ascii"))
        except InvalidSignature:
            return None
        return TicketClaims(
            organization_id=OrganizationId(UUID(bytes=payload[1:17])),
            event_id=EventId(UUID(bytes=payload[17:33])),
            attendee_id=AttendeeId(UUID(bytes=payload[33:49])),
            key_id=kid,
        )

    def public_keys(self) -> list[dict[str, JsonValue]]:
        return [dict(jwk) for jwk in self._jwks]
