"""Change an organization's name, settings, branding or custom domains."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.audit import AuditEntry, JsonValue
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.organization import Branding, Organization, OrganizationSettings
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.errors import NotFound
from ticketbase.domain.shared.ids import OrganizationId


@dataclass(frozen=True, slots=True)
class UpdateOrganizationCommand:
    organization_id: OrganizationId
    expected_version: int | None = None
    name: str | None = None
    settings: OrganizationSettings | None = None
    branding: Branding | None = None
    custom_domains: list[str] | None = None


class UpdateOrganization:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: UpdateOrganizationCommand, actor: Actor) -> Organization:
        if actor.organization_id != command.organization_id:
            raise NotFound("no such organization")
        organization_id = require(actor, Permission.ORGANIZATION_UPDATE)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            organization = await tx.organizations.get()
            if organization is None:
                raise NotFound("no such organization")
            organization.update(
                now=now,
                expected_version=command.expected_version,
                name=command.name,
                settings=command.settings,
                branding=command.branding,
                custom_domains=command.custom_domains,
            )
            await tx.organizations.save(organization)
            await tx.audit.append(
                AuditEntry(
                    id=self._ids.new(),
                    at=now,
                    actor_id=actor.user_id,
                    action="organization.updated",
                    target_type="organization",
                    target_id=str(organization_id),
                    meta=actor.meta,
                    changes=_changed_parts(command),
                )
            )
            await tx.commit()
        return organization


def _changed_parts(command: UpdateOrganizationCommand) -> dict[str, JsonValue]:
    changes: dict[str, JsonValue] = {}
    if command.name is not None:
        changes["name"] = command.name
    if command.custom_domains is not None:
        changes["customDomains"] = list(command.custom_domains)
    for part in ("settings", "branding"):
        if getattr(command, part) is not None:
            changes[part] = "changed"
    return changes
