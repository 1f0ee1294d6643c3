"""Value objects: slugs, email addresses, colors and domain names."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.values import EmailAddress, Slug, parse_color, parse_domain_name

# The slug pattern exactly as API.md writes it; the domain must agree with it, character for
# character, so it is spelled out here rather than imported.
API_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def matches_api_slug(text: str) -> bool:
    # ``fullmatch``: with ``match`` the ``$`` would also accept a trailing newline.
    return API_SLUG.fullmatch(text) is not None


class TestSlug:
    @given(st.text(alphabet="ab09-Z_. \n\té", max_size=70))
    def test_accepts_exactly_what_the_api_pattern_accepts(self, text: str) -> None:
        try:
            Slug(text)
        except RuleViolated:
            accepted = False
        else:
            accepted = True
        assert accepted is matches_api_slug(text)

    @given(st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?", fullmatch=True))
    def test_every_slug_of_the_api_pattern_is_accepted_unchanged(self, text: str) -> None:
        assert Slug(text).value == text
        assert str(Slug(text)) == text

    @pytest.mark.parametrize("text", ["a", "7", "a-b", "a--b", "a" * 64, "2026-gala"])
    def test_accepts_boundary_cases(self, text: str) -> None:
        assert Slug(text).value == text

    @pytest.mark.parametrize(
        "text", ["", "-a", "a-", "A", "a_b", "a b", "a" * 65, "abc\n", "\nabc", "ä"]
    )
    def test_rejects_with_the_slug_field(self, text: str) -> None:
        with pytest.raises(RuleViolated) as caught:
            Slug(text)
        assert caught.value.field == "slug"


class TestEmailAddress:
    def test_parse_trims_and_lowercases(self) -> None:
        assert EmailAddress.parse("  Alice.Smith@Example.COM \n").value == "alice.smith@example.com"

    @given(st.emails())
    def test_parse_accepts_valid_addresses_and_is_idempotent(self, raw: str) -> None:
        parsed = EmailAddress.parse(raw)
        assert parsed.value == raw.lower()
        assert EmailAddress.parse(parsed.value) == parsed

    def test_addresses_differing_only_in_case_are_equal(self) -> None:
        assert EmailAddress.parse("BOB@example.com") == EmailAddress.parse("bob@EXAMPLE.com")

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "   ",
            "alice",
            "alice@",
            "@example.com",
            "alice@example",
            "alice@@example.com",
            "al ice@example.com",
            "alice@exa mple.com",
            "a" * 65 + "@example.com",
            "alice@" + "b" * 252 + ".com",
        ],
    )
    def test_parse_rejects_invalid_addresses(self, raw: str) -> None:
        with pytest.raises(RuleViolated) as caught:
            EmailAddress.parse(raw)
        assert caught.value.field == "email"

    def test_parse_reports_the_callers_field(self) -> None:
        with pytest.raises(RuleViolated) as caught:
            EmailAddress.parse("nope", field="buyer.email")
        assert caught.value.field == "buyer.email"

    def test_accepts_the_longest_allowed_parts(self) -> None:
        raw = "a" * 64 + "@" + "b" * 251 + ".com"
        assert EmailAddress.parse(raw).value == raw


class TestParseColor:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [("#a1b2c3", "#a1b2c3"), ("#A1B2C3", "#a1b2c3"), ("#000000", "#000000")],
    )
    def test_accepts_hex_triplets_lowercased(self, raw: str, expected: str) -> None:
        assert parse_color(raw, field="branding.primaryColor") == expected

    @pytest.mark.parametrize(
        "raw", ["a1b2c3", "#abc", "#abcdef0", "#gggggg", "#aabbcc\n", " #aabbcc", "", "red"]
    )
    def test_rejects_anything_else_naming_the_field(self, raw: str) -> None:
        with pytest.raises(RuleViolated) as caught:
            parse_color(raw, field="branding.accentColor")
        assert caught.value.field == "branding.accentColor"


class TestParseDomainName:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("tickets.example.com", "tickets.example.com"),
            ("Tickets.Example.COM", "tickets.example.com"),
            ("  example.com.  ", "example.com"),
            ("xn--bcher-kva.example", "xn--bcher-kva.example"),
            ("a-b.c0", "a-b.c0"),
            ("a" * 63 + ".com", "a" * 63 + ".com"),
        ],
    )
    def test_normalises_valid_names(self, raw: str, expected: str) -> None:
        assert parse_domain_name(raw) == expected

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "localhost",
            "-bad.com",
            "bad-.com",
            "exa mple.com",
            "a..com",
            ".example.com",
            "example.com:8080",
            "under_score.com",
            "a" * 64 + ".com",
            ".".join(["abcdefghi"] * 26),  # 259 characters
            "a\n.com",
            "tickets.example.com\n.org",
        ],
    )
    def test_rejects_invalid_names(self, raw: str) -> None:
        with pytest.raises(RuleViolated) as caught:
            parse_domain_name(raw)
        assert caught.value.field == "domain"

    def test_reports_the_callers_field(self) -> None:
        with pytest.raises(RuleViolated) as caught:
            parse_domain_name("nope", field="customDomains")
        assert caught.value.field == "customDomains"

    @given(
        st.lists(st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True), min_size=2)
    )
    def test_accepted_names_parse_to_themselves(self, labels: list[str]) -> None:
        name = ".".join(labels)
        if len(name) > 253:
            with pytest.raises(RuleViolated):
                parse_domain_name(name)
        else:
            assert parse_domain_name(name.upper() + ".") == name
