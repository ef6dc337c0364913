"""Earning rules: list, create, edit, (de)activate, and the read-only "try it" panel."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from loyalty_portal.admin import bp
from loyalty_portal.admin.forms.rules import RuleForm, TryRuleForm
from loyalty_portal.admin.helpers import admin_actor, filtered_list, sort_order, to_local, to_utc
from loyalty_portal.extensions import db
from loyalty_portal.models import EarningRule, UserGroup
from loyalty_portal.services.core.errors import ValidationFailed
from loyalty_portal.services.earning import rules as rules_service
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.forms import show_errors, submit
from loyalty_portal.web.htmx import is_htmx
from loyalty_portal.web.paging import paginate

SORTS = {
    "event": EarningRule.event_id,
    "title": EarningRule.title,
    "type": EarningRule.type,
    "updated": EarningRule.updated_at,
}


@bp.get("/rules")
def rules() -> str:
    stmt, q, status = filtered_list(
        select(EarningRule),
        search=(EarningRule.event_id, EarningRule.title),
        active=EarningRule.active,
        default_status="all",
    )
    sort, order = sort_order(SORTS, "event")
    page = paginate(db.session, stmt.order_by(*order, EarningRule.id))
    return render_template("admin/rules/list.html", page=page, q=q, status=status, sort=sort)


def _groups() -> dict[str, str]:
    groups = db.session.scalars(select(UserGroup).order_by(UserGroup.id))
    return {g.id: g.display_title() for g in groups}


def _override_rows(rule: EarningRule | None, groups: dict[str, str]) -> list[dict[str, Any]]:
    existing = {o.usergroup_id: o for o in rule.group_overrides} if rule else {}
    return [
        {
            "usergroup_id": group_id,
            "points": existing[group_id].points if group_id in existing else None,
            "points_per_unit": (
                existing[group_id].points_per_unit if group_id in existing else None
            ),
        }
        for group_id in groups
    ]


def _form_data(rule: EarningRule, groups: dict[str, str]) -> dict[str, Any]:
    data = {name: getattr(rule, name) for name in rules_service.FIELDS}
    data["active_from"] = to_local(rule.active_from)
    data["active_until"] = to_local(rule.active_until)
    data["cap_period"] = rule.cap_period or ""
    data["overrides"] = _override_rows(rule, groups)
    return data


def _input(form: RuleForm) -> rules_service.RuleInput:
    return rules_service.RuleInput(
        title=form.title.data or "",
        type=form.type.data,
        description=form.description.data or "",
        points=form.points.data,
        points_per_unit=form.points_per_unit.data,
        value_field=form.value_field.data or "",
        threshold=form.threshold.data,
        max_per_event=form.max_per_event.data,
        cap_count=form.cap_count.data,
        cap_period=form.cap_period.data or None,
        active_from=to_utc(form.active_from.data),
        active_until=to_utc(form.active_until.data),
        requires_api_key=bool(form.requires_api_key.data),
        pending_days=form.pending_days.data,
        expiry_policy=form.expiry_policy.data,
        expiry_days=form.expiry_days.data,
        active=bool(form.active.data),
        overrides=[
            rules_service.OverrideInput(
                usergroup_id=entry.usergroup_id.data or "",
                points=entry.points.data,
                points_per_unit=entry.points_per_unit.data,
            )
            for entry in form.overrides
        ],
    )


@bp.route("/rules/new", methods=["GET", "POST"])
def rule_new() -> Response | str:
    groups = _groups()
    if request.method == "POST":
        form = RuleForm()
    else:
        form = RuleForm(data={"overrides": _override_rows(None, groups)})
    done = submit(
        form,
        lambda: rules_service.create_rule(
            db.session, form.event_id.data, _input(form), actor=admin_actor(), now=utcnow()
        ),
        field="title",
        all_at_once=True,
        success=lambda rule: f"Rule “{rule.title}” created.",
    )
    if done.value is not None:
        return redirect(url_for("admin.rule_edit", rule_id=done.value.id), 303)
    return render_template("admin/rules/form.html", form=form, rule=None, groups=groups)


@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
def rule_edit(rule_id: int) -> Response | str:
    rule = rules_service.get_rule(db.session, rule_id)
    groups = _groups()
    form = RuleForm() if request.method == "POST" else RuleForm(data=_form_data(rule, groups))
    del form.event_id
    done = submit(
        form,
        lambda: rules_service.update_rule(
            db.session, rule, _input(form), actor=admin_actor(), now=utcnow()
        ),
        field="title",
        all_at_once=True,
        success="Rule saved.",
    )
    if done.ok:
        return redirect(url_for("admin.rule_edit", rule_id=rule.id), 303)
    return render_template(
        "admin/rules/form.html", form=form, rule=rule, groups=groups, try_form=TryRuleForm()
    )


@bp.post("/rules/<int:rule_id>/active")
def rule_set_active(rule_id: int) -> Response:
    rule = rules_service.get_rule(db.session, rule_id)
    active = request.form.get("active") == "1"
    rules_service.set_active(db.session, rule, active, actor=admin_actor(), now=utcnow())
    flash(f"Rule {'activated' if active else 'deactivated'}.", "success")
    return redirect(url_for("admin.rule_edit", rule_id=rule.id), 303)


@bp.post("/rules/<int:rule_id>/try")
def rule_try(rule_id: int) -> str:
    """Judge a sample event against the rule as the form stands (saved or not).

    The form's values are applied through `update_rule` (so they are checked exactly as
    Save would) and judged by the same evaluation as a real event; then everything is
    rolled back, so nothing is written. A post without the rule's fields judges the
    saved rule.
    """
    rule = rules_service.get_rule(db.session, rule_id)
    groups = _groups()
    with_rule = "title" in request.form
    edit_form = RuleForm() if with_rule else RuleForm(formdata=None, data=_form_data(rule, groups))
    del edit_form.event_id
    form = TryRuleForm()
    result = None
    rule_ok = edit_form.validate() if with_rule else True
    if form.validate_on_submit() and rule_ok:
        try:
            metadata, amount = rules_service.parse_sample(form.metadata.data, form.amount.data)
            if with_rule:
                rules_service.update_rule(
                    db.session, rule, _input(edit_form), actor=admin_actor(), now=utcnow()
                )
            result = rules_service.try_rule(
                db.session,
                rule,
                user_id=form.user_id.data or "",
                metadata=metadata,
                amount=amount,
                now=utcnow(),
            )
        except ValidationFailed as exc:
            db.session.rollback()
            if set(exc.details or {}) - {"metadata", "amount", "user_id"}:
                show_errors(edit_form, exc, "title")
            else:
                show_errors(form, exc, "metadata")
    db.session.rollback()  # the trial writes nothing
    rule = rules_service.get_rule(db.session, rule_id)
    rule_problems = [
        f"{edit_form[name].label.text}: {message}"
        for name, messages in edit_form.errors.items()
        if name != "csrf_token"
        for message in messages
        if isinstance(message, str)
    ]
    context = {"rule": rule, "try_form": form, "result": result, "rule_problems": rule_problems}
    if is_htmx():
        return render_template("admin/rules/_try.html", **context)
    return render_template("admin/rules/form.html", form=edit_form, groups=groups, **context)
