"""The webhook endpoint form: URL, description and the message types it hears."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from loyalty_portal.admin.forms import CheckboxList
from loyalty_portal.models.enums import MessageType

ALL_TYPES = "*"
TYPE_CHOICES = {ALL_TYPES: "Every type, including those added later"} | {
    t.value: t.value for t in MessageType
}


class WebhookForm(FlaskForm):
    url = StringField(
        "URL",
        validators=[DataRequired(), Length(max=2000)],
        description="https://… on a public address; each message is POSTed here, signed.",
    )
    description = StringField("Description", validators=[Length(max=500)])
    events = CheckboxList("Message types", choices=TYPE_CHOICES)
