"""The program's settings (the API secret is never shown)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from loyalty_portal.admin import bp
from loyalty_portal.admin.forms.program import SettingsForm
from loyalty_portal.admin.helpers import admin_actor
from loyalty_portal.extensions import db
from loyalty_portal.forms import show_errors
from loyalty_portal.services import settings as program_settings
from loyalty_portal.services.errors import ValidationFailed
from loyalty_portal.timeutil import utcnow


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> Response | str:
    if request.method == "GET":
        form = SettingsForm(
            data=program_settings.as_form_data(program_settings.current(db.session))
        )
    else:
        form = SettingsForm()
    if form.validate_on_submit():
        data = program_settings.SettingsInput(
            **{
                name: form[name].data
                for name in program_settings.SettingsInput.__dataclass_fields__
            }
        )
        try:
            program_settings.update(db.session, data, actor=admin_actor(), now=utcnow())
        except ValidationFailed as exc:
            db.session.rollback()
            show_errors(form, exc, "name")
        else:
            db.session.commit()
            flash("Settings saved.", "success")
            return redirect(url_for("admin.settings"), 303)
    return render_template("admin/settings.html", form=form)
