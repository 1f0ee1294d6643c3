"""Email templates: the tenant's overrides (a repository) and the sandboxed renderer that every
email the system sends goes through.

Rendering data is plain JSON-like values (``TemplateData``: strings, numbers, booleans, lists
and string-keyed mappings): templates written by tenants see nothing else, no domain object
with methods to walk. Each kind has a documented set of variables
(``application/email_templates/variables.py``) and the renderer adds ``organization`` (name
and branding) itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ticketbase.application.ports.mailer import OutgoingEmail
from ticketbase.domain.email_templates.template import EmailKind, EmailTemplate, TemplateSource

if TYPE_CHECKING:
    from ticketbase.application.ports.unit_of_work import TenantTransaction

TemplateValue = (
    str | int | float | bool | None | Sequence["TemplateValue"] | Mapping[str, "TemplateValue"]
)
TemplateData = Mapping[str, TemplateValue]


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    """An email as written for one recipient; ``html`` is None for a text-only template."""

    subject: str
    html: str | None
    text: str

    def to(self, address: str, headers: tuple[tuple[str, str], ...] = ()) -> OutgoingEmail:
        return OutgoingEmail(
            to=address, subject=self.subject, text=self.text, html=self.html, headers=headers
        )


class EmailTemplateRepository(Protocol):
    """The current tenant's overrides, at most one per kind."""

    async def get(self, kind: EmailKind) -> EmailTemplate | None: ...

    async def all(self) -> list[EmailTemplate]: ...

    async def save(self, template: EmailTemplate) -> None:
        """Write a template whose version was just set: version 1 inserts, a later one replaces
        the row at the version before it; ``StaleVersion`` when another save came first."""
        ...

    async def delete(self, kind: EmailKind) -> bool:
        """Remove the override (back to the default); False when there was none."""
        ...


class EmailTemplates(Protocol):
    """The renderer: defaults per kind, the check of a tenant's template, and the sandboxed
    render. Renders run off the event loop with bounded time, work and output."""

    def default(self, kind: EmailKind) -> TemplateSource:
        """What TicketBase sends for ``kind`` when the organization wrote nothing."""
        ...

    async def check(self, source: TemplateSource, sample: TemplateData) -> None:
        """Refuse (``InvalidTemplate`` naming the part and the line) a template that does not
        compile, loads other templates, or fails to render ``sample`` within the limits."""
        ...

    async def render(self, source: TemplateSource, data: TemplateData) -> RenderedEmail:
        """Render a tenant's template in the sandbox; ``InvalidTemplate`` when it fails."""
        ...

    async def render_for(
        self, tx: TenantTransaction | None, kind: EmailKind, data: TemplateData
    ) -> RenderedEmail:
        """The email of ``kind`` as the tenant of ``tx`` words it (its override, else the
        default) with its name and branding as ``organization``; ``None`` for mail outside any
        tenant (a platform administrator's password reset): the default, TicketBase's
        branding. An override that fails on this data is logged and the default is sent, so
        a tenant's mistake never loses a buyer's tickets."""
        ...
