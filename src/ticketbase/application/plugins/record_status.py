"""``POST /api/plugins/webhooks/status``: the plugin server reports a tenant's plugin status.

Nothing in the body is believed before its signature is: ``X-Signature: sha256=<hex>`` must be
the HMAC-SHA256 of the raw body with the shared secret (compared in constant time) → else 401
``invalid_signature``. Replays are refused two ways: the body's ``at`` must lie within
``tolerance`` of now (either way; 401 ``webhook_expired`` otherwise), and the body's digest is
remembered per tenant in the database until ``at + tolerance`` (``PluginWebhookReceipts``:
a unique key, so the refusal holds across every process) → 409 ``webhook_replayed``. The
receipt is written in the same transaction as the status, so a failed request can be sent
again.

The status is recorded on the installed plugin (404 when the tenant does not have it) with a
``plugin.status_changed`` outbox message for the tenant's real-time clients and an audit entry
(actor: none, the plugin server).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from ticketbase.application.plugins.access import PLUGIN_STATUS_CHANGED
from ticketbase.application.plugins.changes import announce, audited
from ticketbase.application.ports.plugins import PluginServerUnavailable
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.plugins.errors import PluginNotFound
from ticketbase.domain.plugins.installed_plugin import (
    DETAIL_MAX_LENGTH,
    InstalledPlugin,
    Lifecycle,
    valid_plugin_id,
)
from ticketbase.domain.shared.errors import Conflict, RuleViolated, Unauthenticated
from ticketbase.domain.shared.ids import OrganizationId

_STATUS = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_SIGNATURE = re.compile(r"^sha256=([0-9a-fA-F]{64})$")


class InvalidSignature(Unauthenticated):
    code = "invalid_signature"


class WebhookExpired(Unauthenticated):
    code = "webhook_expired"


class WebhookReplayed(Conflict):
    code = "webhook_replayed"


@dataclass(frozen=True, slots=True)
class WebhookPolicy:
    secret: str | None  # None: no plugin server is configured, nothing can be verified
    tolerance: timedelta = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class StatusReport:
    tenant_id: OrganizationId
    plugin_id: str
    status: str
    detail: str | None
    at: datetime


def signature_of(body: bytes, secret: str) -> str:
    """The ``X-Signature`` value the plugin server sends for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, header: str | None, secret: str) -> None:
    match = _SIGNATURE.match((header or "").strip())
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if match is None or not hmac.compare_digest(match.group(1).lower(), expected):
        raise InvalidSignature("the X-Signature header does not sign this body")


def read_report(body: bytes) -> StatusReport:
    """The signed body; ``RuleViolated`` naming the field that cannot be used."""
    try:
        data = json.loads(body)
    except ValueError:
        raise RuleViolated("the body is not JSON", field="") from None
    if not isinstance(data, dict):
        raise RuleViolated("the body is not an object", field="")
    try:
        tenant_id = OrganizationId(uuid.UUID(str(data.get("tenantId"))))
    except ValueError:
        raise RuleViolated("not an organization id", field="tenantId") from None
    plugin_id, status, detail = data.get("pluginId"), data.get("status"), data.get("detail")
    if not isinstance(plugin_id, str) or not valid_plugin_id(plugin_id):
        raise RuleViolated("not a plugin id", field="pluginId")
    if not isinstance(status, str) or not _STATUS.match(status):
        raise RuleViolated("a lower-case word of at most 40 characters", field="status")
    if status in (Lifecycle.INSTALLING, Lifecycle.UNINSTALLING):
        raise RuleViolated(f"{status} is TicketBase's own state", field="status")
    if detail is not None and (not isinstance(detail, str) or len(detail) > DETAIL_MAX_LENGTH):
        raise RuleViolated(f"text of at most {DETAIL_MAX_LENGTH} characters", field="detail")
    try:
        at = datetime.fromisoformat(str(data.get("at")))
    except ValueError:
        raise RuleViolated("an RFC 3339 time with offset", field="at") from None
    if at.tzinfo is None:
        raise RuleViolated("an RFC 3339 time with offset", field="at")
    return StatusReport(tenant_id, plugin_id, status, detail, at)


class RecordPluginStatus:
    def __init__(
        self, uow: UnitOfWork, clock: Clock, ids: IdGenerator, policy: WebhookPolicy
    ) -> None:
        self._uow, self._clock, self._ids, self._policy = uow, clock, ids, policy

    async def __call__(self, body: bytes, signature: str | None) -> InstalledPlugin:
        if not self._policy.secret:
            raise PluginServerUnavailable("no plugin server is configured")
        verify(body, signature, self._policy.secret)
        report = read_report(body)
        now = self._clock.now()
        if abs(now - report.at) > self._policy.tolerance:
            raise WebhookExpired("the report's time is too far from now; sign a fresh one")
        async with self._uow.for_tenant(report.tenant_id) as tx:
            plugin = await tx.installed_plugins.get(report.plugin_id, lock=True)
            if plugin is None:
                raise PluginNotFound("this tenant does not have this plugin")
            digest = hashlib.sha256(body).digest()
            expires = report.at + self._policy.tolerance
            if not await tx.plugin_webhook_receipts.remember(digest, now, expires):
                raise WebhookReplayed("this report was received already")
            plugin = plugin.reported(report.status, report.detail, now)
            await tx.installed_plugins.save(plugin)
            await announce(
                tx,
                PLUGIN_STATUS_CHANGED,
                {
                    "pluginId": plugin.plugin_id,
                    "status": plugin.status,
                    "detail": plugin.status_detail,
                    "at": report.at.isoformat(),
                },
                message_id=self._ids.new(),
                at=now,
            )
            await audited(
                tx,
                None,
                "plugin.status_changed",
                plugin,
                entry_id=self._ids.new(),
                at=now,
                changes={"status": plugin.status},
            )
            await tx.commit()
        return plugin
