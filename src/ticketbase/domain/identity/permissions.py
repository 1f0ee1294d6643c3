"""Roles and granular permissions: the default matrix of API.md and the effective set."""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Permission(enum.StrEnum):
    ORGANIZATION_READ = "organization:read"
    ORGANIZATION_UPDATE = "organization:update"
    BILLING_MANAGE = "billing:manage"
    USERS_READ = "users:read"
    USERS_MANAGE = "users:manage"
    DEPARTMENTS_MANAGE = "departments:manage"
    EVENTS_READ = "events:read"
    EVENTS_WRITE = "events:write"
    ORDERS_READ = "orders:read"
    ORDERS_MANAGE = "orders:manage"
    ATTENDEES_CHECKIN = "attendees:checkin"
    PAGES_WRITE = "pages:write"
    ASSETS_WRITE = "assets:write"
    EMAIL_TEMPLATES_WRITE = "email_templates:write"
    ANALYTICS_READ = "analytics:read"
    PLUGINS_MANAGE = "plugins:manage"
    AUDIT_READ = "audit:read"


class Role(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MANAGER = "manager"
    SUPPORT = "support"
    ANALYST = "analyst"


P = Permission
_SUPPORT = frozenset(
    {
        P.ORGANIZATION_READ,
        P.USERS_READ,
        P.EVENTS_READ,
        P.ORDERS_READ,
        P.ORDERS_MANAGE,
        P.ATTENDEES_CHECKIN,
    }
)
_MANAGER = _SUPPORT | {
    P.EVENTS_WRITE,
    P.PAGES_WRITE,
    P.ASSETS_WRITE,
    P.EMAIL_TEMPLATES_WRITE,
    P.ANALYTICS_READ,
}
_ADMIN = _MANAGER | {P.USERS_MANAGE, P.DEPARTMENTS_MANAGE, P.PLUGINS_MANAGE, P.AUDIT_READ}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ADMIN: _ADMIN,
    Role.MANAGER: _MANAGER,
    Role.SUPPORT: _SUPPORT,
    Role.ANALYST: frozenset({P.ORGANIZATION_READ, P.EVENTS_READ, P.ORDERS_READ, P.ANALYTICS_READ}),
}


def effective_permissions(
    role: Role, grants: Iterable[Permission] = (), revokes: Iterable[Permission] = ()
) -> frozenset[Permission]:
    """The role's defaults plus grants minus revokes (a revoke wins over a grant)."""
    return (ROLE_PERMISSIONS[role] | frozenset(grants)) - frozenset(revokes)
