"""One contract for object storage, run on the folder adapter and on the S3 adapter against a
real S3 server (SeaweedFS on loopback): streamed puts of one and of several multipart parts,
the size bound leaving nothing behind, reads whole and by prefix, head, delete, presigned PUT
and GET fetched over real HTTP (the folder's through the app's blob routes), and outages."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from tests.integration.s3_server import S3Server, s3_server  # noqa: F401 - the fixture

from ticketbase.adapters.local.storage import LocalObjectStorage
from ticketbase.adapters.s3.storage import S3ObjectStorage, S3Settings
from ticketbase.adapters.security.blob_tokens import HmacBlobTokens
from ticketbase.application.ports.errors import DependencyUnavailable
from ticketbase.application.ports.storage import (
    BlobTokenRefused,
    ObjectMissing,
    ObjectStorage,
    ObjectTooLarge,
)

pytestmark = pytest.mark.anyio
MIB = 1024 * 1024
SECRET = "contract-tests-secret-0123456789abcdef"


class FixedClock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def now(self) -> datetime:
        return self.at


async def chunks_of(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read_all(storage: ObjectStorage, key: str) -> bytes:
    return b"".join([chunk async for chunk in storage.get(key)])


def new_key() -> str:
    return f"{uuid.uuid4()}/{uuid.uuid4()}/photo.png"


@pytest.fixture(params=["local", "s3"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ObjectStorage]:
    if request.param == "local":
        yield LocalObjectStorage(
            tmp_path / "assets", HmacBlobTokens(SECRET), FixedClock(), "http://app.test"
        )
        return
    server: S3Server = request.getfixturevalue("s3_server")
    s3 = await S3ObjectStorage(
        S3Settings(
            bucket=f"contract-{uuid.uuid4().hex[:12]}",
            endpoint_url=server.endpoint_url,
            access_key_id=server.access_key,
            secret_access_key=server.secret_key,
            path_style=True,
            create_bucket=True,
            part_size=5 * MIB,
        ),
        FixedClock(),
    ).open()
    try:
        yield s3
    finally:
        await s3.aclose()


async def test_a_small_object_is_stored_read_and_deleted(storage: ObjectStorage) -> None:
    key, data = new_key(), b"\x89PNG\r\n\x1a\n" + os.urandom(1000)
    assert await storage.head(key) is None
    assert (
        await storage.put(key, chunks_of(data, 100), content_type="image/png", max_size=2000)
        == 1008
    )
    assert await read_all(storage, key) == data
    assert await storage.read_prefix(key, 8) == data[:8]
    assert await storage.read_prefix(key, 10_000) == data
    info = await storage.head(key)
    assert info is not None
    assert info.size == len(data)
    await storage.delete(key)
    assert await storage.head(key) is None
    await storage.delete(key)  # twice: nothing happens


async def test_a_large_stream_goes_in_several_parts_and_comes_back_whole(
    storage: ObjectStorage,
) -> None:
    key, data = new_key(), os.urandom(12 * MIB + 12345)  # three 5 MiB parts, the last short
    size = await storage.put(
        key, chunks_of(data), content_type="application/pdf", max_size=13 * MIB
    )
    assert size == len(data)
    assert hashlib.sha256(await read_all(storage, key)).digest() == hashlib.sha256(data).digest()


async def test_a_stream_past_its_bound_leaves_nothing(storage: ObjectStorage) -> None:
    key = new_key()
    with pytest.raises(ObjectTooLarge):
        await storage.put(
            key, chunks_of(os.urandom(6 * MIB)), content_type="image/png", max_size=6 * MIB - 1
        )
    assert await storage.head(key) is None


async def test_a_failing_stream_leaves_nothing_and_its_error_propagates(
    storage: ObjectStorage,
) -> None:
    key = new_key()

    async def broken() -> AsyncIterator[bytes]:
        yield os.urandom(6 * MIB)  # past one part: a multipart upload was started
        raise RuntimeError("client went away")

    with pytest.raises(RuntimeError, match="client went away"):
        await storage.put(key, broken(), content_type="image/png", max_size=10 * MIB)
    assert await storage.head(key) is None


async def test_replacing_an_object_and_reading_a_missing_one(storage: ObjectStorage) -> None:
    key = new_key()
    await storage.put(key, chunks_of(b"first"), content_type="image/png", max_size=100)
    await storage.put(key, chunks_of(b"second!"), content_type="image/png", max_size=100)
    assert await read_all(storage, key) == b"second!"
    with pytest.raises(ObjectMissing):
        await read_all(storage, new_key())
    with pytest.raises(ObjectMissing):
        await storage.read_prefix(new_key(), 10)


async def test_the_readiness_check_passes(storage: ObjectStorage) -> None:
    await storage.check()
    assert storage.name == "storage"


@pytest.mark.parametrize("storage", ["s3"], indirect=True)
async def test_presigned_urls_of_s3_upload_and_download_over_http(
    storage: ObjectStorage,
) -> None:
    """(The folder's URLs are served by the app: tests/integration/http/test_assets.py.)"""
    key, data = new_key(), b"%PDF-1.7\n" + os.urandom(5000)
    upload = await storage.presign_upload(
        key, content_type="application/pdf", size=len(data), expires_in=timedelta(minutes=5)
    )
    assert upload.method == "PUT"
    async with httpx.AsyncClient() as http:
        sent = await http.put(upload.url, content=data, headers=upload.headers)
        assert sent.status_code == 200, sent.text
        download = await storage.presign_download(
            key,
            content_type="application/pdf",
            filename="leaflet.pdf",
            expires_in=timedelta(minutes=5),
        )
        fetched = await http.get(download.url)
        assert fetched.status_code == 200
        assert fetched.content == data
        assert fetched.headers["content-type"] == "application/pdf"
        assert 'filename="leaflet.pdf"' in fetched.headers["content-disposition"]
        tampered = download.url.replace(key.split("/")[0], str(uuid.uuid4()))
        assert (await http.get(tampered)).status_code == 403
        signature_at = download.url.index("X-Amz-Signature=") + len("X-Amz-Signature=")
        flipped = "0" if download.url[signature_at] != "0" else "1"
        forged = download.url[:signature_at] + flipped + download.url[signature_at + 1 :]
        assert (await http.get(forged)).status_code == 403
        other_type = {"content-type": "image/png"}
        assert (await http.put(upload.url, content=data, headers=other_type)).status_code == 403


async def test_an_unreachable_s3_server_is_a_dependency_outage() -> None:
    from tests.integration.conftest import free_port

    s3 = await S3ObjectStorage(
        S3Settings(
            bucket="nowhere-bucket",
            endpoint_url=f"http://127.0.0.1:{free_port()}",
            access_key_id="any",
            secret_access_key="any",
            path_style=True,
            connect_timeout=0.5,
            read_timeout=0.5,
        ),
        FixedClock(),
    ).open()
    try:
        with pytest.raises(DependencyUnavailable):
            await s3.check()
        with pytest.raises(DependencyUnavailable):
            await s3.put(new_key(), chunks_of(b"x"), content_type="image/png", max_size=10)
        with pytest.raises(DependencyUnavailable):
            await s3.head(new_key())
    finally:
        await s3.aclose()


def test_the_folder_refuses_keys_that_would_leave_it(tmp_path: Path) -> None:
    local = LocalObjectStorage(tmp_path, HmacBlobTokens(SECRET), FixedClock(), "http://app.test")
    for key in ("../etc/passwd", "/abs/x", "a/../b", "a//b", "a/.hidden", "", "a\\b", "a/b\x00"):
        with pytest.raises(ValueError, match="unsafe"):
            local.path_of(key)
    assert local.path_of("o/a/file.png") == tmp_path / "o" / "a" / "file.png"


def test_blob_tokens_refuse_tampering_expiry_and_the_other_method() -> None:
    tokens, clock = HmacBlobTokens(SECRET), FixedClock()
    local = LocalObjectStorage(Path("/unused"), tokens, clock, "http://app.test/")
    import asyncio

    download = asyncio.run(
        local.presign_download(
            "o/a/x.png", content_type="image/png", filename="x.png", expires_in=timedelta(minutes=5)
        )
    )
    assert download.url.startswith("http://app.test/api/assets/blobs/")
    token = download.url.rsplit("/", 1)[1]
    grant = tokens.verify(token, "GET", clock.now())
    assert (grant.key, grant.content_type, grant.filename) == ("o/a/x.png", "image/png", "x.png")
    payload, _, signature = token.partition(".")
    with pytest.raises(BlobTokenRefused, match="signed for GET"):
        tokens.verify(token, "PUT", clock.now())
    with pytest.raises(BlobTokenRefused, match="expired"):
        tokens.verify(token, "GET", clock.now() + timedelta(minutes=5))
    with pytest.raises(BlobTokenRefused):
        tokens.verify(
            payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature,
            "GET",
            clock.now(),
        )
    with pytest.raises(BlobTokenRefused):
        tokens.verify(payload + "." + signature[:-1], "GET", clock.now())
    with pytest.raises(BlobTokenRefused):
        HmacBlobTokens("another-secret-0123456789abcdef-xyz").verify(token, "GET", clock.now())
    with pytest.raises(BlobTokenRefused):
        tokens.verify("no-dot-here", "GET", clock.now())
