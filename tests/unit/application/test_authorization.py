"""require / require_platform_admin: the one place a use case asks for a permission."""

from __future__ import annotations

from uuid import UUID

import pytest

from ticketbase.application.authorization import require, require_platform_admin
from ticketbase.application.context import Actor
from ticketbase.domain.identity.permissions import Permission, Role, effective_permissions
from ticketbase.domain.shared.errors import PermissionDenied
from ticketbase.domain.shared.ids import OrganizationId, SessionId, UserId

ORG = OrganizationId(UUID(int=10))


def actor(**kwargs: object) -> Actor:
    return Actor(user_id=UserId(UUID(int=1)), session_id=SessionId(UUID(int=2)), **kwargs)  # type: ignore[arg-type]


def test_require_returns_the_actors_organization_when_permitted() -> None:
    member = actor(
        organization_id=ORG, role=Role.MANAGER, permissions=effective_permissions(Role.MANAGER)
    )
    assert require(member, Permission.EVENTS_WRITE) == ORG


def test_require_denies_a_missing_permission_naming_it() -> None:
    member = actor(
        organization_id=ORG, role=Role.ANALYST, permissions=effective_permissions(Role.ANALYST)
    )
    with pytest.raises(PermissionDenied, match="events:write"):
        require(member, Permission.EVENTS_WRITE)


def test_require_denies_an_actor_outside_any_organization_even_with_the_permission() -> None:
    stray = actor(permissions=frozenset(Permission), is_platform_admin=True)
    with pytest.raises(PermissionDenied):
        require(stray, Permission.ORGANIZATION_READ)


def test_require_platform_admin() -> None:
    require_platform_admin(actor(is_platform_admin=True))
    with pytest.raises(PermissionDenied):
        require_platform_admin(
            actor(organization_id=ORG, role=Role.OWNER, permissions=frozenset(Permission))
        )
