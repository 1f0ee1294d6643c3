"""``JinjaEmailTemplates``: the ``EmailTemplates`` port on the Jinja2 sandbox of ``sandbox.py``.

Tenants' templates render within ``Limits`` (1 s, 100,000 steps, 256 KiB per part); the
defaults, written here and trusted, within wider ones, so a large order (hundreds of tickets)
still gets its email. Renders run in a worker thread (``asyncio.to_thread``): the event loop
never waits on a template.

Compiled templates are kept by their source text (a bounded map, first in first out): a key is
the template itself, so an entry can never be stale and nothing needs invalidating when a
tenant saves; the overrides themselves are read from the database for every email."""

from __future__ import annotations

import asyncio
import logging
import threading
import traceback
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from jinja2 import Template, TemplateSyntaxError, UndefinedError

from ticketbase.adapters.jinja.defaults import DEFAULTS
from ticketbase.adapters.jinja.sandbox import (
    Budget,
    Limits,
    TenantSandbox,
    render_part,
    run_with_budget,
)
from ticketbase.application.email_templates.variables import organization_variables
from ticketbase.application.ports.email_templates import RenderedEmail, TemplateData
from ticketbase.domain.email_templates.template import EmailKind, InvalidTemplate, TemplateSource

if TYPE_CHECKING:
    from ticketbase.application.ports.unit_of_work import TenantTransaction

log = logging.getLogger(__name__)

TENANT_LIMITS = Limits()
DEFAULT_LIMITS = Limits(
    seconds=10.0,
    steps=2_000_000,
    string_chars=16 * 1024 * 1024,
    work_chars=64 * 1024 * 1024,
    output_chars=16 * 1024 * 1024,
)
MAX_SUBJECT_CHARS = 255
_MAX_MESSAGE = 300
_CACHED_TEMPLATES = 128
_PARTS = ("subject", "html", "text")


class JinjaEmailTemplates:
    def __init__(
        self, limits: Limits = TENANT_LIMITS, default_limits: Limits = DEFAULT_LIMITS
    ) -> None:
        self._limits, self._default_limits = limits, default_limits
        self._environments = {
            True: TenantSandbox(autoescape=True),
            False: TenantSandbox(autoescape=False),
        }
        self._compiled: dict[tuple[bool, str], Template] = {}
        self._lock = threading.Lock()

    def default(self, kind: EmailKind) -> TemplateSource:
        return DEFAULTS[kind]

    async def check(self, source: TemplateSource, sample: TemplateData) -> None:
        for part in _PARTS:
            self._compile(part, getattr(source, part))
        await self.render(source, sample)

    async def render(self, source: TemplateSource, data: TemplateData) -> RenderedEmail:
        return await asyncio.to_thread(self._render, source, data, self._limits)

    async def render_for(
        self, tx: TenantTransaction | None, kind: EmailKind, data: TemplateData
    ) -> RenderedEmail:
        override = None if tx is None else await tx.email_templates.get(kind)
        organization = None if tx is None else await tx.organizations.get()
        full: dict[str, Any] = {"organization": organization_variables(organization), **data}
        if override is not None:
            try:
                return await self.render(override.source, full)
            except InvalidTemplate as error:
                # Saved templates passed a trial render; real data can still break one (more
                # tickets than its loop allows, say). The email goes out with the default.
                log.warning(
                    "email_template_failed kind=%s version=%s field=%s error=%s",
                    kind.value,
                    override.version,
                    error.field,
                    error.detail,
                )
        return await asyncio.to_thread(self._render, DEFAULTS[kind], full, self._default_limits)

    # --- in the worker thread ------------------------------------------------------------------

    def _render(
        self, source: TemplateSource, data: Mapping[str, Any], limits: Limits
    ) -> RenderedEmail:
        def parts(budget: Budget) -> RenderedEmail:
            subject = " ".join(self._part("subject", source.subject, data, budget).split())
            if not subject:
                raise InvalidTemplate("line 1: the subject renders empty", field="subject")
            if len(subject) > MAX_SUBJECT_CHARS:
                subject = subject[: MAX_SUBJECT_CHARS - 1].rstrip() + "…"
            html = self._part("html", source.html, data, budget) if source.html.strip() else None
            return RenderedEmail(subject, html, self._part("text", source.text, data, budget))

        return run_with_budget(limits, parts)

    def _part(self, part: str, text: str, data: Mapping[str, Any], budget: Budget) -> str:
        template = self._compile(part, text)
        try:
            return render_part(template, data, budget)
        except Exception as error:  # whatever a template raises is the template's fault
            raise InvalidTemplate(
                f"line {_template_line(error)}: {_describe(error)}", field=part
            ) from None

    def _compile(self, part: str, text: str) -> Template:
        key = (part == "html", text)
        with self._lock:
            found = self._compiled.get(key)
        if found is not None:
            return found
        try:
            template = self._environments[key[0]].from_string(text)
        except TemplateSyntaxError as error:
            raise InvalidTemplate(
                f"line {error.lineno}: {_shorten(error.message or 'invalid syntax')}", field=part
            ) from None
        with self._lock:
            if len(self._compiled) >= _CACHED_TEMPLATES:
                del self._compiled[next(iter(self._compiled))]
            self._compiled[key] = template
        return template


def _template_line(error: BaseException) -> int:
    """The template line the error was raised on (Jinja rewrites the traceback so template
    frames carry template line numbers)."""
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename == "<template>" and frame.lineno is not None
    ]
    return lines[-1] if lines else 1


def _describe(error: Exception) -> str:
    if isinstance(error, UndefinedError):
        return _shorten(f"{error.message}: not a variable of this email")
    if isinstance(error, RecursionError):
        return "macros call each other too deeply"
    message = str(error) or type(error).__name__
    return _shorten(message)


def _shorten(message: str) -> str:
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"
