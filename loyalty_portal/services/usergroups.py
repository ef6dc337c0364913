"""User groups: created by integrators (API) or admins; members join through events."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty_portal.models import UserGroup
from loyalty_portal.services import audit
from loyalty_portal.services.actors import Actor
from loyalty_portal.services.errors import ValidationFailed
from loyalty_portal.services.sql import insert_ignore

GROUP_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
REQUIRED_TITLE_LANGUAGES = ("default", "de")
MAX_TEXT = 500


def new_group_id() -> str:
    return "ug_" + secrets.token_hex(6)


def _texts(name: str, value: dict[str, str] | None, required: tuple[str, ...]) -> dict[str, str]:
    value = dict(value or {})
    problems = [f"{lang} is required" for lang in required if not str(value.get(lang, "")).strip()]
    problems += [
        f"{lang} must be text of at most {MAX_TEXT} characters"
        for lang, text in value.items()
        if not isinstance(text, str) or len(text) > MAX_TEXT or len(lang) > 16
    ]
    if problems:
        raise ValidationFailed(f"{name}: {problems[0]}.", details={name: problems})
    return value


def create_group(
    session: Session,
    *,
    title: dict[str, str],
    description: dict[str, str] | None,
    actor: Actor,
    now: datetime,
    group_id: str | None = None,
) -> UserGroup:
    """Create an ACTIVE group; `title` needs `default` and `de`. A taken id is refused."""
    group_id = group_id or new_group_id()
    if not GROUP_ID_PATTERN.fullmatch(group_id):
        raise ValidationFailed(
            "userGroupId must be 1 to 128 letters, digits, _ or -.",
            details={"userGroupId": ["invalid"]},
        )
    title = _texts("title", title, REQUIRED_TITLE_LANGUAGES)
    description = _texts("description", description, ())
    created = insert_ignore(
        session,
        UserGroup.__table__,
        {
            "id": group_id,
            "title": title,
            "description": description,
            "status": "ACTIVE",
            "created_at": now,
        },
        ["id"],
    )
    if created is None:
        raise ValidationFailed(
            f"User group {group_id!r} already exists.",
            details={"userGroupId": ["already exists"]},
        )
    audit.record(
        session, actor, "usergroup.create", "usergroup", group_id, now=now, after={"title": title}
    )
    return session.scalars(select(UserGroup).where(UserGroup.id == group_id)).one()
