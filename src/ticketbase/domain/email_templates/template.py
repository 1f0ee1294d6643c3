"""An email template: what one kind of email says, as a subject, an HTML and a text template.

Every kind has a default shipped with TicketBase; an organization may save its own wording
(an override, ``EmailTemplate``) and delete it to go back to the default. The sources are
Jinja2 text written by tenants, so they are untrusted: the domain bounds their size, the
application's renderer (a sandbox) decides what they may do."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from ticketbase.domain.shared.errors import NotFound, RuleViolated, StaleVersion
from ticketbase.domain.shared.ids import UserId

MAX_SUBJECT_CHARS = 1_000
MAX_HTML_CHARS = 128 * 1024
MAX_TEXT_CHARS = 64 * 1024


class EmailKind(enum.StrEnum):
    ORDER_CONFIRMATION = "order_confirmation"
    TICKET_DELIVERY = "ticket_delivery"
    USER_INVITATION = "user_invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a kind of email, not a secret
    ORDER_REFUNDED = "order_refunded"
    EVENT_REMINDER = "event_reminder"
    EVENT_CANCELLED = "event_cancelled"

    @classmethod
    def parse(cls, value: str) -> EmailKind:
        try:
            return cls(value)
        except ValueError:
            raise UnknownEmailKind(f"no email kind {value!r}", field="kind") from None


class UnknownEmailKind(NotFound):
    """Not one of the kinds of API.md: a path naming another kind names nothing (404)."""


class InvalidTemplate(RuleViolated):
    """A template that does not compile, or fails its trial render with the kind's sample data
    (or breaks the sandbox's rules); ``field`` names the part, the detail its line."""


@dataclass(frozen=True, slots=True)
class TemplateSource:
    """The three parts of an email as Jinja2 templates. ``html`` may be empty (a text-only
    email); the subject and the text may not (the text part is always sent)."""

    subject: str
    html: str
    text: str

    def __post_init__(self) -> None:
        if not self.subject.strip():
            raise RuleViolated("a subject is required", field="subject")
        if not self.text.strip():
            raise RuleViolated("a text part is required", field="text")
        for name, value, limit in (
            ("subject", self.subject, MAX_SUBJECT_CHARS),
            ("html", self.html, MAX_HTML_CHARS),
            ("text", self.text, MAX_TEXT_CHARS),
        ):
            if len(value) > limit:
                raise RuleViolated(f"at most {limit} characters", field=name)
        if "\x00" in self.subject + self.html + self.text:
            raise RuleViolated("a template cannot contain NUL characters", field="html")


@dataclass(slots=True)
class EmailTemplate:
    """An organization's own wording of one kind; ``version`` counts its saves."""

    kind: EmailKind
    source: TemplateSource
    version: int
    updated_at: datetime
    updated_by: UserId | None

    @classmethod
    def first(
        cls, kind: EmailKind, source: TemplateSource, *, now: datetime, by: UserId | None
    ) -> EmailTemplate:
        return cls(kind, source, 1, now, by)

    def revise(
        self,
        source: TemplateSource,
        *,
        now: datetime,
        by: UserId | None,
        expected_version: int | None = None,
    ) -> None:
        check_version(self, expected_version)
        self.source = source
        self.version += 1
        self.updated_at = now
        self.updated_by = by


def check_version(template: EmailTemplate | None, expected_version: int | None) -> None:
    """A client that names the version it saw must have seen the current one. The default of
    a kind (no override) counts as version 0."""
    if expected_version is None:
        return
    current = 0 if template is None else template.version
    if expected_version != current:
        raise StaleVersion(
            f"the template is at version {current}, not {expected_version}", field="version"
        )
