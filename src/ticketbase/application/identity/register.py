"""Sign up: a new organization with the caller as its owner, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.context import RequestMeta
from ticketbase.application.identity.sessions import IssuedTokens, SessionIssuer
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.security import PasswordHasher
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import OrganizationRef, UnitOfWork
from ticketbase.domain.identity.membership import Membership, MembershipStatus
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.identity.user import User, check_password_policy
from ticketbase.domain.shared.errors import Conflict, inputs_named
from ticketbase.domain.shared.ids import MembershipId, OrganizationId, UserId
from ticketbase.domain.shared.values import EmailAddress, Slug

# The organization's own field names, as the inputs of a registration.
_ORGANIZATION_INPUTS = {"name": "organizationName", "slug": "organizationSlug"}


@dataclass(frozen=True, slots=True)
class RegisterCommand:
    organization_name: str
    organization_slug: str
    email: str
    password: str
    full_name: str
    meta: RequestMeta


@dataclass(frozen=True, slots=True)
class SignedIn:
    tokens: IssuedTokens
    user: User
    membership: Membership | None
    organization: OrganizationRef | None


class Register:
    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        issuer: SessionIssuer,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow, self._hasher, self._issuer = uow, hasher, issuer
        self._clock, self._ids = clock, ids

    async def __call__(self, command: RegisterCommand) -> SignedIn:
        email = EmailAddress.parse(command.email)
        check_password_policy(command.password, email)
        now = self._clock.now()
        with inputs_named(_ORGANIZATION_INPUTS):
            organization = Organization(
                id=OrganizationId(self._ids.new()),
                name=Organization.check_name(command.organization_name),
                slug=Slug(command.organization_slug.strip().lower()),
                created_at=now,
                updated_at=now,
            )
        user = User(
            id=UserId(self._ids.new()),
            email=email,
            full_name=User.check_full_name(command.full_name),
            password_hash=await self._hasher.hash(command.password),
            created_at=now,
            password_changed_at=now,
        )
        owner = Membership(
            id=MembershipId(self._ids.new()),
            organization_id=organization.id,
            user_id=user.id,
            role=Role.OWNER,
            status=MembershipStatus.ACTIVE,
            created_at=now,
            updated_at=now,
            last_login_at=now,
        )
        async with self._uow.for_tenant(organization.id) as tx:
            if await tx.users.by_email(email) is not None:
                raise Conflict(
                    "an account with this email exists: log in to create another organization",
                    field="email",
                )
            await tx.organizations.add(organization)
            await tx.users.add(user)
            await tx.memberships.add(owner)
            tokens = await self._issuer.start(tx, user, owner, command.meta)
            await tx.audit.append(
                AuditEntry(
                    id=self._ids.new(),
                    at=now,
                    actor_id=user.id,
                    action="organization.registered",
                    target_type="organization",
                    target_id=str(organization.id),
                    meta=command.meta,
                    changes={
                        "name": organization.name,
                        "slug": organization.slug.value,
                        "owner": email.value,
                    },
                )
            )
            await tx.commit()
        return SignedIn(tokens, user, owner, OrganizationRef.of(organization))
