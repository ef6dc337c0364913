"""The member's profile: their birthday (month and day; the year is optional)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from loyalty_portal.extensions import db
from loyalty_portal.portal import bp
from loyalty_portal.portal.forms import BirthdayForm
from loyalty_portal.services.members import birthdays
from loyalty_portal.services.program.growth_settings import load_growth
from loyalty_portal.web.access import current_member, member_required
from loyalty_portal.web.forms import submit


@bp.route("/portal/profile", methods=["GET", "POST"])
@member_required
def profile() -> Response | str:
    member = current_member()
    if request.method == "GET":
        form = BirthdayForm(
            data={
                "birth_month": str(member.birth_month or ""),
                "birth_day": member.birth_day,
                "birth_year": member.birth_year,
            }
        )
    else:
        form = BirthdayForm()
    done = submit(
        form,
        lambda: birthdays.set_birthday(
            db.session,
            member,
            int(form.birth_month.data) if form.birth_month.data else None,
            form.birth_day.data,
            form.birth_year.data,
        ),
        field="birth_day",
        success="Your profile is saved.",
    )
    if done.ok:
        return redirect(url_for("portal.profile"), 303)
    return render_template(
        "portal/profile.html", form=form, birthday_points=load_growth(db.session).birthday_points
    )
