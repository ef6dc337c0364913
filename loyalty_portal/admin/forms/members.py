"""Forms for a member's page: manual adjustment and erasure."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class AdjustForm(FlaskForm):
    points = IntegerField(
        "Points",
        validators=[DataRequired("A whole number other than zero.")],
        description="Positive adds, negative removes.",
    )
    reason = TextAreaField(
        "Reason",
        validators=[DataRequired("A reason is required."), Length(max=500)],
        description="The member sees it in their history.",
    )


class EraseForm(FlaskForm):
    confirm = StringField(
        "Type the userId to confirm", validators=[DataRequired("Type the userId to confirm.")]
    )
