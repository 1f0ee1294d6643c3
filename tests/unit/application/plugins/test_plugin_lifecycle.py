"""Installing, configuring, activating and uninstalling on the memory adapters, with a
hand-written plugin gateway: the row and the outbox command move together, the worker finishes
what a crash left, the audit records every change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import pytest
from tests.unit.application.conftest import MakeMember, MakeOrganization

from ticketbase.adapters.memory.system import FixedClock, SequentialIds
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.adapters.plugins.config_schema import JsonSchemaConfigValidator
from ticketbase.adapters.plugins.versions import PackagingVersionRules
from ticketbase.application.outbox.deliver_outbox import (
    DeliverOutbox,
    DeliveryPolicy,
    MessageHandlers,
    Outcome,
)
from ticketbase.application.plugins.access import PLUGIN_INSTALL, PLUGIN_UNINSTALL
from ticketbase.application.plugins.activate_plugin import ActivatePlugin
from ticketbase.application.plugins.configure_plugin import ConfigurePlugin
from ticketbase.application.plugins.install_plugin import InstallPlugin
from ticketbase.application.plugins.list_installed import ListInstalledPlugins
from ticketbase.application.plugins.provisioning import CompleteInstall, CompleteUninstall
from ticketbase.application.plugins.uninstall_plugin import UninstallPlugin
from ticketbase.application.ports.outbox import ClaimedMessage
from ticketbase.application.ports.plugins import (
    PluginManifest,
    PluginServerUnavailable,
    ProxyRequest,
    ProxyResponse,
    ServiceIdentity,
)
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.plugins.errors import (
    InvalidPluginConfig,
    MissingDependencies,
    PluginAlreadyInstalled,
    PluginBusy,
    PluginNotFound,
    RequiredByOthers,
)
from ticketbase.domain.plugins.installed_plugin import Requirement
from ticketbase.domain.shared.errors import NotFound, PermissionDenied
from ticketbase.domain.shared.ids import OrganizationId

pytestmark = pytest.mark.anyio


class MemoryPluginGateway:
    """The plugin server's contract, kept in a dict: installs once per idempotency key."""

    def __init__(self, *manifests: PluginManifest) -> None:
        self.manifests = {m.id: m for m in manifests}
        self.installed: set[tuple[OrganizationId | None, str]] = set()
        self.keys: set[str] = set()
        self.provisioned = 0
        self.down = False

    async def catalog(self, identity: ServiceIdentity) -> list[PluginManifest]:
        return list(self.manifests.values())

    async def manifest(self, plugin_id: str, identity: ServiceIdentity) -> PluginManifest | None:
        if self.down:
            raise PluginServerUnavailable("down")
        return self.manifests.get(plugin_id)

    async def install(self, plugin_id: str, identity: ServiceIdentity, key: str) -> None:
        if self.down:
            raise PluginServerUnavailable("down")
        if key not in self.keys:
            self.keys.add(key)
            self.provisioned += 1
            self.installed.add((identity.organization_id, plugin_id))

    async def uninstall(self, plugin_id: str, identity: ServiceIdentity, key: str) -> None:
        if self.down:
            raise PluginServerUnavailable("down")
        self.installed.discard((identity.organization_id, plugin_id))

    async def proxy(self, request: ProxyRequest) -> ProxyResponse:
        raise NotImplementedError

    async def check(self) -> None:
        return None


SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "properties": {"apiKey": {"type": "string", "minLength": 4}},
    "required": ["apiKey"],
    "additionalProperties": False,
}


@pytest.fixture
def gateway() -> MemoryPluginGateway:
    return MemoryPluginGateway(
        PluginManifest("payments", "Payments", "2.1.0", "", (), SCHEMA),
        PluginManifest("shop", "Shop", "1.0.0", "", (Requirement("payments", "2.0"),), {}),
        PluginManifest("legacy", "Legacy", "1.0.0", "", (Requirement("payments", "3.0"),), {}),
    )


@pytest.fixture
def deliver(
    uow: MemoryUnitOfWork, clock: FixedClock, gateway: MemoryPluginGateway
) -> DeliverOutbox:
    handlers = MessageHandlers(
        {
            PLUGIN_INSTALL: CompleteInstall(uow, gateway, clock),
            PLUGIN_UNINSTALL: CompleteUninstall(uow, gateway),
        }
    )
    return DeliverOutbox(uow, clock, handlers, DeliveryPolicy(), jitter=lambda: 0.0)


async def test_install_writes_the_row_the_command_and_the_audit_then_the_worker_finishes(
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    gateway: MemoryPluginGateway,
    deliver: DeliverOutbox,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> None:
    org = await make_organization("acme")
    owner = make_member(org.id, Role.OWNER)
    plugin = await InstallPlugin(uow, gateway, clock, ids)("payments", owner)
    assert (plugin.status, plugin.version, plugin.active) == ("installing", "2.1.0", False)
    topics = [m.topic for o, m in uow.database.state.outbox if o == org.id]
    assert PLUGIN_INSTALL in topics
    actions = [e.action for o, e in uow.database.state.audit if o == org.id]
    assert "plugin.installed" in actions
    assert gateway.provisioned == 0  # nothing reached the plugin server yet

    report = await deliver()
    assert report.count(Outcome.DELIVERED) >= 1
    [settled] = await ListInstalledPlugins(uow)(org.id, owner)
    assert settled.status == "installed"
    assert (org.id, "payments") in gateway.installed


async def test_a_crash_before_the_plugin_server_is_repaired_by_the_worker(
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    gateway: MemoryPluginGateway,
    deliver: DeliverOutbox,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> None:
    org = await make_organization("acme")
    owner = make_member(org.id, Role.OWNER)
    await InstallPlugin(uow, gateway, clock, ids)("payments", owner)
    gateway.down = True  # the plugin server is unreachable at the first delivery
    first = await deliver()
    assert first.count(Outcome.RETRY) == 1
    [plugin] = await ListInstalledPlugins(uow)(org.id, owner)
    assert plugin.status == "installing"

    gateway.down = False
    clock.advance(minutes=5)
    assert (await deliver()).count(Outcome.DELIVERED) == 1
    [plugin] = await ListInstalledPlugins(uow)(org.id, owner)
    assert plugin.status == "installed"
    assert gateway.provisioned == 1


async def test_a_redelivered_install_provisions_once(
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    gateway: MemoryPluginGateway,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> None:
    """The worker died after the plugin server answered and before the mark: the same message
    comes again (same id) and the plugin server is asked with the same key."""
    org = await make_organization("acme")
    await InstallPlugin(uow, gateway, clock, ids)("payments", make_member(org.id, Role.OWNER))
    [(_, message)] = [(o, m) for o, m in uow.database.state.outbox if m.topic == PLUGIN_INSTALL]
    claimed = ClaimedMessage(org.id, message.id, message.topic, message.payload, clock.now(), 1)
    handler = CompleteInstall(uow, gateway, clock)
    await gateway.install("payments", ServiceIdentity(org.id), str(message.id))  # crash after
    await handler(claimed)
    await handler(claimed)
    assert gateway.provisioned == 1


async def test_install_refusals(
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    gateway: MemoryPluginGateway,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> None:
    org = await make_organization("acme")
    install = InstallPlugin(uow, gateway, clock, ids)
    with pytest.raises(PermissionDenied):
        await install("payments", make_member(org.id, Role.MANAGER))
    with pytest.raises(PluginNotFound):
        await install("nope", make_member(org.id, Role.ADMIN))
    await install("payments", make_member(org.id, Role.ADMIN))
    with pytest.raises(PluginAlreadyInstalled):
        await install("payments", make_member(org.id, Role.ADMIN))


async def test_configure_names_every_failing_field_and_audits_keys_not_values(
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    gateway: MemoryPluginGateway,
    deliver: DeliverOutbox,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> None:
    org = await make_organization("acme")
    owner = make_member(org.id, Role.OWNER)
    await InstallPlugin(uow, gateway, clock, ids)("payments", owner)
    configure = ConfigurePlugin(uow, gateway, JsonSchemaConfigValidator(), clock, ids)
    with pytest.raises(PluginBusy):
        await configure("payments", {"apiKey": "secret-1"}, owner)
    await deliver()
    with pytest.raises(InvalidPluginConfig) as refused:
        await configure("payments", {"apiKey": "x", "extra": 1}, owner)
    assert [f for f, _ in refused.value.problems] == ["config.apiKey", "config.extra"]
    configured = await configure("payments", {"apiKey": "secret-1"}, owner)
    assert configured.config == {"apiKey": "secret-1"}
    [entry] = [e for _, e in uow.database.state.audit if e.action == "plugin.configured"]
    assert entry.changes == {"changedKeys": ["apiKey"]}
    assert "secret-1" not in repr(entry)


async def test_activation_follows_dependencies_and_versions(
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    gateway: MemoryPluginGateway,
    deliver: DeliverOutbox,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> None:
    org = await make_organization("acme")
    admin = make_member(org.id, Role.ADMIN)
    install = InstallPlugin(uow, gateway, clock, ids)
    for plugin_id in ("payments", "shop", "legacy"):
        await install(plugin_id, admin)
    await deliver()
    activate = ActivatePlugin(uow, PackagingVersionRules(), clock, ids)
    with pytest.raises(MissingDependencies) as missing:
        await activate("shop", True, admin)
    assert missing.value.missing == ["payments>=2.0"]
    await activate("payments", True, admin)
    assert (await activate("shop", True, admin)).active
    with pytest.raises(MissingDependencies) as too_old:
        await activate("legacy", True, admin)
    assert too_old.value.missing == ["payments>=3.0"]
    with pytest.raises(RequiredByOthers) as needed:
        await activate("payments", False, admin)
    assert needed.value.dependents == ["shop"]
    with pytest.raises(RequiredByOthers):
        await UninstallPlugin(uow, clock, ids)("payments", admin)
    await activate("shop", False, admin)
    await activate("payments", False, admin)
    actions = [e.action for _, e in uow.database.state.audit]
    assert actions.count("plugin.activated") == 2
    assert actions.count("plugin.deactivated") == 2


async def test_uninstall_goes_through_the_worker(
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    gateway: MemoryPluginGateway,
    deliver: DeliverOutbox,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> None:
    org = await make_organization("acme")
    owner = make_member(org.id, Role.OWNER)
    await InstallPlugin(uow, gateway, clock, ids)("payments", owner)
    await deliver()
    removing = await UninstallPlugin(uow, clock, ids)("payments", owner)
    assert removing.status == "uninstalling"
    clock.advance(seconds=1)
    await deliver()
    assert await ListInstalledPlugins(uow)(org.id, owner) == []
    assert (org.id, "payments") not in gateway.installed


async def test_the_installed_list_is_the_callers_own_unless_platform_admin(
    uow: MemoryUnitOfWork,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> None:
    mine, theirs = await make_organization("mine"), await make_organization("theirs")
    listing = ListInstalledPlugins(uow)
    with pytest.raises(NotFound):
        await listing(theirs.id, make_member(mine.id, Role.OWNER))
    admin = make_member(mine.id, Role.ANALYST, is_platform_admin=True)
    assert await listing(theirs.id, admin) == []
    with pytest.raises(NotFound):
        await listing(OrganizationId(UUID(int=99)), admin)
