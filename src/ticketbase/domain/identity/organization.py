"""The Organization aggregate: a tenant with its settings, branding and custom domains."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from uuid import UUID
from zoneinfo import available_timezones

from ticketbase.domain.shared.errors import RuleViolated, StaleVersion
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.shared.values import EmailAddress, Slug, parse_color, parse_domain_name

MAX_CUSTOM_DOMAINS = 10
MAX_ALLOWED_ORIGINS = 20
_ORIGIN = re.compile(r"https?://[^/?#\s]+")
_CURRENCIES = frozenset(
    (
        "AUD BRL CAD CHF CNY CZK DKK EUR GBP HKD HUF INR JPY KRW MXN NOK NZD PLN SEK SGD USD ZAR"
    ).split()
)


class OrganizationStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


@dataclass(frozen=True, slots=True)
class OrganizationSettings:
    timezone: str = "UTC"
    currency: str = "EUR"
    locale: str = "en"
    support_email: str | None = None
    allowed_origins: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.timezone not in _timezones():
            raise RuleViolated("unknown IANA timezone", field="settings.timezone")
        if self.currency not in _CURRENCIES:
            raise RuleViolated("unsupported ISO 4217 currency", field="settings.currency")
        if not 2 <= len(self.locale) <= 16:
            raise RuleViolated(
                "a locale is a BCP 47 tag such as en or de-AT", field="settings.locale"
            )
        if self.support_email is not None:
            EmailAddress.parse(self.support_email, field="settings.supportEmail")
        if len(self.allowed_origins) > MAX_ALLOWED_ORIGINS:
            raise RuleViolated("too many allowed origins", field="settings.allowedOrigins")
        for origin in self.allowed_origins:
            if not _ORIGIN.fullmatch(origin):
                raise RuleViolated(
                    "an origin is scheme://host[:port] without a path",
                    field="settings.allowedOrigins",
                )


@dataclass(frozen=True, slots=True)
class Branding:
    logo_asset_id: UUID | None = None
    primary_color: str | None = None
    accent_color: str | None = None

    def __post_init__(self) -> None:
        if self.primary_color is not None:
            parse_color(self.primary_color, field="branding.primaryColor")
        if self.accent_color is not None:
            parse_color(self.accent_color, field="branding.accentColor")


@dataclass(frozen=True, slots=True)
class CustomDomain:
    """A host name the organization serves its storefront on; resolved only once verified."""

    name: str
    verified_at: datetime | None = None

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


@dataclass(slots=True)
class Organization:
    id: OrganizationId
    name: str
    slug: Slug
    created_at: datetime
    updated_at: datetime
    status: OrganizationStatus = OrganizationStatus.ACTIVE
    settings: OrganizationSettings = field(default_factory=OrganizationSettings)
    branding: Branding = field(default_factory=Branding)
    custom_domains: tuple[CustomDomain, ...] = ()
    version: int = 1

    @staticmethod
    def check_name(name: str) -> str:
        cleaned = " ".join(name.split())
        if not 1 <= len(cleaned) <= 200:
            raise RuleViolated("a name is 1-200 characters", field="name")
        return cleaned

    def update(
        self,
        *,
        now: datetime,
        expected_version: int | None = None,
        name: str | None = None,
        settings: OrganizationSettings | None = None,
        branding: Branding | None = None,
        custom_domains: list[str] | None = None,
    ) -> None:
        """Apply a partial update; ``None`` leaves a part as it is."""
        if expected_version is not None and expected_version != self.version:
            raise StaleVersion(
                f"the organization is at version {self.version}, not {expected_version}"
            )
        # Check every part before changing any, so a refused update leaves the aggregate as it was.
        cleaned_name = None if name is None else self.check_name(name)
        domains = None if custom_domains is None else self._merge_domains(custom_domains)
        if cleaned_name is not None:
            self.name = cleaned_name
        if settings is not None:
            self.settings = settings
        if branding is not None:
            self.branding = branding
        if domains is not None:
            self.custom_domains = domains
        self.version += 1
        self.updated_at = now

    def _merge_domains(self, names: list[str]) -> tuple[CustomDomain, ...]:
        """Keep the verification of domains that stay; new ones start unverified."""
        parsed = [parse_domain_name(n, field="customDomains") for n in names]
        if len(set(parsed)) != len(parsed):
            raise RuleViolated("a custom domain is listed twice", field="customDomains")
        if len(parsed) > MAX_CUSTOM_DOMAINS:
            raise RuleViolated(
                f"at most {MAX_CUSTOM_DOMAINS} custom domains", field="customDomains"
            )
        known = {d.name: d for d in self.custom_domains}
        return tuple(known.get(n, CustomDomain(n)) for n in parsed)

    def verify_domain(self, name: str, *, now: datetime) -> None:
        domains = list(self.custom_domains)
        for i, domain in enumerate(domains):
            if domain.name == name:
                domains[i] = replace(domain, verified_at=domain.verified_at or now)
                self.custom_domains = tuple(domains)
                self.version += 1
                self.updated_at = now
                return
        raise RuleViolated(f"{name} is not a custom domain of this organization", field="domain")


@cache
def _timezones() -> frozenset[str]:
    """Read from the system once: the set never changes while the process runs."""
    return frozenset(available_timezones()) | {"UTC"}
