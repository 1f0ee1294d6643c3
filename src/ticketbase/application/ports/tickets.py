"""Tickets as a buyer carries them: a signed code, drawn as a QR code.

A ticket code names the organization, the event and the attendee, signed with a key that has an
id. A scanner holding the public keys (``GET /api/ticket-keys``) rejects a forged or altered
code offline; the server checks the signature before any lookup (a forged code costs no query).
Keys rotate: the newest signs, the older ones keep verifying the tickets they signed until an
operator retires them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from ticketbase.application.ports.audit import JsonValue
from ticketbase.domain.orders.attendee import TicketCode
from ticketbase.domain.shared.ids import AttendeeId, EventId, OrganizationId


@dataclass(frozen=True, slots=True)
class TicketClaims:
    organization_id: OrganizationId
    event_id: EventId
    attendee_id: AttendeeId
    key_id: str


class TicketSigner(Protocol):
    def sign(
        self, organization_id: OrganizationId, event_id: EventId, attendee_id: AttendeeId
    ) -> TicketCode:
        """A code for this attendee, signed with the current key; unique per attendee."""
        ...

    def verify(self, code: TicketCode) -> TicketClaims | None:
        """The claims of a genuine code signed by a known key; ``None`` for anything else
        (forged, altered, unknown or retired key, not a ticket code at all)."""
        ...

    def public_keys(self) -> list[dict[str, JsonValue]]:
        """The verifying keys as JSON Web Keys (``kid``, ``kty``, ``crv``, ``x``), newest
        first: what a scanner needs to check codes offline."""
        ...


class ImageFormat(enum.StrEnum):
    SVG = "svg"
    PNG = "png"


class QrRenderer(Protocol):
    def render(self, text: str, image_format: ImageFormat) -> bytes:
        """``text`` as a QR code image."""
        ...
