"""Availability: quantity - sold - held, bounded by what is left of the event capacity, never
negative; taking what it reports never oversells."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ticketbase.domain.events.availability import availability, available, remaining

from .builders import OTHER_EVENT_ID, a_spec, a_ticket_type, an_event, ticket_type_id

small = st.integers(min_value=0, max_value=60)
quantities = st.integers(min_value=1, max_value=60)
capacities = st.none() | st.integers(min_value=1, max_value=120)


def test_examples() -> None:
    assert available(quantity=100, sold=30, held=5) == 65
    assert available(quantity=100, sold=30, held=5, capacity=50, event_sold=40, event_held=5) == 5
    assert available(quantity=10, sold=10, held=0) == 0
    assert available(quantity=10, sold=8, held=5) == 0  # quantity was cut after holds
    assert available(quantity=10, sold=0, held=0, capacity=20, event_sold=25, event_held=0) == 0


@given(quantities, small, small, capacities, small, small)
def test_is_the_smaller_of_what_is_left_never_negative(
    quantity: int, sold: int, held: int, capacity: int | None, others_sold: int, others_held: int
) -> None:
    event_sold, event_held = sold + others_sold, held + others_held
    result = available(
        quantity=quantity,
        sold=sold,
        held=held,
        capacity=capacity,
        event_sold=event_sold,
        event_held=event_held,
    )
    assert result >= 0
    assert result <= max(0, quantity - sold - held)
    if capacity is not None:
        assert result <= max(0, capacity - event_sold - event_held)
    limits = [quantity - sold - held]
    if capacity is not None:
        limits.append(capacity - event_sold - event_held)
    assert result == max(0, min(limits))


@st.composite
def events_with_ticket_types(draw: st.DrawFn) -> tuple[int | None, list[tuple[int, int, int]]]:
    """A capacity and (quantity, sold, held) per ticket type, never over either limit."""
    capacity = draw(capacities)
    rows = []
    taken_so_far = 0
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        quantity = draw(quantities)
        room = quantity if capacity is None else min(quantity, max(0, capacity - taken_so_far))
        sold = draw(st.integers(min_value=0, max_value=room))
        held = draw(st.integers(min_value=0, max_value=room - sold))
        taken_so_far += sold + held
        rows.append((quantity, sold, held))
    return capacity, rows


@given(events_with_ticket_types(), st.data())
def test_taking_what_is_reported_never_oversells_a_ticket_type_or_the_event(
    setup: tuple[int | None, list[tuple[int, int, int]]], data: st.DataObject
) -> None:
    capacity, rows = setup
    event = an_event(capacity=capacity)
    ticket_types = [
        a_ticket_type(n, spec=a_spec(quantity=quantity), sold=sold, held=held)
        for n, (quantity, sold, held) in enumerate(rows)
    ]
    left = availability(event, ticket_types)
    assert set(left) == {t.id for t in ticket_types}
    # Hold exactly what is reported for one of them: nothing goes over any limit.
    chosen = data.draw(st.sampled_from(ticket_types))
    chosen.held += left[chosen.id]
    assert chosen.sold + chosen.held <= chosen.quantity
    if capacity is not None:
        assert sum(t.sold + t.held for t in ticket_types) <= capacity
    # And then that one has nothing left, the others no more than before.
    after = availability(event, ticket_types)
    assert after[chosen.id] == 0
    assert all(after[t.id] <= left[t.id] for t in ticket_types)


def test_the_event_counts_are_summed_over_its_own_ticket_types_only() -> None:
    event = an_event(capacity=100)
    ticket_types = [
        a_ticket_type(1, spec=a_spec(quantity=80), sold=50),
        a_ticket_type(2, spec=a_spec(quantity=80), held=20),
        a_ticket_type(3, event_id=OTHER_EVENT_ID, sold=60),
    ]
    assert availability(event, ticket_types) == {ticket_type_id(1): 30, ticket_type_id(2): 30}


def test_without_a_capacity_each_ticket_type_stands_alone() -> None:
    event = an_event()
    ticket_types = [a_ticket_type(1, spec=a_spec(quantity=80), sold=50)]
    assert availability(event, ticket_types) == {ticket_type_id(1): 30}


@given(small, small, small)
def test_remaining_is_never_negative(limit: int, sold: int, held: int) -> None:
    assert remaining(limit, sold, held) == max(0, limit - sold - held)
