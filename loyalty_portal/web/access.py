"""Access rules for the HTML doors: who may see the member portal and the admin area."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import abort, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from loyalty_portal.extensions import login_manager
from loyalty_portal.models import Member

P = ParamSpec("P")
R = TypeVar("R")


def current_member() -> Member:
    """The logged-in member (views behind `member_required` only)."""
    member: Member | None = current_user.member
    assert member is not None
    return member


def member_required(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Logged in as a member; anonymous users go to the login page, admins to their area."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if not current_user.is_authenticated:
            to_login: Response = login_manager.unauthorized()
            return to_login
        if current_user.member is None or current_user.member.erased_at is not None:
            if current_user.is_admin:
                return redirect(url_for("admin.dashboard"))
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def require_admin() -> Any:
    """`before_request` guard of the admin blueprint: anonymous -> login, member -> 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403, "This page is for administrators.")
    return None
