"""Venues: text fields, ISO 3166-1 alpha-2 countries, coordinates in range and in pairs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketbase.domain.events.venue import COUNTRY_CODES
from ticketbase.domain.shared.errors import RuleViolated

from .builders import a_venue


def test_a_complete_venue_with_coordinates() -> None:
    venue = a_venue(lat=48.2009, lng=16.3792)
    assert (venue.lat, venue.lng) == (48.2009, 16.3792)


def test_the_country_list_is_iso_3166_alpha_2() -> None:
    assert len(COUNTRY_CODES) == 250  # 249 assigned codes and XK
    assert all(len(c) == 2 and c.isascii() and c.isupper() for c in COUNTRY_CODES)
    assert {"DE", "AT", "US", "AU", "GB", "XK"} <= COUNTRY_CODES
    assert not {"UK", "EU", "XX", "ZZ"} & COUNTRY_CODES


@pytest.mark.parametrize("country", ["de", "DEU", "D", "", "UK", "EU", "ZZ", " DE"])
def test_refuses_a_country_that_is_not_an_assigned_code(country: str) -> None:
    with pytest.raises(RuleViolated) as caught:
        a_venue(country=country)
    assert caught.value.field == "venue.country"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "   "),
        ("name", "x" * 201),
        ("address", "\n"),
        ("address", "x" * 501),
        ("city", ""),
        ("city", "x" * 201),
    ],
)
def test_refuses_blank_or_too_long_text(field: str, value: str) -> None:
    with pytest.raises(RuleViolated) as caught:
        a_venue(**{field: value})
    assert caught.value.field == f"venue.{field}"


@pytest.mark.parametrize(
    ("coordinates", "field"),
    [
        ({"lat": 48.2}, "venue.lng"),
        ({"lng": 16.3}, "venue.lat"),
    ],
)
def test_latitude_and_longitude_come_together(coordinates: dict[str, float], field: str) -> None:
    with pytest.raises(RuleViolated) as caught:
        a_venue(**coordinates)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("lat", "lng", "field"),
    [
        (90.0001, 0.0, "venue.lat"),
        (-90.0001, 0.0, "venue.lat"),
        (math.nan, 0.0, "venue.lat"),
        (math.inf, 0.0, "venue.lat"),
        (0.0, 180.0001, "venue.lng"),
        (0.0, -180.0001, "venue.lng"),
        (0.0, math.nan, "venue.lng"),
        (True, 0.0, "venue.lat"),
    ],
)
def test_refuses_coordinates_out_of_range(lat: float, lng: float, field: str) -> None:
    with pytest.raises(RuleViolated) as caught:
        a_venue(lat=lat, lng=lng)
    assert caught.value.field == field


@given(
    st.floats(min_value=-90, max_value=90),
    st.floats(min_value=-180, max_value=180),
)
def test_accepts_every_coordinate_in_range_including_the_bounds(lat: float, lng: float) -> None:
    assert a_venue(lat=lat, lng=lng).lat == lat
    assert a_venue(lat=-90, lng=-180).lng == -180
    assert a_venue(lat=90, lng=180).lat == 90
