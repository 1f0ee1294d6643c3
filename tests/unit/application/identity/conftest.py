"""The identity use cases wired on the in-memory adapters, with fakes for hashing and mail.

``IdentityKit`` holds every account use case built the way the container builds them, over one
memory database, one fixed clock, the in-process limiter, per-process caches kept by a memory
change feed, and the real JWT service; its helpers register, log in and turn issued tokens into
the ``Actor`` an HTTP request would carry (refusing ended sessions, as
``entrypoints/http/auth.py`` does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from ticketbase.adapters.jinja import JinjaEmailTemplates
from ticketbase.adapters.local.cache import TaggedCache
from ticketbase.adapters.local.rate_limiter import InProcessRateLimiter
from ticketbase.adapters.memory.change_feed import MemoryChangeFeed
from ticketbase.adapters.memory.system import FixedClock, SequentialIds
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.adapters.security.tokens import JwtTokenService
from ticketbase.application.context import Actor, RequestMeta
from ticketbase.application.identity.account_emails import LinkPolicy
from ticketbase.application.identity.check_session import CheckSession
from ticketbase.application.identity.get_me import GetMe
from ticketbase.application.identity.list_audit_log import ListAuditLog
from ticketbase.application.identity.log_in import LogIn, LogInCommand
from ticketbase.application.identity.login_throttle import LoginLimits, LoginThrottle
from ticketbase.application.identity.password_flows import (
    AcceptInvitation,
    ChangePassword,
    ForgotPassword,
    PasswordServices,
    ResetPassword,
)
from ticketbase.application.identity.refresh_session import RefreshSession
from ticketbase.application.identity.register import Register, RegisterCommand, SignedIn
from ticketbase.application.identity.session_management import EndSession, ListSessions
from ticketbase.application.identity.sessions import (
    IssuedTokens,
    SessionIssuer,
    SessionPolicy,
)
from ticketbase.application.identity.users.create_user import CreateUser, CreateUserCommand
from ticketbase.application.identity.users.deactivate_user import DeactivateUser
from ticketbase.application.identity.users.list_users import ListUsers
from ticketbase.application.identity.users.update_user import UpdateUser
from ticketbase.application.ports.limits import Rate
from ticketbase.application.ports.mailer import MailDeliveryError, OutgoingEmail
from ticketbase.application.ports.unit_of_work import Member
from ticketbase.domain.identity.membership import Membership
from ticketbase.domain.identity.permissions import Role, effective_permissions
from ticketbase.domain.identity.session import Session
from ticketbase.domain.identity.user import User
from ticketbase.domain.shared.errors import SessionEnded
from ticketbase.domain.shared.ids import DepartmentId, OrganizationId, SessionId, UserId
from ticketbase.domain.shared.values import EmailAddress
from ticketbase.domain.subscriptions.plan import PlanCatalog

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "another long passphrase 42"
ACCESS_TTL = 900
REFRESH_TTL = 30 * 86400
ACCOUNT_LIMIT = 3
IP_LIMIT = 6
LIMIT_WINDOW = 900
META = RequestMeta(ip="198.51.100.4", user_agent="pytest-browser", request_id="req-test")

_LINK = re.compile(r"https://admin\.example\.test/(accept-invitation|reset-password)\?token=(\S+)")


class FakeHasher:
    """Fast and transparent: ``<scheme>:<password>``. Hashes of another scheme verify but
    need a rehash, like argon2 hashes made with older parameters."""

    def __init__(self, scheme: str = "hashed") -> None:
        self.scheme = scheme
        self.hash_calls = 0
        self.verify_calls = 0

    async def hash(self, password: str) -> str:
        self.hash_calls += 1
        return f"{self.scheme}:{password}"

    async def verify(self, password_hash: str, password: str) -> bool:
        self.verify_calls += 1
        return password_hash.partition(":")[2] == password

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(f"{self.scheme}:")


@dataclass
class FakeMailer:
    sent: list[OutgoingEmail] = field(default_factory=list)
    fail: bool = False

    async def send(self, email: OutgoingEmail) -> None:
        if self.fail:
            raise MailDeliveryError("the mail server is down")
        self.sent.append(email)

    def to(self, address: str) -> list[OutgoingEmail]:
        return [m for m in self.sent if m.to == address]


def link_token(email: OutgoingEmail) -> str:
    """The one-time token carried by the link in an invitation or reset email."""
    found = _LINK.findall(email.text)
    assert len(found) == 1, email.text
    return str(found[0][1])


@dataclass
class IdentityKit:
    uow: MemoryUnitOfWork
    clock: FixedClock
    ids: SequentialIds
    hasher: FakeHasher
    mailer: FakeMailer
    tokens: JwtTokenService
    limiter: InProcessRateLimiter
    check_session: CheckSession
    limits: LoginLimits
    register_user: Register
    log_in: LogIn
    refresh: RefreshSession
    list_sessions: ListSessions
    end_session: EndSession
    get_me: GetMe
    forgot_password: ForgotPassword
    reset_password: ResetPassword
    accept_invitation: AcceptInvitation
    change_password: ChangePassword
    create_user: CreateUser
    update_user: UpdateUser
    deactivate_user: DeactivateUser
    list_users: ListUsers
    list_audit_log: ListAuditLog

    async def register(
        self,
        slug: str = "acme",
        email: str = "olivia@acme.example",
        *,
        password: str = PASSWORD,
        full_name: str = "Olivia Owner",
    ) -> SignedIn:
        return await self.register_user(
            RegisterCommand(
                organization_name=slug.title(),
                organization_slug=slug,
                email=email,
                password=password,
                full_name=full_name,
                meta=META,
            )
        )

    async def login(
        self,
        email: str,
        password: str = PASSWORD,
        organization: str | None = None,
        *,
        ip: str = "198.51.100.4",
    ) -> SignedIn:
        meta = RequestMeta(ip=ip, user_agent="pytest-browser", request_id="req-login")
        return await self.log_in(LogInCommand(email, password, organization, meta))

    async def actor(self, tokens: IssuedTokens) -> Actor:
        """What the HTTP layer builds from ``Authorization: Bearer <access token>``."""
        claims = self.tokens.verify_access_token(tokens.access_token)
        await self.check_session(claims.user_id, claims.session_id)
        return Actor(
            user_id=claims.user_id,
            session_id=claims.session_id,
            organization_id=claims.organization_id,
            role=claims.role,
            permissions=effective_permissions(claims.role, claims.grants, claims.revokes)
            if claims.role
            else frozenset(),
            is_platform_admin=claims.is_platform_admin,
            meta=META,
        )

    async def add_member(
        self,
        by: Actor,
        email: str,
        role: Role,
        *,
        password: str | None = PASSWORD,
        full_name: str | None = None,
        department_id: DepartmentId | None = None,
    ) -> Member:
        return await self.create_user(
            CreateUserCommand(
                email=email,
                full_name=full_name or email.split("@", maxsplit=1)[0].title(),
                role=role,
                department_id=department_id,
                password=password,
            ),
            by,
        )

    async def member_session(
        self, by: Actor, email: str, role: Role, organization: str | None = None
    ) -> tuple[SignedIn, Actor]:
        """Add a member with a password, log them in, and return their session and actor."""
        await self.add_member(by, email, role)
        signed_in = await self.login(email, organization=organization)
        return signed_in, await self.actor(signed_in.tokens)

    async def session_ended(self, session_id: SessionId) -> bool:
        """Whether a token of this session would now be refused."""
        session = self.uow.database.state.sessions.get(session_id)
        try:
            await self.check_session(session.user_id if session else UserId(session_id), session_id)
        except SessionEnded:
            return True
        return False

    # --- reading the memory database ---------------------------------------------------------

    async def user(self, email: str) -> User | None:
        async with self.uow.system() as system:
            return await system.users.by_email(EmailAddress.parse(email))

    async def membership(self, organization_id: OrganizationId, user_id: UserId) -> Membership:
        async with self.uow.for_tenant(organization_id) as tx:
            found = await tx.memberships.of_user(user_id)
        assert found is not None
        return found

    def session(self, tokens: IssuedTokens) -> Session:
        return self.uow.database.state.sessions[tokens.session_id]

    def security_events(self, kind: str | None = None) -> list[str]:
        return [
            e.kind
            for e in self.uow.database.state.security_events
            if kind is None or e.kind == kind
        ]

    def audit_actions(self, organization_id: OrganizationId) -> list[str]:
        return [e.action for org, e in self.uow.database.state.audit if org == organization_id]


@pytest.fixture
def hasher() -> FakeHasher:
    return FakeHasher()


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


@pytest.fixture
def kit(
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    hasher: FakeHasher,
    mailer: FakeMailer,
) -> IdentityKit:
    tokens = JwtTokenService(
        secret="unit-test-secret-" + "s" * 48,
        issuer="ticketbase-test",
        audience="ticketbase-admin",
        ttl_seconds=ACCESS_TTL,
        clock=clock,
    )
    limiter = InProcessRateLimiter(clock)
    feed = MemoryChangeFeed()
    uow.database.feed = feed
    limits = LoginLimits(
        per_account=Rate(ACCOUNT_LIMIT, LIMIT_WINDOW), per_ip=Rate(IP_LIMIT, LIMIT_WINDOW)
    )
    links = LinkPolicy(admin_app_url="https://admin.example.test/")
    issuer = SessionIssuer(tokens, clock, ids, SessionPolicy(refresh_token_ttl_seconds=REFRESH_TTL))
    services = PasswordServices(uow, hasher, clock, ids)
    templates = JinjaEmailTemplates()
    return IdentityKit(
        uow=uow,
        clock=clock,
        ids=ids,
        hasher=hasher,
        mailer=mailer,
        tokens=tokens,
        limiter=limiter,
        check_session=CheckSession(uow, TaggedCache(feed.hub), clock),
        limits=limits,
        register_user=Register(uow, hasher, issuer, clock, ids),
        log_in=LogIn(uow, hasher, issuer, LoginThrottle(limiter, limits), clock, ids),
        refresh=RefreshSession(uow, issuer, clock, ids),
        list_sessions=ListSessions(uow, clock),
        end_session=EndSession(uow, clock, ids),
        get_me=GetMe(uow, TaggedCache(feed.hub)),
        forgot_password=ForgotPassword(services, mailer, links, templates),
        reset_password=ResetPassword(services),
        accept_invitation=AcceptInvitation(services, issuer),
        change_password=ChangePassword(services, LoginThrottle(limiter, limits)),
        create_user=CreateUser(
            uow, hasher, mailer, links, clock, ids, templates, PlanCatalog.unlimited()
        ),
        update_user=UpdateUser(uow, clock, ids),
        deactivate_user=DeactivateUser(uow, clock, ids),
        list_users=ListUsers(uow),
        list_audit_log=ListAuditLog(uow),
    )
