"""Departments: names, paths, the nested tree, cycles refused, sibling names unique."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    multiple,
    rule,
)

from ticketbase.domain.identity.department import (
    Department,
    DepartmentCycle,
    DepartmentNameTaken,
    DepartmentNode,
    DepartmentNotEmpty,
    DepartmentNotFound,
    DepartmentTree,
    ancestors,
    build_tree,
    check_removable,
    is_forest,
    path_of,
    would_create_cycle,
)
from ticketbase.domain.shared.errors import Conflict, NotFound, RuleViolated
from ticketbase.domain.shared.ids import DepartmentId

CREATED = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
LATER = CREATED + timedelta(hours=1)


def did(n: int) -> DepartmentId:
    return DepartmentId(UUID(int=n))


def a_tree(*rows: tuple[int, str, int | None]) -> DepartmentTree:
    """A tree from (id, name, parent id) rows, parents first."""
    tree = DepartmentTree([])
    for n, name, parent in rows:
        tree.create(did(n), name, None if parent is None else did(parent), now=CREATED)
    return tree


def company() -> DepartmentTree:
    #  Sales (1) ─┬─ Europe (2) ── Vienna (4)
    #             └─ Americas (3)
    #  Support (5)
    return a_tree(
        (1, "Sales", None),
        (2, "Europe", 1),
        (3, "Americas", 1),
        (4, "Vienna", 2),
        (5, "Support", None),
    )


class TestName:
    def test_whitespace_is_collapsed(self) -> None:
        assert Department.check_name("  Customer \n  Care ") == "Customer Care"

    @pytest.mark.parametrize("name", ["", "   ", "x" * 201])
    def test_a_name_is_1_to_200_characters(self, name: str) -> None:
        with pytest.raises(RuleViolated) as raised:
            Department.check_name(name)
        assert raised.value.field == "name"

    def test_200_characters_are_fine(self) -> None:
        assert Department.check_name("x" * 200) == "x" * 200


class TestParentMapFunctions:
    PARENTS = {did(1): None, did(2): did(1), did(3): did(1), did(4): did(2), did(5): None}
    NAMES = {
        did(1): "Sales",
        did(2): "Europe",
        did(3): "Americas",
        did(4): "Vienna",
        did(5): "Support",
    }

    def test_ancestors_go_up_to_the_root(self) -> None:
        assert list(ancestors(self.PARENTS, did(4))) == [did(2), did(1)]
        assert list(ancestors(self.PARENTS, did(5))) == []

    def test_the_path_runs_from_the_root_down(self) -> None:
        assert path_of(self.PARENTS, self.NAMES, did(4)) == ["Sales", "Europe", "Vienna"]
        assert path_of(self.PARENTS, self.NAMES, did(5)) == ["Support"]

    @pytest.mark.parametrize(
        ("node", "new_parent", "cycle"),
        [
            (1, 1, True),  # under itself
            (1, 2, True),  # under its child
            (1, 4, True),  # under its grandchild
            (2, 4, True),
            (2, 3, False),  # under a sibling
            (4, 1, False),  # up the tree
            (4, 5, False),  # into another root
            (1, 5, False),
        ],
    )
    def test_a_cycle_is_a_move_under_oneself_or_a_descendant(
        self, node: int, new_parent: int, cycle: bool
    ) -> None:
        assert would_create_cycle(self.PARENTS, did(node), did(new_parent)) is cycle

    def test_moving_to_the_root_level_never_cycles(self) -> None:
        assert not would_create_cycle(self.PARENTS, did(1), None)

    def test_a_broken_map_is_not_a_forest_and_walks_still_end(self) -> None:
        looped = {did(1): did(2), did(2): did(1), did(3): None}
        assert not is_forest(looped)
        assert list(ancestors(looped, did(1))) == [did(2)]
        assert not is_forest({did(1): did(9)})  # a parent the map does not hold
        assert is_forest(self.PARENTS)
        assert is_forest({})


class TestTree:
    def test_children_are_nested_under_parents_ordered_by_name(self) -> None:
        def shape(nodes: tuple[DepartmentNode, ...]) -> list[object]:
            return [(n.department.name, n.path_text, shape(n.children)) for n in nodes]

        assert shape(company().nested()) == [
            (
                "Sales",
                "Sales",
                [
                    ("Americas", "Sales / Americas", []),
                    ("Europe", "Sales / Europe", [("Vienna", "Sales / Europe / Vienna", [])]),
                ],
            ),
            ("Support", "Support", []),
        ]

    def test_an_empty_tree_has_no_roots(self) -> None:
        assert build_tree([]) == ()

    def test_a_very_deep_tree_is_built_and_located_without_recursion(self) -> None:
        depth = 1_500  # Python's recursion limit is 1 000; msgspec gives up near 500 levels
        tree = DepartmentTree(
            Department(did(n), f"level {n}", did(n - 1) if n > 1 else None, CREATED, CREATED)
            for n in range(1, depth + 1)
        )
        node = tree.nested()[0]
        levels = 1
        while node.children:
            (node,) = node.children
            levels += 1
        assert levels == depth
        assert len(node.path) == depth
        assert tree.locate(did(depth)).path[-2:] == (f"level {depth - 1}", f"level {depth}")

    def test_located_lists_newest_first_with_paths(self) -> None:
        located = company().located()
        assert [x.department.id for x in located] == [did(5), did(4), did(3), did(2), did(1)]
        assert located[1].path_text == "Sales / Europe / Vienna"

    def test_an_unknown_department_is_not_found(self) -> None:
        with pytest.raises(DepartmentNotFound):
            company().locate(did(99))
        assert issubclass(DepartmentNotFound, NotFound)


class TestCreate:
    def test_creates_under_a_parent_with_a_clean_name(self) -> None:
        tree = company()
        made = tree.create(did(6), "  Asia  ", did(1), now=LATER)
        assert made == Department(did(6), "Asia", did(1), LATER, LATER)
        assert tree.locate(did(6)).path_text == "Sales / Asia"

    def test_an_unknown_parent_is_a_rule_violation_on_parent_id(self) -> None:
        tree = company()
        with pytest.raises(RuleViolated) as raised:
            tree.create(did(6), "Asia", did(99), now=LATER)
        assert raised.value.field == "parentId"
        assert not isinstance(raised.value, NotFound)
        assert did(6) not in tree

    @pytest.mark.parametrize(("name", "parent"), [("sales", None), ("EUROPE", 1)])
    def test_sibling_names_are_unique_ignoring_case(self, name: str, parent: int | None) -> None:
        tree = company()
        with pytest.raises(DepartmentNameTaken) as raised:
            tree.create(did(6), name, None if parent is None else did(parent), now=LATER)
        assert raised.value.field == "name"
        assert isinstance(raised.value, Conflict)

    def test_the_same_name_under_another_parent_is_fine(self) -> None:
        tree = company()
        tree.create(did(6), "Vienna", did(3), now=LATER)
        tree.create(did(7), "Sales", did(5), now=LATER)
        assert tree.locate(did(7)).path_text == "Support / Sales"


class TestUpdate:
    def test_renames_and_stamps_the_time(self) -> None:
        tree = company()
        tree.update(did(2), now=LATER, name="EMEA")
        assert tree.get(did(2)).updated_at == LATER
        assert tree.locate(did(4)).path_text == "Sales / EMEA / Vienna"

    def test_changing_only_the_case_of_ones_own_name_is_fine(self) -> None:
        tree = company()
        assert tree.update(did(1), now=LATER, name="SALES").name == "SALES"

    def test_moves_under_another_parent_taking_the_subtree_along(self) -> None:
        tree = company()
        tree.update(did(2), now=LATER, move=True, parent_id=did(5))
        assert tree.locate(did(4)).path_text == "Support / Europe / Vienna"

    def test_parent_none_with_move_goes_to_the_root_level(self) -> None:
        tree = company()
        tree.update(did(4), now=LATER, move=True, parent_id=None)
        assert tree.get(did(4)).parent_id is None
        assert tree.locate(did(4)).path_text == "Vienna"

    def test_without_move_the_parent_stays(self) -> None:
        tree = company()
        tree.update(did(4), now=LATER, name="Wien", parent_id=None)
        assert tree.get(did(4)).parent_id == did(2)

    @pytest.mark.parametrize(("node", "new_parent"), [(1, 1), (1, 2), (1, 4), (2, 4)])
    def test_moving_under_itself_or_a_descendant_is_refused(
        self, node: int, new_parent: int
    ) -> None:
        tree = company()
        before = tree.parents
        with pytest.raises(DepartmentCycle) as raised:
            tree.update(did(node), now=LATER, name="Renamed", move=True, parent_id=did(new_parent))
        assert raised.value.field == "parentId"
        assert raised.value.code == "department_cycle"
        assert isinstance(raised.value, RuleViolated)
        assert tree.parents == before
        assert tree.get(did(node)).updated_at == CREATED
        assert tree.get(did(node)).name != "Renamed"

    def test_moving_under_an_unknown_parent_is_refused(self) -> None:
        with pytest.raises(RuleViolated) as raised:
            company().update(did(4), now=LATER, move=True, parent_id=did(99))
        assert raised.value.field == "parentId"

    def test_moving_next_to_a_sibling_of_the_same_name_is_a_conflict(self) -> None:
        tree = a_tree((1, "A", None), (2, "B", None), (3, "Team", 1), (4, "team", 2))
        with pytest.raises(DepartmentNameTaken):
            tree.update(did(4), now=LATER, move=True, parent_id=did(1))
        with pytest.raises(DepartmentNameTaken):
            tree.update(did(2), now=LATER, name="a")

    def test_an_update_to_the_same_values_changes_nothing(self) -> None:
        tree = company()
        tree.update(did(4), now=LATER, name=" Vienna ", move=True, parent_id=did(2))
        assert tree.get(did(4)).updated_at == CREATED


class TestRemoval:
    def test_only_an_empty_department_goes(self) -> None:
        check_removable(children=0, members=0)
        for counts in ({"children": 1, "members": 0}, {"children": 0, "members": 3}):
            with pytest.raises(DepartmentNotEmpty) as raised:
                check_removable(**counts)
            assert isinstance(raised.value, Conflict)


# --- whatever happens, the tree stays a tree ------------------------------------------------

NAMES = st.sampled_from(["Sales", "sales", "Support", "Ops", "R&D"])


class TreeMachine(RuleBasedStateMachine):
    """Random creates, moves and renames against a reference model of the expected outcome."""

    nodes = Bundle("nodes")

    def __init__(self) -> None:
        super().__init__()
        self.tree = DepartmentTree([])
        self.next_id = 1

    def _descendants(self, node: DepartmentId) -> set[DepartmentId]:
        """Computed top-down from the children, independently of the code under test."""
        parents = self.tree.parents
        found, frontier = set(), [node]
        while frontier:
            current = frontier.pop()
            kids = [n for n, p in parents.items() if p == current and n not in found]
            found.update(kids)
            frontier.extend(kids)
        return found

    def _name_taken(self, name: str, parent: DepartmentId | None, node: DepartmentId) -> bool:
        return any(
            d != node and p == parent and self.tree.get(d).name.casefold() == name.casefold()
            for d, p in self.tree.parents.items()
        )

    @rule(target=nodes, name=NAMES, parent=st.none() | nodes)
    def create(self, name: str, parent: DepartmentId | None) -> object:
        node = did(self.next_id)
        self.next_id += 1
        if self._name_taken(name, parent, node):
            with pytest.raises(DepartmentNameTaken):
                self.tree.create(node, name, parent, now=CREATED)
            return multiple()
        self.tree.create(node, name, parent, now=CREATED)
        return node

    @rule(node=nodes, parent=st.none() | nodes)
    def move(self, node: DepartmentId, parent: DepartmentId | None) -> None:
        before = self.tree.parents
        name = self.tree.get(node).name
        if parent is not None and (parent == node or parent in self._descendants(node)):
            with pytest.raises(DepartmentCycle):
                self.tree.update(node, now=LATER, move=True, parent_id=parent)
            assert self.tree.parents == before
        elif parent != before[node] and self._name_taken(name, parent, node):
            with pytest.raises(DepartmentNameTaken):
                self.tree.update(node, now=LATER, move=True, parent_id=parent)
            assert self.tree.parents == before
        else:
            self.tree.update(node, now=LATER, move=True, parent_id=parent)
            assert self.tree.parents == {**before, node: parent}

    @rule(node=nodes, name=NAMES)
    def rename(self, node: DepartmentId, name: str) -> None:
        parent = self.tree.get(node).parent_id
        if self._name_taken(name, parent, node):
            with pytest.raises(DepartmentNameTaken):
                self.tree.update(node, now=LATER, name=name)
        else:
            assert self.tree.update(node, now=LATER, name=name).name == name

    @rule(node=consumes(nodes))
    def forget(self, node: DepartmentId) -> None:
        """Stop picking a node (it stays in the tree): lets the machine reach other shapes."""

    @invariant()
    def every_node_reaches_a_root(self) -> None:
        parents = self.tree.parents
        assert is_forest(parents)
        for node in parents:
            current: DepartmentId | None = node
            for _ in range(len(parents) + 1):
                if current is None:
                    break
                current = parents[current]
            assert current is None, f"{node} never reaches a root"

    @invariant()
    def paths_follow_parents_and_siblings_differ(self) -> None:
        for located in self.tree.located():
            d = located.department
            parent = d.parent_id
            expected = () if parent is None else self.tree.locate(parent).path
            assert located.path == (*expected, d.name)
        siblings = [
            (d.department.parent_id, d.department.name.casefold()) for d in self.tree.located()
        ]
        assert len(siblings) == len(set(siblings))

    @invariant()
    def the_nested_tree_holds_every_node_once(self) -> None:
        seen: list[DepartmentId] = []
        pending = list(self.tree.nested())
        while pending:
            node = pending.pop()
            seen.append(node.department.id)
            pending.extend(node.children)
        assert sorted(seen) == sorted(self.tree.parents)


TreeMachine.TestCase.settings = settings(max_examples=75, stateful_step_count=30, deadline=None)
TestTreeMachine = TreeMachine.TestCase


@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=80))
def test_any_sequence_of_moves_keeps_a_forest(moves: list[tuple[int, int]]) -> None:
    """31 nodes start flat; each move either applies or is refused as a cycle."""
    tree = a_tree(*[(n, f"d{n}", None) for n in range(31)])
    for node, parent in moves:
        cycle = would_create_cycle(tree.parents, did(node), did(parent))
        try:
            tree.update(did(node), now=LATER, move=True, parent_id=did(parent))
        except DepartmentCycle:
            assert cycle
        else:
            assert not cycle
        assert is_forest(tree.parents)
