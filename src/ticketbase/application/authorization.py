"""The one place a use case asks whether its actor may do something."""

from __future__ import annotations

from ticketbase.application.context import Actor
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.errors import PermissionDenied
from ticketbase.domain.shared.ids import OrganizationId


def require(actor: Actor, permission: Permission) -> OrganizationId:
    """Return the actor's organization when its membership holds ``permission``, else deny."""
    if actor.organization_id is None or permission not in actor.permissions:
        raise PermissionDenied(f"this needs the {permission.value} permission")
    return actor.organization_id


def require_platform_admin(actor: Actor) -> None:
    if not actor.is_platform_admin:
        raise PermissionDenied("only platform administrators may do this")
