"""The Page aggregate: versions only ever added, publish, restore, optimistic versions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from ticketbase.domain.pages.page import (
    MAX_TITLE_LENGTH,
    Page,
    PageContent,
    PageId,
    PageStatus,
    Seo,
)
from ticketbase.domain.shared.errors import RuleViolated, StaleVersion
from ticketbase.domain.shared.ids import OrganizationId, UserId
from ticketbase.domain.shared.values import Slug

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
EDITOR = UserId(UUID(int=7))


def content(title: str = "Home", heading: str = "Welcome") -> PageContent:
    data = {"content": [{"type": "Heading", "props": {"id": "h1", "text": heading}}], "root": {}}
    return PageContent.parse(data=data, title=title)


def a_page() -> Page:
    page, first = Page.create(
        id=PageId(UUID(int=1)),
        organization_id=OrganizationId(UUID(int=2)),
        slug=Slug("home"),
        content=content(),
        now=NOW,
        by=EDITOR,
    )
    assert (first.number, first.title, first.created_by) == (1, "Home", EDITOR)
    return page


def test_a_new_page_is_a_draft_at_version_one() -> None:
    page = a_page()
    assert page.status is PageStatus.DRAFT
    assert (page.version, page.current_version, page.published_version) == (1, 1, None)


def test_each_save_adds_a_version_and_leaves_the_published_one() -> None:
    page = a_page()
    assert page.publish(now=NOW)
    saved = page.save(content("About", "v2"), now=NOW + timedelta(1), by=EDITOR, slug=Slug("about"))
    assert saved.number == 2
    assert (page.current_version, page.published_version, page.title) == (2, 1, "About")
    assert page.slug == Slug("about")
    assert page.version == 3
    assert page.updated_at == NOW + timedelta(1)


def test_publishing_what_is_published_changes_nothing() -> None:
    page = a_page()
    assert page.publish(now=NOW)
    assert page.status is PageStatus.PUBLISHED
    assert not page.publish(now=NOW + timedelta(1))
    assert page.version == 2
    assert page.updated_at == NOW


def test_a_stale_version_is_refused_before_anything_changes() -> None:
    page = a_page()
    with pytest.raises(StaleVersion):
        page.save(content(), now=NOW, by=EDITOR, expected_version=2)
    with pytest.raises(StaleVersion):
        page.publish(now=NOW, expected_version=0)
    assert (page.version, page.current_version, page.status) == (1, 1, PageStatus.DRAFT)


def test_a_restore_is_a_new_version_equal_to_the_old_one() -> None:
    page, first = Page.create(
        id=PageId(UUID(int=1)),
        organization_id=OrganizationId(UUID(int=2)),
        slug=Slug("home"),
        content=content("First"),
        now=NOW,
        by=EDITOR,
    )
    page.save(content("Second", "changed"), now=NOW, by=EDITOR)
    restored = page.restore(first, now=NOW, by=EDITOR, expected_version=2)
    assert restored.number == 3
    assert restored.content == first.content
    assert page.title == "First"


def test_a_page_restores_only_its_own_versions() -> None:
    page = a_page()
    _, foreign = Page.create(
        id=PageId(UUID(int=9)),
        organization_id=page.organization_id,
        slug=Slug("other"),
        content=content(),
        now=NOW,
        by=None,
    )
    with pytest.raises(ValueError, match="own versions"):
        page.restore(foreign, now=NOW, by=EDITOR)


@pytest.mark.parametrize("title", ["", "   ", "x" * (MAX_TITLE_LENGTH + 1)])
def test_a_title_is_1_to_200_characters(title: str) -> None:
    with pytest.raises(RuleViolated) as caught:
        content(title)
    assert caught.value.field == "title"


def test_seo_parts_are_bounded_and_named() -> None:
    Seo(title="t" * 200, description="d" * 500, image="https://x.example/" + "i" * 2000)
    for kwargs, field in [
        ({"title": "t" * 201}, "seo.title"),
        ({"description": "d" * 501}, "seo.description"),
        ({"image": "i" * 2049}, "seo.image"),
    ]:
        with pytest.raises(RuleViolated) as caught:
            Seo(**kwargs)
        assert caught.value.field == field
