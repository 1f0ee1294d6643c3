"""If-Match parsing: the version a client last saw, for optimistic concurrency."""

from __future__ import annotations

import pytest
from litestar.exceptions import HTTPException

from ticketbase.entrypoints.http.versioning import expected_version


def test_no_header_means_no_expectation() -> None:
    assert expected_version(None) is None


@pytest.mark.parametrize(
    ("header", "version"),
    [('"3"', 3), ('W/"7"', 7), ('  "12" ', 12), ("4", 4), ('"0"', 0), ('"0042"', 42)],
)
def test_reads_the_version(header: str, version: int) -> None:
    assert expected_version(header) == version


@pytest.mark.parametrize("header", ['"abc"', '"*"', "*", '""', "", '"-1"', '"1.5"', '"3", "4"'])
def test_refuses_anything_but_one_version(header: str) -> None:
    with pytest.raises(HTTPException) as caught:
        expected_version(header)
    assert caught.value.status_code == 400


@pytest.mark.parametrize("header", ['"²"', '"' + "9" * 5000 + '"'])
def test_refuses_digits_int_cannot_read(header: str) -> None:
    with pytest.raises(HTTPException):
        expected_version(header)
