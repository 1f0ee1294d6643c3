"""A tenant's email template overrides in PostgreSQL (``email_templates``, migration 0012).

Saving is optimistic: the first version inserts (a concurrent first save finds the row there),
each later one updates the row only at the version before it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.adapters.postgres.tables import email_templates
from ticketbase.domain.email_templates.template import EmailKind, EmailTemplate, TemplateSource
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import OrganizationId, UserId

_CHANGED = "the template was changed meanwhile"


class PostgresEmailTemplateRepository:
    def __init__(self, connection: AsyncConnection, organization_id: OrganizationId) -> None:
        self._c, self._org = connection, organization_id

    async def get(self, kind: EmailKind) -> EmailTemplate | None:
        row = (
            await self._c.execute(
                select(email_templates).where(
                    email_templates.c.organization_id == self._org,
                    email_templates.c.kind == kind.value,
                )
            )
        ).first()
        return None if row is None else _template(row._mapping)

    async def all(self) -> list[EmailTemplate]:
        rows = await self._c.execute(
            select(email_templates)
            .where(email_templates.c.organization_id == self._org)
            .order_by(email_templates.c.kind)
        )
        return [_template(row._mapping) for row in rows]

    async def save(self, template: EmailTemplate) -> None:
        values = {
            "subject": template.source.subject,
            "html": template.source.html,
            "text": template.source.text,
            "version": template.version,
            "updated_at": template.updated_at,
            "updated_by": template.updated_by,
        }
        if template.version == 1:
            # ON CONFLICT rather than a caught error: a lost race leaves the transaction usable.
            inserted = await self._c.scalar(
                pg_insert(email_templates)
                .values(organization_id=self._org, kind=template.kind.value, **values)
                .on_conflict_do_nothing(
                    index_elements=[email_templates.c.organization_id, email_templates.c.kind]
                )
                .returning(email_templates.c.version)
            )
            if inserted is None:
                raise StaleVersion(_CHANGED, field="version")
            return
        result = await self._c.execute(
            update(email_templates)
            .where(
                email_templates.c.organization_id == self._org,
                email_templates.c.kind == template.kind.value,
                email_templates.c.version == template.version - 1,
            )
            .values(**values)
        )
        if result.rowcount != 1:
            raise StaleVersion(_CHANGED, field="version")

    async def delete(self, kind: EmailKind) -> bool:
        result = await self._c.execute(
            delete(email_templates).where(
                email_templates.c.organization_id == self._org,
                email_templates.c.kind == kind.value,
            )
        )
        return bool(result.rowcount)


def _template(row: Any) -> EmailTemplate:
    return EmailTemplate(
        kind=EmailKind(row["kind"]),
        source=TemplateSource(subject=row["subject"], html=row["html"], text=row["text"]),
        version=row["version"],
        updated_at=row["updated_at"],
        updated_by=None if row["updated_by"] is None else UserId(row["updated_by"]),
    )
