"""User groups and leaderboards."""

from __future__ import annotations

from loyalty_portal.api import serialize
from loyalty_portal.api.routing import Call, api_route
from loyalty_portal.api.schemas import responses as out
from loyalty_portal.api.schemas.requests import (
    LeaderboardQuery,
    ProjectLeaderboardQuery,
    RankQuery,
    UserGroupBody,
)
from loyalty_portal.extensions import db
from loyalty_portal.services.analytics import leaderboard
from loyalty_portal.services.core.errors import NotFound
from loyalty_portal.services.members import members
from loyalty_portal.services.program import groups
from loyalty_portal.services.program.settings import load_program


@api_route(
    "POST",
    "/usergroup",
    tag="Users",
    scope="users",
    body=UserGroupBody,
    response=out.UserGroupOut,
    status=201,
    summary="Create a user group",
    description="`title` needs `default` and `de`. An existing userGroupId is 400.",
)
def create_usergroup(call: Call) -> out.UserGroupOut:
    body: UserGroupBody = call.body
    group = groups.create_group(
        db.session,
        groups.GroupInput(title=body.title, description=body.description),
        group_id=body.userGroupId,
        actor=call.principal.actor,
        now=call.now,
    )
    return out.UserGroupOut(
        userGroupId=group.id,
        title=dict(group.title),
        description=dict(group.description),
        status=group.status,
    )


def _window(call: Call, query: LeaderboardQuery) -> leaderboard.Window:
    tz = load_program(db.session).timezone
    return leaderboard.window(call.now, tz, timeframe=query.timeframe, month=query.month)


@api_route(
    "GET",
    "/project/{projectId}/leaderboard",
    tag="Leaderboards",
    query=ProjectLeaderboardQuery,
    response=out.ProjectLeaderboard,
    errors=(404,),
    summary="Leaderboard of a user group over a month or a trailing timeframe",
    description="Give exactly one of `month` or `timeframe`. `projectId` must be this "
    "program's project id (404 otherwise).",
)
def project_leaderboard(call: Call) -> out.ProjectLeaderboard:
    query: ProjectLeaderboardQuery = call.query
    if call.params["project_id"] != load_program(db.session).project_id:
        raise NotFound(f"No project {call.params['project_id']!r}.")
    rows = leaderboard.ranking(
        db.session, query.groupId, _window(call, query), limit=query.limit, offset=query.offset
    )
    return out.ProjectLeaderboard(users=[serialize.standing(s) for s in rows])


@api_route(
    "GET",
    "/user/{userId}/leaderboard",
    tag="Leaderboards",
    query=LeaderboardQuery,
    response=out.UserLeaderboard,
    errors=(404,),
    summary="The top three and the users just before and after this one",
    description="Give exactly one of `month` or `timeframe`.",
)
def user_leaderboard(call: Call) -> out.UserLeaderboard:
    query: LeaderboardQuery = call.query
    member = members.get_member(db.session, str(call.user_id))
    near = leaderboard.around(db.session, member, query.groupId, _window(call, query))
    return out.UserLeaderboard(
        topUsers=[serialize.standing(s) for s in near.top],
        usersBefore=[serialize.standing(s) for s in near.before],
        user=serialize.standing(near.me),
        usersAfter=[serialize.standing(s) for s in near.after],
    )


@api_route(
    "GET",
    "/user/{userId}/rank",
    tag="Leaderboards",
    query=RankQuery,
    response=out.RankResponse,
    errors=(404,),
    summary="This user's points and rank over the last 7, 30 and 365 days",
)
def user_rank(call: Call) -> out.RankResponse:
    query: RankQuery = call.query
    member = members.get_member(db.session, str(call.user_id))
    tz = load_program(db.session).timezone
    ranks = {
        tf: leaderboard.standing(
            db.session, member, query.groupId, leaderboard.window(call.now, tz, timeframe=tf)
        )
        for tf in leaderboard.TIMEFRAMES
    }
    me = ranks["7d"]
    return out.RankResponse(
        userId=me.user_id,
        username=me.username,
        points7d=ranks["7d"].points,
        points30d=ranks["30d"].points,
        points365d=ranks["365d"].points,
        rank7d=ranks["7d"].rank,
        rank30d=ranks["30d"].rank,
        rank365d=ranks["365d"].rank,
        createdAt=serialize.ms(member.created_at),
    )
