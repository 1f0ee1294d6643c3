"""A plugin's configuration checked against its manifest's JSON Schema (draft 2020-12), with
the ``jsonschema`` library.

Every failure is reported at the path the client wrote, rooted at ``config`` (the body's
field): ``config.apiKey``, ``config.webhooks[0].url``. ``required`` and
``additionalProperties`` fail at the object that holds the property, so the property's own path
is rebuilt from the failure (``config.apiKey`` is required, not ``config``). The schema comes
from the plugin server: one that is not valid JSON Schema is reported as one problem rather
than trusted; references are never fetched (no retrieval is configured).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError

from ticketbase.domain.plugins.installed_plugin import Json

ROOT = "config"
MAX_PROBLEMS = 50
_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def json_path(parts: Iterable[str | int], root: str = ROOT) -> str:
    path = root
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _IDENTIFIER.match(part):
            path += f".{part}"
        else:
            path += "[" + _quoted(part) + "]"
    return path


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class JsonSchemaConfigValidator:
    def problems(
        self, schema: Mapping[str, Json], config: Mapping[str, Json]
    ) -> list[tuple[str, str]]:
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError:
            return [(ROOT, "the plugin's configuration schema is invalid; it cannot be configured")]
        validator = Draft202012Validator(schema)
        found: list[tuple[str, str]] = []
        for error in validator.iter_errors(config):
            found.extend(_described(error))
            if len(found) >= MAX_PROBLEMS:
                break
        return sorted(set(found))[:MAX_PROBLEMS]


def _described(error: ValidationError) -> list[tuple[str, str]]:
    at = list(error.absolute_path)
    instance = error.instance
    if error.validator == "required" and isinstance(instance, dict):
        wanted = error.validator_value if isinstance(error.validator_value, list) else []
        return [
            (json_path([*at, name]), "is required")
            for name in wanted
            if isinstance(name, str) and name not in instance
        ] or [(json_path(at), error.message)]
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        declared = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        patterns = (
            error.schema.get("patternProperties", {}) if isinstance(error.schema, dict) else {}
        )
        extra = [
            name
            for name in instance
            if name not in declared and not any(re.search(p, name) for p in patterns)
        ]
        if extra:
            return [(json_path([*at, name]), "is not an allowed property") for name in extra]
    return [(json_path(at), error.message)]
