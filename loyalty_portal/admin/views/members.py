"""Members: search, a member's page (balance, tier, lots, ledger, coupons, events),
manual adjustment with a reason, and erasure."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from loyalty_portal.admin import bp, queries
from loyalty_portal.admin.forms.members import AdjustForm, EraseForm
from loyalty_portal.admin.helpers import admin_actor, sort_order
from loyalty_portal.admin.views.member_checkout import checkout_context
from loyalty_portal.extensions import db
from loyalty_portal.models import Member
from loyalty_portal.services.analytics import dashboard
from loyalty_portal.services.core.errors import InsufficientPoints, ValidationFailed
from loyalty_portal.services.core.pages import Page
from loyalty_portal.services.ledger import adjustments, history, settlement
from loyalty_portal.services.members import account_mail, accounts, login_sessions, members, summary
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.account_links import account_links
from loyalty_portal.web.forms import submit
from loyalty_portal.web.paging import PER_PAGE, page_number, paginate


@bp.get("/members")
def members_list() -> str:
    q = request.args.get("q", "")
    sort, order = sort_order(queries.SEARCH_SORTS, "user")
    page = paginate(db.session, queries.search(q, order), scalars=False)
    return render_template("admin/members/list.html", page=page, q=q.strip(), sort=sort)


def _member_page(member: Member, adjust_form: AdjustForm) -> str:
    now = utcnow()
    member = settlement.settle(db.session, member, now)
    number = page_number()
    ledger = history.page_by_offset(
        db.session,
        member.id,
        history.HistoryFilter(),
        limit=PER_PAGE,
        offset=(number - 1) * PER_PAGE,
    )
    return render_template(
        "admin/members/detail.html",
        member=member,
        email=queries.email_of(db.session, member),
        login=accounts.find_login(db.session, member),
        summary=summary.member_summary(db.session, member, now, expiring_within_days=None),
        lots=queries.live_lots(db.session, member.id, now),
        ledger=Page(ledger.items, ledger.has_more, number),
        coupons=paginate(db.session, queries.coupons_query(member.id), arg="cpage", per_page=10),
        events=paginate(db.session, queries.events_query(member.id), arg="epage", per_page=10),
        adjust_form=adjust_form,
        now=now,
        **checkout_context(member, now),
    )


@bp.get("/members/<user_id>")
def member_detail(user_id: str) -> str:
    return _member_page(members.get_member(db.session, user_id), AdjustForm())


def _adjusted(points: int, user_id: str) -> str:
    unit = "point" if abs(points) == 1 else "points"
    return f"{points:+,} {unit} recorded for {user_id}."


@bp.post("/members/<user_id>/adjust")
def member_adjust(user_id: str) -> Response | str:
    member = members.get_member(db.session, user_id)
    form = AdjustForm()
    done = submit(
        form,
        lambda: adjustments.adjust(
            db.session,
            member,
            form.points.data,
            reason=form.reason.data,
            actor=admin_actor(),
            now=utcnow(),
        ),
        field="reason",
        all_at_once=True,
        success=_adjusted(form.points.data or 0, member.user_id),
        refusals=(ValidationFailed, InsufficientPoints),
        rename={"balance": "points"},
    )
    if done.ok:
        return redirect(url_for("admin.member_detail", user_id=member.user_id), 303)
    member = members.get_member(db.session, user_id)
    return _member_page(member, form)


@bp.post("/members/<user_id>/end-sessions")
def member_end_sessions(user_id: str) -> Response:
    """Log the member out everywhere (audited), e.g. after a lost phone."""
    member = members.get_member(db.session, user_id)
    login = accounts.login_of(db.session, member)
    login_sessions.end_sessions(db.session, login, actor=admin_actor(), now=utcnow())
    flash(f"All sessions of {login.email or member.user_id} were ended.", "success")
    return redirect(url_for("admin.member_detail", user_id=member.user_id), 303)


@bp.post("/members/<user_id>/send-reset-link")
def member_send_reset_link(user_id: str) -> Response:
    """Mail the member a one-time link to choose a new password (audited)."""
    member = members.get_member(db.session, user_id)
    login = accounts.login_of(db.session, member)
    try:
        account_mail.send_reset_link(
            db.session, login, account_links(), utcnow(), actor=admin_actor()
        )
    except ValidationFailed as exc:
        flash(exc.message, "error")
    else:
        flash(f"A link to choose a new password was sent to {login.email}.", "success")
    return redirect(url_for("admin.member_detail", user_id=member.user_id), 303)


@bp.route("/members/<user_id>/erase", methods=["GET", "POST"])
def member_erase(user_id: str) -> Response | str:
    member = members.get_member(db.session, user_id)
    form = EraseForm()
    if form.validate_on_submit():
        if form.confirm.data.strip() != member.user_id:
            form.confirm.errors = [f"Type {member.user_id} exactly to confirm."]
        else:
            members.erase(db.session, member, admin_actor(), utcnow())
            dashboard.counts_changed(db.session)
            flash(f"Member {user_id} was erased.", "success")
            return redirect(url_for("admin.members_list"), 303)
    return render_template("admin/members/erase.html", member=member, form=form)
