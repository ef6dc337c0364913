"""Forms for CSV exports and the member import."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField
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
        description=(
            "Columns: userId (required), name, email (creates a login), balance, groups "
            "(separated by , or ;). Cells separated by , ; or tab; the members export "
            "imports as it is."
        ),
    )
    # The file a clean dry run checked, sent back so "Import" needs no second choice.
    kept_file = HiddenField()
    kept_name = HiddenField()
