"""Configurations against a manifest's JSON Schema: every failure at its path from ``config``."""

from __future__ import annotations

from typing import Any

from ticketbase.adapters.plugins.config_schema import JsonSchemaConfigValidator, json_path

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "apiKey": {"type": "string", "minLength": 8},
        "mode": {"enum": ["live", "test"]},
        "webhooks": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"url": {"type": "string", "pattern": "^https://"}},
                "required": ["url"],
            },
        },
    },
    "required": ["apiKey", "mode"],
    "additionalProperties": False,
}


def problems(config: dict[str, Any], schema: dict[str, Any] = SCHEMA) -> list[tuple[str, str]]:
    return JsonSchemaConfigValidator().problems(schema, config)


def test_a_valid_configuration_has_no_problem() -> None:
    assert problems({"apiKey": "k" * 8, "mode": "live", "webhooks": [{"url": "https://x"}]}) == []


def test_each_failure_is_named_by_its_path() -> None:
    found = dict(
        problems(
            {
                "apiKey": "short",
                "webhooks": [{"url": "https://ok"}, {"url": "http://no"}, {}],
                "colour": "red",
                "odd key": 1,
            }
        )
    )
    assert set(found) == {
        "config.apiKey",
        "config.mode",
        "config.webhooks[1].url",
        "config.webhooks[2].url",
        "config.colour",
        'config["odd key"]',
    }
    assert found["config.mode"] == "is required"
    assert found["config.webhooks[2].url"] == "is required"
    assert found["config.colour"] == "is not an allowed property"
    assert "short" in found["config.apiKey"]


def test_a_wrong_type_at_the_root_is_reported_at_config() -> None:
    assert problems({"apiKey": 5, "mode": "live"}) == [
        ("config.apiKey", "5 is not of type 'string'")
    ]


def test_an_invalid_schema_is_one_problem_not_a_crash() -> None:
    found = problems({"a": 1}, {"type": "no-such-type"})
    assert [field for field, _ in found] == ["config"]


def test_paths_quote_what_is_not_an_identifier() -> None:
    assert json_path(["a", 0, "b c", 'q"']) == 'config.a[0]["b c"]["q\\""]'
