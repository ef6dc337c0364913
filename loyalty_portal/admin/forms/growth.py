"""Forms for campaigns, the referral program and the birthday reward."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional

from loyalty_portal.admin.forms import DATETIME_LOCAL, CheckboxList


class CampaignForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    startsAt = DateTimeLocalField(
        "Starts", format=DATETIME_LOCAL, validators=[Optional()], description="Program time zone."
    )
    endsAt = DateTimeLocalField(
        "Ends", format=DATETIME_LOCAL, validators=[Optional()], description="Program time zone."
    )
    multiplier = DecimalField(
        "Multiplier", places=None, validators=[Optional()], description="1.0 to 10.0, e.g. 2."
    )
    bonusPoints = IntegerField("Bonus points per event", validators=[Optional()])
    eventIds = CheckboxList("Rules (none ticked: every rule)", choices=[])
    usergroups = CheckboxList("User groups (none ticked: every member)", choices=[])
    minTier = SelectField("Minimum tier", choices=[], validate_choice=False)


class ReferralSettingsForm(FlaskForm):
    referrals_enabled = BooleanField("Referral program on")
    qualifying_event_id = SelectField("Qualifying rule", choices=[], validate_choice=False)
    minimum_value = DecimalField(
        "Minimum value", places=None, validators=[Optional()], description="Empty: any value."
    )
    referrer_points = IntegerField("Referrer points", validators=[Optional()])
    friend_points = IntegerField("Friend points", validators=[Optional()])
    monthly_cap = IntegerField(
        "Monthly cap per referrer",
        validators=[Optional()],
        description="Completed referrals a referrer is paid for per month. Empty: no cap.",
    )
    birthday_points = IntegerField(
        "Birthday points", validators=[Optional()], description="0: no birthday reward."
    )
