"""Forgotten passwords, resets, invitations and password changes: one-time links that expire
and work once, and sessions ended where the account's secret changed."""

from __future__ import annotations

import copy

import pytest
from tests.unit.application.identity.conftest import (
    META,
    NEW_PASSWORD,
    PASSWORD,
    IdentityKit,
    link_token,
)

from ticketbase.application.identity.opaque_tokens import hash_opaque_token
from ticketbase.application.identity.password_flows import InvalidLink
from ticketbase.application.identity.refresh_session import InvalidRefreshToken
from ticketbase.application.identity.register import SignedIn
from ticketbase.application.ports.mailer import OutgoingEmail
from ticketbase.application.ports.unit_of_work import TokenPurpose
from ticketbase.domain.identity.membership import MembershipStatus
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.errors import InvalidCredentials, RuleViolated, SessionEnded

pytestmark = pytest.mark.anyio

OWNER = "olivia@acme.example"
INVITEE = "ivy@acme.example"


async def bad_link(kit: IdentityKit, token: str, *, invitation: bool = False) -> None:
    with pytest.raises(InvalidLink) as caught:
        if invitation:
            await kit.accept_invitation(token, NEW_PASSWORD, META)
        else:
            await kit.reset_password(token, NEW_PASSWORD, META)
    assert caught.value.code == "invalid_token"
    assert caught.value.field == "token"


async def reset_mail(kit: IdentityKit, email: str = OWNER) -> OutgoingEmail:
    await kit.forgot_password(email, META)
    return kit.mailer.sent[-1]


async def password_works(kit: IdentityKit, email: str, password: str) -> bool:
    try:
        await kit.login(email, password)
    except InvalidCredentials:
        return False
    return True


# --- ForgotPassword / ResetPassword ----------------------------------------------------------


@pytest.mark.parametrize("email", ["nobody@acme.example", "not an email"])
async def test_forgot_password_for_an_unknown_email_sends_nothing_and_says_nothing(
    kit: IdentityKit, email: str
) -> None:
    await kit.register()
    before = copy.deepcopy(kit.uow.database.state)

    await kit.forgot_password(email, META)  # raises nothing

    assert kit.mailer.sent == []
    assert kit.uow.database.state == before


async def test_forgot_password_sends_one_link_stored_only_as_its_hash(kit: IdentityKit) -> None:
    registered = await kit.register()

    await kit.forgot_password(" Olivia@ACME.example", META)

    [email] = kit.mailer.sent
    assert email.to == OWNER
    assert "reset" in email.subject.lower()
    token = link_token(email)
    assert "/reset-password?token=" in email.text
    stored = kit.uow.database.state.one_time_tokens
    assert list(stored) == [hash_opaque_token(token)]
    [one_time] = stored.values()
    assert (one_time.purpose, one_time.user_id) == (TokenPurpose.PASSWORD_RESET, registered.user.id)
    assert kit.security_events() == ["password_reset_requested"]


async def test_the_reset_link_sets_the_password_once(kit: IdentityKit) -> None:
    registered = await kit.register()
    token = link_token(await reset_mail(kit))
    kit.clock.advance(minutes=30)

    await kit.reset_password(token, NEW_PASSWORD, META)

    user = kit.uow.database.state.users[registered.user.id]
    assert user.password_hash == f"hashed:{NEW_PASSWORD}"
    assert user.password_changed_at == kit.clock.now()
    assert await password_works(kit, OWNER, NEW_PASSWORD)
    assert not await password_works(kit, OWNER, PASSWORD)
    await bad_link(kit, token)


async def test_an_expired_reset_link_fails(kit: IdentityKit) -> None:
    await kit.register()
    token = link_token(await reset_mail(kit))
    kit.clock.advance(hours=1, seconds=1)

    await bad_link(kit, token)

    assert await password_works(kit, OWNER, PASSWORD)


async def test_a_reset_ends_every_session_of_the_account(kit: IdentityKit) -> None:
    registered = await kit.register()
    other = (await kit.login(OWNER, PASSWORD)).tokens
    token = link_token(await reset_mail(kit))

    await kit.reset_password(token, NEW_PASSWORD, META)

    for tokens in (registered.tokens, other):
        assert kit.session(tokens).revoked_reason == "password_reset"
        with pytest.raises(SessionEnded):
            await kit.actor(tokens)
        with pytest.raises(InvalidRefreshToken):
            await kit.refresh(tokens.refresh_token, META)
    [event] = [e for e in kit.uow.database.state.security_events if e.kind == "password_reset"]
    assert event.detail == {"sessionsEnded": 2}


async def test_a_weak_new_password_keeps_the_link_usable(kit: IdentityKit) -> None:
    await kit.register()
    token = link_token(await reset_mail(kit))

    with pytest.raises(RuleViolated) as caught:
        await kit.reset_password(token, "short", META)

    assert caught.value.field == "password"
    await kit.reset_password(token, NEW_PASSWORD, META)
    assert await password_works(kit, OWNER, NEW_PASSWORD)


async def test_an_invented_token_is_an_invalid_link(kit: IdentityKit) -> None:
    await kit.register()
    await bad_link(kit, "made-up-token")


# --- CreateUser invitations / AcceptInvitation ---------------------------------------------


async def invite(kit: IdentityKit) -> tuple[SignedIn, str]:
    acme = await kit.register()
    await kit.add_member(await kit.actor(acme.tokens), INVITEE, Role.MANAGER, password=None)
    [email] = kit.mailer.to(INVITEE)
    return acme, link_token(email)


async def test_a_member_created_without_password_is_invited_by_email(kit: IdentityKit) -> None:
    acme, _ = await invite(kit)
    assert acme.organization is not None

    [email] = kit.mailer.to(INVITEE)
    assert "Acme" in email.subject
    assert "Olivia Owner" in email.text
    assert "/accept-invitation?token=" in email.text
    user = await kit.user(INVITEE)
    assert user is not None
    assert user.password_hash is None
    membership = await kit.membership(acme.organization.id, user.id)
    assert membership.status is MembershipStatus.INVITED
    assert kit.audit_actions(acme.organization.id)[-1] == "user.invited"


async def test_accepting_sets_the_password_activates_and_signs_in(kit: IdentityKit) -> None:
    acme, token = await invite(kit)
    assert acme.organization is not None
    kit.clock.advance(days=6)

    signed_in = await kit.accept_invitation(token, NEW_PASSWORD, META)

    actor = await kit.actor(signed_in.tokens)
    assert (actor.organization_id, actor.role) == (acme.organization.id, Role.MANAGER)
    assert signed_in.user.email.value == INVITEE
    membership = await kit.membership(acme.organization.id, signed_in.user.id)
    assert membership.status is MembershipStatus.ACTIVE
    assert membership.last_login_at == kit.clock.now()
    assert kit.uow.database.state.users[signed_in.user.id].password_hash == f"hashed:{NEW_PASSWORD}"
    assert await password_works(kit, INVITEE, NEW_PASSWORD)
    assert kit.security_events("invitation_accepted") == ["invitation_accepted"]


async def test_an_invitation_works_once(kit: IdentityKit) -> None:
    _, token = await invite(kit)
    await kit.accept_invitation(token, NEW_PASSWORD, META)

    await bad_link(kit, token, invitation=True)


async def test_an_invitation_expires_after_seven_days(kit: IdentityKit) -> None:
    _, token = await invite(kit)
    kit.clock.advance(days=7)

    await bad_link(kit, token, invitation=True)


async def test_a_weak_password_does_not_use_up_the_invitation(kit: IdentityKit) -> None:
    acme, token = await invite(kit)
    assert acme.organization is not None

    with pytest.raises(RuleViolated) as caught:
        await kit.accept_invitation(token, INVITEE, META)

    assert caught.value.field == "password"
    user = await kit.user(INVITEE)
    assert user is not None
    assert user.password_hash is None
    signed_in = await kit.accept_invitation(token, NEW_PASSWORD, META)
    assert signed_in.user.id == user.id


async def test_the_invitation_of_a_member_deactivated_meanwhile_fails(kit: IdentityKit) -> None:
    acme, token = await invite(kit)
    user = await kit.user(INVITEE)
    assert user is not None
    await kit.deactivate_user(user.id, await kit.actor(acme.tokens))

    await bad_link(kit, token, invitation=True)

    assert not await password_works(kit, INVITEE, NEW_PASSWORD)


async def test_links_are_bound_to_their_purpose(kit: IdentityKit) -> None:
    _, invitation = await invite(kit)
    reset = link_token(await reset_mail(kit, OWNER))

    await bad_link(kit, invitation)
    await bad_link(kit, reset, invitation=True)
    # Neither was used up by the wrong door.
    await kit.accept_invitation(invitation, NEW_PASSWORD, META)
    await kit.reset_password(reset, NEW_PASSWORD, META)


# --- ChangePassword ----------------------------------------------------------------------------


async def test_changing_needs_the_current_password(kit: IdentityKit) -> None:
    registered = await kit.register()
    actor = await kit.actor(registered.tokens)
    before = copy.deepcopy(kit.uow.database.state)

    with pytest.raises(InvalidCredentials) as caught:
        await kit.change_password("not the password", NEW_PASSWORD, actor)

    assert caught.value.code == "invalid_credentials"
    assert kit.uow.database.state == before


async def test_a_weak_new_password_changes_nothing(kit: IdentityKit) -> None:
    registered = await kit.register()
    actor = await kit.actor(registered.tokens)
    before = copy.deepcopy(kit.uow.database.state)

    with pytest.raises(RuleViolated):
        await kit.change_password(PASSWORD, OWNER, actor)

    assert kit.uow.database.state == before


async def test_changing_ends_the_other_sessions_but_keeps_the_callers(kit: IdentityKit) -> None:
    registered = await kit.register()
    current = registered.tokens
    other = (await kit.login(OWNER, PASSWORD)).tokens
    actor = await kit.actor(current)

    await kit.change_password(PASSWORD, NEW_PASSWORD, actor)

    user = kit.uow.database.state.users[registered.user.id]
    assert user.password_hash == f"hashed:{NEW_PASSWORD}"
    assert kit.session(other).revoked_reason == "password_changed"
    with pytest.raises(SessionEnded):
        await kit.actor(other)
    assert kit.session(current).revoked_at is None
    assert (await kit.actor(current)).session_id == current.session_id
    assert (await kit.refresh(current.refresh_token, META)).session_id == current.session_id
    [event] = [e for e in kit.uow.database.state.security_events if e.kind == "password_changed"]
    assert event.detail == {"sessionsEnded": 1}
    assert await password_works(kit, OWNER, NEW_PASSWORD)
    assert not await password_works(kit, OWNER, PASSWORD)
