"""The Litestar application factory."""

from __future__ import annotations

import gc
from typing import Any

from dishka import Provider
from dishka.integrations.litestar import DishkaRouter, setup_dishka
from litestar import Litestar, Request
from litestar.config.cors import CORSConfig
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from ticketbase.application.identity.check_session import CheckSession
from ticketbase.application.ports.health import DatabaseHealth
from ticketbase.application.ports.security import TokenService
from ticketbase.entrypoints.container import (
    CacheHub,
    RealtimeBroker,
    cache_keepers,
    check_settings,
    extra_metrics,
    make_container,
)
from ticketbase.entrypoints.http import organization_rate
from ticketbase.entrypoints.http.analytics import AnalyticsController
from ticketbase.entrypoints.http.assets import AssetController, BlobController
from ticketbase.entrypoints.http.attendees import AttendeeController, CheckInController
from ticketbase.entrypoints.http.audit import AuditController
from ticketbase.entrypoints.http.authentication import AuthController
from ticketbase.entrypoints.http.departments import DepartmentController
from ticketbase.entrypoints.http.docs import docs_router
from ticketbase.entrypoints.http.email_templates import EmailTemplateController
from ticketbase.entrypoints.http.events import EventController
from ticketbase.entrypoints.http.health import HealthController, metrics_handler
from ticketbase.entrypoints.http.metrics import HttpMetrics
from ticketbase.entrypoints.http.options import allow_header_fix
from ticketbase.entrypoints.http.orders import (
    OrderController,
    PaymentWebhookController,
    TicketKeysController,
)
from ticketbase.entrypoints.http.organizations import OrganizationController
from ticketbase.entrypoints.http.pages import PageController
from ticketbase.entrypoints.http.plugins import (
    PluginController,
    PluginProxyController,
    PluginWebhookController,
)
from ticketbase.entrypoints.http.privacy import PrivacyController
from ticketbase.entrypoints.http.problems import document_problems, handle_exception
from ticketbase.entrypoints.http.realtime import (
    RealtimeHub,
    RealtimePolicy,
    realtime_socket,
    realtime_without_upgrade,
)
from ticketbase.entrypoints.http.request_context import RequestContextMiddleware
from ticketbase.entrypoints.http.response_cache import ResponseCache
from ticketbase.entrypoints.http.subscription import SubscriptionController
from ticketbase.entrypoints.http.users import UserController
from ticketbase.entrypoints.logging import configure_logging
from ticketbase.entrypoints.settings import Settings

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


async def require_json_body(request: Request[Any, Any, Any]) -> None:
    """415 for a body that is not JSON on a route that reads JSON (the default)."""
    if request.method not in _BODY_METHODS:
        return
    has_body = request.headers.get("content-length", "0") != "0" or (
        "transfer-encoding" in request.headers
    )
    accepted = request.route_handler.opt.get("content_types", ("application/json",))
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if has_body and not (media_type in accepted or media_type.endswith("+json")):
        raise HTTPException(status_code=415, detail=f"send the body as {' or '.join(accepted)}")


def create_app(settings: Settings | None = None, *overrides: Provider) -> Litestar:
    settings = settings or Settings.from_env()
    check_settings(settings)
    settings = settings.with_development_secrets()
    configure_logging(settings.log_level, settings.log_format)
    container = make_container(settings, *overrides)
    metrics = HttpMetrics() if settings.metrics_enabled else None

    async def on_startup(app: Litestar) -> None:
        probe = await container.get(DatabaseHealth)
        await probe.assert_least_privilege()
        if metrics is not None:
            metrics.watch_pool(probe.pool_status)
            for registry in await extra_metrics(container):
                metrics.include(registry)
        keepers = app.state["cache_keepers"] = await cache_keepers(container)
        await keepers.start()
        realtime = app.state["realtime"] = RealtimeHub(
            await container.get(TokenService),
            await container.get(CheckSession),
            await container.get(RealtimeBroker),
            RealtimePolicy(
                queue_size=settings.realtime_queue_size,
                ping_interval=settings.realtime_ping_interval_seconds,
                pong_timeout=settings.realtime_pong_timeout_seconds,
                send_timeout=settings.realtime_send_timeout_seconds,
                tick=min(1.0, settings.realtime_ping_interval_seconds / 2),
            ),
        )
        (await container.get(CacheHub)).register(realtime)  # ended sessions close sockets
        await realtime.start()
        context.responses = await container.get(ResponseCache)
        # What start-up built lives as long as the process: keep the cyclic collector from
        # walking it again and again under load.
        gc.freeze()

    async def on_shutdown(app: Litestar) -> None:
        realtime = app.state.get("realtime")
        if realtime is not None:
            await realtime.stop()
        keepers = app.state.get("cache_keepers")
        if keepers is not None:
            await keepers.stop()
        await container.close()

    api = DishkaRouter(
        path="/",
        route_handlers=[
            AuthController,
            OrganizationController,
            UserController,
            DepartmentController,
            EmailTemplateController,
            EventController,
            PageController,
            OrderController,
            PaymentWebhookController,
            TicketKeysController,
            AttendeeController,
            CheckInController,
            AuditController,
            AnalyticsController,
            PrivacyController,
            PluginController,
            PluginProxyController,
            PluginWebhookController,
            AssetController,
            BlobController,
            SubscriptionController,
            HealthController,
        ],
    )
    handlers: list[Any] = [api, realtime_socket, realtime_without_upgrade]
    if settings.docs_enabled:
        handlers.append(docs_router())
    if metrics is not None:
        handlers.append(metrics_handler(metrics))
    app = Litestar(
        route_handlers=handlers,
        exception_handlers={Exception: handle_exception},
        before_request=require_json_body,
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        request_max_body_size=settings.max_body_bytes,
        cors_config=CORSConfig(
            allow_origins=list(settings.cors_origins),
            allow_headers=[
                "authorization",
                "content-type",
                "if-match",
                "if-none-match",
                "idempotency-key",
                "x-request-id",
                "x-organization",
                "api-version",
            ],
            expose_headers=[
                "x-request-id",
                "api-version",
                "etag",
                "retry-after",
                "ratelimit-limit",
                "ratelimit-remaining",
                "ratelimit-reset",
            ],
            allow_credentials=False,
        )
        if settings.cors_origins
        else None,
        openapi_config=OpenAPIConfig(
            title="TicketBase API",
            version="1",
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
                }
            ),
        ),
        debug=False,
    )
    document_problems(app)
    app.before_send.append(allow_header_fix(app))
    app.before_send.append(organization_rate.add_headers)
    app.state["metrics"] = metrics
    setup_dishka(container, app)
    context = RequestContextMiddleware(app.asgi_handler, metrics)
    app.asgi_handler = context
    return app
