"""Just enough HTTP/1.1 for a load generator: requests as bytes, responses parsed from a buffer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Request:
    """One request a scenario fires; ``headers`` may override ``host``."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def encode(self, host: str) -> bytes:
        names = {name.lower() for name, _ in self.headers}
        lines = [f"{self.method} {self.path} HTTP/1.1"]
        if "host" not in names:
            lines.append(f"host: {host}")
        lines.extend(f"{name}: {value}" for name, value in self.headers)
        if self.body and "content-length" not in names:
            lines.append(f"content-length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    close: bool
    """The server will close the connection after this response."""
    consumed: int
    """Bytes of the buffer this response took."""
    body: bytes


def parse_response(buffer: bytes | bytearray) -> Response | None:
    """The response at the start of ``buffer``, or None while it is incomplete."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    version, status = lines[0].split(" ", 2)[:2]
    length = 0
    chunked = False
    close = version == "HTTP/1.0"
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding":
            chunked = "chunked" in value.lower()
        elif name == "connection":
            close = "close" in value.lower()
    start = end + 4
    if chunked:
        return _chunked(buffer, start, int(status), close)
    if len(buffer) < start + length:
        return None
    return Response(int(status), close, start + length, bytes(buffer[start : start + length]))


def _chunked(buffer: bytes | bytearray, pos: int, status: int, close: bool) -> Response | None:
    body = bytearray()
    while True:
        line_end = buffer.find(b"\r\n", pos)
        if line_end < 0:
            return None
        size = int(bytes(buffer[pos:line_end]).split(b";", 1)[0], 16)
        pos = line_end + 2
        if size == 0:
            trailer_end = pos if buffer[pos : pos + 2] == b"\r\n" else buffer.find(b"\r\n\r\n", pos)
            if trailer_end < 0 or len(buffer) < trailer_end + 2:
                return None
            end = trailer_end + 2 if trailer_end == pos else trailer_end + 4
            return Response(status, close, end, bytes(body))
        if len(buffer) < pos + size + 2:
            return None
        body += buffer[pos : pos + size]
        pos += size + 2
