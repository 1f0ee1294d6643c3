"""Typed identifiers: mixing an organization id with a user id is a type error."""

from __future__ import annotations

from typing import NewType
from uuid import UUID

OrganizationId = NewType("OrganizationId", UUID)
UserId = NewType("UserId", UUID)
SessionId = NewType("SessionId", UUID)
MembershipId = NewType("MembershipId", UUID)
DepartmentId = NewType("DepartmentId", UUID)
EventId = NewType("EventId", UUID)
TicketTypeId = NewType("TicketTypeId", UUID)
PromoCodeId = NewType("PromoCodeId", UUID)
OrderId = NewType("OrderId", UUID)
AttendeeId = NewType("AttendeeId", UUID)
AssetId = NewType("AssetId", UUID)
