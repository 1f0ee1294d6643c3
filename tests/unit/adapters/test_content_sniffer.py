"""puremagic's readings of the allowed types, and of markup so that it is refused."""

from __future__ import annotations

import pytest

from ticketbase.adapters.content.sniffer import PuremagicSniffer
from ticketbase.domain.assets.asset import FileTypeRefused, content_type_of


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(50), "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(50), "image/jpeg"),
        (b"GIF89a\x01\x00\x01\x00" + bytes(50), "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(50), "image/webp"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + bytes(50), "image/avif"),
        (b"%PDF-1.7\n" + bytes(50), "application/pdf"),
        (b"wOFF\x00\x01\x00\x00" + bytes(60), "font/woff"),
        (b"wOF2\x00\x01\x00\x00" + bytes(60), "font/woff2"),
        (b"\x00\x01\x00\x00\x00\x10\x00\x80\x00\x03\x00`" + bytes(60), "font/ttf"),
        (b"OTTO\x00\x0a\x00\x80\x00\x03\x00\x20" + bytes(60), "font/otf"),
    ],
)
def test_the_sniffer_reads_every_allowed_type(head: bytes, expected: str) -> None:
    assert content_type_of(PuremagicSniffer().readings(head), expected) == expected


@pytest.mark.parametrize(
    "head",
    [
        b"<!DOCTYPE html><html><script>alert(1)</script>",
        b"  \n<script>alert(1)</script>",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
    ],
)
def test_the_sniffer_names_markup_so_it_is_refused(head: bytes) -> None:
    with pytest.raises(FileTypeRefused):
        content_type_of(PuremagicSniffer().readings(head), "image/png")
