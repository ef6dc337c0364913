"""API keys: create (the plain key is shown once), list with last use, revoke.

Creating answers with a redirect (post/redirect/get), so a reload never makes a second
key; the plain key rides in the session for exactly one display of the list.
"""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, session, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from loyalty_portal.admin import bp
from loyalty_portal.admin.forms.keys import ApiKeyForm
from loyalty_portal.admin.helpers import admin_actor
from loyalty_portal.extensions import db
from loyalty_portal.models import ApiKey
from loyalty_portal.services.members import api_keys
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.forms import submit
from loyalty_portal.web.paging import paginate

_ONCE = "api_key_shown_once"


def _page(form: ApiKeyForm, created: ApiKey | None = None, plain: str | None = None) -> Response:
    page = paginate(
        db.session, select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())
    )
    response = make_response(
        render_template("admin/keys/list.html", page=page, form=form, created=created, plain=plain)
    )
    if plain:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api-keys")
def api_keys_list() -> Response:
    shown = session.pop(_ONCE, None)
    created = db.session.get(ApiKey, shown["id"]) if shown else None
    if created is None:
        return _page(ApiKeyForm())
    return _page(ApiKeyForm(), created=created, plain=shown["plain"])


@bp.post("/api-keys")
def api_key_create() -> Response:
    form = ApiKeyForm()
    done = submit(
        form,
        lambda: api_keys.create(
            db.session, form.name.data, list(form.scopes.data or []), admin_actor(), utcnow()
        ),
        field="name",
        all_at_once=True,
    )
    if done.value is not None:
        key, plain = done.value
        db.session.flush()
        session[_ONCE] = {"id": key.id, "plain": plain}
        return redirect(url_for("admin.api_keys_list"), 303)
    return _page(form)


@bp.post("/api-keys/<int:key_id>/revoke")
def api_key_revoke(key_id: int) -> Response:
    key = api_keys.find(db.session, str(key_id))
    api_keys.revoke(db.session, key, admin_actor(), utcnow())
    flash(f"API key “{key.name}” revoked.", "success")
    return redirect(url_for("admin.api_keys_list"), 303)
