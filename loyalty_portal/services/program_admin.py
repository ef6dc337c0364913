"""Tiers and user groups for admins: create and edit, audited.

Group titles and descriptions are dicts by language ("default", "de", "en", ...), the
shape the API returns; `parse_translations` reads the admin form's "lang: text" lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty_portal.models import Tier, UserGroup
from loyalty_portal.services import audit, tiers
from loyalty_portal.services.actors import Actor
from loyalty_portal.services.checks import Problems, changes, plain
from loyalty_portal.services.errors import NotFound
from loyalty_portal.services.program import load_program

LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
GROUP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$")
GROUP_STATUSES = ("ACTIVE", "INACTIVE")


# -- tiers -------------------------------------------------------------------
@dataclass
class TierInput:
    name: str
    threshold: int | None
    multiplier: Decimal | None = Decimal(1)
    benefits: str = ""


def tier_snapshot(tier: Tier) -> dict[str, Any]:
    return plain(
        {
            "name": tier.name,
            "threshold": tier.threshold,
            "multiplier": tier.multiplier,
            "benefits": tier.benefits,
        }
    )


def get_tier(session: Session, tier_id: int) -> Tier:
    tier = session.get(Tier, tier_id)
    if tier is None:
        raise NotFound(f"No tier {tier_id}.")
    return tier


def _checked_tier(
    session: Session, data: TierInput, problems: Problems, tier_id: int | None
) -> None:
    data.name = problems.text("name", data.name, max_len=64, required=True)
    data.benefits = problems.text("benefits", data.benefits, max_len=2000)
    if data.threshold is None:
        problems.add("threshold", "Required.")
    problems.int_range("threshold", data.threshold, low=0, high=1_000_000_000)
    if data.multiplier is None:
        problems.add("multiplier", "Required (1 for none).")
    problems.decimal_range("multiplier", data.multiplier, low=Decimal(0), strict=True)
    if data.multiplier is not None and data.multiplier > 100:
        problems.add("multiplier", "At most 100.")
    others = select(Tier).where(Tier.id != tier_id) if tier_id else select(Tier)
    for other in session.scalars(others):
        if other.name.lower() == data.name.lower():
            problems.add("name", "Another tier has this name.")
        if other.threshold == data.threshold:
            problems.add("threshold", f"{other.name} already starts at this threshold.")


def save_tier(
    session: Session, tier: Tier | None, data: TierInput, *, actor: Actor, now: datetime
) -> Tier:
    """Create (tier=None) or update a tier. Members move at the next tier recompute."""
    problems = Problems()
    _checked_tier(session, data, problems, tier.id if tier else None)
    problems.raise_any()
    before = tier_snapshot(tier) if tier else None
    if tier is None:
        tier = Tier(created_at=now)
        session.add(tier)
    tier.name, tier.threshold, tier.benefits = data.name, data.threshold or 0, data.benefits
    tier.multiplier = data.multiplier or Decimal(1)
    session.flush()
    after = tier_snapshot(tier)
    if before is None:
        audit.record(session, actor, "tier.create", "tier", str(tier.id), now=now, after=after)
    else:
        old, new = changes(before, after)
        if new:
            audit.record(
                session, actor, "tier.update", "tier", str(tier.id), now=now, before=old, after=new
            )
    return tier


def recompute_tiers(session: Session, *, actor: Actor, now: datetime) -> int:
    """Move every member to the tier their points in the window give now."""
    changed = tiers.recompute_all(session, now, load_program(session).tier_window_days)
    audit.record(session, actor, "tier.recompute", "tier", "*", now=now, after={"changed": changed})
    return changed


# -- user groups ---------------------------------------------------------------
@dataclass
class GroupInput:
    title: str
    title_translations: str = ""
    description: str = ""
    description_translations: str = ""
    status: str = "ACTIVE"
    parsed: dict[str, dict[str, str]] = field(default_factory=dict)


def parse_translations(text: str, problems: Problems, field_name: str) -> dict[str, str]:
    """'de: Titel' lines -> {'de': 'Titel'}; each bad line is reported."""
    result: dict[str, str] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        lang, sep, value = line.partition(":")
        lang, value = lang.strip(), value.strip()
        if not sep or not LANG.fullmatch(lang) or lang == "default":
            problems.add(field_name, f"Line {number}: write a language code, a colon, the text.")
        elif not value or len(value) > 500:
            problems.add(field_name, f"Line {number}: 1 to 500 characters after the colon.")
        elif lang in result:
            problems.add(field_name, f"Line {number}: {lang} is given twice.")
        else:
            result[lang] = value
    return result


def format_translations(values: dict[str, Any]) -> str:
    return "\n".join(f"{lang}: {text}" for lang, text in values.items() if lang != "default")


def group_snapshot(group: UserGroup) -> dict[str, Any]:
    return {
        "title": dict(group.title),
        "description": dict(group.description),
        "status": group.status,
    }


def get_group(session: Session, group_id: str) -> UserGroup:
    group = session.get(UserGroup, group_id)
    if group is None:
        raise NotFound(f"No user group {group_id!r}.")
    return group


def _checked_group(data: GroupInput, problems: Problems) -> None:
    title = problems.text("title", data.title, max_len=500, required=True)
    description = problems.text("description", data.description, max_len=2000)
    problems.choice("status", data.status, GROUP_STATUSES)
    titles = {
        "default": title,
        **parse_translations(data.title_translations, problems, "title_translations"),
    }
    descriptions = parse_translations(
        data.description_translations, problems, "description_translations"
    )
    data.parsed = {
        "title": titles,
        "description": ({"default": description} if description else {}) | descriptions,
    }


def save_group(
    session: Session,
    group: UserGroup | None,
    data: GroupInput,
    *,
    actor: Actor,
    now: datetime,
    group_id: str = "",
) -> UserGroup:
    """Create (group=None, with `group_id`) or update a user group."""
    problems = Problems()
    if group is None:
        group_id = (group_id or "").strip()
        if not GROUP_ID.fullmatch(group_id) or group_id.lower() == "new":
            problems.add("id", "1 to 128 letters, digits or _ . : - (no spaces).")
        elif session.get(UserGroup, group_id) is not None:
            problems.add("id", "A group with this id already exists.")
    _checked_group(data, problems)
    problems.raise_any()
    before = group_snapshot(group) if group else None
    if group is None:
        group = UserGroup(id=group_id, created_at=now)
        session.add(group)
    group.title = data.parsed["title"]
    group.description = data.parsed["description"]
    group.status = data.status
    session.flush()
    after = group_snapshot(group)
    if before is None:
        audit.record(session, actor, "group.create", "usergroup", group.id, now=now, after=after)
    else:
        old, new = changes(before, after)
        if new:
            audit.record(
                session,
                actor,
                "group.update",
                "usergroup",
                group.id,
                now=now,
                before=old,
                after=new,
            )
    return group
