"""Turn database constraint violations into domain errors, by constraint name."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from ticketbase.domain.shared.errors import Conflict, DomainError

_BY_CONSTRAINT: dict[str, tuple[str, str]] = {
    "uq_organizations_slug": ("organizationSlug", "this slug is already taken"),
    "uq_organization_domains_domain": (
        "customDomains",
        "a custom domain is already used by another organization",
    ),
    "uq_users_email": ("email", "an account with this email already exists"),
    # Safety nets behind the checks made under the department tree lock.
    "fk_departments_parent": (
        "parentId",
        "the department tree changed: a parent is gone or a department still has children",
    ),
    "fk_memberships_department": (
        "departmentId",
        "the department is gone, or still has members",
    ),
}


def constraint_name(error: IntegrityError) -> str | None:
    cause = getattr(error.orig, "__cause__", None)
    name = getattr(cause, "constraint_name", None)
    return name if isinstance(name, str) else None


def as_domain_error(error: IntegrityError) -> DomainError | None:
    known = _BY_CONSTRAINT.get(constraint_name(error) or "")
    if known is None:
        return None
    field, detail = known
    return Conflict(detail, field=field)
