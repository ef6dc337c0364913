"""User groups and leaderboards."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import PROJECT, error_code


def test_create_usergroup_with_and_without_an_id(api, admin_key):
    body = {"title": {"default": "Gold club", "de": "Goldklub", "en": "Gold club"}}
    r = api.post("/v1/usergroup", admin_key, {**body, "userGroupId": "gold"})
    assert r.status_code == 201
    assert r.get_json() == {
        "userGroupId": "gold",
        "title": {"default": "Gold club", "de": "Goldklub", "en": "Gold club"},
        "description": {},
        "status": "ACTIVE",
    }
    generated = api.post("/v1/usergroup", admin_key, {**body, "description": {"de": "Beste"}})
    assert re.fullmatch(r"ug_[0-9a-f]{12}", generated.get_json()["userGroupId"])
    assert generated.get_json()["description"] == {"de": "Beste"}
    taken = api.post("/v1/usergroup", admin_key, {**body, "userGroupId": "gold"})
    assert taken.status_code == 400 and error_code(taken) == "validation_error"


def test_a_member_token_may_create_a_usergroup(api):
    r = api.post("/v1/usergroup", api.member("anyone"), {"title": {"default": "A", "de": "A"}})
    assert r.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": {"default": "only default"}},
        {"title": {"de": "nur de"}},
        {"title": "Gold"},
        {"title": {"default": "A", "de": "A", "en": 5}},
        {"title": {"default": "A", "de": "A"}, "userGroupId": "has space"},
        {"title": {"default": "A", "de": "A"}, "userGroupId": "x" * 129},
    ],
)
def test_usergroup_validation(api, admin_key, body):
    r = api.post("/v1/usergroup", admin_key, body)
    assert r.status_code == 400 and error_code(r) == "validation_error"


@pytest.fixture
def board(api, make, admin_key):
    """Five users with 50, 40, 30, 20, 10 points this week; two of them in group `team`."""
    make.group("team")
    make.rule("score", points=10)
    for i, user in enumerate(["u1", "u2", "u3", "u4", "u5"]):
        groups = {"usergroup": ["team"]} if user in ("u2", "u4") else {}
        for _ in range(5 - i):
            api.post(
                "/v1/event", admin_key, {"eventId": "score", "userId": user, "metadata": groups}
            )


def test_project_leaderboard(api, board, admin_key):
    r = api.get(f"/v1/project/{PROJECT}/leaderboard?groupId=default&timeframe=7d", admin_key)
    assert r.status_code == 200
    users = r.get_json()["users"]
    assert users[0] == {"userId": "u1", "username": "u1", "points": 50, "rank": 1}
    assert [u["rank"] for u in users] == [1, 2, 3, 4, 5]
    page = api.get(
        f"/v1/project/{PROJECT}/leaderboard?groupId=default&timeframe=30d&limit=2&offset=2",
        admin_key,
    ).get_json()["users"]
    assert [u["userId"] for u in page] == ["u3", "u4"]
    team = api.get(f"/v1/project/{PROJECT}/leaderboard?groupId=team&timeframe=7d", admin_key)
    assert [u["userId"] for u in team.get_json()["users"]] == ["u2", "u4"]


def test_project_leaderboard_by_month(api, board, admin_key):
    from datetime import UTC, datetime

    month = datetime.now(UTC).strftime("%Y-%m")
    r = api.get(f"/v1/project/{PROJECT}/leaderboard?groupId=default&month={month}", admin_key)
    assert r.status_code == 200 and len(r.get_json()["users"]) == 5
    old = api.get(f"/v1/project/{PROJECT}/leaderboard?groupId=default&month=2001-01", admin_key)
    assert {u["points"] for u in old.get_json()["users"]} == {0}


def test_other_project_is_404(api, board, admin_key):
    r = api.get("/v1/project/other/leaderboard?groupId=default&timeframe=7d", admin_key)
    assert r.status_code == 404 and error_code(r) == "not_found"


@pytest.mark.parametrize(
    "query",
    [
        "timeframe=7d",
        "groupId=default",
        "groupId=default&timeframe=7d&month=2026-01",
        "groupId=default&timeframe=1y",
        "groupId=default&month=2026-13",
        "groupId=default&timeframe=7d&limit=500",
    ],
)
def test_leaderboard_query_validation(api, board, admin_key, query):
    r = api.get(f"/v1/project/{PROJECT}/leaderboard?{query}", admin_key)
    assert r.status_code == 400 and error_code(r) == "validation_error"


def test_user_leaderboard_shows_top_and_neighbours(api, board, admin_key):
    r = api.get("/v1/user/u4/leaderboard?groupId=default&timeframe=7d", admin_key)
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == {"topUsers", "usersBefore", "user", "usersAfter"}
    assert [u["userId"] for u in body["topUsers"]] == ["u1", "u2", "u3"]
    assert [u["userId"] for u in body["usersBefore"]] == ["u2", "u3"]
    assert body["user"] == {"userId": "u4", "username": "u4", "points": 20, "rank": 4}
    assert [u["userId"] for u in body["usersAfter"]] == ["u5"]


def test_user_not_in_group_is_validation_error(api, board, admin_key):
    r = api.get("/v1/user/u1/leaderboard?groupId=team&timeframe=7d", admin_key)
    assert r.status_code == 400 and error_code(r) == "validation_error"


def test_rank_over_three_windows(api, board, admin_key):
    r = api.get("/v1/user/u3/rank", admin_key)
    assert r.status_code == 200
    body = r.get_json()
    assert {k: v for k, v in body.items() if k != "createdAt"} == {
        "userId": "u3",
        "username": "u3",
        "points7d": 30,
        "points30d": 30,
        "points365d": 30,
        "rank7d": 3,
        "rank30d": 3,
        "rank365d": 3,
    }
    assert isinstance(body["createdAt"], int)
    team = api.get("/v1/user/u4/rank?groupId=team", admin_key).get_json()
    assert team["rank7d"] == 2
