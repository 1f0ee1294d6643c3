"""Forgotten passwords, resets, accepting an invitation and changing one's password.

Each one-time link is stored hashed, expires and works once; asking for a reset answers the
same whether the email exists or not."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.context import Actor, RequestMeta
from ticketbase.application.identity.account_emails import (
    LinkPolicy,
    new_link,
    password_reset_data,
    store_link,
)
from ticketbase.application.identity.login_throttle import LoginThrottle
from ticketbase.application.identity.opaque_tokens import hash_opaque_token
from ticketbase.application.identity.register import SignedIn
from ticketbase.application.identity.sessions import SessionIssuer
from ticketbase.application.ports.audit import AuditEntry, SecurityEvent
from ticketbase.application.ports.email_templates import (
    EmailTemplates,
    RenderedEmail,
    TemplateData,
)
from ticketbase.application.ports.mailer import MailDeliveryError, Mailer
from ticketbase.application.ports.security import PasswordHasher
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import AccountStores, TokenPurpose, UnitOfWork
from ticketbase.domain.email_templates.template import EmailKind
from ticketbase.domain.identity.membership import MembershipStatus
from ticketbase.domain.identity.user import User, check_password_policy
from ticketbase.domain.shared.errors import (
    InvalidCredentials,
    RuleViolated,
    Unauthenticated,
    inputs_named,
)
from ticketbase.domain.shared.ids import OrganizationId, SessionId, UserId
from ticketbase.domain.shared.values import EmailAddress


class InvalidLink(RuleViolated):
    code = "invalid_token"


_BAD_LINK = "the link is not valid: it may have expired or been used already"


@dataclass(frozen=True, slots=True)
class PasswordServices:
    """What every password flow needs, injected once."""

    uow: UnitOfWork
    hasher: PasswordHasher
    clock: Clock
    ids: IdGenerator

    async def set_password(
        self,
        stores: AccountStores,
        user: User,
        password: str,
        meta: RequestMeta,
        kind: str,
        keep: SessionId | None = None,
    ) -> list[SessionId]:
        """Store the new hash, end the account's other sessions, record a security event."""
        check_password_policy(password, user.email)
        now = self.clock.now()
        user.password_hash = await self.hasher.hash(password)
        user.password_changed_at = now
        await stores.users.save(user)
        ended = await stores.sessions.revoke_of_user(user.id, now, kind, keep=keep)
        await stores.security_events.record(
            SecurityEvent(
                id=self.ids.new(),
                at=now,
                kind=kind,
                user_id=user.id,
                meta=meta,
                detail={"sessionsEnded": len(ended)},
            )
        )
        return ended


class ForgotPassword:
    """The reset email is worded by the account's organization when it has exactly one active
    membership (its ``password_reset`` template), else by the default: a platform
    administrator's, or a person's in several organizations (which one would it be?)."""

    def __init__(
        self,
        services: PasswordServices,
        mailer: Mailer,
        links: LinkPolicy,
        templates: EmailTemplates,
    ) -> None:
        self._s, self._mailer, self._links = services, mailer, links
        self._templates = templates

    async def __call__(self, email: str, meta: RequestMeta) -> None:
        try:
            address = EmailAddress.parse(email)
        except RuleViolated:
            return
        now = self._s.clock.now()
        # Read first (and leave without a commit): who the account is and which organization
        # words its email, so the tenant's template is read in a transaction of its own, never
        # inside this one (a second connection held while the first waits).
        async with self._s.uow.system() as system:
            user = await system.users.by_email(address)
            if user is None:
                return  # the same answer either way: nothing tells whether the email exists
            active = [
                m
                for m in await system.memberships_of_user(user.id)
                if m.status is MembershipStatus.ACTIVE
            ]
        tenant = active[0].organization_id if len(active) == 1 else None
        link = new_link(self._links, TokenPurpose.PASSWORD_RESET)
        rendered = await self._render(
            tenant, password_reset_data(self._links, address.value, link.url)
        )
        async with self._s.uow.system() as system:
            await store_link(
                system, self._links, link, TokenPurpose.PASSWORD_RESET, user.id, None, now
            )
            await system.security_events.record(
                SecurityEvent(
                    id=self._s.ids.new(),
                    at=now,
                    kind="password_reset_requested",
                    user_id=user.id,
                    meta=meta,
                )
            )
            try:
                await self._mailer.send(rendered.to(address.value))
            except MailDeliveryError:
                # Answer as for an unknown email (an error here would tell that the account
                # exists); the link is rolled back and the user can simply ask again.
                return
            await system.commit()

    async def _render(self, tenant: OrganizationId | None, data: TemplateData) -> RenderedEmail:
        if tenant is None:
            return await self._templates.render_for(None, EmailKind.PASSWORD_RESET, data)
        # The tenant's template and branding in a short read (left without a commit).
        async with self._s.uow.for_tenant(tenant) as tx:
            return await self._templates.render_for(tx, EmailKind.PASSWORD_RESET, data)


class ResetPassword:
    def __init__(self, services: PasswordServices) -> None:
        self._s = services

    async def __call__(self, token: str, password: str, meta: RequestMeta) -> None:
        async with self._s.uow.system() as system:
            used = await system.one_time_tokens.consume(
                hash_opaque_token(token), TokenPurpose.PASSWORD_RESET, self._s.clock.now()
            )
            user = await system.users.get(used.user_id) if used else None
            if user is None:
                raise InvalidLink(_BAD_LINK, field="token")
            await self._s.set_password(system, user, password, meta, "password_reset")
            await system.commit()


class AcceptInvitation:
    def __init__(self, services: PasswordServices, issuer: SessionIssuer) -> None:
        self._s, self._issuer = services, issuer

    async def __call__(self, token: str, password: str, meta: RequestMeta) -> SignedIn:
        now = self._s.clock.now()
        token_hash = hash_opaque_token(token)
        # Only finds the organization: left without a commit, this consumption rolls back.
        async with self._s.uow.system() as system:
            found = await system.one_time_tokens.consume(token_hash, TokenPurpose.INVITATION, now)
        if found is None or found.organization_id is None:
            raise InvalidLink(_BAD_LINK, field="token")
        async with self._s.uow.for_tenant(found.organization_id) as tx:
            # Spent in the same transaction as the password, so a refused password (too weak)
            # leaves the link usable, and two concurrent acceptances cannot both pass.
            used = await tx.one_time_tokens.consume(token_hash, TokenPurpose.INVITATION, now)
            if used is None:
                raise InvalidLink(_BAD_LINK, field="token")
            profile = await tx.memberships.profile(used.user_id)
            if profile is None or profile.membership.status is not MembershipStatus.INVITED:
                raise InvalidLink(_BAD_LINK, field="token")
            user, membership = profile.user, profile.membership
            await self._s.set_password(tx, user, password, meta, "invitation_accepted")
            membership.status = MembershipStatus.ACTIVE
            membership.last_login_at = now
            membership.updated_at = now
            membership.version += 1
            await tx.memberships.save(membership)
            tokens = await self._issuer.start(tx, user, membership, meta)
            await tx.audit.append(
                AuditEntry(
                    id=self._s.ids.new(),
                    at=now,
                    actor_id=user.id,
                    action="user.invitation_accepted",
                    target_type="user",
                    target_id=str(user.id),
                    meta=meta,
                )
            )
            await tx.commit()
        return SignedIn(tokens, user, membership, profile.organization)


class ChangePassword:
    """Needs the current password; ends every other session of the account. Wrong current
    passwords count against the same per-account limit as failed logins, so a stolen session
    cannot be used to guess the password."""

    def __init__(self, services: PasswordServices, throttle: LoginThrottle) -> None:
        self._s, self._throttle = services, throttle

    async def __call__(self, current: str, new: str, actor: Actor) -> None:
        async with self._s.uow.system() as system:
            user = await system.users.get(UserId(actor.user_id))
            if user is None:
                raise Unauthenticated("the account no longer exists")
            await self._throttle.check(user.email, actor.meta.ip)
            if user.password_hash is None or not await self._s.hasher.verify(
                user.password_hash, current
            ):
                await self._throttle.failed(user.email, actor.meta.ip)
                raise InvalidCredentials("the current password is not correct")
            with inputs_named({"password": "newPassword"}):
                await self._s.set_password(
                    system, user, new, actor.meta, "password_changed", keep=actor.session_id
                )
            await system.commit()
