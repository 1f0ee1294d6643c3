"""``OPTIONS`` answers that list every method of a path.

Litestar creates a path's automatic OPTIONS handler with the first handler registered there, so
``OPTIONS /api/users`` said ``Allow: OPTIONS, POST`` although GET exists too. This hook rewrites
``Allow`` from the routes as they finally are."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope


def allow_header_fix(app: Litestar) -> Callable[[Message, Scope], Awaitable[None]]:
    allowed: dict[str, bytes] = {}

    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
            return
        if not allowed:  # the routes are complete once the app serves
            for route in app.routes:
                if isinstance(route, HTTPRoute):
                    allowed[route.path_format] = ", ".join(sorted(route.methods)).encode()
        methods = allowed.get(scope.get("path_template", ""))
        if methods is None:
            return
        message["headers"] = [
            (name, methods if name.lower() == b"allow" else value)
            for name, value in message.get("headers", [])
        ]

    return before_send
