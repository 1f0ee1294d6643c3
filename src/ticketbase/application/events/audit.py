"""What the audit rows of the events area say about a replaced spec: the names of the fields
that changed, as the client writes them."""

from __future__ import annotations

from dataclasses import fields

from ticketbase.application.ports.audit import JsonValue
from ticketbase.domain.events.promo_code import PromoCodeSpec
from ticketbase.domain.events.ticket_type import TicketTypeSpec


def _wire_name(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


def changed_fields(
    before: TicketTypeSpec | PromoCodeSpec, after: TicketTypeSpec | PromoCodeSpec
) -> list[JsonValue]:
    """``["price", "maxPerOrder"]``: sorted, so two rows about the same change compare equal."""
    changed: list[JsonValue] = [
        _wire_name(f.name)
        for f in fields(before)
        if getattr(before, f.name) != getattr(after, f.name)
    ]
    return sorted(changed, key=str)
