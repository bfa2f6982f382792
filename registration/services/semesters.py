"""The registration calendar of a semester, set by the International College: the pre-registration window, the
onsite registration day and place, and the deferral limit (NOTICE; HANDBOOK Academic Rules 10)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.audit import audit_record, field_changes
from portal.models import Semester, User
from registration import rules
from registration.permissions import can_manage_semesters

CALENDAR_FIELDS = (
    "code",
    "name_en",
    "name_zh",
    "starts_on",
    "ends_on",
    "preregistration_opens_at",
    "preregistration_closes_at",
    "registration_day",
    "registration_place",
    "deferral_limit_days",
)

# The rule's reasons, worded for the page in the user's language.
_PROBLEM_MESSAGES = {
    "ends_on": lambda: _("The semester must end after it starts."),
    "preregistration_closes_at": lambda: _(
        "Pre-registration must close after it opens; give both times, or neither to leave it unscheduled."
    ),
    "registration_day": lambda: _(
        "The registration day must be on or after the day pre-registration opens, and within the semester."
    ),
    "deferral_limit_days": lambda: (
        _("The deferral limit must be between 0 and %(max)d days (the handbook's is 14).")
        % {"max": rules.MAX_DEFERRAL_LIMIT_DAYS}
    ),
}


def semester_save(*, data: dict, user: User, semester: Semester | None = None) -> Semester:
    """Create a semester or change its registration calendar; refused field by field when the dates cannot be
    right. Every change is audited with the old and new values."""
    if not can_manage_semesters(user):
        raise PermissionDenied(_("You may not set up semesters."))
    values = {field: data.get(field) for field in CALENDAR_FIELDS if field in data}
    merged = {field: values.get(field, getattr(semester, field, None)) for field in CALENDAR_FIELDS}
    problems = rules.check_semester_calendar(
        starts_on=merged["starts_on"],
        ends_on=merged["ends_on"],
        opens_at=merged["preregistration_opens_at"],
        closes_at=merged["preregistration_closes_at"],
        registration_day=merged["registration_day"],
        deferral_limit_days=merged["deferral_limit_days"] or 0,
    )
    if problems:
        raise ValidationError({field: _PROBLEM_MESSAGES[field]() for field in problems})
    if semester is not None and semester.registration_day and merged["registration_day"] is None:
        from registration.models import RegistrationLeave, SemesterRegistration

        # Leaves and stamps are counted from the registration day: it can move, but not disappear under them.
        if (
            RegistrationLeave.objects.filter(semester=semester).exists()
            or SemesterRegistration.objects.filter(semester=semester).exists()
        ):
            raise ValidationError(
                {"registration_day": _("Students have leave or registrations counted from this day; move it instead.")}
            )
    with transaction.atomic():
        if semester is None:
            semester = Semester(**values)
            before = {}
        else:
            semester = Semester.objects.select_for_update().get(pk=semester.pk)
            before = {field: getattr(semester, field) for field in values}
            for field, value in values.items():
                setattr(semester, field, value)
        semester.full_clean()
        semester.save()
        changes = field_changes(before, {field: getattr(semester, field) for field in values})
        if changes:
            audit_record(
                actor=user,
                action="semester.created" if not before else "semester.calendar_changed",
                target=semester,
                changes=changes,
            )
    return semester
