"""The emails TicketBase sends when an organization wrote none: Jinja2 templates over each
kind's documented variables (``application/email_templates/variables.py``), in the
organization's name and brand colour.

They are the starting point a tenant edits (``GET /api/email-templates`` shows them), so each
one stands alone (a template cannot include another) and uses only what a tenant's template
may use. HTML is escaped by the renderer: nothing here marks data safe."""

from __future__ import annotations

from ticketbase.domain.email_templates.template import EmailKind, TemplateSource

_HEAD = (
    '<!DOCTYPE html>\n<html><body style="font-family:sans-serif;color:#111827;'
    'max-width:640px;margin:0 auto">\n'
    '<h1 style="color:{{ organization.primary_color }}">{{ organization.name }}</h1>\n'
)
_FOOT = (
    "{% if organization.support_email %}\n"
    '<p style="color:#6b7280;font-size:small">Questions? Write to '
    '<a href="mailto:{{ organization.support_email }}">{{ organization.support_email }}</a>.</p>\n'
    "{% endif %}\n"
    "</body></html>\n"
)
_TEXT_FOOT = (
    "— {{ organization.name }}\n"
    "{% if organization.support_email %}\n"
    "Questions? Write to {{ organization.support_email }}\n"
    "{% endif %}\n"
)
_WHEN_WHERE_TEXT = "When: {{ event.when }}\nWhere: {{ event.where }}\n"
_WHEN_WHERE_HTML = "<p>When: {{ event.when }}<br>Where: {{ event.where }}</p>\n"
_TICKETS_TEXT = (
    "\nYour tickets ({{ tickets|length }})\n"
    "{% for ticket in tickets %}\n"
    "\nTicket {{ ticket.number }}: {{ ticket.ticket_type }}\n"
    "  Holder: {{ ticket.holder }}\n"
    "  Ticket code: {{ ticket.code }}\n"
    "  QR code to show at the door: {{ ticket.link }}\n"
    "{% endfor %}\n"
)
_TICKETS_HTML = (
    "<h2>Your tickets ({{ tickets|length }})</h2>\n"
    "{% for ticket in tickets %}\n"
    '<div style="border:1px solid #d1d5db;border-radius:6px;padding:12px;margin:12px 0">'
    '<h3 style="margin:0 0 6px">Ticket {{ ticket.number }}: {{ ticket.ticket_type }}</h3>'
    '<p style="margin:0">Holder: {{ ticket.holder }}</p>'
    '<p style="margin:0">Ticket code: <code>{{ ticket.code }}</code></p>'
    '<p style="margin:6px 0 0"><a href="{{ ticket.link }}" '
    'style="color:{{ organization.accent_color }}">QR code to show at the door</a></p></div>\n'
    "{% endfor %}\n"
)
_ORDER_LINK_HTML = (
    '<p><a href="{{ order.link }}" style="color:{{ organization.accent_color }}">'
    "See your order at any time</a></p>\n"
)

_ORDER_CONFIRMATION = TemplateSource(
    subject="Your tickets for {{ event.name }} (order {{ order.number }})",
    text=(
        "Hello {{ buyer.full_name }},\n\n"
        "{{ organization.name }} confirms your order {{ order.number }} for {{ event.name }}.\n\n"
        + _WHEN_WHERE_TEXT
        + "\nYour order\n"
        "{% for line in order.lines %}\n"
        "  {{ line.label }}{% if line.discount %} (discount {{ line.discount }}){% endif %}"
        ": {{ line.total }}\n"
        "{% endfor %}\n"
        "  Subtotal: {{ order.subtotal }}\n"
        "{% if order.discount %}\n  Discount: -{{ order.discount }}\n{% endif %}\n"
        "{% if order.fees %}\n  Fees: {{ order.fees }}\n{% endif %}\n"
        "  Total paid: {{ order.total }}\n"
        "  Of which tax: {{ order.tax }}\n"
        + _TICKETS_TEXT
        + "\nSee your order at any time:\n{{ order.link }}\n\n"
        "Keep this email: its links are your access to the order and its tickets.\n" + _TEXT_FOOT
    ),
    html=(
        _HEAD + "<p>Hello {{ buyer.full_name }},</p>\n"
        "<p>{{ organization.name }} confirms your order <strong>{{ order.number }}</strong> "
        "for <strong>{{ event.name }}</strong>.</p>\n"
        + _WHEN_WHERE_HTML
        + "<h2>Your order</h2>\n<table>\n"
        "{% for line in order.lines %}\n"
        '<tr><td style="padding:2px 12px 2px 0">{{ line.label }}'
        "{% if line.discount %} (discount {{ line.discount }}){% endif %}</td>"
        '<td style="text-align:right">{{ line.total }}</td></tr>\n'
        "{% endfor %}\n"
        '<tr><td style="padding:2px 12px 2px 0">Subtotal</td>'
        '<td style="text-align:right">{{ order.subtotal }}</td></tr>\n'
        "{% if order.discount %}\n"
        '<tr><td style="padding:2px 12px 2px 0">Discount</td>'
        '<td style="text-align:right">-{{ order.discount }}</td></tr>\n'
        "{% endif %}\n"
        "{% if order.fees %}\n"
        '<tr><td style="padding:2px 12px 2px 0">Fees</td>'
        '<td style="text-align:right">{{ order.fees }}</td></tr>\n'
        "{% endif %}\n"
        '<tr><td style="padding:2px 12px 2px 0"><strong>Total paid</strong></td>'
        '<td style="text-align:right">{{ order.total }}</td></tr>\n'
        '<tr><td style="padding:2px 12px 2px 0">Of which tax</td>'
        '<td style="text-align:right">{{ order.tax }}</td></tr>\n'
        "</table>\n"
        + _TICKETS_HTML
        + _ORDER_LINK_HTML
        + "<p>Keep this email: its links are your access to the order and its tickets.</p>\n"
        + _FOOT
    ),
)

_TICKET_DELIVERY = TemplateSource(
    subject="Your tickets for {{ event.name }}",
    text=(
        "Hello {{ buyer.full_name }},\n\n"
        "here are your tickets for {{ event.name }} (order {{ order.number }}).\n\n"
        + _WHEN_WHERE_TEXT
        + _TICKETS_TEXT
        + "\nSee your order at any time:\n{{ order.link }}\n\n"
        + _TEXT_FOOT
    ),
    html=(
        _HEAD + "<p>Hello {{ buyer.full_name }},</p>\n"
        "<p>here are your tickets for <strong>{{ event.name }}</strong> "
        "(order {{ order.number }}).</p>\n"
        + _WHEN_WHERE_HTML
        + _TICKETS_HTML
        + _ORDER_LINK_HTML
        + _FOOT
    ),
)

_USER_INVITATION = TemplateSource(
    subject="You are invited to {{ organization.name }} on TicketBase",
    text=(
        "{{ inviter.full_name }} invited you to join {{ organization.name }} on TicketBase.\n\n"
        "Choose your password and sign in here (the link works once, for {{ expires_in }}):\n"
        "{{ link }}\n\n" + _TEXT_FOOT
    ),
    html=(
        _HEAD + "<p>{{ inviter.full_name }} invited you to join <strong>{{ organization.name }}"
        "</strong> on TicketBase.</p>\n"
        '<p><a href="{{ link }}" style="display:inline-block;padding:10px 16px;'
        "background:{{ organization.primary_color }};color:#ffffff;border-radius:6px;"
        'text-decoration:none">Choose your password</a></p>\n'
        "<p>The link works once, for {{ expires_in }}. If the button does not work, open this "
        "address:<br>{{ link }}</p>\n" + _FOOT
    ),
)

_PASSWORD_RESET = TemplateSource(
    subject="Reset your {{ organization.name }} password",
    text=(
        "Someone (hopefully you) asked to reset the password of this account.\n\n"
        "Choose a new password here (the link works once, for {{ expires_in }}):\n"
        "{{ link }}\n\n"
        "If it was not you, ignore this message: your password stays as it is.\n" + _TEXT_FOOT
    ),
    html=(
        _HEAD + "<p>Someone (hopefully you) asked to reset the password of this account.</p>\n"
        '<p><a href="{{ link }}" style="display:inline-block;padding:10px 16px;'
        "background:{{ organization.primary_color }};color:#ffffff;border-radius:6px;"
        'text-decoration:none">Choose a new password</a></p>\n'
        "<p>The link works once, for {{ expires_in }}. If the button does not work, open this "
        "address:<br>{{ link }}</p>\n"
        "<p>If it was not you, ignore this message: your password stays as it is.</p>\n" + _FOOT
    ),
)

_ORDER_REFUNDED = TemplateSource(
    subject="Refund for your order {{ order.number }}",
    text=(
        "Hello {{ buyer.full_name }},\n\n"
        "{{ organization.name }} refunded {{ refund.amount }} of your order {{ order.number }} "
        "for {{ event.name }}"
        "{% if refund.full %} in full: its tickets are no longer valid"
        "{% else %} (refunded so far: {{ refund.total_refunded }}){% endif %}.\n\n"
        "The money goes back the way you paid; your bank may take a few days to show it.\n\n"
        "See your order:\n{{ order.link }}\n\n" + _TEXT_FOOT
    ),
    html=(
        _HEAD + "<p>Hello {{ buyer.full_name }},</p>\n"
        "<p>{{ organization.name }} refunded <strong>{{ refund.amount }}</strong> of your order "
        "{{ order.number }} for <strong>{{ event.name }}</strong>"
        "{% if refund.full %} in full: its tickets are no longer valid"
        "{% else %} (refunded so far: {{ refund.total_refunded }}){% endif %}.</p>\n"
        "<p>The money goes back the way you paid; your bank may take a few days to show it.</p>\n"
        + _ORDER_LINK_HTML
        + _FOOT
    ),
)

_EVENT_REMINDER = TemplateSource(
    subject="Soon: {{ event.name }}",
    text=(
        "Hello {{ buyer.full_name }},\n\n"
        "{{ event.name }} is coming up.\n\n"
        + _WHEN_WHERE_TEXT
        + _TICKETS_TEXT
        + "\nYour order:\n{{ order.link }}\n\n"
        + _TEXT_FOOT
    ),
    html=(
        _HEAD + "<p>Hello {{ buyer.full_name }},</p>\n"
        "<p><strong>{{ event.name }}</strong> is coming up.</p>\n"
        + _WHEN_WHERE_HTML
        + _TICKETS_HTML
        + _ORDER_LINK_HTML
        + _FOOT
    ),
)

_EVENT_CANCELLED = TemplateSource(
    subject="Cancelled: {{ event.name }}",
    text=(
        "Hello {{ buyer.full_name }},\n\n"
        "we are sorry: {{ event.name }} ({{ event.when }}) is cancelled. "
        "Your tickets of order {{ order.number }} are no longer valid, and "
        "{{ organization.name }} will tell you about your refund.\n\n"
        "Your order:\n{{ order.link }}\n\n" + _TEXT_FOOT
    ),
    html=(
        _HEAD + "<p>Hello {{ buyer.full_name }},</p>\n"
        "<p>we are sorry: <strong>{{ event.name }}</strong> ({{ event.when }}) is cancelled. "
        "Your tickets of order {{ order.number }} are no longer valid, and "
        "{{ organization.name }} will tell you about your refund.</p>\n" + _ORDER_LINK_HTML + _FOOT
    ),
)

DEFAULTS: dict[EmailKind, TemplateSource] = {
    EmailKind.ORDER_CONFIRMATION: _ORDER_CONFIRMATION,
    EmailKind.TICKET_DELIVERY: _TICKET_DELIVERY,
    EmailKind.USER_INVITATION: _USER_INVITATION,
    EmailKind.PASSWORD_RESET: _PASSWORD_RESET,
    EmailKind.ORDER_REFUNDED: _ORDER_REFUNDED,
    EmailKind.EVENT_REMINDER: _EVENT_REMINDER,
    EmailKind.EVENT_CANCELLED: _EVENT_CANCELLED,
}
