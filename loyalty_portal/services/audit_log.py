"""Reading the audit log: filter by actor, action, target and time, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select

from loyalty_portal.models import AuditLog


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    start: datetime | None = None
    end: datetime | None = None


def query(flt: AuditFilter, order: list[object]) -> Select[tuple[AuditLog]]:
    stmt = select(AuditLog)
    if flt.actor:
        stmt = stmt.where(func.lower(AuditLog.actor).contains(flt.actor.lower(), autoescape=True))
    if flt.action:
        stmt = stmt.where(AuditLog.action.startswith(flt.action, autoescape=True))
    if flt.target_type:
        stmt = stmt.where(AuditLog.target_type == flt.target_type)
    if flt.target_id:
        stmt = stmt.where(AuditLog.target_id == flt.target_id)
    if flt.start is not None:
        stmt = stmt.where(AuditLog.created_at >= flt.start)
    if flt.end is not None:
        stmt = stmt.where(AuditLog.created_at < flt.end)
    return stmt.order_by(*order, AuditLog.id.desc())


#: Suggestions for the filter (any prefix works, e.g. "offer." for every offer action).
KNOWN_ACTIONS = (
    "api_key.create",
    "api_key.revoke",
    "data.export",
    "data.import",
    "group.create",
    "group.update",
    "member.erase",
    "offer.activate",
    "offer.codes_upload",
    "offer.create",
    "offer.deactivate",
    "offer.delete",
    "offer.update",
    "points.adjust",
    "redemption.cancel",
    "redemption.fulfil",
    "rule.activate",
    "rule.create",
    "rule.deactivate",
    "rule.update",
    "settings.update",
    "shop.create",
    "shop.update",
    "tier.create",
    "tier.recompute",
    "tier.update",
)
TARGET_TYPES = (
    "api_key",
    "data",
    "member",
    "offer",
    "redemption",
    "rule",
    "settings",
    "shop",
    "tier",
    "usergroup",
)
