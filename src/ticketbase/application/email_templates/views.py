"""What staff see of an email template, and who may see it.

Every member reads the templates (``organization:read``, or ``email_templates:write`` for a
membership that revoked the first); changing, previewing and test-sending need
``email_templates:write`` (owners, admins, managers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ticketbase.application.context import Actor
from ticketbase.application.email_templates.variables import variable_names
from ticketbase.application.ports.email_templates import EmailTemplates
from ticketbase.domain.email_templates.template import EmailKind, EmailTemplate, TemplateSource
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.errors import PermissionDenied
from ticketbase.domain.shared.ids import OrganizationId, UserId

_READERS = frozenset({Permission.ORGANIZATION_READ, Permission.EMAIL_TEMPLATES_WRITE})


def require_reader(actor: Actor) -> OrganizationId:
    if actor.organization_id is None or not actor.permissions & _READERS:
        raise PermissionDenied(
            "this needs the organization:read or email_templates:write permission"
        )
    return actor.organization_id


@dataclass(frozen=True, slots=True)
class EmailTemplateView:
    kind: EmailKind
    source: TemplateSource
    is_default: bool
    version: int
    """0 for the default: ``If-Match: "0"`` saves only if nobody saved an override meanwhile."""
    updated_at: datetime | None
    updated_by: UserId | None
    variables: list[str]


def view_of(
    kind: EmailKind, override: EmailTemplate | None, templates: EmailTemplates
) -> EmailTemplateView:
    if override is None:
        return EmailTemplateView(
            kind, templates.default(kind), True, 0, None, None, variable_names(kind)
        )
    return EmailTemplateView(
        kind,
        override.source,
        False,
        override.version,
        override.updated_at,
        override.updated_by,
        variable_names(kind),
    )
