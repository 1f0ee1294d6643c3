"""The OpenAPI document serves exactly the operations of ``api_operations.txt`` (API.md's
list plus marked extensions), with the path parameter names API.md writes (``{id}``…):
generated clients expose those names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.integration.http.openapi_support import openapi_document

INVENTORY = Path(__file__).with_name("api_operations.txt")
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    extension: bool

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def path_parameters(self) -> list[str]:
        return re.findall(r"\{([^}]+)\}", self.path)


def inventory() -> list[Operation]:
    operations = []
    for number, line in enumerate(INVENTORY.read_text().splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        assert len(words) in (2, 3), f"api_operations.txt:{number}: METHOD PATH [extension]"
        method, path, *flag = words
        assert method in {m.upper() for m in METHODS}, f"api_operations.txt:{number}: {method}"
        assert flag in ([], ["extension"]), f"api_operations.txt:{number}: {flag}"
        operations.append(Operation(method, path, bool(flag)))
    return operations


OPERATIONS = inventory()


def test_the_inventory_has_no_duplicates() -> None:
    keys = [o.key for o in OPERATIONS]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.key)
def test_each_listed_operation_is_served_with_its_parameter_names(operation: Operation) -> None:
    paths = openapi_document()["paths"]
    assert operation.path in paths, f"{operation.key} is not in the OpenAPI document"
    served = paths[operation.path].get(operation.method.lower())
    assert served is not None, f"{operation.key} is not in the OpenAPI document"
    declared = [p["name"] for p in served.get("parameters", []) if p["in"] == "path"]
    assert sorted(declared) == sorted(operation.path_parameters)
    assert all(p["required"] for p in served.get("parameters", []) if p["in"] == "path")


def test_every_served_operation_is_in_the_inventory() -> None:
    listed = {o.key for o in OPERATIONS}
    served = {
        f"{method.upper()} {path}"
        for path, item in openapi_document()["paths"].items()
        for method in item
        if method in METHODS
    }
    assert not served - listed, "add these to api_operations.txt (and API.md, or mark them)"
