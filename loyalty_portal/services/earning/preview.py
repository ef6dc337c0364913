"""What an event would earn now, without writing anything (POST /v1/event/preview and the
admin's "try it" panel): the same evaluation the event path runs, read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loyalty_portal.models import Member
from loyalty_portal.services.core.errors import Forbidden
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.earning.evaluation import Evaluation, evaluate
from loyalty_portal.services.earning.rule_snapshots import RuleSnapshot, find_rule
from loyalty_portal.services.members import members
from loyalty_portal.services.program.settings import load_program


@dataclass(frozen=True)
class Preview:
    evaluation: Evaluation
    member: Member | None  # None: the event would create this user

    @property
    def points(self) -> int:
        """Available at once (pending points are not)."""
        ev = self.evaluation
        return ev.points if ev.pending_days <= 0 else 0

    @property
    def reason(self) -> str | None:
        ev = self.evaluation
        return "pending" if ev.points and ev.pending_days > 0 else ev.reason

    @property
    def balance(self) -> int:
        return (self.member.balance if self.member else 0) + self.points


def preview_event(
    session: DbSession,
    *,
    user_id: str,
    event_id: str | None = None,
    rule: RuleSnapshot | None = None,
    now: datetime,
    metadata: dict[str, Any],
    amount: Any,
    trusted: bool = True,
    extra_groups: list[str] | None = None,
) -> Preview:
    """Judge the event as `record_event` would at `now`; reads only, never locks."""
    if rule is None:
        assert event_id is not None
        rule = find_rule(session, event_id)
    if rule.requires_api_key and not trusted:
        raise Forbidden(f"Event {rule.event_id!r} can only be sent with an API key.")
    member = members.find_member(session, user_id) if user_id else None
    ev = evaluate(
        session,
        rule,
        member,
        metadata=metadata,
        amount=amount,
        now=now,
        program=load_program(session),
        extra_groups=extra_groups,
    )
    return Preview(ev, member)
