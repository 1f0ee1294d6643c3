"""Add a member: a new account (with a password, or invited by email to choose one) or an
existing account of another organization."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.identity.account_emails import (
    LinkPolicy,
    account_created_email,
    added_email,
    invitation_data,
    issue_link,
)
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.email_templates import EmailTemplates
from ticketbase.application.ports.mailer import Mailer
from ticketbase.application.ports.security import PasswordHasher
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import (
    Member,
    TenantTransaction,
    TokenPurpose,
    UnitOfWork,
)
from ticketbase.application.subscriptions.limits import check_seat
from ticketbase.domain.email_templates.template import EmailKind
from ticketbase.domain.identity.membership import Membership, MembershipStatus, check_assignment
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.identity.user import User, check_password_policy
from ticketbase.domain.shared.errors import Conflict, NotFound, RuleViolated
from ticketbase.domain.shared.ids import DepartmentId, MembershipId, UserId
from ticketbase.domain.shared.values import EmailAddress
from ticketbase.domain.subscriptions.plan import PlanCatalog


@dataclass(frozen=True, slots=True)
class CreateUserCommand:
    email: str
    full_name: str
    role: Role
    department_id: DepartmentId | None = None
    password: str | None = None


async def check_department(tx: TenantTransaction, department_id: DepartmentId | None) -> None:
    if department_id is not None and await tx.departments.get(department_id) is None:
        raise RuleViolated("no such department", field="departmentId")


async def _check_room(
    tx: TenantTransaction,
    catalog: PlanCatalog,
    department_id: DepartmentId | None,
    now: datetime,
) -> None:
    """A free seat on the plan (exact under concurrency: the organization's limit lock is taken
    first, see subscriptions/limits.py), and the department, if any."""
    await check_seat(tx, catalog, now)
    await check_department(tx, department_id)


class CreateUser:
    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        mailer: Mailer,
        links: LinkPolicy,
        clock: Clock,
        ids: IdGenerator,
        templates: EmailTemplates,
        catalog: PlanCatalog,
    ) -> None:
        self._uow, self._hasher, self._mailer, self._links = uow, hasher, mailer, links
        self._clock, self._ids, self._templates = clock, ids, templates
        self._catalog = catalog

    async def __call__(self, command: CreateUserCommand, actor: Actor) -> Member:
        organization_id = require(actor, Permission.USERS_MANAGE)
        assert actor.role is not None
        check_assignment(
            actor_role=actor.role,
            actor_permissions=actor.permissions,
            target=None,
            role=command.role,
            grants=frozenset(),
            revokes=frozenset(),
        )
        email = EmailAddress.parse(command.email)
        full_name = User.check_full_name(command.full_name)
        password_hash = None
        if command.password is not None:
            check_password_policy(command.password, email)
            password_hash = await self._hasher.hash(command.password)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            await _check_room(tx, self._catalog, command.department_id, now)
            organization = await tx.organizations.get()
            if organization is None:
                raise NotFound("no such organization")
            user = await tx.users.by_email(email)
            existing = user is not None
            if user is None:
                user = User(
                    id=UserId(self._ids.new()),
                    email=email,
                    full_name=full_name,
                    password_hash=password_hash,
                    created_at=now,
                    password_changed_at=now if password_hash else None,
                )
                await tx.users.add(user)
            # An existing account keeps its own password: one given here is not applied.
            membership = await tx.memberships.of_user(user.id) if existing else None
            if membership is not None and membership.status is not MembershipStatus.DEACTIVATED:
                raise Conflict("this person is already a member", field="email")
            # An account that never chose a password (invited, not yet accepted) is invited
            # again here; any other account signs in as it already does.
            invited = user.password_hash is None
            status = MembershipStatus.INVITED if invited else MembershipStatus.ACTIVE
            if membership is None:
                action = "user.invited" if invited else "user.created"
                membership = Membership(
                    id=MembershipId(self._ids.new()),
                    organization_id=organization_id,
                    user_id=user.id,
                    role=command.role,
                    status=status,
                    created_at=now,
                    updated_at=now,
                    department_id=command.department_id,
                )
                await tx.memberships.add(membership)
            else:  # a deactivated member comes back, with the role given now
                action = "user.reactivated"
                membership.role, membership.status = command.role, status
                membership.grants = membership.revokes = frozenset()
                membership.department_id = command.department_id
                membership.updated_at = now
                membership.version += 1
                await tx.memberships.save(membership)
            await tx.audit.append(
                AuditEntry(
                    id=self._ids.new(),
                    at=now,
                    actor_id=actor.user_id,
                    action=action,
                    target_type="user",
                    target_id=str(user.id),
                    meta=actor.meta,
                    changes={
                        "email": email.value,
                        "role": command.role.value,
                        "existingAccount": existing,
                    },
                )
            )
            if invited:
                link = await issue_link(
                    tx, self._links, TokenPurpose.INVITATION, user.id, organization_id, now
                )
                inviter = await tx.users.get(actor.user_id)
                data = invitation_data(
                    self._links,
                    email.value,
                    inviter.full_name if inviter else "A colleague",
                    link,
                )
                rendered = await self._templates.render_for(tx, EmailKind.USER_INVITATION, data)
                message = rendered.to(email.value)
            elif existing:
                message = added_email(email.value, organization.name)
            else:
                message = account_created_email(email.value, organization.name)
            # Sent before the commit: a failed delivery rolls the member back (503), so no
            # one is left invited without a link. (The outbox will make this exactly-once.)
            await self._mailer.send(message)
            await tx.commit()
        return Member(membership, user.email, user.full_name)
