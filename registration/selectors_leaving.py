"""Reads of the leaving-school clearance, restricted to what the user may see (portal.permissions.student_scope)."""

from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet

from registration.models import Clearance, ClearanceItem, ClearanceSignOff
from registration.permissions import clearance_signing_kinds


def _with_items(clearances: QuerySet[Clearance]) -> QuerySet[Clearance]:
    sign_offs = ClearanceSignOff.objects.select_related("by").order_by("at", "pk")
    items = ClearanceItem.objects.select_related("done_by").prefetch_related(Prefetch("sign_offs", queryset=sign_offs))
    return clearances.select_related("student__school", "student__user", "created_by").prefetch_related(
        Prefetch("items", queryset=items.order_by("pk"))
    )


def clearance_of_student(*, user) -> Clearance | None:
    """The student's own latest clearance with its items and their sign-offs."""
    return _with_items(Clearance.objects.filter(student__user=user)).order_by("-created_at", "-pk").first()


def clearance_get(*, user, pk: int) -> Clearance | None:
    return _with_items(Clearance.objects.visible_to(user)).filter(pk=pk).first()


def clearance_item_get(*, user, pk: int) -> ClearanceItem | None:
    return (
        ClearanceItem.objects.filter(clearance__in=Clearance.objects.visible_to(user))
        .select_related("clearance__student__school", "clearance__student__user")
        .filter(pk=pk)
        .first()
    )


def clearance_list(*, user, q: str = "", reason: str = "", complete: str = "") -> QuerySet[Clearance]:
    """Clearances the user may see, with how many items are still open (one query for the page)."""
    clearances = (
        Clearance.objects.visible_to(user)
        .select_related("student__school")
        .annotate(open_items=Count("items", filter=Q(items__done_at__isnull=True)))
        .order_by("move_out_by", "student__student_id")
    )
    if q:
        clearances = clearances.filter(Q(student__student_id__startswith=q) | Q(student__name_latin__icontains=q))
    if reason:
        clearances = clearances.filter(reason=reason)
    if complete == "yes":
        clearances = clearances.filter(completed_at__isnull=False)
    elif complete == "no":
        clearances = clearances.filter(completed_at__isnull=True)
    return clearances


def clearance_queue(*, user, kind: str = "", done: bool = False, q: str = "") -> QuerySet[ClearanceItem]:
    """The items this user's office signs, open ones first by move-out day (the office's own queue)."""
    kinds = clearance_signing_kinds(user)
    if kind:
        kinds = kinds & {kind}
    items = (
        ClearanceItem.objects.filter(kind__in=kinds, clearance__in=Clearance.objects.visible_to(user))
        .filter(done_at__isnull=not done)
        .select_related("clearance__student__school", "done_by")
        .order_by("clearance__move_out_by", "clearance__student__student_id", "pk")
    )
    if q:
        items = items.filter(
            Q(clearance__student__student_id__startswith=q) | Q(clearance__student__name_latin__icontains=q)
        )
    return items


def clearance_overdue(*, user, today: date) -> QuerySet[Clearance]:
    """Leavers past their move-out day with items still open (HANDBOOK Leaving the University 5)."""
    return clearance_list(user=user, complete="no").filter(move_out_by__lt=today)


def clearances_for_batch(
    *, user, school_id: int | None = None, graduation_year: int | None = None, student_ids: list[str] | None = None
) -> QuerySet[Clearance]:
    """Completed clearances an admin may print, by school, graduation year or a list of student IDs."""
    clearances = Clearance.objects.visible_to(user).filter(completed_at__isnull=False)
    if school_id:
        clearances = clearances.filter(student__school_id=school_id)
    if graduation_year:
        clearances = clearances.filter(graduation_year=graduation_year)
    if student_ids:
        clearances = clearances.filter(student__student_id__in=student_ids)
    return clearances.order_by("student__school__code", "student__student_id")
