"""Getting back in: "forgot password", the reset link, and email verification.

The answers to "send me a link" are the same whether or not the address has an account.
Pages that carry a token in their URL send no Referer, so the token stays on this site.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from loyalty_portal.auth import bp
from loyalty_portal.auth.forms import ForgotPasswordForm, ResendVerificationForm, ResetPasswordForm
from loyalty_portal.auth.routes import home_for, start_session
from loyalty_portal.extensions import db, limiter
from loyalty_portal.services.members import account_mail, account_tokens, accounts
from loyalty_portal.services.members.account_tokens import InvalidLink
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.account_links import account_links
from loyalty_portal.web.forms import submit

RESET_SENT = (
    "If an account exists for that address, we sent a link to choose a new password. "
    "It works once, for an hour."
)
VERIFICATION_SENT = (
    "If an account at that address still needs its email confirmed, we sent a new link."
)


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _private(body: str, status: int = 200) -> Response:
    response = current_app.make_response((body, status))
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/check-email")
def check_email() -> str:
    return render_template("auth/check_email.html")


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password() -> Response | str:
    form = ForgotPasswordForm()
    done = submit(
        form,
        lambda: account_mail.request_password_reset(
            db.session, form.email.data, account_links(), utcnow()
        ),
        field="email",
    )
    if done.ok:
        flash(RESET_SENT, "info")
        return redirect(url_for("auth.check_email"), 303)
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_password(token: str) -> Response:
    secret = current_app.config["SECRET_KEY"]
    try:
        account = account_tokens.account_for_reset(db.session, secret, token, utcnow())
    except InvalidLink as exc:
        return _private(render_template("auth/link_invalid.html", reason=exc.message), 400)
    form = ResetPasswordForm()
    done = submit(
        form,
        lambda: accounts.reset_password(db.session, account, form.new_password.data, utcnow()),
        field="new_password",
    )
    if done.ok:
        start_session(account)
        flash(
            "Your new password is set and you are logged in. Other devices were logged out.",
            "success",
        )
        return redirect(home_for(account), 303)
    return _private(render_template("auth/reset.html", form=form, email=account.email))


@bp.get("/verify/<token>")
def verify_email(token: str) -> Response:
    secret = current_app.config["SECRET_KEY"]
    try:
        account = account_tokens.account_for_verification(db.session, secret, token, utcnow())
    except InvalidLink as exc:
        return _private(render_template("auth/link_invalid.html", reason=exc.message), 400)
    accounts.confirm_email(db.session, account, utcnow())
    flash("Your email address is confirmed. You can log in now.", "success")
    return redirect(url_for("auth.login"), 303)


@bp.route("/verify/resend", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def resend_verification() -> Response | str:
    form = ResendVerificationForm()
    done = submit(
        form,
        lambda: account_mail.resend_verification(
            db.session, form.email.data, account_links(), utcnow()
        ),
        field="email",
    )
    if done.ok:
        flash(VERIFICATION_SENT, "info")
        return redirect(url_for("auth.check_email"), 303)
    return render_template("auth/resend.html", form=form)
