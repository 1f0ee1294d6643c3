"""Activation and deactivation rules between a tenant's plugins, with the packaging library's
version ordering (the adapter the use cases are given)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from ticketbase.adapters.plugins.versions import PackagingVersionRules
from ticketbase.domain.plugins.errors import MissingDependencies, PluginBusy, RequiredByOthers
from ticketbase.domain.plugins.installed_plugin import (
    InstalledPlugin,
    Lifecycle,
    Requirement,
    dependents_of,
    missing_requirements,
    valid_plugin_id,
)
from ticketbase.domain.shared.ids import OrganizationId

ORG = OrganizationId(UUID(int=1))
NOW = datetime(2026, 5, 1, tzinfo=UTC)
satisfies = PackagingVersionRules().satisfies


def plugin(
    plugin_id: str,
    version: str = "1.0.0",
    *,
    active: bool = True,
    requires: tuple[Requirement, ...] = (),
    status: str = Lifecycle.INSTALLED,
) -> InstalledPlugin:
    return InstalledPlugin(
        organization_id=ORG,
        plugin_id=plugin_id,
        version=version,
        active=active,
        config={},
        status=status,
        created_at=NOW,
        updated_at=NOW,
        requires=requires,
    )


@pytest.mark.parametrize(
    ("installed", "minimum", "ok"),
    [
        ("2.0.0", "2.0", True),
        ("2.10.0", "2.9.0", True),  # numeric, not lexical
        ("2.0.0rc1", "2.0.0", False),  # a pre-release comes before its release
        ("1.0.0-beta.1", "1.0.0", False),  # semver pre-release spelling, normalised
        ("1.0.0.post1", "1.0.0", True),
        ("not a version", "1.0", False),
        ("1.0", "nonsense", False),
    ],
)
def test_version_ordering(installed: str, minimum: str, ok: bool) -> None:
    assert satisfies(installed, minimum) is ok


def test_missing_names_each_unmet_requirement() -> None:
    requires = (
        Requirement("payments", "2.0"),
        Requirement("seating"),
        Requirement("mailing", "1.5"),
        Requirement("badges"),
    )
    installed = [
        plugin("payments", "1.9.9"),  # too old
        plugin("seating", active=False),  # inactive
        plugin("mailing", "1.5.0"),  # fine
        plugin("badges", status=Lifecycle.INSTALLING),  # not settled yet
    ]
    assert missing_requirements(requires, installed, satisfies) == [
        "badges",
        "payments>=2.0",
        "seating",
    ]


def test_activation_refused_naming_what_is_missing_then_allowed() -> None:
    shop = plugin("shop", active=False, requires=(Requirement("payments", "2.0"),))
    with pytest.raises(MissingDependencies) as refused:
        shop.activated(True, [plugin("payments", "1.0")], satisfies, NOW)
    assert refused.value.missing == ["payments>=2.0"]
    assert "payments>=2.0" in refused.value.detail
    assert shop.activated(True, [plugin("payments", "2.1")], satisfies, NOW).active


def test_deactivation_refused_while_active_plugins_require_it() -> None:
    payments = plugin("payments")
    others = [
        plugin("shop", requires=(Requirement("payments"),)),
        plugin("tickets", active=False, requires=(Requirement("payments"),)),
        plugin("donations", requires=(Requirement("payments", "0.1"),)),
    ]
    with pytest.raises(RequiredByOthers) as refused:
        payments.activated(False, others, satisfies, NOW)
    assert refused.value.dependents == ["donations", "shop"]
    assert dependents_of("payments", others) == ["donations", "shop"]
    with pytest.raises(RequiredByOthers):
        payments.uninstalling(others, NOW)


def test_the_same_state_again_changes_and_checks_nothing() -> None:
    lonely = plugin("shop", requires=(Requirement("payments"),))
    assert lonely.activated(True, [], satisfies, NOW) is lonely


def test_busy_plugins_refuse_changes_and_keep_their_state_on_reports() -> None:
    busy = plugin("shop", status=Lifecycle.UNINSTALLING, active=False)
    with pytest.raises(PluginBusy):
        busy.activated(True, [], satisfies, NOW)
    with pytest.raises(PluginBusy):
        busy.configured({"a": 1}, NOW)
    reported = busy.reported("ready", "all good", NOW)
    assert reported.status == Lifecycle.UNINSTALLING
    assert reported.status_detail == "all good"
    assert plugin("shop").reported("error", None, NOW).status == "error"


@pytest.mark.parametrize(
    ("plugin_id", "ok"),
    [
        ("seating", True),
        ("acme.seating-v2", True),
        ("..", False),
        ("a/b", False),
        ("", False),
        ("-x", False),
        ("é", False),
        ("a..b", False),
    ],
)
def test_plugin_ids(plugin_id: str, ok: bool) -> None:
    assert valid_plugin_id(plugin_id) is ok
