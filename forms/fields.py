"""Form fields shared by several domains' forms."""
from __future__ import annotations

from typing import Any

from wtforms.fields import DateField
from wtforms.validators import InputRequired, Optional, StopValidation

#: What unreadable date input is told; `{label}` is replaced by the field's label.
REAL_DATE = "Enter a real date, for example 3 March 2026"
#: The same, naming the field, for forms with more than one date.
LABELLED_REAL_DATE = "{label} must be a real date, for example 14 March 2026"


class _DateGiven(InputRequired):
    """No date read and nothing unreadable typed (blank, spaces or absent): the required message. Unlike
    DataRequired it keeps the message for unreadable input; unlike InputRequired it counts spaces as blank."""

    def __call__(self, form: Any, field: Any) -> None:
        if field.data is None and not field.process_errors:
            field.errors[:] = []
            raise StopValidation(self.message)


class _ReadableDateField(DateField):
    """A date (`<input type=date>`), drawn by macros/forms.html as any date field: blank (or spaces) reads as no
    date, and text that is not a date says `invalid` (`{label}` in it becomes the field's label)."""

    def __init__(self, label: str, *, invalid: str, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.type = "DateField"  # macros/forms.html goes by type name
        self.invalid_message = invalid

    def process_formdata(self, valuelist: list[str]) -> None:
        if not "".join(valuelist).strip():
            self.data = None  # blank: the validators say whether that is allowed
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.invalid_message.format(label=self.label.text)) from None


class RequiredDateField(_ReadableDateField):
    """A required date.

    Left blank, it says `required` (what to enter, in the form's words, not WTForms' generic message); given text
    that is not a date, it says `invalid` (REAL_DATE by default), where DataRequired would replace it with the
    first, telling someone who typed 31/02/2026 to enter a date.
    """

    def __init__(self, label: str, *, required: str, invalid: str = REAL_DATE, **kwargs: Any) -> None:
        super().__init__(label, invalid=invalid, validators=[_DateGiven(required)], **kwargs)


class OptionalDateField(_ReadableDateField):
    """A date that may be left blank; unreadable input says what to type, naming the field."""

    def __init__(self, label: str, *, invalid: str = LABELLED_REAL_DATE, **kwargs: Any) -> None:
        super().__init__(label, invalid=invalid, validators=[Optional()], **kwargs)
