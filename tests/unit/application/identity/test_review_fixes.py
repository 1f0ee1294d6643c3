"""Behaviour settled after review: re-adding members, second invitations, silent resets when
mail is down, throttled password changes, refreshes refused without spending the token."""

from __future__ import annotations

import pytest
from tests.unit.application.identity.conftest import META, PASSWORD, IdentityKit, link_token

from ticketbase.application.identity.refresh_session import InvalidRefreshToken
from ticketbase.domain.identity.membership import MembershipStatus
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.errors import InvalidCredentials, RateLimited

pytestmark = pytest.mark.anyio


async def test_a_deactivated_member_is_added_back_with_the_new_role(kit: IdentityKit) -> None:
    owner = await kit.actor((await kit.register()).tokens)
    member = await kit.add_member(owner, "sam@acme.example", Role.SUPPORT)
    await kit.deactivate_user(member.membership.user_id, owner)

    back = await kit.add_member(owner, "sam@acme.example", Role.ANALYST)

    assert back.membership.id == member.membership.id  # the same membership, history kept
    assert (back.membership.role, back.membership.status) == (Role.ANALYST, MembershipStatus.ACTIVE)
    assert owner.organization_id is not None
    assert kit.audit_actions(owner.organization_id)[-1] == "user.reactivated"
    assert (await kit.login("sam@acme.example")).membership is not None


async def test_an_invitee_without_a_password_is_invited_again_elsewhere(kit: IdentityKit) -> None:
    acme = await kit.actor((await kit.register("acme", "olivia@acme.example")).tokens)
    globex = await kit.actor((await kit.register("globex", "gus@globex.example")).tokens)
    await kit.add_member(acme, "ivy@example.com", Role.SUPPORT, password=None)

    again = await kit.add_member(globex, "ivy@example.com", Role.ANALYST, password=None)

    assert again.membership.status is MembershipStatus.INVITED
    first, second = kit.mailer.to("ivy@example.com")
    assert "invited" in second.subject
    signed_in = await kit.accept_invitation(link_token(second), "ivy's long passphrase", META)
    assert signed_in.organization is not None
    assert signed_in.organization.slug.value == "globex"
    assert "invited" in first.subject


async def test_an_existing_accounts_password_is_not_replaced(kit: IdentityKit) -> None:
    acme = await kit.actor((await kit.register("acme", "olivia@acme.example")).tokens)
    globex = await kit.actor((await kit.register("globex", "gus@globex.example")).tokens)
    await kit.add_member(acme, "max@example.com", Role.SUPPORT)

    await kit.add_member(globex, "max@example.com", Role.SUPPORT, password="another passphrase")

    user = await kit.user("max@example.com")
    assert user is not None
    assert user.password_hash == f"hashed:{PASSWORD}"


async def test_a_reset_asked_while_mail_is_down_answers_like_an_unknown_email(
    kit: IdentityKit,
) -> None:
    await kit.register()
    kit.mailer.fail = True

    await kit.forgot_password("olivia@acme.example", META)  # no error that would tell

    kit.mailer.fail = False
    assert kit.uow.database.state.one_time_tokens == {}


async def test_wrong_current_passwords_are_throttled(kit: IdentityKit) -> None:
    actor = await kit.actor((await kit.register()).tokens)
    for _ in range(kit.limits.per_account.limit):
        with pytest.raises(InvalidCredentials):
            await kit.change_password("not my password", "a new long passphrase", actor)

    with pytest.raises(RateLimited):
        await kit.change_password(PASSWORD, "a new long passphrase", actor)


async def test_a_refused_refresh_does_not_spend_the_token(kit: IdentityKit) -> None:
    owner = await kit.actor((await kit.register()).tokens)
    await kit.add_member(owner, "sam@acme.example", Role.SUPPORT)
    sam = await kit.login("sam@acme.example")
    # The membership ends while the session is still open (as between two transactions).
    state = kit.uow.database.state
    membership = next(m for m in state.memberships.values() if m.user_id == sam.user.id)
    membership.status = MembershipStatus.DEACTIVATED
    before = state.refresh_hashes[sam.tokens.session_id]

    with pytest.raises(InvalidRefreshToken):
        await kit.refresh(sam.tokens.refresh_token, META)

    assert kit.uow.database.state.refresh_hashes[sam.tokens.session_id] == before
    membership.status = MembershipStatus.ACTIVE
    assert (await kit.refresh(sam.tokens.refresh_token, META)).session_id == sam.tokens.session_id
    assert kit.security_events("refresh_token_reused") == []


async def test_accepting_an_invitation_is_audited(kit: IdentityKit) -> None:
    owner = await kit.actor((await kit.register()).tokens)
    await kit.add_member(owner, "ivy@acme.example", Role.SUPPORT, password=None)
    [invitation] = kit.mailer.to("ivy@acme.example")

    await kit.accept_invitation(link_token(invitation), "ivy's long passphrase", META)

    assert owner.organization_id is not None
    assert kit.audit_actions(owner.organization_id)[-1] == "user.invitation_accepted"
