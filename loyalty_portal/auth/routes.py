"""Auth views. Members and admins share the login page and land in their own area."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from loyalty_portal.auth import bp, invitations
from loyalty_portal.auth.forms import ChangePasswordForm, LoginForm, RegisterForm
from loyalty_portal.extensions import db, limiter, login_manager
from loyalty_portal.models import Account
from loyalty_portal.services.members import account_mail, accounts, login_sessions, registration
from loyalty_portal.services.members.registration import Outcome
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.account_links import account_links
from loyalty_portal.web.forms import submit

#: Said for a registration whatever the address (with verification on).
CHECK_EMAIL = (
    "Check your email: we sent a message to {email}. Follow its link to finish; "
    "no account can be used before that."
)
#: Said when the address has an account and verification is off (see `registration`).
TAKEN = (
    "We could not create an account with this address. If it is yours, log in or choose "
    "a new password with “Forgot your password?”."
)


@login_manager.user_loader
def load_account(session_id: str) -> Account | None:
    """Only a session of the account's current version counts (see `login_sessions`)."""
    return login_sessions.find_session_account(db.session, session_id)


login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


def home_for(account: Account) -> str:
    return url_for("admin.dashboard") if account.is_admin else url_for("portal.dashboard")


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def start_session(account: Account) -> None:
    """Log in with a fresh session (no fixation), keeping nothing from before."""
    session.clear()
    login_user(account)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login() -> Response | str:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            account = accounts.authenticate(
                db.session,
                form.email.data,
                form.password.data,
                utcnow(),
                require_verified_email=current_app.config["REQUIRE_EMAIL_VERIFICATION"],
            )
        except accounts.EmailNotVerified as refused:
            account_mail.send_verification_link(
                db.session, refused.account, account_links(), utcnow()
            )
            form.email.errors.append(
                "Confirm your email address first: we have sent a new link to it."
            )
            return render_template("auth/login.html", form=form)
        if account is not None:
            target = safe_next(request.args.get("next"))
            start_session(account)
            return redirect(target or home_for(account), 303)
        form.password.errors.append("Email or password is not correct.")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    """Log out here and everywhere else: a copied cookie stops working too."""
    if current_user.is_authenticated:
        login_sessions.end_sessions(db.session, current_user)
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def register() -> Response | str:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegisterForm()
    if request.method == "GET":
        form.ref.data = request.args.get("ref", "")
    invitation = invitations.invitation(db.session, form.ref.data)
    if invitation is None:
        form.ref.data = ""  # an invalid link: register without it (the page says so)
    done = submit(
        form,
        lambda: invitations.register_invited(
            db.session,
            form.ref.data,
            lambda: registration.register(
                db.session,
                form.email.data,
                form.password.data,
                utcnow(),
                (form.display_name.data or "").strip() or None,
                links=account_links(),
                verify=current_app.config["REQUIRE_EMAIL_VERIFICATION"],
            ),
        ),
        field="email",
    )
    if done.value is not None and done.value.account is not None:
        start_session(done.value.account)
        flash("Welcome! Your account is ready.", "success")
        return redirect(url_for("portal.dashboard"), 303)
    if done.value is not None and done.value.outcome == Outcome.CHECK_EMAIL:
        flash(CHECK_EMAIL.format(email=form.email.data.strip()), "info")
        return redirect(url_for("auth.check_email"), 303)
    if done.value is not None:  # TAKEN: answered with 200, so the owner's note is sent
        form.email.errors.append(TAKEN)
    return render_template(
        "auth/register.html",
        form=form,
        invitation=invitation,
        bad_ref=bool(request.args.get("ref")) and invitation is None,
    )


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str:
    """Other sessions end with the old password; this browser gets a fresh session."""
    form = ChangePasswordForm()
    account = current_user._get_current_object()
    done = submit(
        form,
        lambda: accounts.change_password(
            db.session, account, form.current_password.data, form.new_password.data
        ),
        field="new_password",
    )
    if done.ok:
        start_session(account)
        flash("Your password has been changed. Other devices have been logged out.", "success")
        return redirect(home_for(account), 303)
    return render_template("auth/password.html", form=form)
