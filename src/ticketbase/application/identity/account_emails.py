"""The emails identity sends (invitation, password reset), with their one-time links.

Invitations and password resets are kinds of email a tenant may word (``user_invitation``,
``password_reset``): they go through ``EmailTemplates.render_for`` with the variables built
here. A password reset belongs to an account, not to a tenant: it is worded by the account's
organization when it has exactly one active membership, else (a platform administrator, a
person in several organizations) by the default with TicketBase's branding. The notices that
an existing account was added, or created with a password, are not kinds of API.md and stay
fixed text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ticketbase.application.identity.opaque_tokens import new_opaque_token
from ticketbase.application.ports.email_templates import TemplateValue
from ticketbase.application.ports.mailer import OutgoingEmail
from ticketbase.application.ports.unit_of_work import AccountStores, OneTimeToken, TokenPurpose
from ticketbase.domain.shared.ids import OrganizationId, UserId


@dataclass(frozen=True, slots=True)
class LinkPolicy:
    admin_app_url: str
    invitation_ttl: timedelta = timedelta(days=7)
    password_reset_ttl: timedelta = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class NewLink:
    """A one-time link before it is stored: its address (with the token) and the token's hash."""

    url: str
    token_hash: bytes


def new_link(policy: LinkPolicy, purpose: TokenPurpose) -> NewLink:
    token, token_hash = new_opaque_token()
    path = "accept-invitation" if purpose is TokenPurpose.INVITATION else "reset-password"
    return NewLink(f"{policy.admin_app_url.rstrip('/')}/{path}?token={token}", token_hash)


async def store_link(
    stores: AccountStores,
    policy: LinkPolicy,
    link: NewLink,
    purpose: TokenPurpose,
    user_id: UserId,
    organization_id: OrganizationId | None,
    now: datetime,
) -> None:
    """Store the link's token (hashed): it works once, until its time to live runs out."""
    ttl = policy.invitation_ttl if purpose is TokenPurpose.INVITATION else policy.password_reset_ttl
    await stores.one_time_tokens.add(
        OneTimeToken(link.token_hash, purpose, user_id, organization_id, now, now + ttl)
    )


async def issue_link(
    stores: AccountStores,
    policy: LinkPolicy,
    purpose: TokenPurpose,
    user_id: UserId,
    organization_id: OrganizationId | None,
    now: datetime,
) -> str:
    """Store a one-time token (hashed) and return the link that carries it."""
    link = new_link(policy, purpose)
    await store_link(stores, policy, link, purpose, user_id, organization_id, now)
    return link.url


def ttl_text(ttl: timedelta) -> str:
    """``7 days``, ``1 hour``, ``30 minutes``: how long a link works, for the email."""
    seconds = int(ttl.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


def invitation_data(
    policy: LinkPolicy, invitee: str, inviter: str, link: str
) -> dict[str, TemplateValue]:
    """The ``user_invitation`` variables."""
    return {
        "invitee": {"email": invitee},
        "inviter": {"full_name": inviter},
        "link": link,
        "expires_in": ttl_text(policy.invitation_ttl),
    }


def password_reset_data(policy: LinkPolicy, email: str, link: str) -> dict[str, TemplateValue]:
    """The ``password_reset`` variables."""
    return {
        "user": {"email": email},
        "link": link,
        "expires_in": ttl_text(policy.password_reset_ttl),
    }


def added_email(to: str, organization_name: str) -> OutgoingEmail:
    return OutgoingEmail(
        to=to,
        subject=f"You now have access to {organization_name} on TicketBase",
        text=f"You were added to {organization_name}. Sign in with your existing account.\n",
    )


def account_created_email(to: str, organization_name: str) -> OutgoingEmail:
    return OutgoingEmail(
        to=to,
        subject=f"Your TicketBase account for {organization_name}",
        text=(
            f"An account was created for you at {organization_name}. Sign in with this email "
            "and the password your administrator gives you, then change it.\n"
        ),
    )
