"""Form fields shared by several domains' forms."""
from __future__ import annotations

from typing import Any

from wtforms.fields import DateField
from wtforms.validators import InputRequired, StopValidation

#: What unreadable date input is told; `{label}` is replaced by the field's label.
REAL_DATE = "Enter a real date, for example 3 March 2026"


class _DateGiven(InputRequired):
    """No date read and nothing unreadable typed (blank, spaces or absent): the required message. Unlike
    DataRequired it keeps the message for unreadable input; unlike InputRequired it counts spaces as blank."""

    def __call__(self, form: Any, field: Any) -> None:
        if field.data is None and not field.process_errors:
            field.errors[:] = []
            raise StopValidation(self.message)


class RequiredDateField(DateField):
    """A required date (`<input type=date>`), drawn by macros/forms.html as any date field.

    Left blank, it says `required` (what to enter, in the form's words, not WTForms' generic message); given text
    that is not a date, it says `invalid` (REAL_DATE by default; `{label}` in it becomes the field's label), where
    DataRequired would replace it with the first, telling someone who typed 31/02/2026 to enter a date.
    """

    def __init__(self, label: str, *, required: str, invalid: str = REAL_DATE, **kwargs: Any) -> None:
        super().__init__(label, validators=[_DateGiven(required)], **kwargs)
        self.type = "DateField"  # macros/forms.html goes by type name
        self.invalid_message = invalid

    def process_formdata(self, valuelist: list[str]) -> None:
        if not "".join(valuelist).strip():
            self.data = None  # blank: InputRequired says what is missing
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.invalid_message.format(label=self.label.text)) from None
