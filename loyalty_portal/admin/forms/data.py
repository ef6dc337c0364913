"""Forms for CSV exports and the member import."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from loyalty_portal.web.forms import day_in_range


class ExportForm(FlaskForm):
    kind = SelectField(
        "What",
        choices={"members": "Members", "ledger": "Ledger entries", "redemptions": "Redemptions"},
    )
    start = DateField(
        "From", validators=[Optional(), day_in_range], description="Empty: from the start."
    )
    end = DateField(
        "To (inclusive)", validators=[Optional(), day_in_range], description="Empty: up to now."
    )


class ImportForm(FlaskForm):
    file = FileField(
        "CSV file of members",
        validators=[FileRequired("Choose a file.")],
        description="Columns: userId (required), name, balance, groups (separated by ;).",
    )
