"""The documented variables of each kind of email, as sample data that doubles as the schema.

A template sees exactly these names (and nothing of the objects behind them): the sample of a
kind is what a preview renders and what a template must render without error to be saved; the
data of a real email has the same shape, built by the functions here from the domain objects.
``organization`` is the sender's name and branding, added by the renderer to every kind.

Keys avoid the names of ``dict`` methods (``items``, ``values``, ``keys``…): templates read them
as attributes (``order.lines``), and an attribute of the mapping itself would win."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from ticketbase.application.ports.email_templates import TemplateValue
from ticketbase.domain.email_templates.template import EmailKind
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.values import Money

DEFAULT_BRAND_COLOR = "#1f2937"
DEFAULT_ACCENT_COLOR = "#2563eb"
PLATFORM_NAME = "TicketBase"
# Sample data given in a preview is bounded: a template's output is bounded anyway, these keep
# the request itself small.
MAX_SAMPLE_STRING = 2_000
MAX_SAMPLE_LIST = 100

# ISO 4217 currencies without a minor unit; every other currency TicketBase takes has two.
_NO_MINOR_UNIT = frozenset({"JPY", "KRW", "CLP", "ISK", "VND", "UGX", "XAF", "XOF"})


def format_money(value: Money) -> str:
    """``1,234.50 EUR``; ``1,200 JPY``; ``-0.05 EUR``: from integer minor units, never a float."""
    sign = "-" if value.amount < 0 else ""
    units = abs(value.amount)
    if value.currency in _NO_MINOR_UNIT:
        return f"{sign}{units:,} {value.currency}"
    major, minor = divmod(units, 100)
    return f"{sign}{major:,}.{minor:02d} {value.currency}"


def organization_variables(organization: Organization | None) -> dict[str, TemplateValue]:
    """``organization``: the tenant's name and colours (TicketBase's own without a tenant)."""
    if organization is None:
        return {
            "name": PLATFORM_NAME,
            "slug": "",
            "primary_color": DEFAULT_BRAND_COLOR,
            "accent_color": DEFAULT_ACCENT_COLOR,
            "support_email": "",
        }
    branding = organization.branding
    return {
        "name": organization.name,
        "slug": organization.slug.value,
        "primary_color": branding.primary_color or DEFAULT_BRAND_COLOR,
        "accent_color": branding.accent_color or DEFAULT_ACCENT_COLOR,
        "support_email": organization.settings.support_email or "",
    }


_ORGANIZATION: dict[str, TemplateValue] = organization_variables(None) | {
    "name": "Acme Concerts",
    "slug": "acme",
    "support_email": "help@acme.example",
}
_BUYER: dict[str, TemplateValue] = {"full_name": "Ada Lovelace", "email": "ada@example.com"}
_EVENT: dict[str, TemplateValue] = {
    "name": "Jazz Night",
    "when": "Friday 01 May 2026, 20:00 (Europe/Vienna)",
    "where": "Konzerthaus, Lothringerstraße 20, Wien, AT",
    "timezone": "Europe/Vienna",
    "venue": {
        "name": "Konzerthaus",
        "address": "Lothringerstraße 20",
        "city": "Wien",
        "country": "AT",
    },
}
_ORDER_LINK = "https://tickets.example.com/api/orders/0190c0de-0000-7000-8000-000000000001?token=…"
_TICKETS: list[TemplateValue] = [
    {
        "number": 1,
        "ticket_type": "Standard",
        "holder": "Ada Lovelace",
        "code": "TB1.sample-ticket-code",
        "link": "https://tickets.example.com/api/orders/0190c0de-0000-7000-8000-000000000001"
        "/tickets/0190c0de-0000-7000-8000-000000000002?token=…",
    }
]
_ORDER_REF: dict[str, TemplateValue] = {
    "number": "2026-000042",
    "link": _ORDER_LINK,
    "total": "25.00 EUR",
}
_ORDER: dict[str, TemplateValue] = _ORDER_REF | {
    "lines": [
        {
            "name": "Standard",
            "quantity": 1,
            "unit_price": "25.00 EUR",
            "discount": "",
            "total": "25.00 EUR",
            "label": "1 x Standard at 25.00 EUR",
        }
    ],
    "subtotal": "25.00 EUR",
    "discount": "",
    "fees": "",
    "tax": "3.99 EUR",
}

SAMPLES: dict[EmailKind, dict[str, TemplateValue]] = {
    EmailKind.ORDER_CONFIRMATION: {
        "buyer": _BUYER,
        "event": _EVENT,
        "order": _ORDER,
        "tickets": _TICKETS,
    },
    EmailKind.TICKET_DELIVERY: {
        "buyer": _BUYER,
        "event": _EVENT,
        "order": _ORDER_REF,
        "tickets": _TICKETS,
    },
    EmailKind.USER_INVITATION: {
        "invitee": {"email": "grace@example.com"},
        "inviter": {"full_name": "Ada Lovelace"},
        "link": "https://admin.example.com/accept-invitation?token=…",
        "expires_in": "7 days",
    },
    EmailKind.PASSWORD_RESET: {
        "user": {"email": "ada@example.com"},
        "link": "https://admin.example.com/reset-password?token=…",
        "expires_in": "1 hour",
    },
    EmailKind.ORDER_REFUNDED: {
        "buyer": _BUYER,
        "event": _EVENT,
        "order": _ORDER_REF,
        "refund": {"amount": "25.00 EUR", "total_refunded": "25.00 EUR", "full": True},
    },
    EmailKind.EVENT_REMINDER: {
        "buyer": _BUYER,
        "event": _EVENT,
        "order": _ORDER_REF,
        "tickets": _TICKETS,
    },
    EmailKind.EVENT_CANCELLED: {
        "buyer": _BUYER,
        "event": _EVENT,
        "order": _ORDER_REF,
    },
}


def sample_data(kind: EmailKind) -> dict[str, TemplateValue]:
    """The kind's sample, with the sample organization."""
    return {"organization": _ORGANIZATION, **SAMPLES[kind]}


def variable_names(kind: EmailKind) -> list[str]:
    """Every documented name of the kind, dotted (``order.lines[].total``), for the editor."""
    names: list[str] = []

    def walk(value: TemplateValue, prefix: str) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(inner, f"{prefix}.{key}" if prefix else key)
        elif isinstance(value, list):
            walk(value[0], f"{prefix}[]")
        else:
            names.append(prefix)

    walk(cast(TemplateValue, sample_data(kind)), "")
    return names


def conform(kind: EmailKind, given: Mapping[str, object] | None) -> dict[str, TemplateValue]:
    """The kind's sample with ``given`` (a client's ``sampleData``) laid over it: only
    documented names, each with the sample's type; ``RuleViolated`` on ``sampleData.<path>``
    otherwise. Names not given keep the sample's value."""
    sample = sample_data(kind)
    if given is None:
        return sample
    merged = _conform(cast(TemplateValue, sample), given, "sampleData")
    assert isinstance(merged, dict)
    return merged


def _conform(schema: TemplateValue, value: object, path: str) -> TemplateValue:
    if isinstance(schema, Mapping):
        if not isinstance(value, Mapping):
            raise RuleViolated("expected an object", field=path)
        unknown = sorted(str(k) for k in value if k not in schema)
        if unknown:
            raise RuleViolated("not a variable of this email", field=f"{path}.{unknown[0]}")
        return {
            key: _conform(inner, value[key], f"{path}.{key}") if key in value else inner
            for key, inner in schema.items()
        }
    if isinstance(schema, list):
        if not isinstance(value, list):
            raise RuleViolated("expected a list", field=path)
        if len(value) > MAX_SAMPLE_LIST:
            raise RuleViolated(f"at most {MAX_SAMPLE_LIST} entries", field=path)
        return [_conform(schema[0], item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(schema, bool):
        if not isinstance(value, bool):
            raise RuleViolated("expected true or false", field=path)
        return value
    if isinstance(schema, int):
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 10**9:
            raise RuleViolated("expected an integer", field=path)
        return value
    if not isinstance(value, str):
        raise RuleViolated("expected a string", field=path)
    if len(value) > MAX_SAMPLE_STRING:
        raise RuleViolated(f"at most {MAX_SAMPLE_STRING} characters", field=path)
    return value
