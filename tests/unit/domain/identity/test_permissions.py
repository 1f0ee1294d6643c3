"""The default role matrix of API.md and the effective set after grants and revokes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketbase.domain.identity.permissions import (
    ROLE_PERMISSIONS,
    Permission,
    Role,
    effective_permissions,
)

# API.md, "Roles and permissions", transcribed row by row: permission -> roles that hold it.
API_MATRIX: dict[str, set[str]] = {
    "organization:read": {"owner", "admin", "manager", "support", "analyst"},
    "organization:update": {"owner"},
    "billing:manage": {"owner"},
    "users:read": {"owner", "admin", "manager", "support"},
    "users:manage": {"owner", "admin"},
    "departments:manage": {"owner", "admin"},
    "events:read": {"owner", "admin", "manager", "support", "analyst"},
    "events:write": {"owner", "admin", "manager"},
    "orders:read": {"owner", "admin", "manager", "support", "analyst"},
    "orders:manage": {"owner", "admin", "manager", "support"},
    "attendees:checkin": {"owner", "admin", "manager", "support"},
    "pages:write": {"owner", "admin", "manager"},
    "assets:write": {"owner", "admin", "manager"},
    "email_templates:write": {"owner", "admin", "manager"},
    "analytics:read": {"owner", "admin", "manager", "analyst"},
    "plugins:manage": {"owner", "admin"},
    "audit:read": {"owner", "admin"},
}


def expected_for(role: str) -> set[str]:
    return {permission for permission, roles in API_MATRIX.items() if role in roles}


def test_the_permission_names_are_those_of_the_api() -> None:
    assert {p.value for p in Permission} == set(API_MATRIX)


def test_the_role_names_are_those_of_the_api() -> None:
    assert {r.value for r in Role} == {"owner", "admin", "manager", "support", "analyst"}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_has_exactly_the_permissions_of_the_matrix(role: Role) -> None:
    assert {p.value for p in ROLE_PERMISSIONS[role]} == expected_for(role.value)


def test_owner_has_every_permission() -> None:
    assert ROLE_PERMISSIONS[Role.OWNER] == frozenset(Permission)


def test_admin_lacks_only_organization_update_and_billing() -> None:
    assert frozenset(Permission) - ROLE_PERMISSIONS[Role.ADMIN] == {
        Permission.ORGANIZATION_UPDATE,
        Permission.BILLING_MANAGE,
    }


def test_analyst_reads_but_never_writes() -> None:
    assert ROLE_PERMISSIONS[Role.ANALYST] == {
        Permission.ORGANIZATION_READ,
        Permission.EVENTS_READ,
        Permission.ORDERS_READ,
        Permission.ANALYTICS_READ,
    }


def test_without_grants_or_revokes_the_role_defaults_apply() -> None:
    assert effective_permissions(Role.SUPPORT) == ROLE_PERMISSIONS[Role.SUPPORT]


def test_a_grant_adds_and_a_revoke_removes() -> None:
    permissions = effective_permissions(
        Role.ANALYST, grants=[Permission.EVENTS_WRITE], revokes=[Permission.ORDERS_READ]
    )
    assert Permission.EVENTS_WRITE in permissions
    assert Permission.ORDERS_READ not in permissions
    assert Permission.EVENTS_READ in permissions


def test_a_revoke_wins_over_a_grant_of_the_same_permission() -> None:
    permissions = effective_permissions(
        Role.MANAGER, grants=[Permission.AUDIT_READ], revokes=[Permission.AUDIT_READ]
    )
    assert Permission.AUDIT_READ not in permissions


permission_sets = st.frozensets(st.sampled_from(list(Permission)))


@given(role=st.sampled_from(list(Role)), grants=permission_sets, revokes=permission_sets)
def test_effective_permissions_invariants(
    role: Role, grants: frozenset[Permission], revokes: frozenset[Permission]
) -> None:
    effective = effective_permissions(role, grants, revokes)
    assert not effective & revokes
    assert effective >= ROLE_PERMISSIONS[role] - revokes
    assert effective >= grants - revokes
    assert effective <= ROLE_PERMISSIONS[role] | grants


@given(role=st.sampled_from(list(Role)), grants=permission_sets, revokes=permission_sets)
def test_effective_permissions_accept_any_iterable_once(
    role: Role, grants: frozenset[Permission], revokes: frozenset[Permission]
) -> None:
    # Generators can be consumed only once; the result must not depend on the container type.
    assert effective_permissions(role, iter(grants), iter(revokes)) == effective_permissions(
        role, grants, revokes
    )
