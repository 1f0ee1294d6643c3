"""QR code images of ticket codes, drawn by segno in memory.

- Error correction M at least (15 % of the symbol may be lost: a creased or scratched phone
  screen still scans); segno raises it further when that fits in the same symbol size. Always a
  full QR code, never a Micro QR, which many scanners do not read.
- SVG: two paths (a white square, the dark modules) in a ``viewBox`` of one unit per module, no
  width or height, so it scales to any size without blurring. The square is opaque: a
  transparent background would vanish on a dark page. Nothing but ``<svg>`` and ``<path>`` (no
  script, no external reference): safe to serve inline.
- PNG: 8 pixels per module with the standard 4-module quiet zone (a 162-character ticket code
  is a 53-module version 9 symbol: 488 by 488 pixels), 1-bit greyscale.

The text is bounded (2 KiB of UTF-8): a QR code holds under 3 KB at best, and rendering is CPU
work a caller must not be able to inflate. A ticket code takes 20-30 ms of CPU (segno tries all
eight masks), so a caller on the event loop renders in a worker thread.
"""

from __future__ import annotations

import io

import segno

from ticketbase.application.ports.tickets import ImageFormat

MAX_TEXT_BYTES = 2048
PNG_SCALE = 8
QUIET_ZONE = 4  # modules, as ISO/IEC 18004 requires around a QR code


class SegnoQrRenderer:
    """:class:`~ticketbase.application.ports.tickets.QrRenderer` with segno."""

    def render(self, text: str, image_format: ImageFormat) -> bytes:
        size = len(text.encode("utf-8"))
        if not 0 < size <= MAX_TEXT_BYTES:
            raise ValueError(f"a QR code carries 1 to {MAX_TEXT_BYTES} bytes of text, not {size}")
        symbol = segno.make(text, error="m", micro=False)
        out = io.BytesIO()
        if image_format is ImageFormat.SVG:
            symbol.save(
                out,
                kind="svg",
                scale=1,
                border=QUIET_ZONE,
                omitsize=True,  # a viewBox only: the image scales to its container
                dark="#000",
                light="#fff",  # segno leaves SVG transparent: unreadable on a dark page
                xmldecl=True,
                svgclass=None,
                lineclass=None,
                nl=False,
            )
        elif image_format is ImageFormat.PNG:
            symbol.save(
                out, kind="png", scale=PNG_SCALE, border=QUIET_ZONE, dark="#000", light="#fff"
            )
        else:
            raise ValueError(f"no QR image as {image_format!r}")
        return out.getvalue()
