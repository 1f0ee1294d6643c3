"""The baseline: a bare Litestar app with one JSON route, served exactly like the real one."""

from __future__ import annotations

from litestar import Litestar, get


@get("/json")
async def bare_json() -> dict[str, str]:
    return {"status": "ok"}


def create_app() -> Litestar:
    return Litestar(route_handlers=[bare_json], debug=False)
