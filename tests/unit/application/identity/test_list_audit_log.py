"""ListAuditLog: audit:read, this organization only, newest first, filters and pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.unit.application.identity.conftest import IdentityKit

from ticketbase.application.context import Actor
from ticketbase.application.identity.users.update_user import UpdateUserCommand
from ticketbase.application.pagination import PageRequest
from ticketbase.application.ports.audit import AuditFilter
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.shared.errors import PermissionDenied

pytestmark = pytest.mark.anyio


async def busy_acme(kit: IdentityKit) -> Actor:
    """registered → user.created twice → auth.login (Mia) → user.deactivated, a minute apart; and
    Globex's own registration, which Acme never sees."""
    owner = await kit.actor((await kit.register("acme", "olivia@acme.example")).tokens)
    await kit.register("globex", "gary@globex.example")
    for email in ("mia@acme.example", "sam@acme.example"):
        kit.clock.advance(minutes=1)
        await kit.add_member(owner, email, Role.MANAGER)
    kit.clock.advance(minutes=1)
    await kit.login("mia@acme.example")
    kit.clock.advance(minutes=1)
    sam = await kit.user("sam@acme.example")
    assert sam is not None
    await kit.deactivate_user(sam.id, owner)
    return owner


async def actions(kit: IdentityKit, owner: Actor, where: AuditFilter) -> list[str]:
    page = await kit.list_audit_log(where, PageRequest(), owner)
    return [e.action for e in page.items]


async def test_lists_this_organizations_entries_newest_first(kit: IdentityKit) -> None:
    owner = await busy_acme(kit)
    assert await actions(kit, owner, AuditFilter()) == [
        "user.deactivated",
        "auth.login",
        "user.created",
        "user.created",
        "organization.registered",
    ]


async def test_filters(kit: IdentityKit) -> None:
    owner = await busy_acme(kit)
    start = kit.clock.now() - timedelta(minutes=4)
    mia = await kit.user("mia@acme.example")
    assert mia is not None

    assert await actions(kit, owner, AuditFilter(action="user.created")) == ["user.created"] * 2
    assert await actions(kit, owner, AuditFilter(actor_id=mia.id)) == ["auth.login"]
    assert await actions(kit, owner, AuditFilter(target_type="session")) == ["auth.login"]
    assert await actions(
        kit,
        owner,
        AuditFilter(since=start + timedelta(minutes=2), until=start + timedelta(minutes=4)),
    ) == ["auth.login", "user.created"]


async def test_pages(kit: IdentityKit) -> None:
    owner = await busy_acme(kit)
    first = await kit.list_audit_log(AuditFilter(), PageRequest(limit=3), owner)
    assert first.next_after is not None
    second = await kit.list_audit_log(
        AuditFilter(), PageRequest(limit=3, after=first.next_after), owner
    )
    assert second.next_after is None
    assert [e.action for e in first.items + second.items] == await actions(
        kit, owner, AuditFilter()
    )


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SUPPORT, Role.ANALYST])
async def test_roles_without_audit_read_are_denied(kit: IdentityKit, role: Role) -> None:
    owner = await busy_acme(kit)
    _, caller = await kit.member_session(owner, "caller@acme.example", role)
    with pytest.raises(PermissionDenied):
        await kit.list_audit_log(AuditFilter(), PageRequest(), caller)


async def test_an_admin_reads_it_unless_revoked(kit: IdentityKit) -> None:
    owner = await busy_acme(kit)
    _, admin = await kit.member_session(owner, "adam@acme.example", Role.ADMIN)
    assert (await kit.list_audit_log(AuditFilter(), PageRequest(), admin)).items

    await kit.update_user(
        UpdateUserCommand(admin.user_id, revokes=frozenset({Permission.AUDIT_READ})), owner
    )
    revoked = await kit.actor((await kit.login("adam@acme.example")).tokens)
    with pytest.raises(PermissionDenied):
        await kit.list_audit_log(AuditFilter(), PageRequest(), revoked)
