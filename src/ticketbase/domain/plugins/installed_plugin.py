"""A tenant's installed plugin, and the dependency rules between a tenant's plugins.

The plugin server owns the plugins (bundles, manifests, their data); TicketBase owns which
tenant has which plugin, in which version, configured how and whether it is active. Versions
are compared by a rule the caller passes (``Satisfies``): the domain states *what* must hold
(each requirement installed, active and at least its minimum version), the adapter decides how
version strings order.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from ticketbase.domain.plugins.errors import MissingDependencies, PluginBusy, RequiredByOthers
from ticketbase.domain.shared.ids import OrganizationId

# (installed version, minimum version) -> whether the installed one is recent enough.
Satisfies = Callable[[str, str], bool]
Json = str | int | float | bool | None | list["Json"] | dict[str, "Json"]


class Lifecycle(enum.StrEnum):
    """TicketBase's own states; the plugin server's statuses (webhook) arrive as free text."""

    INSTALLING = "installing"  # written with the plugin.install command, until the worker ran it
    INSTALLED = "installed"
    UNINSTALLING = "uninstalling"  # written with the plugin.uninstall command


@dataclass(frozen=True, slots=True)
class Requirement:
    plugin_id: str
    min_version: str | None = None

    def describe(self) -> str:
        return f"{self.plugin_id}>={self.min_version}" if self.min_version else self.plugin_id


@dataclass(frozen=True, slots=True)
class InstalledPlugin:
    organization_id: OrganizationId
    plugin_id: str
    version: str
    active: bool
    config: Mapping[str, Json]
    status: str
    created_at: datetime
    updated_at: datetime
    requires: tuple[Requirement, ...] = ()
    status_detail: str | None = None

    @classmethod
    def installing(
        cls,
        organization_id: OrganizationId,
        plugin_id: str,
        version: str,
        requires: Iterable[Requirement],
        now: datetime,
    ) -> InstalledPlugin:
        return cls(
            organization_id=organization_id,
            plugin_id=plugin_id,
            version=version,
            active=False,
            config={},
            status=Lifecycle.INSTALLING,
            created_at=now,
            updated_at=now,
            requires=tuple(requires),
        )

    @property
    def busy(self) -> bool:
        return self.status in (Lifecycle.INSTALLING, Lifecycle.UNINSTALLING)

    def _settled(self) -> None:
        if self.busy:
            raise PluginBusy(f"{self.plugin_id} is {self.status}; try again shortly")

    def configured(self, config: Mapping[str, Json], now: datetime) -> InstalledPlugin:
        self._settled()
        return replace(self, config=dict(config), updated_at=now)

    def activated(
        self, active: bool, others: Iterable[InstalledPlugin], satisfies: Satisfies, now: datetime
    ) -> InstalledPlugin:
        """Switched on (every requirement installed, active, recent enough) or off (no active
        plugin requires it). Same state again changes nothing and checks nothing."""
        self._settled()
        if active == self.active:
            return self
        others = [p for p in others if p.plugin_id != self.plugin_id]
        if active:
            missing = missing_requirements(self.requires, others, satisfies)
            if missing:
                raise MissingDependencies(self.plugin_id, missing)
        else:
            dependents = dependents_of(self.plugin_id, others)
            if dependents:
                raise RequiredByOthers(self.plugin_id, dependents)
        return replace(self, active=active, updated_at=now)

    def uninstalling(self, others: Iterable[InstalledPlugin], now: datetime) -> InstalledPlugin:
        self._settled()
        dependents = dependents_of(self.plugin_id, [o for o in others if o is not self])
        if dependents:
            raise RequiredByOthers(self.plugin_id, dependents)
        return replace(self, active=False, status=Lifecycle.UNINSTALLING, updated_at=now)

    def installed(self, now: datetime) -> InstalledPlugin:
        return replace(self, status=Lifecycle.INSTALLED, updated_at=now)

    def reported(self, status: str, detail: str | None, now: datetime) -> InstalledPlugin:
        """The plugin server's status for it (status webhook). While TicketBase is installing
        or uninstalling it, the worker owns the status: only the detail is kept."""
        if self.busy:
            return replace(self, status_detail=detail, updated_at=now)
        return replace(self, status=status, status_detail=detail, updated_at=now)


def missing_requirements(
    requires: Iterable[Requirement], installed: Iterable[InstalledPlugin], satisfies: Satisfies
) -> list[str]:
    """Each requirement not met by an active, settled plugin of a recent enough version,
    described as ``id`` or ``id>=min`` (sorted, so the answer is stable)."""
    by_id = {p.plugin_id: p for p in installed}
    missing = []
    for requirement in requires:
        found = by_id.get(requirement.plugin_id)
        ok = (
            found is not None
            and found.active
            and not found.busy
            and (
                requirement.min_version is None or satisfies(found.version, requirement.min_version)
            )
        )
        if not ok:
            missing.append(requirement.describe())
    return sorted(missing)


def dependents_of(plugin_id: str, installed: Iterable[InstalledPlugin]) -> list[str]:
    """The active plugins that require ``plugin_id`` (sorted ids)."""
    return sorted(
        p.plugin_id
        for p in installed
        if p.active
        and p.plugin_id != plugin_id
        and any(r.plugin_id == plugin_id for r in p.requires)
    )


STATUS_MAX_LENGTH = 40
DETAIL_MAX_LENGTH = 500
PLUGIN_ID_MAX_LENGTH = 200


def valid_plugin_id(plugin_id: str) -> bool:
    """Ids name URL path segments of the plugin server: a conservative alphabet."""
    return (
        0 < len(plugin_id) <= PLUGIN_ID_MAX_LENGTH
        and plugin_id[0].isalnum()
        and all(c.isalnum() or c in "-_." for c in plugin_id)
        and ".." not in plugin_id
        and plugin_id.isascii()
    )
