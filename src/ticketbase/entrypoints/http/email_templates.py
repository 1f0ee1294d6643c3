"""Email templates: every member reads them; ``email_templates:write`` words, resets, previews
and test-sends them. Templates are Jinja2 rendered in a sandbox (see API.md "Email templates");
an invalid one answers 422 naming the part (``subject``, ``html``, ``text``) and the line."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, delete, get, post, put
from litestar.params import FromPath, JSONBody

from ticketbase.application.context import Actor
from ticketbase.application.email_templates.get_email_template import GetEmailTemplate
from ticketbase.application.email_templates.list_email_templates import ListEmailTemplates
from ticketbase.application.email_templates.preview_email_template import (
    PreviewCommand,
    PreviewEmailTemplate,
)
from ticketbase.application.email_templates.reset_email_template import ResetEmailTemplate
from ticketbase.application.email_templates.save_email_template import (
    SaveEmailTemplate,
    SaveEmailTemplateCommand,
)
from ticketbase.application.email_templates.send_test_email import SendTestCommand, SendTestEmail
from ticketbase.application.email_templates.views import EmailTemplateView
from ticketbase.domain.email_templates.template import EmailKind, TemplateSource
from ticketbase.domain.shared.errors import inputs_named
from ticketbase.entrypoints.http.events import IfMatch
from ticketbase.entrypoints.http.versioning import expected_version
from ticketbase.entrypoints.http.wire import BEARER, PageResponse, Wire

KIND_PATH = "/{kind:str}"
WRITE = "Needs `email_templates:write`."
_DRAFT_FIELDS = {part: f"template.{part}" for part in ("subject", "html", "text")}


class EmailTemplateResponse(Wire):
    kind: str
    subject: str
    html: str
    text: str
    is_default: bool
    version: int
    updated_at: datetime | None
    updated_by: UUID | None
    variables: list[str]


class EmailTemplatePage(PageResponse):
    items: list[EmailTemplateResponse]


class SaveEmailTemplateRequest(Wire):
    subject: str
    html: str
    text: str
    version: int | msgspec.UnsetType = msgspec.UNSET


class DraftTemplate(Wire):
    subject: str
    html: str
    text: str


class PreviewRequest(Wire):
    sample_data: dict[str, Any] | None = None
    template: DraftTemplate | None = None


class TestSendRequest(Wire):
    sample_data: dict[str, Any] | None = None


class RenderedResponse(Wire):
    subject: str
    html: str | None
    text: str


class TestSendReceipt(Wire):
    queued: bool
    message_id: UUID
    to: str


def template_response(view: EmailTemplateView) -> EmailTemplateResponse:
    return EmailTemplateResponse(
        kind=view.kind.value,
        subject=view.source.subject,
        html=view.source.html,
        text=view.source.text,
        is_default=view.is_default,
        version=view.version,
        updated_at=view.updated_at,
        updated_by=view.updated_by,
        variables=view.variables,
    )


class EmailTemplateController(Controller):
    path = "/api/email-templates"
    tags = ["email templates"]

    @get(
        "/",
        security=BEARER,
        summary="Every kind of email with the organization's template or the default",
        description="Members (`organization:read`). Each kind once, in API.md's order, with"
        " `isDefault`; `version` 0 for a default. Never more than one page.",
    )
    async def list_templates(
        self, actor: FromDishka[Actor], use_case: FromDishka[ListEmailTemplates]
    ) -> EmailTemplatePage:
        views = await use_case(actor)
        return EmailTemplatePage(items=[template_response(v) for v in views], next_cursor=None)

    @get(KIND_PATH, security=BEARER, summary="One kind of email (extension)")
    async def get_template(
        self, kind: FromPath[str], actor: FromDishka[Actor], use_case: FromDishka[GetEmailTemplate]
    ) -> EmailTemplateResponse:
        return template_response(await use_case(EmailKind.parse(kind), actor))

    @put(
        KIND_PATH,
        security=BEARER,
        summary="Word one kind of email (If-Match or version optional)",
        description=WRITE + " Jinja2 in a sandbox: no file access, no internals, bounded work"
        " and output. A syntax error or a failed trial render with the kind's sample data →"
        " 422 naming the part and the line; a stale version → 409.",
    )
    async def save_template(
        self,
        kind: FromPath[str],
        data: JSONBody[SaveEmailTemplateRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[SaveEmailTemplate],
        if_match: IfMatch = None,
    ) -> EmailTemplateResponse:
        command = SaveEmailTemplateCommand(
            kind=EmailKind.parse(kind),
            subject=data.subject,
            html=data.html,
            text=data.text,
            expected_version=expected_version(if_match, data.version),
        )
        return template_response(await use_case(command, actor))

    @delete(
        KIND_PATH,
        status_code=204,
        security=BEARER,
        summary="Go back to the default (extension)",
        description=WRITE + " 204 whether or not there was an override.",
    )
    async def reset_template(
        self,
        kind: FromPath[str],
        actor: FromDishka[Actor],
        use_case: FromDishka[ResetEmailTemplate],
        if_match: IfMatch = None,
    ) -> None:
        await use_case(EmailKind.parse(kind), actor, expected_version(if_match))

    @post(
        KIND_PATH + "/preview",
        status_code=200,
        security=BEARER,
        summary="Render the email with sample data",
        description=WRITE + " `sampleData` overrides documented variables of the kind's"
        " sample; `template` (extension) previews a draft instead of the saved template.",
    )
    async def preview_template(
        self,
        kind: FromPath[str],
        actor: FromDishka[Actor],
        use_case: FromDishka[PreviewEmailTemplate],
        data: JSONBody[PreviewRequest | None] = None,
    ) -> RenderedResponse:
        given = data or PreviewRequest()
        # A draft's errors name its fields where the client wrote them (``template.html``).
        with inputs_named(_DRAFT_FIELDS if given.template else {}):
            draft = None
            if given.template is not None:
                t = given.template
                draft = TemplateSource(t.subject, t.html, t.text)
            command = PreviewCommand(EmailKind.parse(kind), given.sample_data, draft)
            rendered = await use_case(command, actor)
        return RenderedResponse(subject=rendered.subject, html=rendered.html, text=rendered.text)

    @post(
        KIND_PATH + "/test",
        status_code=202,
        security=BEARER,
        summary="Send the email with sample data to the caller",
        description=WRITE + " Queued through the outbox to the caller's own address, rendered"
        " with the organization's current template; the subject starts with `[Test]`.",
    )
    async def send_test(
        self,
        kind: FromPath[str],
        actor: FromDishka[Actor],
        use_case: FromDishka[SendTestEmail],
        data: JSONBody[TestSendRequest | None] = None,
    ) -> TestSendReceipt:
        command = SendTestCommand(EmailKind.parse(kind), None if data is None else data.sample_data)
        queued = await use_case(command, actor)
        return TestSendReceipt(queued=True, message_id=queued.message_id, to=queued.to)
