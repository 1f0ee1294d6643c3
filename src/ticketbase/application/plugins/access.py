"""Who may do what with plugins, and on whose behalf TicketBase then calls the plugin server."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.plugins import ServiceIdentity
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.errors import PermissionDenied
from ticketbase.domain.shared.ids import OrganizationId

PLUGIN_INSTALL = "plugin.install"  # outbox command: the plugin server provisions it
PLUGIN_UNINSTALL = "plugin.uninstall"  # outbox command: the plugin server removes it
PLUGIN_STATUS_CHANGED = "plugin.status_changed"  # announcement (pushed to the tenant's clients)
TARGET = "plugin"


def member_of(actor: Actor) -> OrganizationId:
    """Any member of an organization (the catalog, the proxy: the plugin server applies the
    ``role`` claim to its own routes)."""
    return require(actor, Permission.ORGANIZATION_READ)


def manager_of(actor: Actor) -> OrganizationId:
    return require(actor, Permission.PLUGINS_MANAGE)


def identity_of(actor: Actor, organization_id: OrganizationId | None) -> ServiceIdentity:
    return ServiceIdentity(
        organization_id=organization_id,
        user_id=actor.user_id,
        role=actor.role.value if actor.role else None,
        request_id=actor.meta.request_id,
    )


def system_identity(organization_id: OrganizationId) -> ServiceIdentity:
    """The worker acting for a tenant (no user)."""
    return ServiceIdentity(organization_id=organization_id, role="system")


def catalog_reader(actor: Actor) -> OrganizationId | None:
    """Members, and platform administrators (who may have no organization)."""
    if actor.is_platform_admin:
        return actor.organization_id
    if actor.organization_id is None:
        raise PermissionDenied("only members of an organization see the plugin catalog")
    return member_of(actor)
