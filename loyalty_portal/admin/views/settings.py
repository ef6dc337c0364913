"""The program's settings (the API secret is never shown)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from loyalty_portal.admin import bp
from loyalty_portal.admin.forms.program import SettingsForm
from loyalty_portal.admin.helpers import admin_actor
from loyalty_portal.extensions import db
from loyalty_portal.services.program import settings as program_settings
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.forms import form_data, submit


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> Response | str:
    if request.method == "GET":
        form = SettingsForm(
            data=program_settings.as_form_data(program_settings.current(db.session))
        )
    else:
        form = SettingsForm()
    done = submit(
        form,
        lambda: program_settings.update(
            db.session,
            program_settings.SettingsInput(
                **form_data(form, program_settings.SettingsInput.__dataclass_fields__)
            ),
            actor=admin_actor(),
            now=utcnow(),
        ),
        field="name",
        all_at_once=True,
        success="Settings saved.",
    )
    if done.ok:
        return redirect(url_for("admin.settings"), 303)
    return render_template("admin/settings/form.html", form=form)
