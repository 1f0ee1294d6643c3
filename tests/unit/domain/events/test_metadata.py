"""Event metadata: a JSON object of at most 64 KiB and 16 levels, copied on the way in."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketbase.domain.events.metadata import (
    MAX_METADATA_BYTES,
    MAX_METADATA_DEPTH,
    JsonValue,
    parse_metadata,
)
from ticketbase.domain.shared.errors import RuleViolated

json_values: st.SearchStrategy[JsonValue] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def nested(depth: int) -> object:
    """An object ``depth`` containers deep: {"a": {"a": ... {} ...}}."""
    value: object = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


@given(st.dictionaries(st.text(), json_values, max_size=5))
def test_any_small_json_object_comes_back_equal_as_a_copy(raw: dict[str, JsonValue]) -> None:
    parsed = parse_metadata(raw)
    assert json.dumps(parsed, sort_keys=True) == json.dumps(raw, sort_keys=True)
    if raw:
        assert parsed is not raw


def test_a_copy_does_not_follow_later_changes_to_the_input() -> None:
    raw: dict[str, object] = {"tags": ["a"]}
    parsed = parse_metadata(raw)
    raw["tags"].append("b")  # type: ignore[attr-defined]
    assert parsed == {"tags": ["a"]}


@pytest.mark.parametrize("raw", [[], "text", 1, None])
def test_the_top_level_is_an_object(raw: object) -> None:
    with pytest.raises(RuleViolated) as caught:
        parse_metadata(raw)
    assert caught.value.field == "metadata"


def test_depth_up_to_the_limit_is_accepted_one_more_refused() -> None:
    assert parse_metadata(nested(MAX_METADATA_DEPTH))
    with pytest.raises(RuleViolated, match="nests"):
        parse_metadata(nested(MAX_METADATA_DEPTH + 1))


def test_lists_count_as_levels_too() -> None:
    value: object = []  # the object holding it is one level, these lists are the other 15
    for _ in range(MAX_METADATA_DEPTH - 2):
        value = [value]
    assert parse_metadata({"a": value})["a"] is not None
    with pytest.raises(RuleViolated, match="nests"):
        parse_metadata({"a": [value]})


def test_a_hostile_nesting_is_refused_without_recursion() -> None:
    with pytest.raises(RuleViolated, match="nests"):
        parse_metadata(nested(100_000))


def test_a_cycle_is_refused() -> None:
    raw: dict[str, object] = {}
    raw["self"] = raw
    with pytest.raises(RuleViolated, match="nests"):
        parse_metadata(raw)


def test_the_size_limit_counts_compact_utf8_bytes() -> None:
    overhead = len('{"k":""}')
    assert parse_metadata({"k": "x" * (MAX_METADATA_BYTES - overhead)})
    with pytest.raises(RuleViolated, match="bytes"):
        parse_metadata({"k": "x" * (MAX_METADATA_BYTES - overhead + 1)})
    # "é" is two bytes in UTF-8: half as many fit.
    with pytest.raises(RuleViolated, match="bytes"):
        parse_metadata({"k": "é" * (MAX_METADATA_BYTES // 2)})


@pytest.mark.parametrize(
    "raw",
    [
        {"n": math.nan},
        {"n": math.inf},
        {"n": [-math.inf]},
        {"when": object()},
        {"set": {1, 2}},
        {"tuple": (1, 2)},
        {1: "int key"},
        {"nested": {None: 1}},
        {"s": "\ud800"},
    ],
)
def test_refuses_what_json_cannot_carry(raw: dict[object, object]) -> None:
    with pytest.raises(RuleViolated) as caught:
        parse_metadata(raw)
    assert caught.value.field == "metadata"


def test_names_the_field_the_caller_gives() -> None:
    with pytest.raises(RuleViolated) as caught:
        parse_metadata([], field="event.metadata")
    assert caught.value.field == "event.metadata"
