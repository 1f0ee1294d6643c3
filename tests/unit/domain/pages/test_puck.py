"""The Puck document rules: shape, unique ids, consistent zones, size; refusals name the path."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticketbase.domain.pages.puck import MAX_PUCK_BYTES, MAX_PUCK_DEPTH, parse_puck_data
from ticketbase.domain.shared.errors import RuleViolated


def component(component_id: str, kind: str = "Heading", **props: Any) -> dict[str, Any]:
    return {"type": kind, "props": {"id": component_id, **props}}


def document(*content: dict[str, Any], **zones: list[dict[str, Any]]) -> dict[str, Any]:
    made: dict[str, Any] = {"content": list(content), "root": {"props": {"title": "Home"}}}
    if zones:
        made["zones"] = zones
    return made


def refusal(raw: object) -> str | None:
    with pytest.raises(RuleViolated) as caught:
        parse_puck_data(raw)
    return caught.value.field


def test_a_document_with_zones_is_kept_as_given() -> None:
    raw = document(
        component("hero-1", "Hero", title="Hello", items=[{"a": 1}, {"b": [True, None, 2.5]}]),
        component("columns-1", "Columns"),
        **{
            "columns-1:left": [component("text-1", "Text", body="x")],
            "columns-1:right": [component("card-1", "Card")],
            "card-1:body": [component("text-2", "Text")],
            "root:footer": [component("text-3", "Text")],
        },
    )
    parsed = parse_puck_data(raw)
    assert parsed == raw
    assert parsed is not raw  # a private copy: the caller's later changes do not leak in
    raw["content"].clear()
    assert len(parsed["content"]) == 2  # type: ignore[arg-type]


def test_an_empty_page_and_a_missing_root_props_are_fine() -> None:
    assert parse_puck_data({"content": [], "root": {}}) == {"content": [], "root": {}}


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ([], "data"),
        ({"root": {}}, "data.content"),
        ({"content": {}, "root": {}}, "data.content"),
        ({"content": [], "root": []}, "data.root"),
        ({"content": []}, "data.root"),
        ({"content": [], "root": {"props": []}}, "data.root.props"),
        ({"content": [], "root": {}, "extra": 1}, "data.extra"),
        ({"content": [], "root": {}, "zones": []}, "data.zones"),
        (document(component("a"), "oops"), "data.content[1]"),  # type: ignore[arg-type]
        (document(component("a"), {"props": {"id": "b"}}), "data.content[1].type"),
        (document({"type": "", "props": {"id": "b"}}), "data.content[0].type"),
        (document({"type": 7, "props": {"id": "b"}}), "data.content[0].type"),
        (document({"type": "X"}), "data.content[0].props"),
        (document({"type": "X", "props": {}}), "data.content[0].props.id"),
        (document({"type": "X", "props": {"id": 3}}), "data.content[0].props.id"),
        (document({"type": "X", "props": {"id": ""}}), "data.content[0].props.id"),
        (document({"type": "X", "props": {"id": "root"}}), "data.content[0].props.id"),
        (document({"type": "X", "props": {"id": "a"}, "slot": 1}), "data.content[0].slot"),
        (
            document({"type": "X", "props": {"id": "a"}, "readOnly": {"title": "yes"}}),
            "data.content[0].readOnly",
        ),
        (document(component("a"), component("b"), component("a")), "data.content[2].props.id"),
        (document(component("a", title=float("nan"))), "data.content[0].props.title"),
        (document(component("a", title="x\x00y")), "data.content[0].props.title"),
        (
            document(component("a", items=[1, {"deep": object()}])),
            "data.content[0].props.items[1].deep",
        ),
    ],
)
def test_each_broken_shape_is_refused_at_its_path(raw: object, path: str) -> None:
    assert refusal(raw) == path


def test_an_id_may_not_repeat_between_content_and_a_zone() -> None:
    raw = document(component("cols", "Columns"), **{"cols:left": [component("cols")]})
    assert refusal(raw) == 'data.zones["cols:left"][0].props.id'


def test_a_zone_names_an_existing_component_and_a_zone() -> None:
    assert refusal(document(component("a"), **{"ghost:left": []})) == 'data.zones["ghost:left"]'
    assert refusal(document(component("a"), **{"a": []})) == "data.zones.a"
    assert refusal(document(component("a"), **{"a:": []})) == 'data.zones["a:"]'
    assert refusal(document(component("a"), **{":x": []})) == 'data.zones[":x"]'
    bad_item = document(component("a"), **{"a:left": [{"type": "T", "props": {"id": 1}}]})
    assert refusal(bad_item) == 'data.zones["a:left"][0].props.id'


def test_a_zone_hanging_off_a_component_inside_itself_is_refused() -> None:
    # b lives in a's zone and a lives in b's: neither is reachable from the page.
    raw = document(**{"a:z": [component("b")], "b:z": [component("a")]})
    assert refusal(raw) == 'data.zones["a:z"]'


def test_nesting_is_bounded_without_recursion() -> None:
    deep: Any = 0
    for _ in range(MAX_PUCK_DEPTH + 1000):
        deep = [deep]
    field = refusal(document(component("a", deep=deep)))
    assert field is not None
    assert field.startswith("data.content[0].props.deep[0]")


def test_the_size_limit_counts_the_compact_utf8_form() -> None:
    base = document(component("a", text=""))
    overhead = len(json.dumps(base, separators=(",", ":")).encode())
    fits = copy.deepcopy(base)
    fits["content"][0]["props"]["text"] = "é" * ((MAX_PUCK_BYTES - overhead) // 2)
    parse_puck_data(fits)
    fits["content"][0]["props"]["text"] += "é"
    assert refusal(fits) == "data"


def test_the_caller_names_the_field() -> None:
    with pytest.raises(RuleViolated) as caught:
        parse_puck_data({"content": [{}], "root": {}}, field="body")
    assert caught.value.field == "body.content[0].type"


# --- properties -----------------------------------------------------------------------------------

_ids = st.text(st.characters(codec="utf-8", exclude_characters=":\x00"), min_size=1, max_size=12)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=8)
)
_props = st.dictionaries(
    st.text(max_size=6).filter(lambda k: k != "id" and "\x00" not in k),
    st.recursive(
        _scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.text(max_size=4).filter(lambda k: "\x00" not in k), inner, max_size=3
            )
        ),
        max_leaves=8,
    ),
    max_size=4,
)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid document: unique ids, every zone under a component placed earlier (or root)."""
    ids = draw(st.lists(_ids.filter(lambda i: i != "root"), unique=True, max_size=12))
    placed: list[str] = []
    content: list[dict[str, Any]] = []
    zones: dict[str, list[dict[str, Any]]] = {}
    for component_id in ids:
        made = {
            "type": draw(st.sampled_from(["Hero", "Text", "Columns"])),
            "props": {"id": component_id, **draw(_props)},
        }
        if not placed or draw(st.booleans()):
            content.append(made)
        else:
            parent = draw(st.sampled_from([*placed, "root"]))
            zone = draw(st.sampled_from(["left", "right", "body"]))
            zones.setdefault(f"{parent}:{zone}", []).append(made)
        placed.append(component_id)
    made_doc: dict[str, Any] = {"content": content, "root": {"props": draw(_props)}}
    if zones or draw(st.booleans()):
        made_doc["zones"] = zones
    return made_doc


@settings(max_examples=60, deadline=None)
@given(documents())
def test_every_valid_document_is_accepted_unchanged(raw: dict[str, Any]) -> None:
    assert parse_puck_data(raw) == raw


def _components(raw: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = [(f"data.content[{i}]", c) for i, c in enumerate(raw["content"])]
    for key, items in raw.get("zones", {}).items():
        found += [
            (f"data.zones[{json.dumps(key, ensure_ascii=False)}][{i}]", c)
            for i, c in enumerate(items)
        ]
    return found


@settings(max_examples=60, deadline=None)
@given(documents(), st.data())
def test_a_repeated_id_is_refused_at_its_second_place(
    raw: dict[str, Any], data: st.DataObject
) -> None:
    placed = _components(raw)  # in the order the document is read: content, then each zone
    if len(placed) < 2:
        return
    first, second = sorted(
        data.draw(
            st.lists(st.sampled_from(range(len(placed))), min_size=2, max_size=2, unique=True)
        )
    )
    placed[second][1]["props"]["id"] = placed[first][1]["props"]["id"]
    with pytest.raises(RuleViolated) as caught:
        parse_puck_data(raw)
    assert caught.value.field == f"{placed[second][0]}.props.id"
    assert placed[first][0] in caught.value.detail


@settings(max_examples=60, deadline=None)
@given(documents(), st.data())
def test_a_component_without_a_string_type_is_refused_at_its_path(
    raw: dict[str, Any], data: st.DataObject
) -> None:
    placed = _components(raw)
    if not placed:
        return
    path, broken = data.draw(st.sampled_from(placed))
    broken["type"] = data.draw(
        st.none() | st.integers() | st.just("") | st.lists(st.text(), max_size=1)
    )
    with pytest.raises(RuleViolated) as caught:
        parse_puck_data(raw)
    assert caught.value.field == f"{path}.type"


@settings(max_examples=60, deadline=None)
@given(documents(), _ids)
def test_a_zone_under_an_unknown_component_is_refused(raw: dict[str, Any], ghost: str) -> None:
    if ghost == "root" or ghost in {c["props"]["id"] for _, c in _components(raw)}:
        return
    raw.setdefault("zones", {})[f"{ghost}:left"] = []
    with pytest.raises(RuleViolated) as caught:
        parse_puck_data(raw)
    assert caught.value.field == f"data.zones[{json.dumps(f'{ghost}:left', ensure_ascii=False)}]"
