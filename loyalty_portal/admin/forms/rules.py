"""Forms for earning rules and their "try it" panel."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from loyalty_portal.admin.forms import DATETIME_LOCAL
from loyalty_portal.models.enums import LABELS, RuleType

EXPIRY_CHOICES = {
    "program": "The program's default",
    "never": "Never",
    "days": "After a number of days",
    "end_of_month": "At the end of the month",
    "end_of_year": "At the end of the year",
}


class OverrideForm(Form):
    """One user group's reward instead of the rule's own (empty: no override)."""

    usergroup_id = HiddenField()
    points = IntegerField("Points", validators=[Optional()])
    points_per_unit = DecimalField("Points per unit", places=None, validators=[Optional()])


class RuleForm(FlaskForm):
    event_id = StringField(
        "Event id",
        validators=[DataRequired(), Length(max=128)],
        description="What integrators send as eventId.",
    )
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    type = SelectField(
        "Type",
        choices={
            RuleType.FIX.value: f"{LABELS[RuleType.FIX]}: the same every time",
            RuleType.CONDITIONAL.value: f"{LABELS[RuleType.CONDITIONAL]} (a threshold)",
            RuleType.TRANSACTION.value: f"{LABELS[RuleType.TRANSACTION]} (a value × a rate)",
        },
    )
    points = IntegerField(
        "Points",
        validators=[Optional()],
        description="Fixed points, and points when a value is reached.",
    )
    points_per_unit = DecimalField(
        "Points per unit",
        places=None,
        validators=[Optional()],
        description="Points per unit spent.",
    )
    value_field = StringField(
        "Value field",
        default="amount",
        validators=[Optional(), Length(max=64)],
        description="The metadata key judged (the event's amount when absent).",
    )
    threshold = DecimalField(
        "Threshold", places=None, validators=[Optional()], description="When a value is reached."
    )
    max_per_event = IntegerField(
        "Max points per event", validators=[Optional()], description="Empty: no cap."
    )
    cap_count = IntegerField("Completions allowed", validators=[Optional()])
    cap_period = SelectField(
        "per",
        choices={"": "No limit", "day": "Day", "week": "Week", "month": "Month", "ever": "Ever"},
    )
    active_from = DateTimeLocalField("Active from", format=DATETIME_LOCAL, validators=[Optional()])
    active_until = DateTimeLocalField(
        "Active until", format=DATETIME_LOCAL, validators=[Optional()]
    )
    requires_api_key = BooleanField("Only accepted with an API key (server-to-server)")
    pending_days = IntegerField(
        "Pending days", validators=[Optional()], description="Empty: the program's default."
    )
    expiry_policy = SelectField("Points expire", choices=EXPIRY_CHOICES)
    expiry_days = IntegerField("Expiry days", validators=[Optional()])
    active = BooleanField("Active", default=True)
    overrides = FieldList(FormField(OverrideForm))


#: The largest sample value the "try it" panel judges (a sample, not a stress test).
MAX_SAMPLE = Decimal(1_000_000_000)


def _bounded(value: Any) -> bool:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return True  # not a number: the evaluation says what it needs
    return number.is_finite() and abs(number) <= MAX_SAMPLE


def sample_amount(form: Any, field: Any) -> None:
    text = (field.data or "").strip()
    if text and not _bounded(text):
        raise ValidationError(f"At most {MAX_SAMPLE:,} for a sample.")


def sample_metadata(form: Any, field: Any) -> None:
    try:
        parsed = json.loads(field.data or "{}")
    except ValueError:
        return  # the service reports bad JSON with its line
    values = parsed.values() if isinstance(parsed, dict) else []
    if any(isinstance(v, int | float) and not _bounded(v) for v in values):
        raise ValidationError(f"Numbers at most {MAX_SAMPLE:,} for a sample.")


class TryRuleForm(FlaskForm):
    user_id = StringField(
        "userId",
        validators=[Optional(), Length(max=128)],
        description="Empty or unknown: a new member.",
    )
    metadata = TextAreaField(
        "Metadata (JSON)",
        validators=[Optional(), Length(max=10_000), sample_metadata],
        default="{}",
    )
    amount = StringField(
        "Amount",
        validators=[Optional(), Length(max=40), sample_amount],
        render_kw={"inputmode": "decimal"},
    )
