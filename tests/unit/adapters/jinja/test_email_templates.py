"""The Jinja renderer: every default renders with its kind's sample, data is escaped in HTML
only, errors name the part and the line, and the sandbox's limits hold (time, steps, sizes,
output) with a hostile template stopped well under a second."""

from __future__ import annotations

import time

import pytest

from ticketbase.adapters.jinja import JinjaEmailTemplates
from ticketbase.adapters.jinja.sandbox import Limits
from ticketbase.application.email_templates.variables import sample_data, variable_names
from ticketbase.domain.email_templates.template import EmailKind, InvalidTemplate, TemplateSource

pytestmark = pytest.mark.anyio
templates = JinjaEmailTemplates()


def source(html: str = "<p>{{ buyer.full_name }}</p>", **parts: str) -> TemplateSource:
    return TemplateSource(
        subject=parts.get("subject", "Hi {{ buyer.full_name }}"),
        html=html,
        text=parts.get("text", "Hi {{ buyer.full_name }}\n"),
    )


async def refused(
    template: TemplateSource, data: dict[str, object] | None = None
) -> InvalidTemplate:
    with pytest.raises(InvalidTemplate) as raised:
        await templates.render(template, data or sample_data(EmailKind.ORDER_CONFIRMATION))
    return raised.value


@pytest.mark.parametrize("kind", list(EmailKind))
async def test_every_default_renders_its_sample_in_the_organizations_branding(
    kind: EmailKind,
) -> None:
    await templates.check(templates.default(kind), sample_data(kind))
    rendered = await templates.render(templates.default(kind), sample_data(kind))
    assert rendered.subject
    assert "\n" not in rendered.subject
    assert rendered.html is not None
    assert '<h1 style="color:#1f2937">Acme Concerts</h1>' in rendered.html
    assert "help@acme.example" in rendered.text
    assert "{{" not in rendered.text + rendered.html
    assert variable_names(kind)[0].startswith("organization.")


async def test_data_is_escaped_in_html_and_left_as_written_in_text_and_subject() -> None:
    data = sample_data(EmailKind.ORDER_CONFIRMATION)
    data["buyer"] = {"full_name": "<script>alert('x')</script>", "email": "a@b.example"}
    rendered = await templates.render(source(), data)
    assert rendered.html == "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p>"
    assert rendered.text == "Hi <script>alert('x')</script>\n"
    assert rendered.subject == "Hi <script>alert('x')</script>"


async def test_the_safe_filter_is_not_offered_so_data_stays_escaped() -> None:
    error = await refused(source("{{ buyer.full_name|safe }}"))
    assert error.field == "html"
    assert "safe" in error.detail


async def test_a_subject_is_one_line_and_bounded() -> None:
    long = source(subject="A\n  {{ buyer.full_name }}\n" + "x" * 400)
    rendered = await templates.render(long, sample_data(EmailKind.ORDER_CONFIRMATION))
    assert rendered.subject.startswith("A Ada Lovelace x")
    assert len(rendered.subject) == 255
    assert rendered.subject.endswith("…")


async def test_an_empty_html_template_makes_a_text_only_email() -> None:
    rendered = await templates.render(source(""), sample_data(EmailKind.ORDER_CONFIRMATION))
    assert rendered.html is None


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("a\nb\n{{ x }\n", "line 3: unexpected '}'"),
        ("{% for t in tickets %}\n", "line 1: Unexpected end of template"),
        ("\n\n\n{{ missing }}", "line 4: 'missing' is undefined"),
        ("\n{{ 1 / 0 }}", "line 2: division by zero"),
        ("{% import 'x' as y %}", "line 1: a template cannot include, import or extend"),
    ],
)
async def test_errors_name_the_part_and_the_line(html: str, message: str) -> None:
    error = await refused(source(html))
    assert error.field == "html"
    assert error.detail.startswith(message), error.detail


@pytest.mark.parametrize(
    "html",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ lipsum() }}",
        "{{ self._TemplateReference__context.environment }}",
        "{{ range.__globals__ }}",
        "{{ buyer.__class__ }}",
        "{{ buyer.items() }}",
        "{{ ''.format }}",
        "{{ tickets.pop() }}",
        "{{ dict.__subclasses__() }}",
        "{{ namespace().__class__.__init__.__globals__ }}",
    ],
)
async def test_internals_are_out_of_reach(html: str) -> None:
    assert (await refused(source(html))).field == "html"


@pytest.mark.parametrize(
    "html",
    [
        "{% for i in range(10**9) %}{% endfor %}",
        "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
        "{{ 'x' * 10**9 }}",
        "{{ 10 ** 100000000 }}",
        "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}",
        "{% macro m() %}{{ m() }}{{ m() }}{% endmacro %}{{ m() }}",
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}",
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}"
        "{% endfor %}",
        "{% set s %}{% for i in range(9999) %}{{ 'y' * 200 }}{% endfor %}{% endset %}",
        "{% for i in range(5000) %}{{ 'z' * 200 }}{% endfor %}",
    ],
)
async def test_unbounded_work_is_stopped_quickly(html: str) -> None:
    started = time.monotonic()
    error = await refused(source(html))
    assert time.monotonic() - started < 1.0
    assert error.field == "html"


async def test_the_deadline_stops_a_template_that_stays_under_the_step_count() -> None:
    slow = JinjaEmailTemplates(Limits(seconds=0.05, steps=10**9))
    started = time.monotonic()
    with pytest.raises(InvalidTemplate) as raised:
        await slow.render(
            source(
                "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}"
            ),
            sample_data(EmailKind.ORDER_CONFIRMATION),
        )
    assert time.monotonic() - started < 1.0
    assert "longer than 0.05 s" in raised.value.detail


async def test_output_is_capped() -> None:
    small = JinjaEmailTemplates(Limits(output_chars=1000))
    with pytest.raises(InvalidTemplate) as raised:
        await small.render(
            source("{% for i in range(100) %}{{ 'w' * 20 }}{% endfor %}"),
            sample_data(EmailKind.ORDER_CONFIRMATION),
        )
    assert "longer than 1000 characters" in raised.value.detail


async def test_bounded_work_within_the_limits_renders() -> None:
    html = (
        "{% set ns = namespace(n=0) %}{% for i in range(100) %}{% for j in range(100) %}"
        "{% set ns.n = ns.n + 1 %}{% endfor %}{% endfor %}{{ ns.n }} {{ 'ab' * 3 }}"
        " {{ tickets|map(attribute='code')|join(', ') }} {{ buyer.full_name.upper() }}"
    )
    rendered = await templates.render(source(html), sample_data(EmailKind.ORDER_CONFIRMATION))
    assert rendered.html == "10000 ababab TB1.sample-ticket-code ADA LOVELACE"


async def test_the_renderer_falls_back_to_the_default_when_no_tenant_is_given() -> None:
    data = {k: v for k, v in sample_data(EmailKind.PASSWORD_RESET).items() if k != "organization"}
    rendered = await templates.render_for(None, EmailKind.PASSWORD_RESET, data)
    assert rendered.subject == "Reset your TicketBase password"
    assert "https://admin.example.com/reset-password?token=" in rendered.text
