"""Password rules beyond Django's: nothing built from the student ID, passport number or name."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def _normalise(value: str) -> str:
    return re.sub(r"[^0-9a-z]", "", (value or "").lower())


class PersonalDataPasswordValidator:
    """Refuse passwords that contain the student ID, the passport number (or its last 6), or a name part."""

    def _fragments(self, user) -> list[str]:
        values = [user.username, user.first_name, user.last_name]
        student = getattr(user, "student", None) if user.pk else None
        if student is not None:
            passport = _normalise(student.passport_number)
            values += [student.student_id, student.passport_number, passport[-6:], *student.name_latin.split()]
        return [f for f in (_normalise(v) for v in values) if len(f) >= 4]

    def validate(self, password, user=None):
        if user is None:
            return
        candidate = _normalise(password)
        for fragment in self._fragments(user):
            if fragment in candidate:
                raise ValidationError(
                    _("Your password must not contain your student ID, passport number or name."),
                    code="password_personal_data",
                )

    def get_help_text(self):
        return _("Your password must not contain your student ID, passport number or name.")
