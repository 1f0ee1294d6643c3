"""LogIn: one answer for every bad credential, throttling per account and per address, choosing
the organization, platform administrators, and upgrading old password hashes."""

from __future__ import annotations

import pytest
from tests.unit.application.identity.conftest import (
    ACCOUNT_LIMIT,
    IP_LIMIT,
    LIMIT_WINDOW,
    META,
    PASSWORD,
    IdentityKit,
    link_token,
)

from ticketbase.application.identity.create_platform_admin import (
    CreatePlatformAdmin,
    CreatePlatformAdminCommand,
)
from ticketbase.domain.identity.membership import MembershipStatus
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.errors import InvalidCredentials, RateLimited, RuleViolated

pytestmark = pytest.mark.anyio

OWNER = "olivia@acme.example"


async def failed_login(kit: IdentityKit, email: str = OWNER, **kwargs: str) -> InvalidCredentials:
    with pytest.raises(InvalidCredentials) as caught:
        await kit.login(email, "wrong password 123", **kwargs)
    return caught.value


async def test_the_right_password_signs_in_with_a_token_carrying_the_role(
    kit: IdentityKit,
) -> None:
    registered = await kit.register()
    assert registered.organization is not None
    kit.clock.advance(hours=2)

    signed_in = await kit.login(" OLIVIA@acme.example", PASSWORD)

    claims = kit.tokens.verify_access_token(signed_in.tokens.access_token)
    assert claims.user_id == registered.user.id
    assert claims.organization_id == registered.organization.id
    assert claims.role is Role.OWNER
    assert claims.session_id == signed_in.tokens.session_id
    assert signed_in.tokens.session_id != registered.tokens.session_id
    assert signed_in.organization is not None
    assert signed_in.organization.slug.value == "acme"
    membership = await kit.membership(registered.organization.id, registered.user.id)
    assert membership.last_login_at == kit.clock.now()
    session = kit.session(signed_in.tokens)
    assert session.created_at == kit.clock.now()
    assert session.organization_id == registered.organization.id
    assert kit.audit_actions(registered.organization.id)[-1] == "auth.login"


async def test_wrong_password_and_unknown_email_answer_alike_after_the_same_work(
    kit: IdentityKit,
) -> None:
    await kit.register()

    calls = kit.hasher.verify_calls
    wrong_password = await failed_login(kit, OWNER)
    assert kit.hasher.verify_calls == calls + 1

    calls = kit.hasher.verify_calls
    unknown_email = await failed_login(kit, "nobody@acme.example")
    assert kit.hasher.verify_calls == calls + 1

    assert type(wrong_password) is type(unknown_email) is InvalidCredentials
    assert wrong_password.code == unknown_email.code == "invalid_credentials"
    assert str(wrong_password) == str(unknown_email)
    assert wrong_password.field is unknown_email.field is None


async def test_a_malformed_email_is_just_invalid_credentials(kit: IdentityKit) -> None:
    with pytest.raises(InvalidCredentials):
        await kit.login("not an email", PASSWORD)


async def test_failures_are_recorded_as_security_events(kit: IdentityKit) -> None:
    registered = await kit.register()
    await failed_login(kit, OWNER)
    await failed_login(kit, "nobody@acme.example")

    events = [e for e in kit.uow.database.state.security_events if e.kind == "login_failed"]
    assert [(e.user_id, e.detail) for e in events] == [
        (registered.user.id, {"reason": "wrong_password"}),
        (None, {"reason": "unknown_email"}),
    ]
    assert all(e.meta.ip == "198.51.100.4" and e.at == kit.clock.now() for e in events)


async def test_after_the_account_limit_even_the_right_password_is_throttled(
    kit: IdentityKit,
) -> None:
    await kit.register()
    for _ in range(ACCOUNT_LIMIT):
        await failed_login(kit, OWNER)
    calls = kit.hasher.verify_calls

    with pytest.raises(RateLimited) as caught:
        await kit.login(OWNER, PASSWORD)

    assert caught.value.code == "rate_limited"
    assert 0 < caught.value.retry_after <= LIMIT_WINDOW
    assert kit.hasher.verify_calls == calls, "a throttled attempt does no password work"
    assert kit.security_events("login_throttled") == ["login_throttled"]


async def test_the_account_is_let_in_again_once_the_window_has_passed(kit: IdentityKit) -> None:
    await kit.register()
    for _ in range(ACCOUNT_LIMIT):
        await failed_login(kit, OWNER)
    with pytest.raises(RateLimited) as caught:
        await kit.login(OWNER, PASSWORD)

    kit.clock.advance(seconds=caught.value.retry_after)

    assert (await kit.login(OWNER, PASSWORD)).user.email.value == OWNER


async def test_throttling_is_per_account_from_other_addresses_too(kit: IdentityKit) -> None:
    await kit.register()
    for n in range(ACCOUNT_LIMIT):
        await failed_login(kit, OWNER, ip=f"203.0.113.{n}")
    with pytest.raises(RateLimited):
        await kit.login(OWNER, PASSWORD, ip="192.0.2.200")


async def test_a_success_resets_the_account_counter(kit: IdentityKit) -> None:
    await kit.register()
    for _ in range(ACCOUNT_LIMIT - 1):
        await failed_login(kit, OWNER)
    await kit.login(OWNER, PASSWORD)

    # Without the reset, these would add up past the limit with the earlier failures.
    for _ in range(ACCOUNT_LIMIT - 1):
        await failed_login(kit, OWNER, ip="203.0.113.9")
    assert (await kit.login(OWNER, PASSWORD, ip="203.0.113.9")).user.email.value == OWNER


async def test_one_address_failing_on_many_accounts_is_throttled(kit: IdentityKit) -> None:
    await kit.register()
    for n in range(IP_LIMIT):
        await failed_login(kit, f"guess{n}@acme.example", ip="203.0.113.66")

    with pytest.raises(RateLimited):
        await kit.login(OWNER, PASSWORD, ip="203.0.113.66")
    assert (await kit.login(OWNER, PASSWORD, ip="203.0.113.67")).user.email.value == OWNER


async def member_of_two(kit: IdentityKit) -> None:
    """Olivia owns acme and is an analyst of globex."""
    await kit.register("acme", OWNER)
    globex = await kit.register("globex", "gary@globex.example")
    await kit.add_member(await kit.actor(globex.tokens), OWNER, Role.ANALYST)


async def test_a_member_of_several_organizations_must_name_one(kit: IdentityKit) -> None:
    await member_of_two(kit)
    sessions = len(kit.uow.database.state.sessions)

    with pytest.raises(RuleViolated) as caught:
        await kit.login(OWNER, PASSWORD)

    assert caught.value.field == "organization"
    assert "acme" in caught.value.detail
    assert "globex" in caught.value.detail
    assert len(kit.uow.database.state.sessions) == sessions


@pytest.mark.parametrize(("slug", "role"), [("acme", Role.OWNER), ("globex", Role.ANALYST)])
async def test_naming_the_organization_signs_into_that_one(
    kit: IdentityKit, slug: str, role: Role
) -> None:
    await member_of_two(kit)

    signed_in = await kit.login(OWNER, PASSWORD, organization=slug)

    assert signed_in.organization is not None
    assert signed_in.organization.slug.value == slug
    actor = await kit.actor(signed_in.tokens)
    assert (actor.organization_id, actor.role) == (signed_in.organization.id, role)


async def test_naming_an_organization_one_is_not_a_member_of_fails(kit: IdentityKit) -> None:
    await kit.register("acme", OWNER)
    await kit.register("globex", "gary@globex.example")
    with pytest.raises(InvalidCredentials):
        await kit.login(OWNER, PASSWORD, organization="globex")


async def test_a_deactivated_membership_cannot_log_in(kit: IdentityKit) -> None:
    acme = await kit.register()
    owner = await kit.actor(acme.tokens)
    member = await kit.add_member(owner, "sam@acme.example", Role.SUPPORT)
    await kit.deactivate_user(member.membership.user_id, owner)

    with pytest.raises(InvalidCredentials) as caught:
        await kit.login("sam@acme.example", PASSWORD)

    assert str(caught.value) == str(await failed_login(kit, "nobody@acme.example"))
    assert kit.uow.database.state.security_events[0].detail == {"reason": "no_active_membership"}


async def test_the_remaining_active_membership_is_chosen(kit: IdentityKit) -> None:
    await member_of_two(kit)
    globex_owner = await kit.actor((await kit.login("gary@globex.example", PASSWORD)).tokens)
    olivia = await kit.user(OWNER)
    assert olivia is not None
    await kit.deactivate_user(olivia.id, globex_owner)

    signed_in = await kit.login(OWNER, PASSWORD)

    assert signed_in.organization is not None
    assert signed_in.organization.slug.value == "acme"


async def test_an_invited_member_without_a_password_cannot_log_in(kit: IdentityKit) -> None:
    acme = await kit.register()
    await kit.add_member(
        await kit.actor(acme.tokens), "ivy@acme.example", Role.MANAGER, password=None
    )
    calls = kit.hasher.verify_calls

    with pytest.raises(InvalidCredentials):
        await kit.login("ivy@acme.example", "")

    assert kit.hasher.verify_calls == calls + 1


async def test_a_platform_admin_without_membership_logs_in_without_organization(
    kit: IdentityKit,
) -> None:
    admin = await CreatePlatformAdmin(kit.uow, kit.hasher, kit.clock, kit.ids)(
        CreatePlatformAdminCommand("root@ticketbase.example", PASSWORD)
    )

    signed_in = await kit.login("root@ticketbase.example", PASSWORD)

    assert (signed_in.organization, signed_in.membership) == (None, None)
    actor = await kit.actor(signed_in.tokens)
    assert actor.user_id == admin.id
    assert actor.is_platform_admin
    assert (actor.organization_id, actor.role, actor.permissions) == (None, None, frozenset())
    assert kit.session(signed_in.tokens).organization_id is None


async def test_an_account_without_membership_that_is_no_admin_cannot_log_in(
    kit: IdentityKit,
) -> None:
    acme = await kit.register()
    assert acme.organization is not None
    # A membership row lost (e.g. an organization being removed): the account stays.
    kit.uow.database.state.memberships.clear()

    with pytest.raises(InvalidCredentials):
        await kit.login(OWNER, PASSWORD)


async def test_an_outdated_hash_is_replaced_on_login(kit: IdentityKit) -> None:
    registered = await kit.register()
    kit.hasher.scheme = "v2"

    await kit.login(OWNER, PASSWORD)

    assert kit.uow.database.state.users[registered.user.id].password_hash == f"v2:{PASSWORD}"
    assert (await kit.login(OWNER, PASSWORD)).user.email.value == OWNER


async def test_a_current_hash_is_left_alone(kit: IdentityKit) -> None:
    registered = await kit.register()
    hashes = kit.hasher.hash_calls

    await kit.login(OWNER, PASSWORD)

    assert kit.hasher.hash_calls == hashes
    assert kit.uow.database.state.users[registered.user.id].password_hash == f"hashed:{PASSWORD}"


async def test_logging_in_activates_an_invited_membership(kit: IdentityKit) -> None:
    acme = await kit.register()
    assert acme.organization is not None
    member = await kit.add_member(
        await kit.actor(acme.tokens), "ivy@acme.example", Role.MANAGER, password=None
    )
    # Ivy chose a password through "forgot password" instead of the invitation link.
    await kit.forgot_password("ivy@acme.example", META)
    await kit.reset_password(link_token(kit.mailer.sent[-1]), PASSWORD, META)

    await kit.login("ivy@acme.example", PASSWORD)

    stored = await kit.membership(acme.organization.id, member.membership.user_id)
    assert stored.status is MembershipStatus.ACTIVE
