"""The Organization aggregate: update rules, custom domains and settings validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from ticketbase.domain.identity.organization import (
    MAX_ALLOWED_ORIGINS,
    MAX_CUSTOM_DOMAINS,
    Branding,
    CustomDomain,
    Organization,
    OrganizationSettings,
)
from ticketbase.domain.shared.errors import Conflict, RuleViolated, StaleVersion
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.shared.values import Slug

CREATED = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
LATER = CREATED + timedelta(hours=1)
MUCH_LATER = CREATED + timedelta(days=3)


def an_organization(**overrides: object) -> Organization:
    values: dict[str, object] = {
        "id": OrganizationId(UUID(int=1)),
        "name": "Acme Events",
        "slug": Slug("acme"),
        "created_at": CREATED,
        "updated_at": CREATED,
    }
    values.update(overrides)
    return Organization(**values)  # type: ignore[arg-type]


def snapshot(organization: Organization) -> tuple[object, ...]:
    return (
        organization.name,
        organization.settings,
        organization.branding,
        organization.custom_domains,
        organization.version,
        organization.updated_at,
    )


class TestUpdate:
    def test_bumps_the_version_and_stamps_the_time(self) -> None:
        organization = an_organization()
        organization.update(now=LATER, name="Acme Live")
        assert organization.name == "Acme Live"
        assert organization.version == 2
        assert organization.updated_at == LATER
        assert organization.created_at == CREATED

    def test_cleans_whitespace_in_the_name(self) -> None:
        organization = an_organization()
        organization.update(now=LATER, name="  Acme \t  Live\nEvents ")
        assert organization.name == "Acme Live Events"

    @pytest.mark.parametrize("name", ["", "   ", "\n\t", "x" * 201])
    def test_rejects_an_empty_or_too_long_name(self, name: str) -> None:
        organization = an_organization()
        with pytest.raises(RuleViolated) as caught:
            organization.update(now=LATER, name=name)
        assert caught.value.field == "name"
        assert organization.name == "Acme Events"
        assert organization.version == 1

    def test_accepts_a_name_of_200_characters(self) -> None:
        organization = an_organization()
        organization.update(now=LATER, name="x" * 200)
        assert organization.name == "x" * 200

    def test_none_leaves_each_part_as_it_is(self) -> None:
        settings = OrganizationSettings(timezone="Europe/Vienna")
        organization = an_organization(settings=settings, custom_domains=(CustomDomain("a.com"),))
        organization.update(now=LATER)
        assert organization.name == "Acme Events"
        assert organization.settings == settings
        assert organization.custom_domains == (CustomDomain("a.com"),)

    def test_replaces_settings_and_branding(self) -> None:
        organization = an_organization()
        settings = OrganizationSettings(currency="USD", locale="en-US")
        branding = Branding(primary_color="#112233")
        organization.update(now=LATER, settings=settings, branding=branding)
        assert organization.settings == settings
        assert organization.branding == branding

    def test_a_stale_expected_version_is_refused_without_change(self) -> None:
        organization = an_organization(version=4)
        before = snapshot(organization)
        with pytest.raises(StaleVersion) as caught:
            organization.update(now=LATER, expected_version=3, name="Other")
        assert isinstance(caught.value, Conflict)
        assert caught.value.code == "version_conflict"
        assert snapshot(organization) == before

    def test_the_current_expected_version_is_accepted(self) -> None:
        organization = an_organization(version=4)
        organization.update(now=LATER, expected_version=4, name="Other")
        assert organization.version == 5

    def test_a_failed_update_changes_nothing(self) -> None:
        organization = an_organization()
        before = snapshot(organization)
        with pytest.raises(RuleViolated):
            organization.update(now=LATER, name="New name", custom_domains=["not a domain"])
        assert snapshot(organization) == before


class TestCustomDomains:
    def test_are_normalised_and_kept_in_the_given_order(self) -> None:
        organization = an_organization()
        organization.update(now=LATER, custom_domains=["Tickets.Example.com.", "b.example.org"])
        assert [d.name for d in organization.custom_domains] == [
            "tickets.example.com",
            "b.example.org",
        ]
        assert not any(d.verified for d in organization.custom_domains)

    def test_a_domain_listed_twice_is_refused(self) -> None:
        organization = an_organization()
        with pytest.raises(RuleViolated) as caught:
            organization.update(now=LATER, custom_domains=["example.com", "EXAMPLE.com."])
        assert caught.value.field == "customDomains"
        assert organization.custom_domains == ()

    def test_an_invalid_domain_names_the_field(self) -> None:
        organization = an_organization()
        with pytest.raises(RuleViolated) as caught:
            organization.update(now=LATER, custom_domains=["fine.com", "bad_domain.com"])
        assert caught.value.field == "customDomains"

    def test_at_most_the_limit(self) -> None:
        organization = an_organization()
        names = [f"d{i}.example.com" for i in range(MAX_CUSTOM_DOMAINS + 1)]
        organization.update(now=LATER, custom_domains=names[:MAX_CUSTOM_DOMAINS])
        assert len(organization.custom_domains) == MAX_CUSTOM_DOMAINS
        with pytest.raises(RuleViolated) as caught:
            organization.update(now=LATER, custom_domains=names)
        assert caught.value.field == "customDomains"
        assert len(organization.custom_domains) == MAX_CUSTOM_DOMAINS

    def test_an_empty_list_removes_every_domain(self) -> None:
        organization = an_organization(custom_domains=(CustomDomain("a.com", CREATED),))
        organization.update(now=LATER, custom_domains=[])
        assert organization.custom_domains == ()

    def test_a_domain_that_stays_keeps_its_verification(self) -> None:
        organization = an_organization(custom_domains=(CustomDomain("a.com", CREATED),))
        organization.update(now=LATER, custom_domains=["b.com", "A.com"])
        assert organization.custom_domains == (
            CustomDomain("b.com", None),
            CustomDomain("a.com", CREATED),
        )

    def test_a_removed_then_re_added_domain_starts_unverified(self) -> None:
        organization = an_organization(custom_domains=(CustomDomain("a.com", CREATED),))
        organization.update(now=LATER, custom_domains=[])
        organization.update(now=LATER, custom_domains=["a.com"])
        assert organization.custom_domains == (CustomDomain("a.com", None),)


class TestVerifyDomain:
    def test_marks_the_domain_verified_now(self) -> None:
        organization = an_organization(
            custom_domains=(CustomDomain("a.com"), CustomDomain("b.com"))
        )
        organization.verify_domain("b.com", now=LATER)
        assert organization.custom_domains == (CustomDomain("a.com"), CustomDomain("b.com", LATER))
        assert organization.custom_domains[1].verified
        assert organization.version == 2
        assert organization.updated_at == LATER

    def test_verifying_again_keeps_the_first_verification_time(self) -> None:
        organization = an_organization(custom_domains=(CustomDomain("a.com"),))
        organization.verify_domain("a.com", now=LATER)
        organization.verify_domain("a.com", now=MUCH_LATER)
        assert organization.custom_domains[0].verified_at == LATER

    def test_an_unknown_domain_is_refused(self) -> None:
        organization = an_organization(custom_domains=(CustomDomain("a.com"),))
        with pytest.raises(RuleViolated) as caught:
            organization.verify_domain("other.com", now=LATER)
        assert caught.value.field == "domain"
        assert organization.custom_domains == (CustomDomain("a.com"),)
        assert organization.version == 1


class TestOrganizationSettings:
    def test_defaults_are_valid(self) -> None:
        settings = OrganizationSettings()
        assert (settings.timezone, settings.currency, settings.locale) == ("UTC", "EUR", "en")

    def test_accepts_a_complete_valid_configuration(self) -> None:
        settings = OrganizationSettings(
            timezone="America/New_York",
            currency="USD",
            locale="en-US",
            support_email="help@example.com",
            allowed_origins=("https://shop.example.com", "http://localhost:3000"),
        )
        assert settings.allowed_origins == ("https://shop.example.com", "http://localhost:3000")

    @pytest.mark.parametrize("timezone", ["Mars/Olympus_Mons", "utc", "", "Europe/Vienna "])
    def test_rejects_an_unknown_timezone(self, timezone: str) -> None:
        with pytest.raises(RuleViolated) as caught:
            OrganizationSettings(timezone=timezone)
        assert caught.value.field == "settings.timezone"

    @pytest.mark.parametrize("timezone", ["UTC", "Europe/Vienna", "Asia/Kolkata"])
    def test_accepts_iana_timezones(self, timezone: str) -> None:
        assert OrganizationSettings(timezone=timezone).timezone == timezone

    @pytest.mark.parametrize("currency", ["usd", "XXX", "EURO", ""])
    def test_rejects_an_unsupported_currency(self, currency: str) -> None:
        with pytest.raises(RuleViolated) as caught:
            OrganizationSettings(currency=currency)
        assert caught.value.field == "settings.currency"

    @pytest.mark.parametrize("locale", ["e", "x" * 17])
    def test_rejects_a_locale_of_the_wrong_length(self, locale: str) -> None:
        with pytest.raises(RuleViolated) as caught:
            OrganizationSettings(locale=locale)
        assert caught.value.field == "settings.locale"

    @pytest.mark.parametrize("email", ["help", "help@example", "help @example.com"])
    def test_rejects_an_invalid_support_email(self, email: str) -> None:
        with pytest.raises(RuleViolated) as caught:
            OrganizationSettings(support_email=email)
        assert caught.value.field == "settings.supportEmail"

    @pytest.mark.parametrize(
        "origin",
        [
            "shop.example.com",
            "ftp://shop.example.com",
            "https://shop.example.com/",
            "https://shop.example.com/path",
            "https://shop.example.com?x=1",
            "https://",
        ],
    )
    def test_rejects_an_origin_that_is_not_scheme_host_port(self, origin: str) -> None:
        with pytest.raises(RuleViolated) as caught:
            OrganizationSettings(allowed_origins=("https://fine.example.com", origin))
        assert caught.value.field == "settings.allowedOrigins"

    def test_allows_at_most_the_limit_of_origins(self) -> None:
        origins = tuple(f"https://s{i}.example.com" for i in range(MAX_ALLOWED_ORIGINS + 1))
        assert len(OrganizationSettings(allowed_origins=origins[:-1]).allowed_origins) == 20
        with pytest.raises(RuleViolated) as caught:
            OrganizationSettings(allowed_origins=origins)
        assert caught.value.field == "settings.allowedOrigins"


class TestBranding:
    def test_accepts_colors_and_no_colors(self) -> None:
        assert Branding().primary_color is None
        assert Branding(primary_color="#aabbcc", accent_color="#001122").accent_color == "#001122"

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"primary_color": "blue"}, "branding.primaryColor"),
            ({"accent_color": "#12345"}, "branding.accentColor"),
        ],
    )
    def test_rejects_a_color_that_is_not_rrggbb(self, kwargs: dict[str, str], field: str) -> None:
        with pytest.raises(RuleViolated) as caught:
            Branding(**kwargs)  # type: ignore[arg-type]
        assert caught.value.field == field
