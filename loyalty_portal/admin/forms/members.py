"""Forms for a member's page: manual adjustment, order refunds and erasure."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


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


class RefundForm(FlaskForm):
    amount = DecimalField(
        "Amount refunded",
        places=None,
        validators=[Optional(), NumberRange(min=0.0001, message="More than zero.")],
        description="Leave empty to refund the rest of the order.",
    )
    reason = StringField(
        "Reason", validators=[Length(max=500)], description="The member sees it in their history."
    )


class EraseForm(FlaskForm):
    confirm = StringField(
        "Type the userId to confirm", validators=[DataRequired("Type the userId to confirm.")]
    )
