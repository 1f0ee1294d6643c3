"""Interactive API docs that work with no internet: Swagger UI 5 served from the swagger-ui-py
package itself, initialised by a script of ours (no inline script, so the CSP stays strict)."""

from __future__ import annotations

from pathlib import Path

import swagger_ui
from litestar import Response, Router, get
from litestar.static_files import create_static_files_router

ASSETS = "/docs/assets"
_STATIC = Path(swagger_ui.__file__).parent / "static"
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>TicketBase API</title>
<link rel="icon" type="image/png" href="{ASSETS}/favicon-32x32.png">
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="{ASSETS}/swagger-ui-standalone-preset.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""
_INIT = """window.ui = SwaggerUIBundle({
  url: "/schema/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout",
  validatorUrl: null
});
"""


@get("/docs", include_in_schema=False, sync_to_thread=False)
def docs_page() -> Response[str]:
    return Response(
        _PAGE,
        media_type="text/html",
        headers={"content-security-policy": DOCS_CSP, "cache-control": "no-cache"},
    )


@get("/docs/init.js", include_in_schema=False, sync_to_thread=False)
def docs_init() -> Response[str]:
    return Response(_INIT, media_type="text/javascript")


def docs_router() -> Router:
    assets = create_static_files_router(
        path=ASSETS, directories=[_STATIC], include_in_schema=False, name="docs_assets"
    )
    return Router(path="/", route_handlers=[docs_page, docs_init, assets])
