"""Rates as settings write them (``TICKETBASE_RATE_LIMIT_*``) and what a decision tells a client."""

from __future__ import annotations

import pytest

from ticketbase.application.ports.limits import Rate, RateDecision


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5/15m", Rate(5, 900)),
        ("10/m", Rate(10, 60)),
        ("1/s", Rate(1, 1)),
        ("30/30s", Rate(30, 30)),
        ("100/h", Rate(100, 3600)),
        ("1000/2h", Rate(1000, 7200)),
        ("3/d", Rate(3, 86400)),
        ("3/1d", Rate(3, 86400)),
        (" 5/15m\n", Rate(5, 900)),
    ],
)
def test_parses_hits_per_window(text: str, expected: Rate) -> None:
    assert Rate.parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "5",
        "5/",
        "/m",
        "5m",
        "5/15",
        "5/15x",
        "5/M",
        "5 / m",
        "5/1.5m",
        "-1/m",
        "five/m",
        "5/m/h",
        "\u0665/m",  # a non-ASCII digit
    ],
)
def test_refuses_anything_else_and_shows_the_expected_form(text: str) -> None:
    with pytest.raises(ValueError, match=r"invalid rate .*e\.g\. '5/15m'"):
        Rate.parse(text)


@pytest.mark.parametrize(("text", "problem"), [("0/m", "at least 1 hit"), ("5/0m", "1 second")])
def test_refuses_an_empty_limit_or_window(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Rate.parse(text)


def test_a_rate_cannot_be_built_empty_either() -> None:
    with pytest.raises(ValueError, match="at least 1 hit"):
        Rate(0, 60)
    with pytest.raises(ValueError, match="at least 1 second"):
        Rate(5, 0)


def test_retry_after_is_the_reset_only_when_refused() -> None:
    refused = RateDecision(allowed=False, limit=5, remaining=0, reset_after=42)
    allowed = RateDecision(allowed=True, limit=5, remaining=4, reset_after=42)

    assert refused.retry_after == 42
    assert allowed.retry_after == 0
