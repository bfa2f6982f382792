"""Shared set-up of the fees tests: semesters of one academic year and ledger writes by the finance office."""

import datetime
from decimal import Decimal

from fees import services
from fees.models import Channel, FeeKind
from portal.models import EvidenceKind
from portal.services import evidence_submit
from tests.factories import SemesterFactory, upload

YEAR = "2026-2027"


def autumn(**kwargs):
    defaults = dict(
        code=f"{YEAR}-1",
        name_en="Autumn 2026",
        name_zh="2026年秋季学期",
        starts_on=datetime.date(2026, 9, 1),
        ends_on=datetime.date(2027, 1, 20),
        preregistration_opens_at=None,
        preregistration_closes_at=None,
        registration_day=datetime.date(2026, 9, 5),
    )
    return SemesterFactory(**{**defaults, **kwargs})


def spring(**kwargs):
    defaults = dict(
        code=f"{YEAR}-2",
        name_en="Spring 2027",
        name_zh="2027年春季学期",
        starts_on=datetime.date(2027, 2, 20),
        ends_on=datetime.date(2027, 7, 10),
        preregistration_opens_at=None,
        preregistration_closes_at=None,
        registration_day=datetime.date(2027, 2, 23),
    )
    return SemesterFactory(**{**defaults, **kwargs})


def bill(student, amount, *, by, semester=None, kind=FeeKind.TUITION, year=YEAR):
    return services.charge_add(
        student=student, fee_kind=kind, academic_year=year, amount=Decimal(amount), actor=by, semester=semester
    )


def pay(student, amount, *, by, semester=None, kind=FeeKind.TUITION, year=YEAR, reference="", channel=Channel.ONLINE):
    return services.payment_record(
        student=student,
        fee_kind=kind,
        academic_year=year,
        amount=Decimal(amount),
        channel=channel,
        actor=by,
        paid_on=datetime.date(2026, 8, 20),
        semester=semester,
        reference=reference,
    )


def slip(student):
    return evidence_submit(
        student=student, kind=EvidenceKind.REMITTANCE_SLIP, upload=upload("slip.pdf"), uploaded_by=student.user
    )
