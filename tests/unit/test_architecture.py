"""The dependency rule of DESIGN.md, read from the source with ``ast`` (no import is executed).

- domain imports only ``ticketbase.domain`` and the standard library;
- application imports only ``ticketbase.domain``, ``ticketbase.application`` and the stdlib;
- adapters never import ``ticketbase.entrypoints``;
- among entrypoints only the composition root imports adapters, plus the few listed modules
  that must touch one adapter directly (each named with exactly what it imports);
- only ``entrypoints/settings.py`` reads the environment.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import ticketbase

PACKAGE_ROOT = Path(ticketbase.__file__).parent
STDLIB = frozenset(sys.stdlib_module_names)

# Entrypoint modules allowed to import adapters, with the exact adapter modules they may use.
# ``None`` = any adapter (the composition root). Keep this list short: a new entry needs a reason.
ADAPTER_IMPORTS_ALLOWED: dict[str, frozenset[str] | None] = {
    "ticketbase.entrypoints.container": None,
}
ENVIRONMENT_READERS = frozenset({"ticketbase.entrypoints.settings"})
_ENV_NAMES = frozenset({"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"})


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the fully qualified module (or module.name) imported
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> dict[str, ast.Module]:
    return {
        module_name(path): ast.parse(path.read_text(), filename=str(path))
        for path in sorted(PACKAGE_ROOT.rglob("*.py"))
    }


SOURCES = sources()


def imports_of(module: str, tree: ast.Module, *, is_package: bool = False) -> list[Import]:
    """Every import anywhere in the module (top level, functions, TYPE_CHECKING blocks)."""
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from pkg import sub`` imports the module ``pkg.sub`` when it is one.
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                target = candidate if candidate in SOURCES else base
                found.append(Import(module, target, node.lineno))
    return found


def all_imports(layer: str) -> list[Import]:
    prefix = f"ticketbase.{layer}"
    return [
        imported
        for module, tree in SOURCES.items()
        if module == prefix or module.startswith(prefix + ".")
        for imported in imports_of(module, tree, is_package=_is_package(module))
    ]


def _is_package(module: str) -> bool:
    return (PACKAGE_ROOT.parent / module.replace(".", "/") / "__init__.py").is_file()


def is_stdlib(target: str) -> bool:
    return target.partition(".")[0] in STDLIB


def within(target: str, *packages: str) -> bool:
    return any(target == p or target.startswith(p + ".") for p in packages)


def describe(violations: list[Import]) -> list[str]:
    return [f"{v.module}:{v.line} imports {v.target}" for v in violations]


def _reads_environment(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):  # os.environ[...], os.getenv(...)
        return (
            node.attr in _ENV_NAMES and isinstance(node.value, ast.Name) and node.value.id == "os"
        )
    if isinstance(node, ast.ImportFrom):  # from os import environ
        return node.module == "os" and any(alias.name in _ENV_NAMES for alias in node.names)
    return False


def env_reads(tree: ast.Module) -> list[int]:
    return [getattr(node, "lineno", 0) for node in ast.walk(tree) if _reads_environment(node)]


# --- the rules ---------------------------------------------------------------------------------


def test_the_walk_sees_every_layer() -> None:
    for layer in ("domain", "application", "adapters", "entrypoints"):
        assert any(m.startswith(f"ticketbase.{layer}.") for m in SOURCES), layer
    assert len(all_imports("domain")) > 10


def test_domain_imports_only_itself_and_the_standard_library() -> None:
    violations = [
        i
        for i in all_imports("domain")
        if not (is_stdlib(i.target) or within(i.target, "ticketbase.domain"))
    ]
    assert describe(violations) == []


def test_application_imports_only_domain_application_and_the_standard_library() -> None:
    violations = [
        i
        for i in all_imports("application")
        if not (
            is_stdlib(i.target) or within(i.target, "ticketbase.domain", "ticketbase.application")
        )
    ]
    assert describe(violations) == []


def test_adapters_never_import_entrypoints() -> None:
    violations = [i for i in all_imports("adapters") if within(i.target, "ticketbase.entrypoints")]
    assert describe(violations) == []


def test_only_the_listed_entrypoints_import_adapters_and_only_what_is_listed() -> None:
    violations = []
    for i in all_imports("entrypoints"):
        if not within(i.target, "ticketbase.adapters"):
            continue
        allowed = ADAPTER_IMPORTS_ALLOWED.get(i.module, frozenset())
        if allowed is not None and i.target not in allowed:
            violations.append(i)
    assert describe(violations) == []


def test_the_adapter_allow_list_has_no_stale_entry() -> None:
    used = {
        (i.module, i.target)
        for i in all_imports("entrypoints")
        if within(i.target, "ticketbase.adapters")
    }
    for module, targets in ADAPTER_IMPORTS_ALLOWED.items():
        assert module in SOURCES, f"{module} no longer exists"
        for target in targets or ():
            assert (module, target) in used, f"{module} no longer imports {target}: drop it"


def test_nothing_but_settings_reads_the_environment() -> None:
    readers = {
        f"{module}:{line}"
        for module, tree in SOURCES.items()
        if module not in ENVIRONMENT_READERS
        for line in env_reads(tree)
    }
    assert readers == set()


# --- the checker itself: each rule must be able to fail -----------------------------------------


@pytest.mark.parametrize(
    ("source", "targets"),
    [
        ("import sqlalchemy", ["sqlalchemy"]),
        ("import os.path", ["os.path"]),
        ("from msgspec import Struct", ["msgspec"]),
        ("from ticketbase.domain.shared import errors", ["ticketbase.domain.shared.errors"]),
        (
            "from ticketbase.domain.shared.errors import NotFound",
            ["ticketbase.domain.shared.errors"],
        ),
        ("from . import values", ["ticketbase.domain.shared.values"]),
        ("from ..identity import permissions", ["ticketbase.domain.identity.permissions"]),
        ("def f():\n    import redis", ["redis"]),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import litestar",
            ["typing", "litestar"],
        ),
    ],
)
def test_the_checker_resolves_imports(source: str, targets: list[str]) -> None:
    found = imports_of("ticketbase.domain.shared.ids", ast.parse(source))
    assert [i.target for i in found] == targets


def test_the_checker_tells_stdlib_from_third_party() -> None:
    for name in ("zoneinfo", "__future__", "os.path", "importlib.metadata"):
        assert is_stdlib(name), name
    for name in ("sqlalchemy", "msgspec", "litestar", "redis", "ticketbase"):
        assert not is_stdlib(name), name


@pytest.mark.parametrize(
    ("source", "reads"),
    [
        ("import os\nx = os.environ['A']", 1),
        ("import os\nx = os.getenv('A')", 1),
        ("from os import environ", 1),
        ("from os import getenv as g", 1),
        ("import os\nx = os.path.join('a')", 0),
        ("environ = {}\nx = environ.get('A')", 0),
    ],
)
def test_the_checker_finds_environment_reads(source: str, reads: int) -> None:
    assert len(env_reads(ast.parse(source))) == reads


# The cross-tenant door (``uow.system()`` / ``uow.lookups()``) is used only by these use cases;
# every other use case reaches data through ``uow.for_tenant(...)``. A new entry needs a reason.
CROSS_TENANT_CALLERS = frozenset(
    {
        "ticketbase.application.identity.check_session",  # a token's session, on every request
        "ticketbase.application.identity.create_platform_admin",  # global accounts
        "ticketbase.application.identity.get_me",  # platform admins without a tenant
        "ticketbase.application.identity.get_organization",  # platform admins read any tenant
        "ticketbase.application.identity.list_organizations",  # platform admins list tenants
        "ticketbase.application.identity.log_in",  # the login lookup of memberships
        "ticketbase.application.identity.password_flows",  # links are not tenant-scoped
        "ticketbase.application.identity.purge_ended_sessions",  # retention of global rows
        "ticketbase.application.identity.refresh_session",  # a refresh token names no tenant
        "ticketbase.application.identity.resolve_organization",  # storefront host → tenant
        "ticketbase.application.identity.session_management",  # a person's own sessions
        "ticketbase.application.identity.verify_custom_domain",  # operator command
        "ticketbase.application.outbox.deliver_outbox",  # the worker delivers every tenant's outbox
        # the worker finds every tenant's lapsed holds
        "ticketbase.application.orders.expire_holds",
        # platform admins read any tenant's installed plugins (and learn it exists)
        "ticketbase.application.plugins.list_installed",
        # operator command: re-encrypts every tenant's personal fields
        "ticketbase.application.privacy.rotate_keys",
    }
)


def cross_tenant_calls(tree: ast.Module) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"system", "lookups"}
    ]


def test_only_the_listed_use_cases_open_the_cross_tenant_door() -> None:
    callers = {
        module
        for module, tree in SOURCES.items()
        if module.startswith("ticketbase.application") and cross_tenant_calls(tree)
    }
    assert callers - CROSS_TENANT_CALLERS == set()
    assert CROSS_TENANT_CALLERS - callers == set(), "stale entries: drop them"


def test_nothing_outside_the_application_opens_the_cross_tenant_door() -> None:
    outside = {
        module
        for module, tree in SOURCES.items()
        if module.startswith(("ticketbase.entrypoints", "ticketbase.domain"))
        and cross_tenant_calls(tree)
    }
    assert outside == set()
