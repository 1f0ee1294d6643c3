"""Email templates over HTTP on the real database: every kind listed with its default, an
override saved (versions, 409), refused with the part and line when it does not compile or
breaks the sandbox (hostile templates refused quickly), reset, previewed with sample data
(escaped HTML), test-sent to the caller through the outbox, and used for the invitations and
password resets identity sends; permissions and tenancy."""

from __future__ import annotations

import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from tests.integration.http.conftest import Tenant
from tests.integration.http.identity_support import mailbox_links, register
from tests.integration.http.test_conventions import assert_problem
from tests.integration.http.test_staff_orders import deliver
from tests.integration.http.test_users import add_member

from ticketbase.application.outbox.deliver_outbox import Outcome
from ticketbase.domain.email_templates.template import EmailKind
from ticketbase.domain.identity.permissions import Role
from ticketbase.entrypoints.settings import Settings

pytestmark = pytest.mark.anyio

KINDS = [
    "order_confirmation",
    "ticket_delivery",
    "user_invitation",
    "password_reset",
    "order_refunded",
    "event_reminder",
    "event_cancelled",
]
CONFIRMATION = {
    "subject": "Tickets for {{ event.name }}",
    "html": "<h1>{{ organization.name }}</h1>\n<p>Dear {{ buyer.full_name }}</p>\n"
    "{% for t in tickets %}<p>{{ t.code }}</p>{% endfor %}",
    "text": "Dear {{ buyer.full_name }}, order {{ order.number }}.\n",
}


def url(kind: str, suffix: str = "") -> str:
    return f"/api/email-templates/{kind}{suffix}"


async def put(
    client: httpx.AsyncClient, tenant: Tenant, kind: str, body: dict[str, Any], **headers: str
) -> httpx.Response:
    return await client.put(url(kind), json=body, headers=tenant.auth() | headers)


async def audit_actions(client: httpx.AsyncClient, tenant: Tenant) -> list[tuple[str, str]]:
    response = await client.get(
        "/api/audit-logs",
        params={"targetType": "email_template", "limit": 200},
        headers=tenant.auth(),
    )
    assert response.status_code == 200, response.text
    return [(e["action"], e["targetId"]) for e in reversed(response.json()["items"])]


def mailbox(data_dir: Path, to: str) -> list[EmailMessage]:
    found = []
    for path in sorted((data_dir / "mailbox").glob("*.eml")):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if message["to"] == to:
            assert isinstance(message, EmailMessage)
            found.append(message)
    return found


def body_of(message: EmailMessage, kind: str) -> str:
    part = message.get_body(preferencelist=(kind,))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")  # CRLF on the wire


# --- reading -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
async def test_every_member_lists_every_kind_with_its_default(
    client: httpx.AsyncClient, tenant: Tenant, role: Role
) -> None:
    response = await client.get("/api/email-templates", headers=tenant.auth(role))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [t["kind"] for t in body["items"]] == KINDS
    assert body["nextCursor"] is None
    for item in body["items"]:
        assert item["isDefault"] is True
        assert item["version"] == 0
        assert item["updatedAt"] is None
        assert "organization.name" in item["variables"]
        assert item["subject"]
        assert item["text"]
    confirmation = body["items"][0]
    assert "tickets[].code" in confirmation["variables"]
    assert "{{ organization.primary_color }}" in confirmation["html"]


async def test_an_unknown_kind_or_an_anonymous_caller_is_refused(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    assert_problem(await client.get(url("newsletter"), headers=tenant.auth()), 404, "not_found")
    assert_problem(await client.get("/api/email-templates"), 401, "unauthenticated")


# --- saving ------------------------------------------------------------------------------------


async def test_an_override_is_saved_versioned_listed_and_audited(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    saved = await put(client, tenant, "order_confirmation", CONFIRMATION)
    assert saved.status_code == 200, saved.text
    first = saved.json()
    assert first["isDefault"] is False
    assert first["version"] == 1
    assert first["subject"] == CONFIRMATION["subject"]
    assert first["updatedBy"] == str(tenant.callers[(Role.OWNER, False)][0])
    read = await client.get(url("order_confirmation"), headers=tenant.auth(Role.ANALYST))
    assert read.json() == first
    listed = (await client.get("/api/email-templates", headers=tenant.auth())).json()["items"]
    assert [t["isDefault"] for t in listed] == [False] + [True] * 6

    stale = await put(client, tenant, "order_confirmation", CONFIRMATION | {"version": 0})
    assert_problem(stale, 409, "version_conflict")
    second = await put(
        client,
        tenant,
        "order_confirmation",
        CONFIRMATION | {"text": "Hi!\n"},
        **{"if-match": '"1"'},
    )
    assert second.status_code == 200, second.text
    assert (second.json()["version"], second.json()["text"]) == (2, "Hi!\n")
    unguarded = await put(client, tenant, "order_confirmation", CONFIRMATION)
    assert unguarded.json()["version"] == 3
    assert (
        await audit_actions(client, tenant)
        == [("email_template.updated", "order_confirmation")] * 3
    )


async def test_a_first_save_guarded_by_version_zero_loses_to_another(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = await put(client, tenant, "event_reminder", CONFIRMATION | {"version": 0})
    assert first.status_code == 200, first.text
    again = await put(client, tenant, "event_reminder", CONFIRMATION | {"version": 0})
    assert_problem(again, 409, "version_conflict")


@pytest.mark.parametrize(
    ("part", "source", "message"),
    [
        ("html", "<p>\n{{ buyer.full_name }}\n{{ x }\n</p>", "line 3: unexpected '}'"),
        ("subject", "{% if %}", "line 1: "),
        ("text", "ok\n\n{% for t in tickets %}", "line 3: "),
        ("text", "line\n{{ nope }}", "line 2: 'nope' is undefined"),
        ("html", "{% include 'other.html' %}", "line 1: a template cannot include"),
        ("html", "{% extends 'layout.html' %}", "line 1: a template cannot include"),
        ("html", "{% from 'm.html' import x %}", "line 1: a template cannot include"),
    ],
)
async def test_an_invalid_template_is_refused_naming_the_part_and_the_line(
    client: httpx.AsyncClient, tenant: Tenant, part: str, source: str, message: str
) -> None:
    refused = await put(client, tenant, "order_confirmation", CONFIRMATION | {part: source})
    body = assert_problem(refused, 422, "validation_failed")
    [error] = body["errors"]  # type: ignore[misc]
    assert error["field"] == part
    assert error["message"].startswith(message), error
    current = await client.get(url("order_confirmation"), headers=tenant.auth())
    assert current.json()["isDefault"] is True


HOSTILE = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ().__class__.__base__.__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ lipsum(1000000) }}",
    "{{ range.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ self.__init__.__globals__ }}",
    "{{ buyer.__class__.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ dict.mro() }}",
    "{{ config.items() }}",
    "{{ request.application }}",
    "{% for i in range(10**9) %}{{ i }}{% endfor %}",
    "{% for i in range(9999) %}{% for j in range(9999) %}{% endfor %}{% endfor %}",
    "{% for a in tickets * 9999 %}{% for b in tickets * 9999 %}x{% endfor %}{% endfor %}",
    "{{ 'x' * 10**9 }}",
    "{{ ['x'] * 10**9 }}",
    "{{ 10 ** 100000000 }}",
    "{{ '%999999999s' % 'x' }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ 'x'.center(999999999) }}",
    "{{ 'x'|center(999999999) }}",
    "{{ ('x' * 200000)|replace('', 'yy') }}",
    "{{ ('x' * 100000)|list|join('yyy') }}",
    "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}",
    "{% macro m() %}{{ m() }}{{ m() }}{% endmacro %}{{ m() }}",
    "{% set ns = namespace(s='x' * 1000) %}{% for i in range(60) %}"
    "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
    "{% set s %}{% for i in range(9999) %}{{ 'y' * 9999 }}{% endfor %}{% endset %}{{ s }}",
    "{% for i in range(9999) %}{{ 'z' * 99999 }}{% endfor %}",
    "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}",
    "{{ tickets.append(1) }}",
    "{{ buyer.update({'a': 1}) }}",
    "{{ buyer|attr('__class__') }}",
    "{{ buyer|batch(999999999, 'x')|list }}",
]


@pytest.mark.parametrize("source", HOSTILE)
async def test_a_hostile_template_is_refused_quickly_at_save_and_at_preview(
    client: httpx.AsyncClient, tenant: Tenant, source: str
) -> None:
    started = time.monotonic()
    refused = await put(client, tenant, "order_confirmation", CONFIRMATION | {"html": source})
    body = assert_problem(refused, 422, "validation_failed")
    [error] = body["errors"]  # type: ignore[misc]
    assert error["field"] == "html"
    assert error["message"].startswith("line 1: "), error
    draft = {"template": CONFIRMATION | {"html": source}}
    previewed = await client.post(
        url("order_confirmation", "/preview"), json=draft, headers=tenant.auth()
    )
    body = assert_problem(previewed, 422, "validation_failed")
    assert body["errors"][0]["field"] == "template.html"  # type: ignore[index]
    assert time.monotonic() - started < 2.0  # both requests, each bounded by the sandbox
    assert "root:" not in refused.text
    assert "uid=" not in refused.text


async def test_an_oversized_template_is_refused_on_its_field(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    refused = await put(client, tenant, "order_confirmation", CONFIRMATION | {"text": "x" * 70_000})
    body = assert_problem(refused, 422, "validation_failed")
    assert body["errors"][0]["field"] == "text"  # type: ignore[index]


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.ANALYST])
async def test_only_template_writers_save_reset_preview_and_test_send(
    client: httpx.AsyncClient, tenant: Tenant, role: Role
) -> None:
    headers = tenant.auth(role)
    assert_problem(
        await client.put(url("password_reset"), json=CONFIRMATION, headers=headers),
        403,
        "permission_denied",
    )
    assert_problem(
        await client.delete(url("password_reset"), headers=headers), 403, "permission_denied"
    )
    for action in ("/preview", "/test"):
        response = await client.post(url("password_reset", action), headers=headers)
        assert_problem(response, 403, "permission_denied")
    reset = {"subject": "Reset", "html": "", "text": "{{ link }}"}
    manager = await client.put(url("password_reset"), json=reset, headers=tenant.auth(Role.MANAGER))
    assert manager.status_code == 200, manager.text


async def test_one_tenants_template_is_never_anothers(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    assert (await put(client, tenant, "order_confirmation", CONFIRMATION)).status_code == 200
    theirs = await client.get(url("order_confirmation"), headers=other_tenant.auth())
    assert theirs.json()["isDefault"] is True
    preview = await client.post(url("order_confirmation", "/preview"), headers=other_tenant.auth())
    assert "Dear" not in preview.json()["text"]
    # Their reset does not touch ours.
    reset = await client.delete(url("order_confirmation"), headers=other_tenant.auth())
    assert reset.status_code == 204
    ours = await client.get(url("order_confirmation"), headers=tenant.auth())
    assert ours.json()["isDefault"] is False


# --- resetting ---------------------------------------------------------------------------------


async def test_a_reset_goes_back_to_the_default_and_is_audited_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    cancelled = {"subject": "Off: {{ event.name }}", "html": "", "text": "{{ order.link }}"}
    assert (await put(client, tenant, "event_cancelled", cancelled)).status_code == 200
    stale = await client.delete(url("event_cancelled"), headers=tenant.auth() | {"if-match": '"7"'})
    assert_problem(stale, 409, "version_conflict")
    for _ in range(2):
        reset = await client.delete(url("event_cancelled"), headers=tenant.auth())
        assert reset.status_code == 204
    current = (await client.get(url("event_cancelled"), headers=tenant.auth())).json()
    assert (current["isDefault"], current["version"]) == (True, 0)
    assert await audit_actions(client, tenant) == [
        ("email_template.updated", "event_cancelled"),
        ("email_template.reset", "event_cancelled"),
    ]


# --- previewing --------------------------------------------------------------------------------


async def test_a_preview_renders_the_default_in_the_tenants_branding_and_escapes_data(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    sample = {"buyer": {"full_name": "<script>alert(1)</script>"}, "order": {"number": "N-7"}}
    response = await client.post(
        url("order_confirmation", "/preview"), json={"sampleData": sample}, headers=tenant.auth()
    )
    assert response.status_code == 200, response.text
    rendered = response.json()
    assert "<script>" not in rendered["html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered["html"]
    assert "Hello <script>alert(1)</script>," in rendered["text"]  # text is not HTML
    assert rendered["subject"] == "Your tickets for Jazz Night (order N-7)"
    assert f">{tenant.organization.name}</h1>" in rendered["html"]
    assert "TB1.sample-ticket-code" in rendered["text"]


async def test_a_preview_renders_the_saved_override_or_a_draft(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await put(client, tenant, "order_confirmation", CONFIRMATION)
    saved = await client.post(url("order_confirmation", "/preview"), headers=tenant.auth())
    assert saved.json()["text"] == "Dear Ada Lovelace, order 2026-000042.\n"
    draft = {"template": {"subject": "S", "html": "", "text": "{{ buyer.email }}"}}
    previewed = await client.post(
        url("order_confirmation", "/preview"), json=draft, headers=tenant.auth()
    )
    assert previewed.json() == {"subject": "S", "html": None, "text": "ada@example.com"}


@pytest.mark.parametrize(
    ("sample", "field"),
    [
        ({"nope": 1}, "sampleData.nope"),
        ({"buyer": {"age": 3}}, "sampleData.buyer.age"),
        ({"buyer": "Ada"}, "sampleData.buyer"),
        ({"tickets": [{"code": 5}]}, "sampleData.tickets[0].code"),
        ({"tickets": [{}] * 101}, "sampleData.tickets"),
    ],
)
async def test_sample_data_holds_only_documented_variables(
    client: httpx.AsyncClient, tenant: Tenant, sample: dict[str, Any], field: str
) -> None:
    response = await client.post(
        url("order_confirmation", "/preview"), json={"sampleData": sample}, headers=tenant.auth()
    )
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["field"] == field  # type: ignore[index]


# --- test-sending ------------------------------------------------------------------------------


async def test_a_test_send_reaches_the_callers_mailbox_through_the_outbox(
    app: Litestar, client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    await put(client, tenant, "order_confirmation", CONFIRMATION)
    response = await client.post(
        url("order_confirmation", "/test"),
        json={"sampleData": {"buyer": {"full_name": "Grace <b>"}}},
        headers=tenant.auth(Role.MANAGER),
    )
    assert response.status_code == 202, response.text
    receipt = response.json()
    manager = tenant.callers[(Role.MANAGER, False)][0]
    assert receipt["to"] == f"{manager.hex}@callers.example"
    assert receipt["queued"] is True
    assert mailbox(settings.data_dir, receipt["to"]) == []  # nothing before the worker runs
    assert Outcome.DELIVERED in await deliver(app, tenant)
    [email] = mailbox(settings.data_dir, receipt["to"])
    assert email["subject"] == "[Test] Tickets for Jazz Night"
    assert receipt["messageId"] in email["message-id"]
    assert body_of(email, "plain") == "Dear Grace <b>, order 2026-000042.\n"
    assert "<p>Dear Grace &lt;b&gt;</p>" in body_of(email, "html")
    assert f"<h1>{tenant.organization.name}</h1>" in body_of(email, "html")
    await deliver(app, tenant)  # a second round sends nothing more
    assert len(mailbox(settings.data_dir, receipt["to"])) == 1
    assert ("email_template.test_sent", "order_confirmation") in await audit_actions(client, tenant)


# --- the emails identity sends ----------------------------------------------------------------


async def test_invitations_are_worded_by_the_organizations_template(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    owner = await register(client, "Harbour Hall")
    template = {
        "subject": "Join {{ organization.name }}, {{ invitee.email }}",
        "html": "<p>{{ inviter.full_name }} says hi</p>",
        "text": "Ahoy from {{ inviter.full_name }}!\nYour link: {{ link }}\n",
    }
    saved = await client.put(url("user_invitation"), json=template, headers=owner.auth)
    assert saved.status_code == 200, saved.text
    invited, _ = await add_member(client, owner, "support", password=None)
    [email] = mailbox(settings.data_dir, str(invited["email"]))
    assert email["subject"] == f"Join Harbour Hall, {invited['email']}"
    assert body_of(email, "plain").startswith("Ahoy from Olive Owner!\n")
    (token,) = mailbox_links(settings.data_dir, str(invited["email"]))
    accepted = await client.post(
        "/api/auth/accept-invitation", json={"token": token, "password": "my own long passphrase"}
    )
    assert accepted.status_code == 200, accepted.text


async def test_a_password_reset_is_worded_by_the_accounts_only_organization(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    owner = await register(client, "Harbour Hall")
    template = {
        "subject": "{{ organization.name }}: new password",
        "html": "",
        "text": "Reset within {{ expires_in }}: {{ link }}\n",
    }
    saved = await client.put(url("password_reset"), json=template, headers=owner.auth)
    assert saved.status_code == 200, saved.text
    asked = await client.post("/api/auth/forgot-password", json={"email": owner.email})
    assert asked.status_code == 202
    [email] = mailbox(settings.data_dir, owner.email)
    assert email["subject"] == "Harbour Hall: new password"
    assert not email.is_multipart()  # an empty HTML template: a text-only email
    assert body_of(email, "plain").startswith("Reset within 1 hour: ")
    (token,) = mailbox_links(settings.data_dir, owner.email)
    reset = await client.post(
        "/api/auth/reset-password", json={"token": token, "password": "a brand new passphrase"}
    )
    assert reset.status_code == 204


def test_the_kinds_are_those_of_api_md() -> None:
    assert [k.value for k in EmailKind] == KINDS
