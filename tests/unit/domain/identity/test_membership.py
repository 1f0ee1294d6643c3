"""Memberships and the escalation rules: who may give whom which role and permissions, and the
last active owner who always stays."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ticketbase.domain.identity.membership import (
    LastOwner,
    Membership,
    MembershipStatus,
    check_assignment,
    check_owner_remains,
)
from ticketbase.domain.identity.permissions import (
    ROLE_PERMISSIONS,
    Permission,
    Role,
    effective_permissions,
)
from ticketbase.domain.shared.errors import Conflict, PermissionDenied
from ticketbase.domain.shared.ids import MembershipId, OrganizationId, UserId

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ORG = OrganizationId(UUID(int=1))
NONE: frozenset[Permission] = frozenset()

roles = st.sampled_from(list(Role))
permission_sets = st.frozensets(st.sampled_from(list(Permission)))


def member(
    role: Role,
    *,
    grants: frozenset[Permission] = NONE,
    revokes: frozenset[Permission] = NONE,
    status: MembershipStatus = MembershipStatus.ACTIVE,
    n: int = 2,
) -> Membership:
    return Membership(
        id=MembershipId(UUID(int=1000 + n)),
        organization_id=ORG,
        user_id=UserId(UUID(int=2000 + n)),
        role=role,
        status=status,
        created_at=NOW,
        updated_at=NOW,
        grants=grants,
        revokes=revokes,
    )


def allowed(actor: Membership, target: Membership | None, requested: Membership) -> bool:
    try:
        check_assignment(
            actor_role=actor.role,
            actor_permissions=actor.permissions,
            target=target,
            role=requested.role,
            grants=requested.grants,
            revokes=requested.revokes,
        )
    except PermissionDenied:
        return False
    return True


# --- examples ------------------------------------------------------------------------------------


def test_the_effective_permissions_follow_role_grants_and_revokes() -> None:
    m = member(
        Role.SUPPORT,
        grants=frozenset({Permission.AUDIT_READ, Permission.EVENTS_WRITE}),
        revokes=frozenset({Permission.EVENTS_WRITE, Permission.ORDERS_MANAGE}),
    )
    assert m.permissions == (ROLE_PERMISSIONS[Role.SUPPORT] | {Permission.AUDIT_READ}) - {
        Permission.ORDERS_MANAGE
    }


@pytest.mark.parametrize(
    ("status", "can"),
    [
        (MembershipStatus.ACTIVE, True),
        (MembershipStatus.INVITED, True),
        (MembershipStatus.DEACTIVATED, False),
    ],
)
def test_only_deactivated_members_cannot_log_in(status: MembershipStatus, can: bool) -> None:
    assert member(Role.ANALYST, status=status).can_log_in is can


@pytest.mark.parametrize(
    ("actor", "target", "requested", "ok"),
    [
        (Role.OWNER, None, Role.OWNER, True),
        (Role.OWNER, Role.OWNER, Role.ANALYST, True),
        (Role.ADMIN, None, Role.ADMIN, True),
        (Role.ADMIN, Role.MANAGER, Role.SUPPORT, True),
        (Role.ADMIN, None, Role.OWNER, False),
        (Role.ADMIN, Role.ANALYST, Role.OWNER, False),
        (Role.ADMIN, Role.OWNER, Role.OWNER, False),
        (Role.ADMIN, Role.OWNER, Role.ANALYST, False),
        (Role.MANAGER, None, Role.ANALYST, False),
        (Role.SUPPORT, Role.ANALYST, Role.ANALYST, False),
    ],
)
def test_roles_only_owners_touch_owners(
    actor: Role, target: Role | None, requested: Role, ok: bool
) -> None:
    assert (
        allowed(
            member(actor, n=1),
            None if target is None else member(target),
            member(requested),
        )
        is ok
    )


def test_a_permission_the_actor_lacks_cannot_be_granted_and_is_named() -> None:
    with pytest.raises(PermissionDenied) as caught:
        check_assignment(
            actor_role=Role.ADMIN,
            actor_permissions=ROLE_PERMISSIONS[Role.ADMIN],
            target=None,
            role=Role.MANAGER,
            grants=frozenset({Permission.BILLING_MANAGE, Permission.AUDIT_READ}),
            revokes=NONE,
        )
    assert "billing:manage" in caught.value.detail
    assert "audit:read" not in caught.value.detail


def test_a_role_the_actor_holds_only_partly_cannot_be_given_without_revokes() -> None:
    actor = member(Role.ADMIN, revokes=frozenset({Permission.PAGES_WRITE}), n=1)
    assert not allowed(actor, None, member(Role.MANAGER))
    assert allowed(actor, None, member(Role.MANAGER, revokes=frozenset({Permission.PAGES_WRITE})))


def test_users_manage_is_needed_even_by_an_owner() -> None:
    actor = member(Role.OWNER, revokes=frozenset({Permission.USERS_MANAGE}), n=1)
    assert not allowed(actor, None, member(Role.ANALYST))


def test_the_last_active_owner_is_kept() -> None:
    owner = member(Role.OWNER)
    with pytest.raises(LastOwner) as caught:
        check_owner_remains(owner, new_role=Role.ADMIN, active_owners=1)
    assert caught.value.code == "last_owner"
    assert isinstance(caught.value, Conflict)
    with pytest.raises(LastOwner):
        check_owner_remains(owner, new_role=None, active_owners=1)


@pytest.mark.parametrize(
    ("target", "new_role", "active_owners"),
    [
        (member(Role.OWNER), Role.ADMIN, 2),
        (member(Role.OWNER), None, 2),
        (member(Role.OWNER), Role.OWNER, 1),
        (member(Role.ADMIN), None, 1),
        (member(Role.OWNER, status=MembershipStatus.INVITED), None, 1),
        (member(Role.OWNER, status=MembershipStatus.DEACTIVATED), Role.ANALYST, 1),
    ],
    ids=[
        "another-owner",
        "another-owner-deactivation",
        "stays-owner",
        "not-an-owner",
        "invited-owner",
        "deactivated-owner",
    ],
)
def test_changes_that_leave_an_active_owner_pass(
    target: Membership, new_role: Role | None, active_owners: int
) -> None:
    check_owner_remains(target, new_role=new_role, active_owners=active_owners)


# --- properties ----------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    actor_role=roles,
    actor_grants=permission_sets,
    actor_revokes=permission_sets,
    target_role=st.none() | roles,
    role=roles,
    grants=permission_sets,
    revokes=permission_sets,
)
def test_an_assignment_passes_exactly_when_it_escalates_nothing(
    actor_role: Role,
    actor_grants: frozenset[Permission],
    actor_revokes: frozenset[Permission],
    target_role: Role | None,
    role: Role,
    grants: frozenset[Permission],
    revokes: frozenset[Permission],
) -> None:
    actor = member(actor_role, grants=actor_grants, revokes=actor_revokes, n=1)
    target = None if target_role is None else member(target_role)
    requested = effective_permissions(role, grants, revokes)

    passed = allowed(actor, target, member(role, grants=grants, revokes=revokes))

    if passed:
        assert requested <= actor.permissions
        assert Permission.USERS_MANAGE in actor.permissions
        if role is Role.OWNER or target_role is Role.OWNER:
            assert actor_role is Role.OWNER
    else:  # and nothing harmless is refused
        assert (
            Permission.USERS_MANAGE not in actor.permissions
            or not requested <= actor.permissions
            or (actor_role is not Role.OWNER and Role.OWNER in (role, target_role))
        )


class Organization(RuleBasedStateMachine):
    """Members change each other through the rules only; every grant remembers what its
    grantor held at that moment.

    Invariants: nobody holds a permission their last grantor lacked when granting it; every
    owner was made by an owner (or founded the organization); an active owner always remains.
    """

    def __init__(self) -> None:
        super().__init__()
        self.members: list[Membership] = []
        self.grantor_held: dict[int, frozenset[Permission]] = {}
        self.made_by_owner: dict[int, bool] = {}

    @initialize()
    def found(self) -> None:
        self.members.append(member(Role.OWNER, n=0))
        self.grantor_held[0] = frozenset(Permission)
        self.made_by_owner[0] = True

    def _actor(self, index: int) -> Membership | None:
        actor = self.members[index % len(self.members)]
        return actor if actor.status is MembershipStatus.ACTIVE else None

    def _active_owners(self) -> int:
        return sum(
            m.role is Role.OWNER and m.status is MembershipStatus.ACTIVE for m in self.members
        )

    @precondition(lambda self: len(self.members) < 12)
    @rule(actor=st.integers(0, 50), role=roles, grants=permission_sets, revokes=permission_sets)
    def add(
        self,
        actor: int,
        role: Role,
        grants: frozenset[Permission],
        revokes: frozenset[Permission],
    ) -> None:
        by = self._actor(actor)
        new = member(role, grants=grants, revokes=revokes, n=len(self.members))
        if by is None or not allowed(by, None, new):
            return
        self.grantor_held[len(self.members)] = by.permissions
        self.made_by_owner[len(self.members)] = by.role is Role.OWNER
        self.members.append(new)

    @rule(
        actor=st.integers(0, 50),
        other=st.integers(0, 50),
        role=roles,
        grants=permission_sets,
        revokes=permission_sets,
    )
    def change(
        self,
        actor: int,
        other: int,
        role: Role,
        grants: frozenset[Permission],
        revokes: frozenset[Permission],
    ) -> None:
        by = self._actor(actor)
        index = other % len(self.members)
        subject = self.members[index]
        if by is None or not allowed(
            by, subject, member(role, grants=grants, revokes=revokes, n=index)
        ):
            return
        try:
            check_owner_remains(subject, new_role=role, active_owners=self._active_owners())
        except LastOwner:
            return
        self.grantor_held[index] = by.permissions  # before the change: the actor may be subject
        self.made_by_owner[index] = by.role is Role.OWNER
        subject.role, subject.grants, subject.revokes = role, grants, revokes

    @rule(actor=st.integers(0, 50), other=st.integers(0, 50))
    def deactivate(self, actor: int, other: int) -> None:
        by = self._actor(actor)
        subject = self.members[other % len(self.members)]
        if by is None or not allowed(by, subject, member(subject.role)):
            return
        try:
            check_owner_remains(subject, new_role=None, active_owners=self._active_owners())
        except LastOwner:
            return
        subject.status = MembershipStatus.DEACTIVATED

    @invariant()
    def nobody_holds_more_than_their_grantor_held(self) -> None:
        for index, m in enumerate(self.members):
            assert m.permissions <= self.grantor_held[index], (index, m)

    @invariant()
    def only_owners_made_owners(self) -> None:
        for index, m in enumerate(self.members):
            if m.role is Role.OWNER:
                assert self.made_by_owner[index], (index, m)

    @invariant()
    def an_active_owner_remains(self) -> None:
        assert self._active_owners() >= 1


Organization.TestCase.settings = settings(max_examples=40, stateful_step_count=20, deadline=None)
TestOrganization = Organization.TestCase
