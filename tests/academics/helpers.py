"""Builders for academics tests: a calendar whose phases are known, courses, offerings, enrolments and results."""

import datetime
from decimal import Decimal

from django.utils import timezone

from academics import services
from academics.models import Attempt, Course, Enrolment, Offering
from tests.factories import SemesterFactory

TODAY = datetime.date(2026, 3, 1)


def calendar():
    """Autumn 2025 (assessed 2026-01-10), spring 2026 starting 2026-02-20: publicity ends 2026-03-12."""
    autumn = SemesterFactory(
        code="2025-2026-1",
        name_en="Autumn 2025",
        name_zh="2025年秋季学期",
        starts_on=datetime.date(2025, 9, 1),
        ends_on=datetime.date(2026, 1, 16),
    )
    spring = SemesterFactory(
        code="2025-2026-2",
        name_en="Spring 2026",
        name_zh="2026年春季学期",
        starts_on=datetime.date(2026, 2, 20),
        ends_on=datetime.date(2026, 7, 10),
    )
    return autumn, spring


def course(school, code="MED101", *, credits="4", scale="hundred", course_type="compulsory", name_zh="解剖学"):
    return Course.objects.create(
        school=school,
        code=code,
        name_en=f"Course {code}",
        name_zh=name_zh,
        credits=Decimal(credits),
        hours=64,
        scale=scale,
        course_type=course_type,
    )


def offering(school, semester, code="MED101", *, assessed_on=None, **course_options):
    found = Course.objects.filter(code=code).first() or course(school, code, **course_options)
    return Offering.objects.create(course=found, semester=semester, school=school, assessed_on=assessed_on)


def upcoming_offering(school, code="MED101") -> Offering:
    """An offering of a semester under way, examined in three weeks (in time for a deferral or a drop)."""
    today = timezone.localdate()
    term = SemesterFactory(starts_on=today - datetime.timedelta(days=60), ends_on=today + datetime.timedelta(days=60))
    return offering(school, term, code, assessed_on=today + datetime.timedelta(days=21))


def enrol(offering, student, attempt=Attempt.FIRST) -> Enrolment:
    return Enrolment.objects.create(offering=offering, student=student, attempt=attempt)


def enter(offering, student, value, *, by, mark="", today=None, reason="", attempt=Attempt.FIRST):
    """Enrol (if needed) and enter a result in the entry phase (the day after the assessment by default)."""
    enrolment = Enrolment.objects.filter(offering=offering, student=student).first() or enrol(
        offering, student, attempt
    )
    day = today or services.offering_assessed_on(offering) + datetime.timedelta(days=1)
    return services.result_record(enrolment=enrolment, value=value, mark=mark, actor=by, today=day, reason=reason)
