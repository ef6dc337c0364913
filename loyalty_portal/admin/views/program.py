"""Tiers and user groups."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from loyalty_portal.admin import bp
from loyalty_portal.admin.forms.program import GroupForm, TierForm
from loyalty_portal.admin.helpers import admin_actor, sort_order
from loyalty_portal.extensions import db
from loyalty_portal.models import Member, MemberUserGroup, Tier, UserGroup
from loyalty_portal.services.analytics import dashboard
from loyalty_portal.services.core.validation import Problems
from loyalty_portal.services.program import groups as groups_service
from loyalty_portal.services.program import tiers as tiers_service
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.forms import plural, submit
from loyalty_portal.web.paging import paginate


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
    return render_template("admin/tiers/list.html", tiers=ladder, counts=counts)


def _tier_input(form: TierForm) -> tiers_service.TierInput:
    return tiers_service.TierInput(
        name=form.name.data or "",
        threshold=form.threshold.data,
        multiplier=form.multiplier.data,
        benefits=form.benefits.data or "",
    )


@bp.route("/tiers/new", methods=["GET", "POST"])
@bp.route("/tiers/<int:tier_id>", methods=["GET", "POST"])
def tier_edit(tier_id: int | None = None) -> Response | str:
    tier = tiers_service.get_tier(db.session, tier_id) if tier_id else None
    form = TierForm(obj=tier) if request.method == "GET" and tier else TierForm()

    def save() -> Tier:
        saved = tiers_service.save_tier(
            db.session, tier, _tier_input(form), actor=admin_actor(), now=utcnow()
        )
        dashboard.counts_changed(db.session)
        return saved

    done = submit(
        form,
        save,
        field="name",
        all_at_once=True,
        success="Tier saved. Members move at the next tier recompute.",
    )
    if done.ok:
        return redirect(url_for("admin.tiers"), 303)
    return render_template("admin/tiers/form.html", form=form, tier=tier)


@bp.post("/tiers/recompute")
def tiers_recompute() -> Response:
    changed = tiers_service.recompute_tiers(db.session, actor=admin_actor(), now=utcnow())
    dashboard.counts_changed(db.session)
    flash(f"Tiers recomputed: {plural(changed, 'member')} changed tier.", "success")
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
    return render_template("admin/groups/list.html", page=page, sort=sort, counts=counts)


def _group_input(form: GroupForm, problems: Problems) -> groups_service.GroupInput:
    """The form's fields as texts by language: default and German, then the other lines."""
    titles = groups_service.parse_translations(
        form.title_translations.data or "", problems, "title_translations"
    )
    descriptions = groups_service.parse_translations(
        form.description_translations.data or "", problems, "description_translations"
    )
    if "de" in titles:
        problems.add("title_translations", "Write the German title in its own field above.")
    title = {**titles, "default": form.title.data or "", "de": form.title_de.data or ""}
    description = {"default": form.description.data or "", **descriptions}
    return groups_service.GroupInput(title=title, description=description, status=form.status.data)


def _group_form(group: UserGroup) -> GroupForm:
    skip = ("default", "de")
    return GroupForm(
        data={
            "title": group.title.get("default", ""),
            "title_de": group.title.get("de", ""),
            "title_translations": groups_service.format_translations(group.title, skip),
            "description": group.description.get("default", ""),
            "description_translations": groups_service.format_translations(group.description),
            "status": group.status,
        }
    )


@bp.route("/groups/new", methods=["GET", "POST"])
@bp.route("/groups/<group_id>", methods=["GET", "POST"])
def group_edit(group_id: str | None = None) -> Response | str:
    group = groups_service.get_group(db.session, group_id) if group_id else None
    form = _group_form(group) if request.method == "GET" and group else GroupForm()
    if group:
        del form.id

    def save() -> UserGroup:
        problems = Problems()
        data, actor, now = _group_input(form, problems), admin_actor(), utcnow()
        if group is None:
            return groups_service.create_group(
                db.session, data, actor=actor, now=now, group_id=form.id.data, problems=problems
            )
        return groups_service.update_group(
            db.session, group, data, actor=actor, now=now, problems=problems
        )

    form_fields = {"userGroupId": "id"}
    done = submit(
        form,
        save,
        field="title",
        success="User group saved.",
        rename=form_fields,
        all_at_once=True,
    )
    if done.ok:
        return redirect(url_for("admin.groups"), 303)
    return render_template("admin/groups/form.html", form=form, group=group)
