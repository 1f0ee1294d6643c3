"""The file of a ``multipart/form-data`` request body, as a stream of chunks.

Litestar's own form parsing gathers every file into a spooled temporary file before the handler
runs (and applies the JSON body limit); an upload of a hundred megabytes should go to storage as
it arrives instead. So the upload route reads ``request.stream()`` itself and feeds it to the
``multipart`` package's push parser (the one Litestar uses): this module finds the ``file``
part and hands its body on chunk by chunk; the parts after it are read and checked to the end
so a malformed body still fails. Small fields before the file are skipped (bounded)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.exceptions import ClientException
from multipart import (  # type: ignore[import-untyped]
    MultipartError,
    MultipartSegment,
    PushMultipartParser,
    parse_options_header,
)

from ticketbase.domain.shared.errors import RuleViolated

MAX_PARTS = 8
MAX_OTHER_PART_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class FilePart:
    filename: str
    content_type: str | None
    chunks: AsyncIterator[bytes]


async def file_part(request: Request[Any, Any, Any], field: str = "file") -> FilePart:
    media_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get("boundary")
    if media_type != "multipart/form-data" or not boundary:
        raise ClientException("a multipart/form-data body needs its boundary")
    events = _events(request.stream(), PushMultipartParser(boundary, max_segment_count=MAX_PARTS))
    skipped = 0
    async for event in events:
        if isinstance(event, MultipartSegment):
            if event.name == field and event.filename is not None:
                return FilePart(event.filename, event.content_type, _body(events))
        elif event is not None:
            skipped += len(event)
            if skipped > MAX_OTHER_PART_BYTES:
                raise ClientException(f"only the {field} part may be large")
    raise RuleViolated(f"the form has no {field} part with a filename", field=field)


async def _events(
    stream: AsyncIterator[bytes], parser: PushMultipartParser
) -> AsyncIterator[MultipartSegment | bytes | None]:
    try:
        with parser:
            async for chunk in stream:
                if not chunk:
                    continue  # Litestar's end-of-stream marker; the parser is closed below
                for event in parser.parse(chunk):
                    yield event
            for event in parser.parse(b""):
                yield event
    except MultipartError as error:
        raise ClientException(f"the multipart body cannot be read: {error}") from None


async def _body(events: AsyncIterator[MultipartSegment | bytes | None]) -> AsyncIterator[bytes]:
    """The file part's chunks; then the rest of the body, read to its end to check it."""
    async for event in events:
        if event is None:
            break
        if not isinstance(event, MultipartSegment):
            yield bytes(event)
    async for _ in events:
        pass
