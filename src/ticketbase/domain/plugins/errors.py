"""What can go wrong with a tenant's plugins, in domain terms."""

from __future__ import annotations

from ticketbase.domain.shared.errors import Conflict, NotFound, RuleViolated


class PluginNotFound(NotFound):
    """Not in the plugin server's catalog, or not installed by this tenant."""

    code = "not_found"


class PluginAlreadyInstalled(Conflict):
    code = "plugin_already_installed"


class PluginBusy(Conflict):
    """Being installed or uninstalled: the worker has not finished with it."""

    code = "plugin_busy"


class MissingDependencies(Conflict):
    """Activation refused: the plugins it requires are missing, inactive or too old."""

    code = "plugin_dependencies_missing"

    def __init__(self, plugin_id: str, missing: list[str]) -> None:
        super().__init__(f"{plugin_id} requires {', '.join(missing)}")
        self.missing = missing


class RequiredByOthers(Conflict):
    """Deactivation or removal refused: active plugins require this one."""

    code = "plugin_required"

    def __init__(self, plugin_id: str, dependents: list[str]) -> None:
        super().__init__(f"{plugin_id} is required by {', '.join(dependents)}")
        self.dependents = dependents


class InvalidPluginConfig(RuleViolated):
    """The configuration breaks the manifest's schema; ``problems`` names every field."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        first_field, first_message = problems[0]
        super().__init__(first_message, field=first_field)
        self.problems = problems
