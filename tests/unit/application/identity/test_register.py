"""Register: organization, owner account, owner membership, first session and audit, at once."""

from __future__ import annotations

import copy

import pytest
from tests.unit.application.identity.conftest import META, PASSWORD, IdentityKit

from ticketbase.adapters.memory.unit_of_work import MemoryState
from ticketbase.domain.identity.membership import MembershipStatus
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.shared.errors import Conflict, RuleViolated

pytestmark = pytest.mark.anyio


async def test_creates_the_organization_its_owner_and_a_signed_in_session(kit: IdentityKit) -> None:
    signed_in = await kit.register("acme", " Olivia@Acme.example ", full_name="  Olivia  Owner ")

    state = kit.uow.database.state
    assert signed_in.organization is not None
    assert signed_in.membership is not None
    organization = state.organizations[signed_in.organization.id]
    assert (organization.slug.value, organization.name) == ("acme", "Acme")
    user = state.users[signed_in.user.id]
    assert user.email.value == "olivia@acme.example"
    assert user.full_name == "Olivia Owner"
    assert user.password_hash == f"hashed:{PASSWORD}"
    assert user.password_changed_at == kit.clock.now()
    membership = state.memberships[signed_in.membership.id]
    assert (membership.organization_id, membership.user_id) == (organization.id, user.id)
    assert (membership.role, membership.status) == (Role.OWNER, MembershipStatus.ACTIVE)
    session = state.sessions[signed_in.tokens.session_id]
    assert (session.user_id, session.organization_id) == (user.id, organization.id)
    assert (session.ip, session.user_agent) == (META.ip, META.user_agent)
    [(tenant, entry)] = state.audit
    assert tenant == organization.id
    assert (entry.action, entry.actor_id, entry.target_id) == (
        "organization.registered",
        user.id,
        str(organization.id),
    )
    assert entry.changes == {"name": "Acme", "slug": "acme", "owner": "olivia@acme.example"}


async def test_the_tokens_sign_the_owner_into_the_new_organization(kit: IdentityKit) -> None:
    signed_in = await kit.register()

    actor = await kit.actor(signed_in.tokens)
    assert signed_in.organization is not None
    assert actor.organization_id == signed_in.organization.id
    assert actor.user_id == signed_in.user.id
    assert actor.role is Role.OWNER
    assert actor.permissions == frozenset(Permission)
    assert signed_in.tokens.expires_in == 900
    me = await kit.get_me(actor)
    assert me.organization is not None
    assert me.organization.slug.value == "acme"


async def test_a_taken_email_is_a_conflict_on_email_and_stores_nothing(kit: IdentityKit) -> None:
    await kit.register("acme", "olivia@acme.example")
    before = copy.deepcopy(kit.uow.database.state)

    with pytest.raises(Conflict) as caught:
        await kit.register("globex", "OLIVIA@acme.example")

    assert caught.value.field == "email"
    assert kit.uow.database.state == before


async def test_a_taken_slug_is_a_conflict_and_stores_nothing(kit: IdentityKit) -> None:
    await kit.register("acme", "olivia@acme.example")
    before = copy.deepcopy(kit.uow.database.state)

    with pytest.raises(Conflict) as caught:
        await kit.register("acme", "someone.else@globex.example")

    assert caught.value.code == "conflict"
    assert kit.uow.database.state == before
    assert await kit.user("someone.else@globex.example") is None


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("olivia@acme.example", "short pass"),
        ("olivia@acme.example", "olivia@acme.example"),
        ("olivia@acme.example", " OLIVIA@ACME.EXAMPLE "),
        ("olivia.longname@acme.example", "Olivia.Longname"),
    ],
    ids=["too-short", "the-email", "the-email-uppercased", "the-local-part"],
)
async def test_a_weak_password_is_refused_and_nothing_is_stored(
    kit: IdentityKit, email: str, password: str
) -> None:
    with pytest.raises(RuleViolated) as caught:
        await kit.register("acme", email, password=password)

    assert caught.value.field == "password"
    assert kit.uow.database.state == MemoryState()
    assert kit.hasher.hash_calls == 0


@pytest.mark.parametrize("slug", ["Not A Slug", "-acme", "a" * 65])
async def test_an_invalid_slug_is_refused(kit: IdentityKit, slug: str) -> None:
    with pytest.raises(RuleViolated):
        await kit.register(slug)
    assert kit.uow.database.state.organizations == {}
