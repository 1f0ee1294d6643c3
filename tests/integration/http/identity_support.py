"""Helpers for identity tests: register organizations and read the mailbox over HTTP."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import httpx

PASSWORD = "correct horse battery staple"


@dataclass
class Account:
    email: str
    password: str
    organization: dict[str, Any]
    user: dict[str, Any]
    tokens: dict[str, Any]

    @property
    def auth(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.tokens['accessToken']}"}


async def register(client: httpx.AsyncClient, name: str = "Acme") -> Account:
    suffix = uuid.uuid4().hex[:10]
    email = f"owner-{suffix}@example.com"
    response = await client.post(
        "/api/auth/register",
        json={
            "organizationName": name,
            "organizationSlug": f"org-{suffix}",
            "email": email,
            "password": PASSWORD,
            "fullName": "Olive Owner",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(email, PASSWORD, body["organization"], body["user"], body["tokens"])


async def login(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, **extra: str
) -> httpx.Response:
    return await client.post(
        "/api/auth/login", json={"email": email, "password": password, **extra}
    )


def mailbox_links(data_dir: Path, to: str) -> list[str]:
    """Every one-time link mailed to ``to``, oldest first."""
    links = []
    for path in sorted((data_dir / "mailbox").glob("*.eml")):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if message["to"] == to:
            body = message.get_body(preferencelist=("plain",))
            assert body is not None
            links += re.findall(r"https?://\S+\?token=(\S+)", body.get_content())
    return links
