"""Value objects shared across areas: slugs, email addresses, colors, domain names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ticketbase.domain.shared.errors import RuleViolated

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True, slots=True)
class Slug:
    value: str

    def __post_init__(self) -> None:
        if not _SLUG.fullmatch(self.value):
            raise RuleViolated(
                "a slug is 1-64 lowercase letters, digits or inner hyphens", field="slug"
            )

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class EmailAddress:
    """An email address, normalised (trimmed, lowercased) so lookups are exact."""

    value: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "email") -> EmailAddress:
        normalised = raw.strip().lower()
        if (
            len(normalised) > 320
            or not _EMAIL.fullmatch(normalised)
            or "." not in normalised.split("@")[1]
        ):
            raise RuleViolated("not a valid email address", field=field)
        return cls(normalised)

    def __str__(self) -> str:
        return self.value


def parse_color(raw: str, *, field: str) -> str:
    if not _COLOR.fullmatch(raw):
        raise RuleViolated("a color is written #rrggbb", field=field)
    return raw.lower()


def parse_domain_name(raw: str, *, field: str = "domain") -> str:
    """A DNS host name, lowercased, without a trailing dot or a port."""
    name = raw.strip().lower().rstrip(".")
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(x) for x in labels):
        raise RuleViolated(f"{raw!r} is not a valid domain name", field=field)
    return name
