"""Every JSON answer the document declares is the object it sends.

A handler that builds its own ``Response[bytes]`` (an ETag, a cached body) is documented by
Litestar as a JSON *string* unless it declares its response: generated clients would then type
the answer as a string (it happened to by-domain, then to the event read). schemathesis only
notices when it happens to get a 200 from such a route; this checks the document itself."""

from __future__ import annotations

from tests.integration.http.openapi_support import openapi_document


def test_no_json_answer_is_documented_as_a_bare_string() -> None:
    document = openapi_document()
    strings = [
        f"{method.upper()} {path} {status}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for status, response in operation.get("responses", {}).items()
        for media_type, content in response.get("content", {}).items()
        if "json" in media_type and content.get("schema") == {"type": "string"}
    ]
    assert strings == []
