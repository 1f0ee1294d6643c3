"""A Puck editor document, checked for shape and size before it is stored.

Puck saves ``{content: [component...], root: {props: {...}}, zones?: {"<id>:<zone>": [...]}}``
where a component is ``{type, props: {id, ...}}`` (and, from the editor, maybe ``readOnly``).
The storefront renders it by walking ``content`` and, for every drop zone a component renders,
the list under ``zones["<that component's id>:<zone name>"]``. So the rules are the ones a
renderer depends on:

- every component, in ``content`` and in every zone, has a non-empty string ``type`` and a
  ``props`` object whose ``id`` is a non-empty string unique across the whole document (Puck
  finds a component, and its zones, by that id);
- ``root`` is an object and ``root.props`` (when present) an object;
- a zone key names an existing component (or ``root``, whose render may hold drop zones too)
  and a zone name, and following zones upwards from any component reaches ``content`` or
  ``root``: no zone hangs off a component that lives inside its own zone;
- the compact UTF-8 JSON form (what storage keeps) is at most :data:`MAX_PUCK_BYTES`; nesting
  is at most :data:`MAX_PUCK_DEPTH`; numbers are finite, text is valid Unicode without NUL
  (PostgreSQL's ``jsonb`` cannot keep U+0000).

A refusal names the failing spot by its JSON path as the client wrote it, under the field the
caller gives (``data.content[3].props.id``, ``data.zones["hero-1:left"][0].type``). The walk is
iterative, so a hostile nesting never reaches Python's recursion limit.
"""

from __future__ import annotations

import json
import math
from typing import TypeAlias, cast

from ticketbase.domain.shared.errors import RuleViolated

JsonValue: TypeAlias = "bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None"
PuckData: TypeAlias = dict[str, JsonValue]

MAX_PUCK_BYTES = 2 * 1024 * 1024
MAX_PUCK_DEPTH = 64
MAX_TYPE_LENGTH = 200
MAX_ID_LENGTH = 200
MAX_ZONE_KEY_LENGTH = 401  # "<id>:<zone name>", each at most 200
ROOT_ID = "root"
_DOCUMENT_KEYS = frozenset({"content", "root", "zones"})
_COMPONENT_KEYS = frozenset({"type", "props", "readOnly"})
_SCALARS = (str, int, float, bool, type(None))


def key_path(parent: str, key: str) -> str:
    """``parent.key`` for a plain name, ``parent["a:b"]`` for any other key."""
    if key.isidentifier():
        return f"{parent}.{key}" if parent else key
    return f"{parent}[{json.dumps(key, ensure_ascii=False)}]"


def _fail(message: str, path: str) -> RuleViolated:
    return RuleViolated(message, field=path)


def _check_json(raw: object, path: str) -> None:
    """Only JSON values, finite numbers, text without NUL, string keys, bounded nesting."""
    pending: list[tuple[object, str, int]] = [(raw, path, 1)]
    while pending:
        value, at, depth = pending.pop()
        if isinstance(value, dict | list) and depth > MAX_PUCK_DEPTH:
            raise _fail(f"the document nests at most {MAX_PUCK_DEPTH} deep", at)
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str) or "\x00" in key:
                    raise _fail("object keys are text without the NUL character", at)
                pending.append((item, key_path(at, key), depth + 1))
        elif isinstance(value, list):
            pending.extend((item, f"{at}[{i}]", depth + 1) for i, item in enumerate(value))
        elif isinstance(value, str) and "\x00" in value:
            raise _fail("text cannot contain the NUL character", at)
        elif isinstance(value, float) and not math.isfinite(value):
            raise _fail("numbers are finite", at)
        elif not isinstance(value, _SCALARS):
            raise _fail("only JSON values", at)


def _component(value: object, at: str, seen: dict[str, str]) -> str:
    """Check one component; return its id (recorded in ``seen`` with its path)."""
    if not isinstance(value, dict):
        raise _fail("a component is an object with a type and props", at)
    unknown = sorted(set(value) - _COMPONENT_KEYS)
    if unknown:
        raise _fail("a component has only type, props and readOnly", key_path(at, unknown[0]))
    kind = value.get("type")
    if not isinstance(kind, str) or not 1 <= len(kind) <= MAX_TYPE_LENGTH:
        raise _fail(f"a component's type is a string of 1-{MAX_TYPE_LENGTH}", f"{at}.type")
    props = value.get("props")
    if not isinstance(props, dict):
        raise _fail("a component's props is an object", f"{at}.props")
    component_id = props.get("id")
    id_path = f"{at}.props.id"
    if not isinstance(component_id, str) or not 1 <= len(component_id) <= MAX_ID_LENGTH:
        raise _fail(f"props.id is a string of 1-{MAX_ID_LENGTH}", id_path)
    if component_id == ROOT_ID:
        raise _fail(f"{ROOT_ID!r} names the page's root, not a component", id_path)
    if component_id in seen:
        raise _fail(f"the id {component_id!r} is already used at {seen[component_id]}", id_path)
    seen[component_id] = id_path
    read_only = value.get("readOnly")
    if "readOnly" in value and not (
        isinstance(read_only, dict) and all(isinstance(v, bool) for v in read_only.values())
    ):
        raise _fail("readOnly maps prop names to true or false", f"{at}.readOnly")
    return component_id


def _components(value: object, at: str, seen: dict[str, str]) -> list[str]:
    if not isinstance(value, list):
        raise _fail("a list of components", at)
    return [_component(item, f"{at}[{i}]", seen) for i, item in enumerate(value)]


def _split_zone_key(key: str, at: str) -> str:
    """The parent id of ``"<id>:<zone name>"`` (the id itself may contain no colon in Puck's
    own ids, but a zone name may: the first colon separates)."""
    parent, colon, zone = key.partition(":")
    if not colon or not parent or not zone or len(key) > MAX_ZONE_KEY_LENGTH:
        raise _fail('a zone key is "<component id>:<zone name>"', at)
    return parent


def parse_puck_data(raw: object, *, field: str = "data") -> PuckData:
    """A checked, private copy of ``raw``, or a ``RuleViolated`` naming the path."""
    if not isinstance(raw, dict):
        raise _fail("a Puck document is an object with content and root", field)
    _check_json(raw, field)
    unknown = sorted(set(raw) - _DOCUMENT_KEYS)
    if unknown:
        raise _fail("a Puck document has only content, root and zones", key_path(field, unknown[0]))
    if "content" not in raw:
        raise _fail("a Puck document has content (a list of components)", f"{field}.content")
    seen: dict[str, str] = {}
    # Where each component lives: None for content, else the parent id of its zone.
    parent_of: dict[str, str | None] = dict.fromkeys(
        _components(raw["content"], f"{field}.content", seen)
    )
    root = raw.get("root")
    if not isinstance(root, dict):
        raise _fail("root is an object", f"{field}.root")
    if "props" in root and not isinstance(root["props"], dict):
        raise _fail("root.props is an object", f"{field}.root.props")
    zones = raw.get("zones", {})
    if not isinstance(zones, dict):
        raise _fail("zones is an object of component lists", f"{field}.zones")
    zone_parents: dict[str, tuple[str, str]] = {}
    for key, items in zones.items():
        at = key_path(f"{field}.zones", key)
        parent = _split_zone_key(key, at)
        zone_parents[key] = (parent, at)
        for component_id in _components(items, at, seen):
            parent_of[component_id] = parent
    reaching: set[str] = set()
    for parent, at in zone_parents.values():
        if parent != ROOT_ID and parent not in parent_of:
            raise _fail(f"no component has the id {parent!r} this zone belongs to", at)
        _check_reaches_top(parent, parent_of, reaching, at)
    encoded = json.dumps(raw, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    try:
        size = len(encoded.encode())
    except UnicodeEncodeError as error:  # a lone surrogate is no character
        raise _fail("text is valid Unicode", field) from error
    if size > MAX_PUCK_BYTES:
        raise _fail(f"a Puck document is at most {MAX_PUCK_BYTES} bytes as JSON", field)
    return cast(PuckData, json.loads(encoded))


def _check_reaches_top(
    start: str, parent_of: dict[str, str | None], reaching: set[str], at: str
) -> None:
    """Following zones upwards from ``start`` ends at content or root, not in a cycle.
    ``reaching`` remembers the ids already shown to get there, so the check stays linear."""
    path: set[str] = set()
    current: str | None = start
    while current is not None and current != ROOT_ID and current not in reaching:
        if current in path:
            raise _fail("this zone lies inside one of its own components", at)
        path.add(current)
        current = parent_of.get(current)
    reaching.update(path)
