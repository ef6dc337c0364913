"""User groups: one set of rules for every door (API, admin area), audited the same way.

Titles and descriptions are dicts by language (`default`, `de`, `en`, ...), the shape the
API returns. A group needs a `default` and a German (`de`) title, as the public API
demands; `parse_translations` reads the admin form's "lang: text" lines into that shape.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from loyalty_portal.models import UserGroup
from loyalty_portal.models.enums import GroupStatus
from loyalty_portal.services.core import audit
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import NotFound
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.sql import insert_ignore
from loyalty_portal.services.core.validation import Problems

GROUP_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
#: A key of a title or description dict: `default` or a language code.
LANGUAGE_KEY = re.compile(rf"^(default|{LANG.pattern[1:-1]})$")
REQUIRED_TITLES = ("default", "de")
MAX_TITLE = 500
MAX_DESCRIPTION = 2000


@dataclass
class GroupInput:
    """A group's texts by language, and its status."""

    title: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)
    status: str = GroupStatus.ACTIVE


def new_group_id() -> str:
    return "ug_" + secrets.token_hex(6)


def parse_translations(text: str, problems: Problems, field_name: str) -> dict[str, str]:
    """'de: Titel' lines -> {'de': 'Titel'}; each bad line is reported."""
    result: dict[str, str] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        lang, sep, value = line.partition(":")
        lang, value = lang.strip(), value.strip()
        if not sep or not LANG.fullmatch(lang):
            problems.add(field_name, f"Line {number}: write a language code, a colon, the text.")
        elif not value:
            problems.add(field_name, f"Line {number}: write the text after the colon.")
        elif lang in result:
            problems.add(field_name, f"Line {number}: {lang} is given twice.")
        else:
            result[lang] = value
    return result


def format_translations(values: dict[str, Any], skip: tuple[str, ...] = ("default",)) -> str:
    return "\n".join(f"{lang}: {text}" for lang, text in values.items() if lang not in skip)


def group_snapshot(group: UserGroup) -> dict[str, Any]:
    return {
        "title": dict(group.title),
        "description": dict(group.description),
        "status": group.status,
    }


def get_group(session: DbSession, group_id: str) -> UserGroup:
    group = session.get(UserGroup, group_id)
    if group is None:
        raise NotFound(f"No user group {group_id!r}.")
    return group


def _texts(
    problems: Problems, name: str, value: Any, required: tuple[str, ...], max_len: int
) -> dict[str, str]:
    if not isinstance(value, dict):
        problems.add(name, 'Give the texts by language, e.g. {"default": ..., "de": ...}.')
        return {}
    texts: dict[str, str] = {}
    for lang in required:
        if not isinstance(value.get(lang), str) or not value[lang].strip():
            label = "A default" if lang == "default" else f"A {lang!r}"
            problems.add(name, f"{label} {name} is required.")
    for lang, text in value.items():
        if not isinstance(lang, str) or not LANGUAGE_KEY.fullmatch(lang):
            problems.add(name, f"{str(lang)[:16]!r} is not a language code (e.g. de, en, fr-CH).")
        elif not isinstance(text, str) or len(text.strip()) > max_len:
            problems.add(name, f"The {lang} {name} must be text of at most {max_len} characters.")
        elif text.strip():
            texts[lang] = text.strip()
    return texts


def _checked(data: GroupInput, problems: Problems) -> GroupInput:
    title = _texts(problems, "title", data.title, REQUIRED_TITLES, MAX_TITLE)
    description = _texts(problems, "description", data.description, (), MAX_DESCRIPTION)
    problems.choice("status", data.status, tuple(GroupStatus))
    return GroupInput(title=title, description=description, status=data.status)


def create_group(
    session: DbSession,
    data: GroupInput,
    *,
    actor: Actor,
    now: datetime,
    group_id: str | None = None,
    problems: Problems | None = None,
) -> UserGroup:
    """Create a group (`group_id` generated when omitted); a taken id is refused.

    `problems` are those a door found reading its form; they are reported together with
    the service's own, so a form shows every problem at once.
    """
    problems = problems if problems is not None else Problems()
    group_id = (group_id or "").strip() or new_group_id()
    if not GROUP_ID.fullmatch(group_id):
        problems.add("userGroupId", "1 to 128 letters, digits, _ or - (no spaces or dots).")
    elif session.get(UserGroup, group_id) is not None:
        problems.add("userGroupId", f"A user group {group_id!r} already exists.")
    checked = _checked(data, problems)
    problems.raise_any()
    created = insert_ignore(
        session,
        UserGroup.__table__,
        {
            "id": group_id,
            "title": checked.title,
            "description": checked.description,
            "status": checked.status,
            "created_at": now,
        },
        ["id"],
    )
    if created is None:  # created by a concurrent request since the check above
        problems.add("userGroupId", f"A user group {group_id!r} already exists.")
        problems.raise_any()
    group = session.scalars(select(UserGroup).where(UserGroup.id == group_id)).one()
    audit.record(
        session,
        actor,
        "usergroup.create",
        "usergroup",
        group.id,
        now=now,
        after=group_snapshot(group),
    )
    return group


def update_group(
    session: DbSession,
    group: UserGroup,
    data: GroupInput,
    *,
    actor: Actor,
    now: datetime,
    problems: Problems | None = None,
) -> UserGroup:
    problems = problems if problems is not None else Problems()
    checked = _checked(data, problems)
    problems.raise_any()
    before = group_snapshot(group)
    group.title, group.description, group.status = (
        checked.title,
        checked.description,
        checked.status,
    )
    session.flush()
    audit.record_changes(
        session,
        actor,
        "usergroup.update",
        "usergroup",
        group.id,
        now=now,
        before=before,
        after=group_snapshot(group),
    )
    return group
