"""TaggedCache and CacheHub: what a process may keep, and when it must let go."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ticketbase.adapters.local.cache import CacheHub, TaggedCache


def synced_hub(**options: float) -> CacheHub:
    hub = CacheHub(**options)
    hub.resync()
    return hub


def test_a_value_put_with_a_fresh_ticket_is_kept() -> None:
    cache: TaggedCache[str, int] = TaggedCache(synced_hub())
    cache.put(cache.ticket(), "a", 1, ["t"])
    assert cache.get("a") == 1


def test_a_change_naming_a_tag_drops_every_entry_carrying_it() -> None:
    hub = synced_hub()
    cache: TaggedCache[str, int] = TaggedCache(hub)
    other: TaggedCache[str, int] = TaggedCache(hub)
    cache.put(cache.ticket(), "a", 1, ["x", "y"])
    cache.put(cache.ticket(), "b", 2, ["y"])
    cache.put(cache.ticket(), "c", 3, ["z"])
    other.put(other.ticket(), "d", 4, ["y"])
    hub.invalidate(["y"])
    assert (cache.get("a"), cache.get("b"), cache.get("c"), other.get("d")) == (None, None, 3, None)


def test_a_read_that_raced_a_change_is_not_kept() -> None:
    hub = synced_hub()
    cache: TaggedCache[str, int] = TaggedCache(hub)
    ticket = cache.ticket()  # taken before the database read
    hub.invalidate(["anything"])  # a commit lands meanwhile
    cache.put(ticket, "a", 1, ["t"])
    assert cache.get("a") is None


def test_nothing_is_kept_while_the_feed_is_down_and_all_is_dropped_when_it_goes() -> None:
    hub = synced_hub()
    cache: TaggedCache[str, int] = TaggedCache(hub)
    cache.put(cache.ticket(), "a", 1, ["t"])
    hub.desync()
    assert cache.get("a") is None
    cache.put(cache.ticket(), "b", 2, ["t"])
    assert cache.get("b") is None


def test_a_read_started_before_a_disconnect_is_not_kept_after_the_reconnect() -> None:
    hub = synced_hub()
    cache: TaggedCache[str, int] = TaggedCache(hub)
    ticket = cache.ticket()
    hub.desync()
    hub.resync()
    cache.put(ticket, "a", 1, ["t"])
    assert cache.get("a") is None


def test_a_new_hub_caches_nothing_until_it_is_in_sync() -> None:
    cache: TaggedCache[str, int] = TaggedCache(CacheHub())
    cache.put(cache.ticket(), "a", 1, ["t"])
    assert cache.get("a") is None


def test_entries_expire_after_the_maximum_age() -> None:
    now = [0.0]
    cache: TaggedCache[str, int] = TaggedCache(synced_hub(max_age_seconds=10), clock=lambda: now[0])
    cache.put(cache.ticket(), "a", 1, ["t"])
    now[0] = 9.9
    assert cache.get("a") == 1
    now[0] = 10.0
    assert cache.get("a") is None
    assert len(cache) == 0


def test_the_cache_is_bounded_and_forgets_the_oldest_first() -> None:
    cache: TaggedCache[int, int] = TaggedCache(synced_hub(), max_entries=3)
    for i in range(5):
        cache.put(cache.ticket(), i, i, [f"t{i}"])
    assert len(cache) == 3
    assert [cache.get(i) for i in range(5)] == [None, None, 2, 3, 4]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["put", "invalidate"]),
            st.integers(0, 5),
            st.sets(st.sampled_from("abc"), max_size=2),
        ),
        max_size=40,
    )
)
def test_the_tag_index_never_drops_a_live_entry_or_keeps_a_dead_one(
    steps: list[tuple[str, int, set[str]]],
) -> None:
    hub = synced_hub()
    cache: TaggedCache[int, int] = TaggedCache(hub, max_entries=4)
    model: dict[int, set[str]] = {}
    for action, key, tags in steps:
        if action == "put":
            cache.put(cache.ticket(), key, key, tags)
            model.pop(key, None)
            if len(model) >= 4:
                model.pop(next(iter(model)))
            model[key] = tags
        else:
            hub.invalidate(tags)
            model = {k: t for k, t in model.items() if not t & tags}
    assert {k for k in range(6) if cache.get(k) is not None} == set(model)
