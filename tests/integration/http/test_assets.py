"""Assets over HTTP on the real database: multipart uploads streamed to storage, the presigned
flow through the folder storage's own signed URLs and through S3's (a real SeaweedFS on
loopback), sniffing refusals, limits and the quota under concurrency, tenants kept apart,
delete removing the object, and a 50 MiB upload with flat memory."""

from __future__ import annotations

import asyncio
import io
import os
import threading
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from tests.integration.http.conftest import AppFactory, Tenant, new_tenant
from tests.integration.http.conftest import running as running_app
from tests.integration.http.test_conventions import assert_problem
from tests.integration.s3_server import S3Server, s3_server  # noqa: F401 - the fixture

from ticketbase.domain.identity.permissions import Role
from ticketbase.entrypoints.settings import Settings

pytestmark = pytest.mark.anyio
MIB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def png(size: int = 2000) -> bytes:
    return PNG + os.urandom(size - len(PNG))


async def upload(
    client: httpx.AsyncClient,
    tenant: Tenant,
    data: bytes,
    name: str = "poster.png",
    content_type: str = "image/png",
    role: Role = Role.OWNER,
) -> httpx.Response:
    return await client.post(
        "/api/assets", files={"file": (name, data, content_type)}, headers=tenant.auth(role)
    )


def local_path(url: str) -> str:
    """The folder storage's URLs name the public URL; the in-process client wants the path."""
    return httpx.URL(url).raw_path.decode()


def stored_files(settings: Settings) -> list[Path]:
    root = settings.data_dir / "assets"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def test_a_multipart_upload_is_stored_listed_downloaded_and_deleted(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, settings: Settings
) -> None:
    data = png()
    created = await upload(client, tenant, data, name="../../etc/Été poster (1).png")
    assert created.status_code == 201, created.text
    asset = created.json()
    assert asset["filename"] == "Ete-poster-1-.png"  # the last segment, ASCII, no spaces
    assert (asset["contentType"], asset["size"], asset["status"]) == (
        "image/png",
        len(data),
        "ready",
    )
    [stored] = stored_files(settings)
    assert stored.relative_to(settings.data_dir / "assets").parts[:2] == (
        str(tenant.organization.id),
        asset["id"],
    )
    listed = await client.get("/api/assets", headers=tenant.auth(Role.ANALYST))
    assert [a["id"] for a in listed.json()["items"]] == [asset["id"]]
    assert (await client.get("/api/assets", headers=other_tenant.auth())).json()["items"] == []
    detail = await client.get(f"/api/assets/{asset['id']}", headers=tenant.auth(Role.ANALYST))
    assert detail.status_code == 200, detail.text
    body = detail.json()
    fetched = await client.get(local_path(body["downloadUrl"]))
    assert fetched.status_code == 200
    assert fetched.content == data
    assert fetched.headers["content-type"] == "image/png"
    assert fetched.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in fetched.headers["content-security-policy"]
    for method in ("get", "delete"):
        foreign = await getattr(client, method)(
            f"/api/assets/{asset['id']}", headers=other_tenant.auth()
        )
        assert_problem(foreign, 404, "not_found")
    assert_problem(
        await client.delete(f"/api/assets/{asset['id']}", headers=tenant.auth(Role.SUPPORT)),
        403,
        "permission_denied",
    )
    assert (
        await client.delete(f"/api/assets/{asset['id']}", headers=tenant.auth())
    ).status_code == 204
    assert stored_files(settings) == []
    assert_problem(await client.get(local_path(body["downloadUrl"])), 404, "not_found")
    assert_problem(
        await client.get(f"/api/assets/{asset['id']}", headers=tenant.auth()), 404, "not_found"
    )
    audit = await client.get(
        "/api/audit-logs", params={"targetType": "asset"}, headers=tenant.auth()
    )
    assert audit.status_code == 200, audit.text
    entries = audit.json()["items"]
    assert [e["action"] for e in entries] == ["asset.deleted", "asset.uploaded"]
    assert {e["targetId"] for e in entries} == {asset["id"]}


async def test_only_assets_writers_upload_and_anonymous_callers_nothing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for role in (Role.SUPPORT, Role.ANALYST):
        assert_problem(await upload(client, tenant, png(), role=role), 403, "permission_denied")
    assert (await upload(client, tenant, png(), role=Role.MANAGER)).status_code == 201
    anonymous = await client.post("/api/assets", files={"file": ("a.png", png(), "image/png")})
    assert anonymous.status_code == 401


@pytest.mark.parametrize(
    ("data", "name", "declared"),
    [
        (HTML, "innocent.png", "image/png"),
        (SVG, "logo.svg", "image/svg+xml"),
        (SVG, "logo.png", "image/png"),
        (b"MZ\x90\x00" + bytes(200), "setup.pdf", "application/pdf"),
        (b"just some text, nothing known", "notes.png", "image/png"),
        (b"", "empty.png", "image/png"),
    ],
)
async def test_bytes_of_a_refused_type_are_415_and_nothing_is_kept(
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
    data: bytes,
    name: str,
    declared: str,
) -> None:
    assert_problem(await upload(client, tenant, data, name, declared), 415, "file_type_refused")
    assert stored_files(settings) == []
    assert (await client.get("/api/assets", headers=tenant.auth())).json()["items"] == []


async def test_a_declared_type_that_disagrees_with_the_bytes_is_422(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    refused = assert_problem(
        await upload(client, tenant, png(), "photo.jpg", "image/jpeg"), 422, "validation_failed"
    )
    assert refused["errors"] == [{"field": "contentType", "message": refused["detail"]}]
    assert stored_files(settings) == []
    # No declared type (octet-stream) takes the sniffed one; an alias is the same type.
    as_octets = await upload(client, tenant, PDF, "leaflet.bin", "application/octet-stream")
    assert as_octets.json()["contentType"] == "application/pdf"


async def test_a_file_over_the_limit_is_413_and_leaves_nothing(
    make_app: AppFactory, settings: Settings
) -> None:
    app = make_app(asset_max_file_bytes=100_000)
    async with running_app(app) as client:
        tenant = await new_tenant(app)
        assert (await upload(client, tenant, png(100_000))).status_code == 201
        assert_problem(await upload(client, tenant, png(100_001)), 413, "payload_too_large")
        declared = await client.post(
            "/api/assets",
            json={"filename": "big.png", "contentType": "image/png", "size": 100_001},
            headers=tenant.auth(),
        )
        assert_problem(declared, 413, "payload_too_large")
        assert len(stored_files(settings)) == 1


async def test_two_uploads_racing_for_the_last_bytes_of_the_quota_one_wins(
    make_app: AppFactory, settings: Settings
) -> None:
    app = make_app(plan_free_storage_bytes=100_000)
    async with running_app(app) as client:
        tenant = await new_tenant(app)
        for _ in range(3):  # presigned reservations, then streamed uploads, racing in pairs
            answers = await asyncio.gather(
                *(
                    client.post(
                        "/api/assets",
                        json={"filename": "a.png", "contentType": "image/png", "size": 60_000},
                        headers=tenant.auth(),
                    )
                    for _ in range(2)
                )
            )
            assert sorted(a.status_code for a in answers) == [201, 413], [a.text for a in answers]
            loser = next(a for a in answers if a.status_code == 413)
            assert_problem(loser, 413, "storage_quota_exceeded")
            winner = next(a for a in answers if a.status_code == 201).json()["asset"]
            gone = await client.delete(f"/api/assets/{winner['id']}", headers=tenant.auth())
            assert gone.status_code == 204  # the reservation comes back with the delete
        streamed = await asyncio.gather(*(upload(client, tenant, png(55_000)) for _ in range(2)))
        assert sorted(a.status_code for a in streamed) == [201, 413], [a.text for a in streamed]
        assert len(stored_files(settings)) == 1
        # A refused upload gives its reservation back: the remaining 45 000 bytes are usable.
        assert_problem(await upload(client, tenant, HTML), 415, "file_type_refused")
        assert (await upload(client, tenant, png(40_000))).status_code == 201


async def test_the_presigned_flow_through_the_folder_storages_signed_urls(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, settings: Settings
) -> None:
    data = PDF + os.urandom(3000)
    requested = await client.post(
        "/api/assets",
        json={"filename": "programme.pdf", "contentType": "application/pdf", "size": len(data)},
        headers=tenant.auth(),
    )
    assert requested.status_code == 201, requested.text
    body = requested.json()
    asset = body["asset"]
    assert (asset["status"], asset["size"], body["uploadMethod"]) == ("pending", len(data), "PUT")
    assert body["uploadHeaders"] == {"content-type": "application/pdf"}
    pending = (await client.get(f"/api/assets/{asset['id']}", headers=tenant.auth())).json()
    assert pending["downloadUrl"] is None
    url = local_path(body["uploadUrl"])
    assert_problem(
        await client.put(url, content=data, headers={"content-type": "image/png"}),
        403,
        "permission_denied",
    )
    token = url.rsplit("/", 1)[1]
    forged = url[: -len(token)] + token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    assert_problem(
        await client.put(forged, content=data, headers=body["uploadHeaders"]),
        403,
        "permission_denied",
    )
    assert_problem(await client.get(url), 403, "permission_denied")  # a PUT token
    assert_problem(
        await client.put(url, content=data + b"x", headers=body["uploadHeaders"]),
        413,
        "payload_too_large",
    )
    sent = await client.put(url, content=data, headers=body["uploadHeaders"])
    assert sent.status_code == 200, sent.text
    complete = f"/api/assets/{asset['id']}/complete"
    assert_problem(await client.post(complete, headers=other_tenant.auth()), 404, "not_found")
    done = await client.post(complete, headers=tenant.auth())
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["contentType"]) == ("ready", "application/pdf")
    again = await client.post(complete, headers=tenant.auth())
    assert again.json() == done.json()
    detail = (await client.get(f"/api/assets/{asset['id']}", headers=tenant.auth())).json()
    assert (await client.get(local_path(detail["downloadUrl"]))).content == data
    assert_problem(
        await client.put(
            local_path(detail["downloadUrl"]), content=data, headers=body["uploadHeaders"]
        ),
        403,
        "permission_denied",
    )


async def test_an_expired_signed_url_is_403(make_app: AppFactory) -> None:
    app = make_app(asset_download_url_ttl_seconds=1)
    async with running_app(app) as client:
        tenant = await new_tenant(app)
        asset = (await upload(client, tenant, png())).json()
        detail = (await client.get(f"/api/assets/{asset['id']}", headers=tenant.auth())).json()
        assert (await client.get(local_path(detail["downloadUrl"]))).status_code == 200
        await asyncio.sleep(1.1)
        assert_problem(
            await client.get(local_path(detail["downloadUrl"])), 403, "permission_denied"
        )


@pytest.mark.parametrize(
    ("sent", "why"),
    [(HTML + bytes(100), "the bytes are HTML"), (PNG + bytes(100), "another type than declared")],
)
async def test_a_completed_upload_of_the_wrong_bytes_is_refused_and_deleted(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings, sent: bytes, why: str
) -> None:
    requested = (
        await client.post(
            "/api/assets",
            json={"filename": "x.pdf", "contentType": "application/pdf", "size": len(sent)},
            headers=tenant.auth(),
        )
    ).json()
    url = local_path(requested["uploadUrl"])
    assert (
        await client.put(url, content=sent, headers=requested["uploadHeaders"])
    ).status_code == 200
    complete = f"/api/assets/{requested['asset']['id']}/complete"
    assert_problem(await client.post(complete, headers=tenant.auth()), 422, "upload_refused")
    assert stored_files(settings) == [], why
    assert_problem(await client.post(complete, headers=tenant.auth()), 404, "not_found")


async def test_completing_before_uploading_or_with_a_short_file(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    requested = (
        await client.post(
            "/api/assets",
            json={"filename": "x.pdf", "contentType": "application/pdf", "size": 5000},
            headers=tenant.auth(),
        )
    ).json()
    complete = f"/api/assets/{requested['asset']['id']}/complete"
    assert_problem(await client.post(complete, headers=tenant.auth()), 422, "validation_failed")
    url = local_path(requested["uploadUrl"])
    short = PDF + bytes(100)
    assert (
        await client.put(url, content=short, headers=requested["uploadHeaders"])
    ).status_code == 200
    refused = assert_problem(
        await client.post(complete, headers=tenant.auth()), 422, "upload_refused"
    )
    assert "5000" in str(refused["detail"])
    assert stored_files(settings) == []


async def test_presigned_requests_are_validated(client: httpx.AsyncClient, tenant: Tenant) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"filename": "a.html", "contentType": "text/html", "size": 10}, "contentType"),
        ({"filename": "a.svg", "contentType": "image/svg+xml", "size": 10}, "contentType"),
        ({"filename": "a.png", "contentType": "image/png", "size": 0}, "size"),
        ({"filename": "", "contentType": "image/png", "size": 10}, "filename"),
        ({"filename": "a.png", "contentType": "image/png"}, "size"),
        ({"filename": "a.png", "contentType": "image/png", "size": 1, "path": "x"}, "path"),
    ]
    for body, field in cases:
        refused = assert_problem(
            await client.post("/api/assets", json=body, headers=tenant.auth()),
            422,
            "validation_failed",
        )
        assert [e["field"] for e in refused["errors"]] == [field], refused  # type: ignore[union-attr]
    not_json = await client.post(
        "/api/assets", content=b"{", headers={**tenant.auth(), "content-type": "application/json"}
    )
    assert_problem(not_json, 400, "bad_request")
    text = await client.post(
        "/api/assets", content=b"hi", headers={**tenant.auth(), "content-type": "text/plain"}
    )
    assert_problem(text, 415, "unsupported_media_type")
    no_file = await client.post(
        "/api/assets",
        data={"other": "x"},
        files={"nope": ("a.png", png(), "image/png")},
        headers=tenant.auth(),
    )
    assert_problem(no_file, 422, "validation_failed")


async def test_storage_joins_the_readiness_check(client: httpx.AsyncClient) -> None:
    ready = await client.get("/health/ready")
    assert ready.json()["checks"]["storage"] == "ok"


async def test_on_s3_uploads_go_to_the_bucket_and_urls_are_s3s(
    make_app: AppFactory,
    s3_server: S3Server,  # noqa: F811 - the fixture imported above
) -> None:
    app = make_app(
        storage_backend="s3",
        s3_endpoint_url=s3_server.endpoint_url,
        s3_access_key_id=s3_server.access_key,
        s3_secret_access_key=s3_server.secret_key,
        s3_path_style=True,
        s3_create_bucket=True,
        s3_bucket=f"http-{uuid.uuid4().hex[:12]}",
    )
    async with running_app(app) as client, httpx.AsyncClient() as outside:
        tenant = await new_tenant(app)
        data = png(7 * MIB)  # more than one part
        created = await upload(client, tenant, data)
        assert created.status_code == 201, created.text
        detail = (
            await client.get(f"/api/assets/{created.json()['id']}", headers=tenant.auth())
        ).json()
        assert detail["downloadUrl"].startswith(s3_server.endpoint_url)
        fetched = await outside.get(detail["downloadUrl"])
        assert fetched.status_code == 200
        assert fetched.content == data
        assert fetched.headers["content-type"] == "image/png"
        signature_at = detail["downloadUrl"].index("X-Amz-Signature=") + len("X-Amz-Signature=")
        url = detail["downloadUrl"]
        forged = (
            url[:signature_at]
            + ("0" if url[signature_at] != "0" else "1")
            + url[signature_at + 1 :]
        )
        assert (await outside.get(forged)).status_code == 403
        pdf = PDF + os.urandom(10_000)
        requested = (
            await client.post(
                "/api/assets",
                json={"filename": "a.pdf", "contentType": "application/pdf", "size": len(pdf)},
                headers=tenant.auth(),
            )
        ).json()
        assert requested["uploadUrl"].startswith(s3_server.endpoint_url)
        put = await outside.put(
            requested["uploadUrl"], content=pdf, headers=requested["uploadHeaders"]
        )
        assert put.status_code == 200, put.text
        done = await client.post(
            f"/api/assets/{requested['asset']['id']}/complete", headers=tenant.auth()
        )
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "ready"
        assert_problem(await upload(client, tenant, HTML), 415, "file_type_refused")
        gone = await client.delete(f"/api/assets/{created.json()['id']}", headers=tenant.auth())
        assert gone.status_code == 204
        assert (await outside.get(detail["downloadUrl"])).status_code == 404
        assert (await client.get("/health/ready")).json()["checks"]["storage"] == "ok"


class _GeneratedFile(io.RawIOBase):
    """A file of ``size`` bytes made up as it is read (a PNG signature, then a repeated random
    block): the test client never holds it either."""

    def __init__(self, size: int) -> None:
        self._size, self._at = size, 0
        self._block = PNG + os.urandom(MIB - len(PNG))

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self._size - self._at)
        start = self._at % len(self._block)
        piece = (self._block[start:] + self._block)[:n]
        buffer[:n] = piece
        self._at += n
        return n


async def test_fifty_mebibytes_stream_through_with_flat_memory(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    size = 50 * MIB
    process = psutil.Process()
    baseline = process.memory_info().rss
    peak_rss = baseline
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_rss
        while not stop.is_set():
            peak_rss = max(peak_rss, process.memory_info().rss)
            stop.wait(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    tracemalloc.start()
    try:
        created = await client.post(
            "/api/assets",
            files={
                "file": ("big.png", io.BufferedReader(_GeneratedFile(size), 64 * 1024), "image/png")
            },
            headers=tenant.auth(),
        )
        _, traced_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        stop.set()
        sampler.join()
    assert created.status_code == 201, created.text
    assert created.json()["size"] == size
    [stored] = stored_files(settings)
    assert stored.stat().st_size == size
    growth = peak_rss - baseline
    print(f"50 MiB upload: traced peak {traced_peak / MIB:.1f} MiB, RSS +{growth / MIB:.1f} MiB")
    assert traced_peak < 8 * MIB
    assert growth < 20 * MIB
