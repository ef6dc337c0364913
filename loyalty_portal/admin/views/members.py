"""Members: search, a member's page (balance, tier, lots, ledger, coupons, events),
manual adjustment with a reason, and erasure."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from loyalty_portal.admin import bp
from loyalty_portal.admin.forms.members import AdjustForm, EraseForm
from loyalty_portal.admin.helpers import (
    PER_PAGE,
    PageOf,
    admin_actor,
    page_number,
    paginate,
    sort_order,
)
from loyalty_portal.extensions import db
from loyalty_portal.forms import show_errors
from loyalty_portal.models import Member
from loyalty_portal.services import adjustments, history, member_admin, members, summary
from loyalty_portal.services.errors import InsufficientPoints, ValidationFailed
from loyalty_portal.timeutil import utcnow


@bp.get("/members")
def members_list() -> str:
    q = request.args.get("q", "")
    sort, order = sort_order(member_admin.SEARCH_SORTS, "user")
    page = paginate(db.session, member_admin.search(q, order), scalars=False)
    return render_template("admin/members/list.html", page=page, q=q.strip(), sort=sort)


def _member_page(member: Member, adjust_form: AdjustForm) -> str:
    now = utcnow()
    member = members.settle(db.session, member, now)
    db.session.commit()
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
        email=member_admin.email_of(db.session, member),
        summary=summary.member_summary(db.session, member, now, expiring_within_days=None),
        lots=member_admin.live_lots(db.session, member.id, now),
        ledger=PageOf(ledger.entries, number, ledger.has_more),
        coupons=paginate(
            db.session, member_admin.coupons_query(member.id), arg="cpage", per_page=10
        ),
        events=paginate(db.session, member_admin.events_query(member.id), arg="epage", per_page=10),
        adjust_form=adjust_form,
        now=now,
    )


@bp.get("/members/<user_id>")
def member_detail(user_id: str) -> str:
    return _member_page(members.get_member(db.session, user_id), AdjustForm())


@bp.post("/members/<user_id>/adjust")
def member_adjust(user_id: str) -> Response | str:
    member = members.get_member(db.session, user_id)
    form = AdjustForm()
    if form.validate_on_submit():
        try:
            adjustments.adjust(
                db.session,
                member,
                form.points.data,
                reason=form.reason.data,
                actor=admin_actor(),
                now=utcnow(),
            )
        except ValidationFailed as exc:
            db.session.rollback()
            show_errors(form, exc, "reason")
        except InsufficientPoints as exc:
            db.session.rollback()
            form.points.errors = [exc.message]
        else:
            db.session.commit()
            flash(f"{form.points.data:+,} points recorded for {member.user_id}.", "success")
            return redirect(url_for("admin.member_detail", user_id=member.user_id), 303)
    member = members.get_member(db.session, user_id)
    return _member_page(member, form)


@bp.route("/members/<user_id>/erase", methods=["GET", "POST"])
def member_erase(user_id: str) -> Response | str:
    member = members.get_member(db.session, user_id)
    form = EraseForm()
    if form.validate_on_submit():
        if form.confirm.data.strip() != member.user_id:
            form.confirm.errors = [f"Type {member.user_id} exactly to confirm."]
        else:
            members.erase(db.session, member, admin_actor(), utcnow())
            db.session.commit()
            flash(f"Member {user_id} was erased.", "success")
            return redirect(url_for("admin.members_list"), 303)
    return render_template("admin/members/erase.html", member=member, form=form)
