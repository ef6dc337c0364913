"""The API key form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from loyalty_portal.admin.forms import CheckboxList
from loyalty_portal.models.enums import ApiScope

SCOPE_LABELS = {
    "events": "events: send events",
    "users": "users: create, update and erase users",
    "redeem": "redeem: redeem offers and use coupons",
    "read": "read: read users, history, offers and coupons",
    "webhooks": "webhooks: manage webhook endpoints",
    "program": "program: manage campaigns",
}


class ApiKeyForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired(), Length(max=120)], description="Who or what uses it."
    )
    scopes = CheckboxList("Scopes", choices={s: SCOPE_LABELS.get(s, s) for s in ApiScope})
