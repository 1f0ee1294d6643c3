"""Reading a file's type from its first bytes with ``puremagic`` (pure Python, maintained,
signatures for images, PDF, fonts and also HTML, SVG and executables, so those are named when
refused). Its readings are mapped to the media types we serve, by extension: its own MIME names
vary (``application/font-woff``, an empty one for TrueType, AVIF read as MP4 as well)."""

from __future__ import annotations

import puremagic

_BY_EXTENSION = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jfif": "image/jpeg",
    ".jpe": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".pdf": "application/pdf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".svg": "image/svg+xml",
    ".xml": "text/xml",
}


class PuremagicSniffer:
    def readings(self, head: bytes) -> list[str]:
        if not head:
            return []
        try:
            matches = puremagic.magic_string(head)
        except puremagic.PureError:
            matches = []
        readings: list[str] = []
        for match in matches:
            kind = _BY_EXTENSION.get(match.extension.lower()) or match.mime_type.lower()
            if kind and kind not in readings:
                readings.append(kind)
        if _looks_like_markup(head) and "text/html" not in readings:
            readings.append("text/html")
        return readings


def _looks_like_markup(head: bytes) -> bool:
    """Markup puremagic may not name (a fragment starting with ``<script``, ``<svg`` after
    whitespace): refused rather than guessed."""
    text = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<!doctype", b"<html", b"<script", b"<svg", b"<?xml", b"<body"))
