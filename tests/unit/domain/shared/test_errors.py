"""A use case renames a broken rule's field to the input it came from."""

from __future__ import annotations

import pytest

from ticketbase.domain.shared.errors import Conflict, RuleViolated, inputs_named
from ticketbase.domain.shared.values import Slug


def test_a_value_object_names_itself_and_the_caller_renames_it() -> None:
    with pytest.raises(RuleViolated) as caught, inputs_named({"slug": "organizationSlug"}):
        Slug("Not A Slug")
    assert caught.value.field == "organizationSlug"
    assert caught.value.code == "validation_failed"


def test_other_fields_and_errors_without_one_pass_unchanged() -> None:
    with pytest.raises(Conflict) as caught, inputs_named({"slug": "organizationSlug"}):
        raise Conflict("taken", field="email")
    assert caught.value.field == "email"
    with pytest.raises(RuleViolated) as bare, inputs_named({"slug": "organizationSlug"}):
        raise RuleViolated("no field")
    assert bare.value.field is None
