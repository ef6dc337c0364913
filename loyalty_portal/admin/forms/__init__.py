"""Admin forms (Flask-WTF, so each carries a CSRF token) and the coercions they share."""

from __future__ import annotations

from typing import Any

from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def optional_int(value: Any) -> int | None:
    """Coerce a select's value: '' (no choice) is None; an id no column holds is refused."""
    if value in (None, "", "None"):
        return None
    number = int(value)
    if not 0 <= number < 2**31:
        raise ValueError("not an id")
    return number


def optional_str(value: Any) -> str | None:
    return None if value in (None, "", "None") else str(value)


class CheckboxList(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        # An unknown choice is reported by the service next to this field.
        pass
