"""What may be stored: filenames made safe, types decided from the bytes' readings."""

from __future__ import annotations

import uuid

import pytest

from ticketbase.domain.assets.asset import (
    MAX_FILENAME_LENGTH,
    ContentTypeMismatch,
    FileTypeRefused,
    content_type_of,
    object_key,
    require_allowed_type,
    safe_filename,
)
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.ids import AssetId, OrganizationId


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("poster.png", "poster.png"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\logo.webp", "logo.webp"),
        ("Café crème.pdf", "Cafe-creme.pdf"),
        ("..", "file"),
        (".htaccess", "htaccess"),
        ("", "file"),
        ("<script>.png", "script-.png"),
        ("a\x00b.png", "a-b.png"),
        ("日本.png", "png"),
    ],
)
def test_filenames_are_cut_to_a_safe_last_segment(given: str, safe: str) -> None:
    assert safe_filename(given) == safe


def test_long_filenames_keep_their_extension() -> None:
    name = safe_filename("x" * 500 + ".woff2")
    assert len(name) == MAX_FILENAME_LENGTH
    assert name.endswith(".woff2")


def test_object_keys_are_organization_asset_and_safe_name() -> None:
    organization, asset = OrganizationId(uuid.uuid4()), AssetId(uuid.uuid4())
    assert object_key(organization, asset, "../x/y.png") == f"{organization}/{asset}/y.png"


def test_the_type_comes_from_the_readings_and_must_agree_with_the_declared_one() -> None:
    assert content_type_of(["image/png"], None) == "image/png"
    assert content_type_of(["image/png"], "application/octet-stream") == "image/png"
    assert content_type_of(["image/jpeg"], "image/jpg") == "image/jpeg"
    assert content_type_of(["video/mp4", "image/avif"], "image/avif") == "image/avif"
    with pytest.raises(ContentTypeMismatch):
        content_type_of(["image/png"], "image/gif")
    for readings in (["text/html"], ["image/png", "text/html"], ["image/svg+xml"], [], ["x/y"]):
        with pytest.raises(FileTypeRefused):
            content_type_of(readings, None)


def test_declared_types_outside_the_allowlist_are_refused() -> None:
    assert require_allowed_type("IMAGE/PNG; charset=binary") == "image/png"
    assert require_allowed_type("application/x-font-ttf") == "font/ttf"
    for declared in ("text/html", "image/svg+xml", "application/octet-stream", ""):
        with pytest.raises(RuleViolated):
            require_allowed_type(declared)
