"""Forms for offers, shops and code-pool uploads."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from loyalty_portal.admin.forms import DATETIME_LOCAL, CheckboxList, optional_int, optional_str
from loyalty_portal.models.enums import LABELS, Fulfilment, OfferType


class OfferForm(FlaskForm):
    id = StringField(
        "Offer id", validators=[DataRequired(), Length(max=64)], description="Used by the API."
    )
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    image_url = StringField("Image URL", validators=[Optional(), Length(max=500)])
    type = SelectField("Type", choices={t.value: LABELS[t] for t in OfferType})
    shop_id = SelectField("Shop", coerce=optional_str, validate_choice=False)
    cost = IntegerField("Cost in points", validators=[InputRequired()])
    stock = IntegerField("Stock left", validators=[Optional()], description="Empty: unlimited.")
    limit_per_member = IntegerField(
        "Limit per member", validators=[Optional()], description="Empty: no limit."
    )
    valid_from = DateTimeLocalField("Valid from", format=DATETIME_LOCAL, validators=[Optional()])
    valid_until = DateTimeLocalField("Valid until", format=DATETIME_LOCAL, validators=[Optional()])
    min_tier_id = SelectField("Minimum tier", coerce=optional_int, validate_choice=False)
    usergroup_ids = CheckboxList("Only for these user groups (none: everyone)")
    fulfilment = SelectField(
        "Fulfilment",
        choices={f.value: LABELS[f] for f in Fulfilment},
    )
    coupon_valid_days = IntegerField(
        "Coupon valid for (days)",
        validators=[Optional()],
        description="Empty: the program's default.",
    )
    how_to_use = TextAreaField("How to use", validators=[Optional(), Length(max=5000)])
    active = BooleanField("Active (shown in the catalog)", default=True)


class ShopForm(FlaskForm):
    id = StringField("Shop id", validators=[DataRequired(), Length(max=64)])
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    status = SelectField("Status", choices={"ACTIVE": "Active", "INACTIVE": "Inactive"})
    logo = StringField("Logo URL", validators=[Optional(), Length(max=500)])
    image = StringField("Image URL", validators=[Optional(), Length(max=500)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])


class CodesUploadForm(FlaskForm):
    file = FileField(
        "CSV file of codes",
        validators=[FileRequired("Choose a file.")],
        description="One code per line in the first column; a 'code' header is fine.",
    )
