"""Leaderboards from the daily rollups: windows in the program zone, ranks, neighbours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from loyalty_portal.services.analytics import leaderboard
from loyalty_portal.services.core.errors import ValidationFailed
from loyalty_portal.services.earning import events
from loyalty_portal.services.members import members

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")


def earn(session, user, points, when=NOW):
    events.record_event(
        session, user_id=user, event_id=f"p{points}", now=when, source="t", trusted=True
    )
    session.commit()


@pytest.fixture
def scores(ctx, make):
    for points in (5, 10, 20, 40):
        make.rule(f"p{points}", points=points)
    make.group("club")
    earn(ctx, "ann", 40)
    earn(ctx, "bob", 20)
    earn(ctx, "cat", 20)
    earn(ctx, "dan", 10)
    earn(ctx, "eve", 5)
    earn(ctx, "old", 40, NOW - timedelta(days=40))  # outside 30d
    members.join_groups(ctx, members.get_member(ctx, "bob"), ["club"])
    members.join_groups(ctx, members.get_member(ctx, "eve"), ["club"])
    ctx.commit()
    return ctx


def test_ranking_uses_competition_ranks_within_the_window(scores):
    win = leaderboard.window(NOW, UTC_ZONE, timeframe="30d")
    board = leaderboard.ranking(scores, "default", win, limit=10)
    assert [(s.user_id, s.points, s.rank) for s in board] == [
        ("ann", 40, 1),
        ("bob", 20, 2),
        ("cat", 20, 2),
        ("dan", 10, 4),
        ("eve", 5, 5),
        ("old", 0, 6),
    ]
    year = leaderboard.ranking(
        scores, "default", leaderboard.window(NOW, UTC_ZONE, timeframe="365d")
    )
    assert year[0].user_id == "ann" and year[1].user_id == "old"


def test_group_board_and_neighbourhood(scores):
    win = leaderboard.window(NOW, UTC_ZONE, timeframe="7d")
    club = leaderboard.ranking(scores, "club", win)
    assert [s.user_id for s in club] == ["bob", "eve"]
    around = leaderboard.around(scores, members.get_member(scores, "dan"), "default", win, span=1)
    assert [s.user_id for s in around.top] == ["ann", "bob", "cat"]
    assert [s.user_id for s in around.before] == ["cat"]
    assert around.me.rank == 4
    assert [s.user_id for s in around.after] == ["eve"]


def test_month_window_and_bad_input(scores):
    march = leaderboard.window(NOW, UTC_ZONE, month="2026-03")
    assert (march.first.isoformat(), march.last.isoformat()) == ("2026-03-01", "2026-03-31")
    feb = leaderboard.ranking(scores, "default", leaderboard.window(NOW, UTC_ZONE, month="2026-02"))
    assert feb[0].user_id == "old" and feb[0].points == 40
    for kwargs in (
        {},
        {"month": "2026-13"},
        {"timeframe": "8d"},
        {"month": "2026-01", "timeframe": "7d"},
    ):
        with pytest.raises(ValidationFailed):
            leaderboard.window(NOW, UTC_ZONE, **kwargs)
