"""Reads of the residence app: a student's records with their history, and the staff compliance board."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from portal.models import Student
from residence import rules
from residence.models import (
    RECORD_MODELS,
    LetterRequest,
    LetterState,
    Obligation,
    PassportLoss,
    PassportLossState,
    Reminder,
)
from residence.permissions import can_view_board, record_scope


@dataclass
class RecordHistory:
    kind: str
    current: object | None
    versions: list


def student_get(*, user, student_id: str) -> Student | None:
    """A student whose residence records the user may see (404 otherwise)."""
    return (
        Student.objects.filter(record_scope(user, prefix=""))
        .select_related("school", "user")
        .filter(student_id=student_id)
        .first()
    )


def student_records(*, student: Student) -> list[RecordHistory]:
    """Every kind of record with its current version and every version, newest first (one query per kind)."""
    histories = []
    for kind, model in RECORD_MODELS.items():
        versions = list(
            model.objects.filter(student=student)
            .select_related("evidence__decided_by")
            .order_by("-submitted_at", "-id")
        )
        current = next((version for version in versions if version.is_current), None)
        histories.append(RecordHistory(kind=kind, current=current, versions=versions))
    return histories


def student_obligations(*, student: Student) -> QuerySet[Obligation]:
    return Obligation.objects.open().filter(student=student).order_by("due").prefetch_related("reminders")


def open_loss(*, student: Student) -> PassportLoss | None:
    return PassportLoss.objects.filter(student=student, state=PassportLossState.REPORTED).first()


def record_get(*, user, kind: str, pk: int):
    model = RECORD_MODELS.get(kind)
    if model is None:
        return None
    return model.objects.visible_to(user).select_related("student__user", "evidence").filter(pk=pk).first()


def _bucket_filter(bucket: str, today: date) -> Q:
    if bucket == rules.Bucket.OVERDUE:
        return Q(due__lt=today)
    days = {rules.Bucket.DUE_7: 7, rules.Bucket.DUE_30: 30, rules.Bucket.DUE_60: 60}.get(bucket)
    if days is None:
        return Q()
    return Q(due__gte=today, due__lte=today + timedelta(days=days))


def board_obligations(*, user, today: date, filters: dict | None = None) -> QuerySet[Obligation]:
    """Open obligations the user may see, filtered, soonest first, with the latest reminder annotated.

    Everything a row shows comes from this one query (student, school, the last reminder), so a page costs the same
    number of queries at 20 or 20,000 students.
    """
    return _with_reminders(_board_base(user=user, today=today, filters=filters))


BOARD_ORDER = ("due", "student__student_id", "pk")


def _with_reminders(found: QuerySet[Obligation]) -> QuerySet[Obligation]:
    # Per-row subqueries, not Count("reminders") with a GROUP BY: PostgreSQL then sorts narrow rows and computes the
    # reminder columns only for the rows it returns (a GROUP BY over 30,000 reminder rows spilled its sort to disk).
    reminders = Reminder.objects.filter(obligation=OuterRef("pk"))
    last = reminders.order_by("-sent_at", "-pk")
    sent = reminders.order_by().values("obligation").annotate(n=Count("pk")).values("n")
    return (
        found.select_related("student__school")
        .annotate(
            last_reminded_at=Subquery(last.values("sent_at")[:1]),
            last_reminder_lead=Subquery(last.values("lead_days")[:1]),
            reminders_sent=Coalesce(Subquery(sent), 0),
        )
        .order_by(*BOARD_ORDER)
    )


def board_export(*, user, today: date, filters: dict | None = None) -> QuerySet[Obligation]:
    """Every open obligation of the board for the CSV: one grouped scan (count and last reminder per obligation);
    for all rows at once that is faster than the page's per-row subqueries (measured 0.6 s against 1.0 s for
    20,000 obligations)."""
    return (
        _board_base(user=user, today=today, filters=filters)
        .select_related("student__school")
        .annotate(reminders_sent=Count("reminders"), last_reminded_at=Max("reminders__sent_at"))
        .order_by(*BOARD_ORDER)
    )


def board_page(*, user, today: date, filters: dict | None, number, per_page: int) -> tuple[Page, list[Obligation]]:
    """One page of the board: the page's ids from a narrow query (only the sort keys), then those rows with their
    student, school and reminders, so a page deep in the list costs what the first one does."""
    ids = _board_base(user=user, today=today, filters=filters).order_by(*BOARD_ORDER).values_list("pk", flat=True)
    page = Paginator(ids, per_page).get_page(number)
    rows = list(_with_reminders(Obligation.objects.filter(pk__in=list(page.object_list))))
    return page, rows


def obligations_for(*, user, today: date, filters: dict | None = None) -> QuerySet[Obligation]:
    """The API's list: a student's own open obligations, or the board's for staff who may see it."""
    if getattr(user, "is_student", False) and hasattr(user, "student"):
        return _with_reminders(Obligation.objects.open().filter(student=user.student))
    return board_obligations(user=user, today=today, filters=filters)


def _board_base(*, user, today: date, filters: dict | None) -> QuerySet[Obligation]:
    if not can_view_board(user):
        return Obligation.objects.none()
    filters = filters or {}
    found = Obligation.objects.open().filter(record_scope(user))
    if filters.get("kind"):
        found = found.filter(kind=filters["kind"])
    if filters.get("bucket"):
        found = found.filter(_bucket_filter(filters["bucket"], today))
    if filters.get("school"):
        found = found.filter(student__school=filters["school"])
    search = (filters.get("q") or "").strip()
    if search:
        found = found.filter(
            Q(student__student_id__icontains=search)
            | Q(student__name_latin__icontains=search)
            | Q(student__name_zh__icontains=search)
        )
    return found


def board_counts(*, user, today: date, filters: dict | None = None) -> dict[str, int]:
    """How many open obligations are overdue, due within 7, 30 and 60 days (one query)."""
    if not can_view_board(user):
        return {}
    filters = {key: value for key, value in (filters or {}).items() if key != "bucket"}
    found = _board_base(user=user, today=today, filters=filters).order_by()
    return found.aggregate(
        overdue=Count("pk", filter=_bucket_filter(rules.Bucket.OVERDUE, today)),
        due_7=Count("pk", filter=_bucket_filter(rules.Bucket.DUE_7, today)),
        due_30=Count("pk", filter=_bucket_filter(rules.Bucket.DUE_30, today)),
        due_60=Count("pk", filter=_bucket_filter(rules.Bucket.DUE_60, today)),
        total=Count("pk"),
    )


def board_open_losses(*, user) -> QuerySet[PassportLoss]:
    if not can_view_board(user):
        return PassportLoss.objects.none()
    return (
        PassportLoss.objects.filter(record_scope(user), state=PassportLossState.REPORTED)
        .select_related("student__school")
        .order_by("reported_at")
    )


# --- Certification letters ------------------------------------------------------------------------------------------


def student_letters(*, student: Student) -> QuerySet[LetterRequest]:
    """A student's letter requests, newest first, with who decided them."""
    return LetterRequest.objects.filter(student=student).select_related("decided_by").order_by("-requested_at", "-pk")


def letter_get(*, user, pk: int) -> LetterRequest | None:
    """A letter request the user may see (404 otherwise)."""
    return (
        LetterRequest.objects.visible_to(user).select_related("student__user", "student__school").filter(pk=pk).first()
    )


def letter_queue(*, user, state: str = LetterState.REQUESTED) -> QuerySet[LetterRequest]:
    """The office's letter requests in one state: waiting ones oldest first (first come, first served), decided
    ones newest first; everything a row shows is in this one query."""
    if not can_view_board(user):
        return LetterRequest.objects.none()
    found = LetterRequest.objects.visible_to(user).filter(state=state).select_related("student__school", "decided_by")
    if state == LetterState.REQUESTED:
        return found.order_by("requested_at", "pk")
    return found.order_by("-decided_at", "-pk")


def letters_waiting_count(*, user) -> int:
    """How many letter requests the user may see wait for the office (the board's link to the queue)."""
    if not can_view_board(user):
        return 0
    return LetterRequest.objects.visible_to(user).filter(state=LetterState.REQUESTED).count()
