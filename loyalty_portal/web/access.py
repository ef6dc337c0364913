"""Access rules for the HTML doors: who may see the member portal and the admin area."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, redirect, url_for
from flask_login import current_user

from loyalty_portal.extensions import login_manager
from loyalty_portal.models import Member

F = TypeVar("F", bound=Callable[..., Any])


def current_member() -> Member:
    """The logged-in member (views behind `member_required` only)."""
    member = current_user.member
    assert member is not None
    return member


def member_required(view: F) -> F:
    """Logged in as a member; anonymous users go to the login page, admins to their area."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.member is None or current_user.member.erased_at is not None:
            if current_user.is_admin:
                return redirect(url_for("admin.dashboard"))
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def require_admin() -> Any:
    """`before_request` guard of the admin blueprint: anonymous -> login, member -> 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403, "This page is for administrators.")
    return None
