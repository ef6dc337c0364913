"""Tiers and user groups."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from loyalty_portal.admin import bp
from loyalty_portal.admin.forms.program import GroupForm, TierForm
from loyalty_portal.admin.helpers import admin_actor, paginate, sort_order
from loyalty_portal.extensions import db
from loyalty_portal.forms import show_errors
from loyalty_portal.models import Member, MemberUserGroup, Tier, UserGroup
from loyalty_portal.services import program_admin
from loyalty_portal.services.errors import ValidationFailed
from loyalty_portal.timeutil import utcnow


@bp.get("/tiers")
def tiers() -> str:
    ladder = db.session.scalars(select(Tier).order_by(Tier.threshold)).all()
    counts = dict(
        db.session.execute(
            select(Member.tier_id, func.count())
            .where(Member.erased_at.is_(None), Member.tier_id.is_not(None))
            .group_by(Member.tier_id)
        ).all()
    )
    return render_template("admin/tiers.html", tiers=ladder, counts=counts)


def _tier_input(form: TierForm) -> program_admin.TierInput:
    return program_admin.TierInput(
        name=form.name.data or "",
        threshold=form.threshold.data,
        multiplier=form.multiplier.data,
        benefits=form.benefits.data or "",
    )


@bp.route("/tiers/new", methods=["GET", "POST"])
@bp.route("/tiers/<int:tier_id>", methods=["GET", "POST"])
def tier_edit(tier_id: int | None = None) -> Response | str:
    tier = program_admin.get_tier(db.session, tier_id) if tier_id else None
    form = TierForm(obj=tier) if request.method == "GET" and tier else TierForm()
    if form.validate_on_submit():
        try:
            program_admin.save_tier(
                db.session, tier, _tier_input(form), actor=admin_actor(), now=utcnow()
            )
        except ValidationFailed as exc:
            db.session.rollback()
            show_errors(form, exc, "name")
        else:
            db.session.commit()
            flash("Tier saved. Members move at the next tier recompute.", "success")
            return redirect(url_for("admin.tiers"), 303)
    return render_template("admin/tier_form.html", form=form, tier=tier)


@bp.post("/tiers/recompute")
def tiers_recompute() -> Response:
    changed = program_admin.recompute_tiers(db.session, actor=admin_actor(), now=utcnow())
    db.session.commit()
    flash(f"Tiers recomputed: {changed:,} members changed tier.", "success")
    return redirect(url_for("admin.tiers"), 303)


GROUP_SORTS = {"id": UserGroup.id, "status": UserGroup.status, "created": UserGroup.created_at}


@bp.get("/groups")
def groups() -> str:
    sort, order = sort_order(GROUP_SORTS, "id")
    page = paginate(db.session, select(UserGroup).order_by(*order, UserGroup.id))
    ids = [g.id for g in page.items]
    counts = dict(
        db.session.execute(
            select(MemberUserGroup.usergroup_id, func.count())
            .where(MemberUserGroup.usergroup_id.in_(ids))
            .group_by(MemberUserGroup.usergroup_id)
        ).all()
    )
    return render_template("admin/groups.html", page=page, sort=sort, counts=counts)


def _group_input(form: GroupForm) -> program_admin.GroupInput:
    return program_admin.GroupInput(
        title=form.title.data or "",
        title_translations=form.title_translations.data or "",
        description=form.description.data or "",
        description_translations=form.description_translations.data or "",
        status=form.status.data,
    )


@bp.route("/groups/new", methods=["GET", "POST"])
@bp.route("/groups/<group_id>", methods=["GET", "POST"])
def group_edit(group_id: str | None = None) -> Response | str:
    group = program_admin.get_group(db.session, group_id) if group_id else None
    if request.method == "GET" and group:
        form = GroupForm(
            data={
                "title": group.title.get("default", ""),
                "title_translations": program_admin.format_translations(group.title),
                "description": group.description.get("default", ""),
                "description_translations": program_admin.format_translations(group.description),
                "status": group.status,
            }
        )
    else:
        form = GroupForm()
    if group:
        del form.id
    if form.validate_on_submit():
        try:
            program_admin.save_group(
                db.session,
                group,
                _group_input(form),
                actor=admin_actor(),
                now=utcnow(),
                group_id="" if group else form.id.data,
            )
        except ValidationFailed as exc:
            db.session.rollback()
            show_errors(form, exc, "title")
        else:
            db.session.commit()
            flash("User group saved.", "success")
            return redirect(url_for("admin.groups"), 303)
    return render_template("admin/group_form.html", form=form, group=group)
