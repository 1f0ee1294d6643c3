"""SegnoQrRenderer: the SVG and the PNG draw exactly the symbol segno encodes for the text (read
back module by module, as no QR decoder is installed), scalable, script-free, bounded."""

from __future__ import annotations

import re
import struct
import uuid
import zlib
from xml.etree import ElementTree

import pytest
import segno

from ticketbase.adapters.qr import MAX_TEXT_BYTES, PNG_SCALE, QUIET_ZONE, SegnoQrRenderer
from ticketbase.adapters.security.ticket_codes import (
    Ed25519TicketSigner,
    TicketSigningKeys,
    generate_private_key,
)
from ticketbase.application.ports.tickets import ImageFormat
from ticketbase.domain.shared.ids import AttendeeId, EventId, OrganizationId

SVG_NS = "{http://www.w3.org/2000/svg}"
RENDERER = SegnoQrRenderer()
TICKET = (
    Ed25519TicketSigner(TicketSigningKeys.parse([generate_private_key()]))
    .sign(OrganizationId(uuid.uuid4()), EventId(uuid.uuid4()), AttendeeId(uuid.uuid4()))
    .value
)
Matrix = list[list[bool]]


def expected_modules(text: str) -> Matrix:
    """The symbol segno encodes for ``text`` (dark = True), inside its quiet zone."""
    symbol = segno.make(text, error="m", micro=False)
    size = len(symbol.matrix) + 2 * QUIET_ZONE
    modules = [[False] * size for _ in range(size)]
    for y, row in enumerate(symbol.matrix):
        for x, dark in enumerate(row):
            modules[y + QUIET_ZONE][x + QUIET_ZONE] = bool(dark)
    return modules


def svg_modules(svg: bytes) -> tuple[ElementTree.Element, Matrix]:
    root = ElementTree.fromstring(svg)
    _, _, width, height = (int(v) for v in root.attrib["viewBox"].split())
    modules = [[False] * width for _ in range(height)]
    dark = [p for p in root.iter(f"{SVG_NS}path") if p.get("stroke") == "#000"]
    assert len(dark) == 1
    # segno draws each run of dark modules as a horizontal line through the row's middle:
    # "M x y" / "m dx dy" moves (absolute, then relative to the last line's end), "h n" draws.
    x = y = 0.0
    for command, a, b, length in re.findall(
        r"([Mm])(-?[\d.]+) (-?[\d.]+)h(\d+)", dark[0].attrib["d"]
    ):
        x, y = (float(a), float(b)) if command == "M" else (x + float(a), y + float(b))
        for column in range(int(x), int(x) + int(length)):
            modules[int(y - 0.5)][column] = True
        x += int(length)
    return root, modules


def png_pixels(png: bytes) -> tuple[int, list[list[bool]]]:
    """(width, dark pixels) of a 1-bit greyscale PNG, as segno writes it."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    chunks: dict[bytes, bytes] = {}
    position = 8
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        data = png[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", png[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind + data) == crc
        chunks[kind] = chunks.get(kind, b"") + data
        position += 12 + length
    assert b"IEND" in chunks
    width, height, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, color_type, interlace) == (1, 0, 0)
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = 1 + (width + 7) // 8
    assert len(raw) == stride * height
    pixels, previous = [], bytes(stride - 1)
    for row in range(height):
        filter_type, line = raw[row * stride], raw[row * stride + 1 : (row + 1) * stride]
        assert filter_type in {0, 2}  # None, or Up (segno repeats a row of modules with it)
        if filter_type == 2:
            line = bytes((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        previous = line
        bits = "".join(f"{byte:08b}" for byte in line)[:width]
        pixels.append([bit == "0" for bit in bits])  # greyscale 0 is black
    return width, pixels


@pytest.mark.parametrize("text", [TICKET, "https://tickets.example/t/ABC", "Zoë — 東京 ✓"])
def test_the_svg_draws_the_encoded_symbol_scalable_and_script_free(text: str) -> None:
    svg = RENDERER.render(text, ImageFormat.SVG)
    root, modules = svg_modules(svg)

    assert modules == expected_modules(text)
    assert root.tag == f"{SVG_NS}svg"
    assert "width" not in root.attrib
    assert "height" not in root.attrib  # only the viewBox: it scales to its container
    assert {e.tag for e in root.iter()} == {f"{SVG_NS}svg", f"{SVG_NS}path"}
    assert b"<script" not in svg.lower()
    assert not [a for e in root.iter() for a in e.attrib if a.startswith("on") or "href" in a]
    # An opaque white square behind the modules, covering the whole viewBox.
    background = [p for p in root.iter(f"{SVG_NS}path") if p.get("fill") == "#fff"]
    assert len(background) == 1


@pytest.mark.parametrize("text", [TICKET, "short", "Zoë — 東京 ✓"])
def test_the_png_draws_the_encoded_symbol_at_eight_pixels_per_module(text: str) -> None:
    width, pixels = png_pixels(RENDERER.render(text, ImageFormat.PNG))
    modules = expected_modules(text)

    assert width == len(modules) * PNG_SCALE == len(pixels)
    expected = [
        [modules[y // PNG_SCALE][x // PNG_SCALE] for x in range(width)] for y in range(width)
    ]
    assert pixels == expected


def test_a_ticket_code_makes_a_full_qr_code_with_at_least_medium_error_correction() -> None:
    symbol = segno.make(TICKET, error="m", micro=False)
    assert symbol.is_micro is False
    assert symbol.error in {"M", "Q", "H"}
    assert symbol.version == 9  # 162 characters in byte mode
    assert symbol.designator == f"{symbol.version}-{symbol.error}"
    _, modules = svg_modules(RENDERER.render(TICKET, ImageFormat.SVG))
    assert len(modules) == 4 * 9 + 17 + 2 * QUIET_ZONE


def test_distinct_texts_draw_distinct_images() -> None:
    other = TICKET[:-1] + ("A" if TICKET[-1] != "A" else "B")
    for image_format in ImageFormat:
        assert RENDERER.render(TICKET, image_format) != RENDERER.render(other, image_format)
        assert RENDERER.render(TICKET, image_format) == RENDERER.render(TICKET, image_format)


def test_text_is_bounded_in_utf8_bytes() -> None:
    assert RENDERER.render("a" * MAX_TEXT_BYTES, ImageFormat.PNG).startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="2048"):
        RENDERER.render("a" * (MAX_TEXT_BYTES + 1), ImageFormat.SVG)
    with pytest.raises(ValueError, match="2048"):
        RENDERER.render("é" * (MAX_TEXT_BYTES // 2 + 1), ImageFormat.PNG)  # 2 bytes each
    with pytest.raises(ValueError, match="not 0"):
        RENDERER.render("", ImageFormat.SVG)
