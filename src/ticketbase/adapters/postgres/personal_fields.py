"""The buyer's personal fields of an order as stored: encrypted, with keyed hashes for lookups.

``buyer_full_name`` and ``buyer_email`` hold ciphertexts (adapters/security/field_cipher.py)
bound to their column, organization and order; ``attendees`` (the named attendees) holds the
ciphertext of their JSON list as a JSON string. ``buyer_email_hash`` and
``attendee_email_hashes`` are HMACs of the normalised emails under the lookup key, the only way
to find an order by email. A row written in clear (before migration 0018, or by a unit of work
built without keys, as some tests do) has no hash and a JSON list: it is read as it is, found by
its clear columns, and encrypted by ``ticketbase rotate-keys``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping

from ticketbase.adapters.security.field_cipher import PREFIX, FieldCipher
from ticketbase.adapters.security.subject_hash import HmacSubjectHasher
from ticketbase.domain.orders.buyer import Buyer, NamedAttendee
from ticketbase.domain.shared.ids import TicketTypeId
from ticketbase.domain.shared.values import EmailAddress


def _attendees_json(attendees: Sequence[NamedAttendee]) -> list[dict[str, str]]:
    return [
        {"ticketTypeId": str(a.ticket_type_id), "fullName": a.full_name, "email": a.email.value}
        for a in attendees
    ]


class PersonalFields:
    def __init__(self, cipher: FieldCipher | None, hasher: HmacSubjectHasher | None) -> None:
        if (cipher is None) != (hasher is None):
            raise ValueError("encryption needs both the cipher and the lookup hasher")
        self._cipher, self._hasher = cipher, hasher

    @classmethod
    def clear(cls) -> PersonalFields:
        """No encryption: rows are written as before migration 0018 (tests of other areas)."""
        return cls(None, None)

    @property
    def encrypts(self) -> bool:
        return self._cipher is not None

    @property
    def current_prefix(self) -> str | None:
        return None if self._cipher is None else self._cipher.current_prefix

    def lookup(self, email: EmailAddress) -> bytes | None:
        return None if self._hasher is None else self._hasher.digest(email)

    def seal(
        self,
        organization_id: UUID,
        order_id: UUID,
        buyer: Buyer,
        attendees: Sequence[NamedAttendee],
    ) -> dict[str, Any]:
        """The column values of an order's people."""
        named = _attendees_json(attendees)
        if self._cipher is None or self._hasher is None:
            return {
                "buyer_full_name": buyer.full_name,
                "buyer_email": buyer.email.value,
                "attendees": named,
                "buyer_email_hash": None,
                "attendee_email_hashes": [],
            }
        place = f"{organization_id}:{order_id}"
        encrypt = self._cipher.encrypt
        return {
            "buyer_full_name": encrypt(buyer.full_name, f"orders.buyer_full_name:{place}"),
            "buyer_email": encrypt(buyer.email.value, f"orders.buyer_email:{place}"),
            "attendees": encrypt(json.dumps(named), f"orders.attendees:{place}"),
            "buyer_email_hash": self._hasher.digest(buyer.email),
            "attendee_email_hashes": sorted({self._hasher.digest(a.email) for a in attendees}),
        }

    def open(self, row: RowMapping) -> tuple[Buyer, tuple[NamedAttendee, ...]]:
        """An order row's people, whether encrypted (under any configured key) or in clear."""
        name, email, named = row["buyer_full_name"], row["buyer_email"], row["attendees"]
        if self._cipher is not None:
            place = f"{row['organization_id']}:{row['id']}"
            name = self._cipher.decrypt(name, f"orders.buyer_full_name:{place}")
            email = self._cipher.decrypt(email, f"orders.buyer_email:{place}")
            if isinstance(named, str):
                named = json.loads(self._cipher.decrypt(named, f"orders.attendees:{place}"))
        elif isinstance(named, str) or email.startswith(PREFIX):
            raise ValueError("an encrypted order read without encryption keys")
        return Buyer(name, EmailAddress(email)), tuple(
            NamedAttendee(
                TicketTypeId(UUID(a["ticketTypeId"])), a["fullName"], EmailAddress(a["email"])
            )
            for a in named
        )
