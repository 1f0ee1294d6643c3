"""Email template use cases on the memory adapters: reads for every member with the
``organization:read`` or ``email_templates:write`` permission, a save checked before anything
is written, a revoked permission refused; and the tenant's template used for the order
confirmation, with the default taking over when an override fails on real data."""

from __future__ import annotations

import pytest
from tests.unit.application.conftest import MakeMember, MakeOrganization
from tests.unit.application.orders.test_send_confirmation import (  # noqa: F401
    HOSTILE,
    PUBLIC_URL,
    SECRET,
    Kit,
    kit,
)

from ticketbase.adapters.jinja import JinjaEmailTemplates
from ticketbase.adapters.jinja.sandbox import Limits
from ticketbase.adapters.memory.system import FixedClock, SequentialIds
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.adapters.security.buyer_tokens import HmacBuyerTokens
from ticketbase.application.email_templates.get_email_template import GetEmailTemplate
from ticketbase.application.email_templates.save_email_template import (
    SaveEmailTemplate,
    SaveEmailTemplateCommand,
)
from ticketbase.application.email_templates.variables import sample_data
from ticketbase.application.orders.send_confirmation import (
    ConfirmationPolicy,
    SendOrderConfirmation,
)
from ticketbase.domain.email_templates.template import (
    EmailKind,
    EmailTemplate,
    InvalidTemplate,
    TemplateSource,
)
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.shared.errors import PermissionDenied

pytestmark = pytest.mark.anyio
TEMPLATES = JinjaEmailTemplates()
CONFIRMATION = TemplateSource(
    subject="{{ organization.name }}: {{ order.number }}",
    html="<b>{{ buyer.full_name }}</b>{% for t in tickets %}<i>{{ t.code }}</i>{% endfor %}",
    text="{{ buyer.full_name }} has {{ tickets|length }} tickets\n",
)


async def test_reads_need_organization_read_or_the_write_permission(
    uow: MemoryUnitOfWork, make_organization: MakeOrganization, make_member: MakeMember
) -> None:
    organization = await make_organization("acme")
    get = GetEmailTemplate(uow, TEMPLATES)
    analyst = make_member(organization.id, Role.ANALYST)
    assert (await get(EmailKind.EVENT_REMINDER, analyst)).is_default
    nobody = make_member(organization.id, Role.ANALYST, revokes=[Permission.ORGANIZATION_READ])
    with pytest.raises(PermissionDenied):
        await get(EmailKind.EVENT_REMINDER, nobody)
    writer = make_member(
        organization.id,
        Role.MANAGER,
        revokes=[Permission.ORGANIZATION_READ],
    )
    assert (await get(EmailKind.EVENT_REMINDER, writer)).version == 0


async def test_a_template_failing_its_trial_render_writes_nothing(
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> None:
    organization = await make_organization("acme")
    owner = make_member(organization.id, Role.OWNER)
    save = SaveEmailTemplate(uow, TEMPLATES, clock, ids)
    command = SaveEmailTemplateCommand(
        EmailKind.PASSWORD_RESET,
        "Reset",
        "",
        "{{ tickets }}",  # not a password_reset variable
    )
    with pytest.raises(InvalidTemplate) as raised:
        await save(command, owner)
    assert (raised.value.field, raised.value.detail) == (
        "text",
        "line 1: 'tickets' is undefined: not a variable of this email",
    )
    async with uow.for_tenant(organization.id) as tx:
        assert await tx.email_templates.all() == []


async def test_the_order_confirmation_is_worded_by_the_tenants_template(kit: Kit) -> None:  # noqa: F811
    async with kit.uow.for_tenant(kit.organization.id) as tx:
        await tx.email_templates.save(
            EmailTemplate.first(
                EmailKind.ORDER_CONFIRMATION, CONFIRMATION, now=kit.clock.now(), by=None
            )
        )
        await tx.commit()
    order = await kit.an_order(buyer_name="<Ada>")
    await kit.send(kit.message(order.id))

    [email] = kit.mailer.sent
    assert email.subject == f"{HOSTILE}: {order.number}"
    assert email.text == "<Ada> has 3 tickets\n"
    assert email.html is not None
    assert email.html.startswith("<b>&lt;Ada&gt;</b><i>code-")
    assert email.html.count("<i>") == 3


async def test_an_override_failing_on_real_data_falls_back_to_the_default(kit: Kit) -> None:  # noqa: F811
    # Within the limits for the sample's one ticket, over them for this order's three.
    greedy = TemplateSource(
        subject="S",
        html="{% for t in tickets %}{% for i in range(400) %}.{% endfor %}{% endfor %}",
        text="T\n",
    )
    async with kit.uow.for_tenant(kit.organization.id) as tx:
        await tx.email_templates.save(
            EmailTemplate.first(EmailKind.ORDER_CONFIRMATION, greedy, now=kit.clock.now(), by=None)
        )
        await tx.commit()
    strict = JinjaEmailTemplates(Limits(steps=1_000))
    await strict.check(greedy, sample_data(EmailKind.ORDER_CONFIRMATION))  # it was saveable
    send = SendOrderConfirmation(
        kit.uow,
        kit.mailer,
        HmacBuyerTokens(SECRET),
        kit.clock,
        ConfirmationPolicy(PUBLIC_URL),
        strict,
    )
    order = await kit.an_order()
    await send(kit.message(order.id))

    [email] = kit.mailer.sent
    assert email.subject.startswith("Your tickets for Jazz")  # the default's words
    assert "Total paid: 2,493.12 EUR" in email.text
