"""Reads of the shared kernel: querysets already restricted to what the user may see, with their joins."""

from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from portal import permissions
from portal.models import Evidence, ReviewState, Semester, Student


def student_list(*, user, search: str = "", school_id: int | None = None) -> QuerySet[Student]:
    students = Student.objects.visible_to(user).select_related("school", "user")
    if school_id:
        students = students.filter(school_id=school_id)
    if search:
        term = search.strip()
        students = students.filter(
            Q(student_id__icontains=term)
            | Q(name_latin__icontains=term)
            | Q(name_zh__icontains=term)
            | Q(nationality__icontains=term)
        )
    return students.order_by("student_id")


def student_get(*, user, student_id: str) -> Student | None:
    return Student.objects.visible_to(user).select_related("school", "user").filter(student_id=student_id).first()


def evidence_list(*, user) -> QuerySet[Evidence]:
    return Evidence.objects.visible_to(user).select_related("student__school", "uploaded_by", "decided_by")


def evidence_get(*, user, pk: int) -> Evidence | None:
    return evidence_list(user=user).filter(pk=pk).first()


def evidence_earlier_versions(*, evidence: Evidence) -> list[Evidence]:
    """The versions this upload replaced, newest first, in one query (a chain of resubmissions)."""
    candidates = {
        item.pk: item
        for item in Evidence.objects.filter(
            student_id=evidence.student_id, kind=evidence.kind, uploaded_at__lte=evidence.uploaded_at
        ).exclude(pk=evidence.pk)
    }
    chain, previous_id = [], evidence.previous_id
    while previous_id in candidates:
        chain.append(candidates[previous_id])
        previous_id = candidates[previous_id].previous_id
    return chain


def review_queue(*, user, kind: str = "") -> QuerySet[Evidence]:
    """Pending evidence this user decides on, oldest first."""
    kinds = permissions.reviewable_kinds(user)
    # Uploads another app reviews in its own workflow (registration items) wait there, not here.
    queue = evidence_list(user=user).pending_review().filter(kind__in=kinds, reviewed_in="")
    if kind:
        queue = queue.filter(kind=kind)
    return queue.order_by("uploaded_at", "pk")


def review_queue_counts(*, user) -> dict[str, int]:
    kinds = permissions.reviewable_kinds(user)
    rows = (
        evidence_list(user=user)
        .pending_review()
        .filter(kind__in=kinds, reviewed_in="")
        .values("kind")
        .annotate(n=Count("pk"))
    )
    return {row["kind"]: row["n"] for row in rows}


def student_evidence_current(*, student: Student) -> list[Evidence]:
    """The latest version of each uploaded document of a student (a rejected one that was replaced is history)."""
    return list(
        Evidence.objects.filter(student=student, resubmission__isnull=True)
        .select_related("decided_by")
        .order_by("kind", "-uploaded_at")
    )


def student_home_context(*, student: Student, today: date) -> dict:
    semester = (
        Semester.objects.current(today) or Semester.objects.filter(starts_on__gt=today).order_by("starts_on").first()
    )
    current = student_evidence_current(student=student)
    to_fix = [e for e in current if e.state == ReviewState.REJECTED]
    pending = [e for e in current if e.is_pending]
    deadlines = []
    if semester:
        closes = semester.preregistration_closes_at
        # The closing day as the office counts it (local time), not the UTC date of the timestamp.
        if closes and timezone.localdate(closes) >= today:
            deadlines.append(("preregistration", timezone.localdate(closes)))
        if semester.registration_day and semester.registration_day >= today:
            deadlines.append(("registration_day", semester.registration_day))
    # Handbook: Residence permit & visa - a passport must stay valid; the office warns six months ahead.
    if student.passport_expires_on <= today + timedelta(days=183):
        deadlines.append(("passport_expiry", student.passport_expires_on))
    deadlines.sort(key=lambda item: item[1])
    notifications = list(student.user.notifications.all()[:5])
    return {
        "student": student,
        "semester": semester,
        "to_fix": to_fix,
        "pending": pending,
        "deadlines": deadlines,
        "notifications": notifications,
        "today": today,
    }
