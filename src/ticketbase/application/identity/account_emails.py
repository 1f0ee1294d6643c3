"""The emails identity sends (invitation, password reset), with their one-time links.

Plain text for now; tenant-editable templates arrive with the email-templates issue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ticketbase.application.identity.opaque_tokens import new_opaque_token
from ticketbase.application.ports.mailer import OutgoingEmail
from ticketbase.application.ports.unit_of_work import AccountStores, OneTimeToken, TokenPurpose
from ticketbase.domain.shared.ids import OrganizationId, UserId


@dataclass(frozen=True, slots=True)
class LinkPolicy:
    admin_app_url: str
    invitation_ttl: timedelta = timedelta(days=7)
    password_reset_ttl: timedelta = timedelta(hours=1)


async def issue_link(
    stores: AccountStores,
    policy: LinkPolicy,
    purpose: TokenPurpose,
    user_id: UserId,
    organization_id: OrganizationId | None,
    now: datetime,
) -> str:
    """Store a one-time token (hashed) and return the link that carries it."""
    token, token_hash = new_opaque_token()
    ttl = policy.invitation_ttl if purpose is TokenPurpose.INVITATION else policy.password_reset_ttl
    await stores.one_time_tokens.add(
        OneTimeToken(token_hash, purpose, user_id, organization_id, now, now + ttl)
    )
    path = "accept-invitation" if purpose is TokenPurpose.INVITATION else "reset-password"
    return f"{policy.admin_app_url.rstrip('/')}/{path}?token={token}"


def invitation_email(to: str, organization_name: str, inviter: str, link: str) -> OutgoingEmail:
    return OutgoingEmail(
        to=to,
        subject=f"You are invited to {organization_name} on TicketBase",
        text=(
            f"{inviter} invited you to join {organization_name} on TicketBase.\n\n"
            f"Choose your password and sign in here (the link works once, for 7 days):\n{link}\n"
        ),
    )


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


def password_reset_email(to: str, link: str) -> OutgoingEmail:
    return OutgoingEmail(
        to=to,
        subject="Reset your TicketBase password",
        text=(
            "Someone (hopefully you) asked to reset the password of this account.\n\n"
            f"Choose a new password here (the link works once, for 1 hour):\n{link}\n\n"
            "If it was not you, ignore this message: your password stays as it is.\n"
        ),
    )
