"""Departments: a tenant's staff arranged in a tree of any depth.

The tree is kept as a ``{id: parent_id}`` map (``None`` marks a root); the pure functions below
answer the structural questions over such a map, and :class:`DepartmentTree` applies the rules
to one tenant's whole tree, which is small enough (a few thousand at most) to load at once.

Rules:

- a name is 1-200 characters, whitespace collapsed;
- names are unique among siblings, compared case-insensitively (``Sales`` and ``sales`` under
  the same parent would give two departments the same path), so a path names one department;
  the same name under different parents is fine. A clash is a ``Conflict`` on ``name``;
- a parent must be a department of the same tenant, else ``RuleViolated`` on ``parentId`` (the
  request is well-formed but points at nothing: 422, not 404);
- a department cannot move under itself or one of its descendants (``DepartmentCycle``, 422);
- a department with sub-departments or members cannot be removed (``DepartmentNotEmpty``,
  409): nothing is re-parented or unassigned behind the caller's back.

The walks are iterative, so a very deep tree costs time, never Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from ticketbase.domain.shared.errors import Conflict, NotFound, RuleViolated
from ticketbase.domain.shared.ids import DepartmentId

PATH_SEPARATOR = " / "
MAX_NAME_LENGTH = 200

ParentMap = Mapping[DepartmentId, DepartmentId | None]


class DepartmentNotFound(NotFound):
    pass


class DepartmentCycle(RuleViolated):
    code = "department_cycle"


class DepartmentNotEmpty(Conflict):
    code = "department_not_empty"


class DepartmentNameTaken(Conflict):
    pass


@dataclass(slots=True)
class Department:
    id: DepartmentId
    name: str
    parent_id: DepartmentId | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def check_name(name: str) -> str:
        cleaned = " ".join(name.split())
        if not 1 <= len(cleaned) <= MAX_NAME_LENGTH:
            raise RuleViolated(f"a name is 1-{MAX_NAME_LENGTH} characters", field="name")
        return cleaned


@dataclass(frozen=True, slots=True)
class LocatedDepartment:
    """A department with its path: the names from its root down to itself."""

    department: Department
    path: tuple[str, ...]

    @property
    def path_text(self) -> str:
        return PATH_SEPARATOR.join(self.path)


@dataclass(frozen=True, slots=True)
class DepartmentNode:
    """One department of the nested tree, its children ordered by name."""

    department: Department
    path: tuple[str, ...]
    children: tuple[DepartmentNode, ...]

    @property
    def path_text(self) -> str:
        return PATH_SEPARATOR.join(self.path)


# --- pure functions over a parent map ----------------------------------------------------------


def ancestors(parents: ParentMap, node: DepartmentId) -> Iterator[DepartmentId]:
    """The parent, the grandparent, … up to the root. A parent the map does not hold counts as
    the end, and a map that is already cyclic stops the walk rather than looping forever."""
    seen = {node}
    current = parents.get(node)
    while current is not None and current in parents and current not in seen:
        yield current
        seen.add(current)
        current = parents.get(current)


def path_ids(parents: ParentMap, node: DepartmentId) -> list[DepartmentId]:
    """The ids from the root down to ``node`` (inclusive)."""
    return [*reversed(list(ancestors(parents, node))), node]


def path_of(parents: ParentMap, names: Mapping[DepartmentId, str], node: DepartmentId) -> list[str]:
    """The names from the root down to ``node``: joined with " / " they make its ``path``."""
    return [names[i] for i in path_ids(parents, node)]


def would_create_cycle(
    parents: ParentMap, node: DepartmentId, new_parent: DepartmentId | None
) -> bool:
    """Would hanging ``node`` under ``new_parent`` close a loop? True when ``new_parent`` is
    ``node`` itself or one of its descendants (``node`` is then among its ancestors)."""
    if new_parent is None:
        return False
    return new_parent == node or node in ancestors(parents, new_parent)


def is_forest(parents: ParentMap) -> bool:
    """Every node reaches a root through parents the map holds: no cycle, no dangling parent."""
    settled: set[DepartmentId] = set()
    for start in parents:
        trail: list[DepartmentId] = []
        on_trail: set[DepartmentId] = set()
        current: DepartmentId | None = start
        while current is not None and current not in settled:
            if current in on_trail or current not in parents:
                return False
            trail.append(current)
            on_trail.add(current)
            current = parents[current]
        settled.update(trail)
    return True


def children_of(parents: ParentMap) -> dict[DepartmentId | None, list[DepartmentId]]:
    """The inverse map: parent → its children, with the roots under ``None`` (a node whose
    parent the map does not hold counts as a root, as in :func:`ancestors`)."""
    children: dict[DepartmentId | None, list[DepartmentId]] = {}
    for node, parent in parents.items():
        children.setdefault(parent if parent in parents else None, []).append(node)
    return children


def all_paths(
    parents: ParentMap, names: Mapping[DepartmentId, str]
) -> dict[DepartmentId, tuple[str, ...]]:
    """Every node's path in one pass from the roots down (each path extends its parent's)."""
    children = children_of(parents)
    paths: dict[DepartmentId, tuple[str, ...]] = {}
    pending: list[tuple[DepartmentId, tuple[str, ...]]] = [
        (root, ()) for root in children.get(None, [])
    ]
    while pending:
        node, above = pending.pop()
        paths[node] = (*above, names[node])
        pending.extend((child, paths[node]) for child in children.get(node, []))
    # Only a map that is already cyclic leaves nodes unreached; name them rather than fail.
    for node in parents.keys() - paths.keys():
        paths[node] = tuple(path_of(parents, names, node))
    return paths


def _sibling_order(department: Department) -> tuple[str, DepartmentId]:
    return department.name.casefold(), department.id


def build_tree(departments: Iterable[Department]) -> tuple[DepartmentNode, ...]:
    """The nested tree: roots and every level of children ordered by name (then id).

    Built bottom-up without recursion: a node is made once all its children are."""
    by_id = {d.id: d for d in departments}
    parents = {d.id: d.parent_id for d in by_id.values()}
    paths = all_paths(parents, {d.id: d.name for d in by_id.values()})
    children = children_of(parents)
    # A depth-first order from the roots; reversed, every child comes before its parent.
    order: list[DepartmentId] = []
    stack = list(children.get(None, []))
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(children.get(node, []))
    built: dict[DepartmentId, DepartmentNode] = {}
    for node in reversed(order):
        kids = sorted(
            (built.pop(c) for c in children.get(node, [])),
            key=lambda n: _sibling_order(n.department),
        )
        built[node] = DepartmentNode(by_id[node], paths[node], tuple(kids))
    roots = sorted(built.values(), key=lambda n: _sibling_order(n.department))
    return tuple(roots)


def check_removable(*, children: int, members: int) -> None:
    """Only an empty department goes: nothing is re-parented or unassigned implicitly."""
    if children:
        raise DepartmentNotEmpty("the department has sub-departments: move or delete them first")
    if members:
        raise DepartmentNotEmpty("the department has members: move them to another one first")


# --- the aggregate -----------------------------------------------------------------------------


class DepartmentTree:
    """One tenant's whole tree, enforcing the rules of this module on every change.

    It changes the ``Department`` objects it holds; the caller persists those it is told
    about (the one created, moved or renamed)."""

    def __init__(self, departments: Iterable[Department]) -> None:
        self._by_id = {d.id: d for d in departments}

    def __contains__(self, department_id: object) -> bool:
        return department_id in self._by_id

    @property
    def parents(self) -> dict[DepartmentId, DepartmentId | None]:
        return {d.id: d.parent_id for d in self._by_id.values()}

    def get(self, department_id: DepartmentId) -> Department:
        department = self._by_id.get(department_id)
        if department is None:
            raise DepartmentNotFound("no such department")
        return department

    def locate(self, department_id: DepartmentId) -> LocatedDepartment:
        department = self.get(department_id)
        names = {d.id: d.name for d in self._by_id.values()}
        return LocatedDepartment(department, tuple(path_of(self.parents, names, department.id)))

    def located(self) -> list[LocatedDepartment]:
        """Every department with its path, newest first (ids are time-ordered)."""
        paths = all_paths(self.parents, {d.id: d.name for d in self._by_id.values()})
        return [
            LocatedDepartment(d, paths[d.id])
            for d in sorted(self._by_id.values(), key=lambda d: d.id, reverse=True)
        ]

    def nested(self) -> tuple[DepartmentNode, ...]:
        return build_tree(self._by_id.values())

    def create(
        self,
        department_id: DepartmentId,
        name: str,
        parent_id: DepartmentId | None,
        *,
        now: datetime,
    ) -> Department:
        cleaned = Department.check_name(name)
        if department_id in self._by_id:
            raise Conflict("a department with this id already exists", field="id")
        self._check_parent(department_id, parent_id)
        self._check_unique_name(cleaned, parent_id, department_id)
        department = Department(department_id, cleaned, parent_id, now, now)
        self._by_id[department_id] = department
        return department

    def update(
        self,
        department_id: DepartmentId,
        *,
        now: datetime,
        name: str | None = None,
        move: bool = False,
        parent_id: DepartmentId | None = None,
    ) -> Department:
        """Rename and/or move (``move=True``; ``parent_id=None`` then means the root level).
        Everything is checked before anything changes; a change to the same values is none."""
        department = self.get(department_id)
        cleaned = department.name if name is None else Department.check_name(name)
        new_parent = parent_id if move else department.parent_id
        if (cleaned, new_parent) == (department.name, department.parent_id):
            return department
        if move:
            self._check_parent(department_id, new_parent)
        self._check_unique_name(cleaned, new_parent, department_id)
        department.name = cleaned
        department.parent_id = new_parent
        department.updated_at = now
        return department

    def _check_parent(self, node: DepartmentId, parent_id: DepartmentId | None) -> None:
        if parent_id is None:
            return
        if parent_id not in self._by_id:
            raise RuleViolated("the parent department does not exist", field="parentId")
        # A department being created has no descendants yet: only a move can close a loop.
        if node in self._by_id and would_create_cycle(self.parents, node, parent_id):
            raise DepartmentCycle(
                "a department cannot move under itself or one of its sub-departments",
                field="parentId",
            )

    def _check_unique_name(
        self, name: str, parent_id: DepartmentId | None, node: DepartmentId
    ) -> None:
        folded = name.casefold()
        for other in self._by_id.values():
            if (
                other.id != node
                and other.parent_id == parent_id
                and other.name.casefold() == folded
            ):
                raise DepartmentNameTaken(
                    "a sibling department already has this name", field="name"
                )
