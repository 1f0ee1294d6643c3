"""Who buys and whom the tickets are for: a full name and an email address each, the only
contact the public leaves."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.ids import TicketTypeId
from ticketbase.domain.shared.values import EmailAddress

MAX_FULL_NAME_LENGTH = 200


def check_full_name(full_name: str, *, field: str = "fullName") -> str:
    """Runs of whitespace collapse to one space; 1-200 characters remain."""
    cleaned = " ".join(full_name.split())
    if not 1 <= len(cleaned) <= MAX_FULL_NAME_LENGTH:
        raise RuleViolated(f"a full name is 1-{MAX_FULL_NAME_LENGTH} characters", field=field)
    return cleaned


@dataclass(frozen=True, slots=True)
class Buyer:
    """Fields are named relative to the buyer (``fullName``); the checkout reports them under
    ``buyer.`` with :func:`~ticketbase.domain.events.errors.inputs_within`."""

    full_name: str
    email: EmailAddress

    @classmethod
    def parse(cls, *, full_name: str, email: str) -> Buyer:
        return cls(check_full_name(full_name), EmailAddress.parse(email))

    def __post_init__(self) -> None:
        if check_full_name(self.full_name) != self.full_name:
            raise RuleViolated("a full name is trimmed", field="fullName")


@dataclass(frozen=True, slots=True)
class NamedAttendee:
    """Whom one ticket of a type is for, as the checkout names them (``attendees[i]``); the
    tickets nobody is named for go to the buyer."""

    ticket_type_id: TicketTypeId
    full_name: str
    email: EmailAddress

    @classmethod
    def parse(cls, *, ticket_type_id: TicketTypeId, full_name: str, email: str) -> NamedAttendee:
        return cls(ticket_type_id, check_full_name(full_name), EmailAddress.parse(email))

    def __post_init__(self) -> None:
        if check_full_name(self.full_name) != self.full_name:
            raise RuleViolated("a full name is trimmed", field="fullName")
