"""``POST /api/plugins/activate/{pluginId}`` ``{active}``: switch an installed plugin on or off.

On: every plugin its manifest requires must be installed, active and at least the minimum
version (compared by ``VersionRules``) → otherwise 409 naming each missing one (``b>=2.0``).
Off: no active plugin may require it → otherwise 409 naming them. The tenant's plugins are
locked for the check, so activating A while B (which A needs) is switched off cannot both
pass. The same state again is answered unchanged, without an audit entry.
"""

from __future__ import annotations

from ticketbase.application.context import Actor
from ticketbase.application.plugins.access import manager_of
from ticketbase.application.plugins.changes import audited
from ticketbase.application.ports.plugins import VersionRules
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.plugins.errors import PluginNotFound
from ticketbase.domain.plugins.installed_plugin import InstalledPlugin


class ActivatePlugin:
    def __init__(
        self, uow: UnitOfWork, rules: VersionRules, clock: Clock, ids: IdGenerator
    ) -> None:
        self._uow, self._rules, self._clock, self._ids = uow, rules, clock, ids

    async def __call__(self, plugin_id: str, active: bool, actor: Actor) -> InstalledPlugin:
        organization_id = manager_of(actor)
        async with self._uow.for_tenant(organization_id) as tx:
            installed = await tx.installed_plugins.all(lock=True)
            plugin = next((p for p in installed if p.plugin_id == plugin_id), None)
            if plugin is None:
                raise PluginNotFound(f"{plugin_id} is not installed")
            now = self._clock.now()
            changed = plugin.activated(active, installed, self._rules.satisfies, now)
            if changed is plugin:
                return plugin
            await tx.installed_plugins.save(changed)
            await audited(
                tx,
                actor,
                "plugin.activated" if active else "plugin.deactivated",
                changed,
                entry_id=self._ids.new(),
                at=now,
                changes={"active": active},
            )
            await tx.commit()
        return changed
