"""Reads of semester registration: the review queue and one form with everything its review page shows."""

from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from portal.models import Semester
from portal.permissions import student_scope
from registration.models import ITEM_FIELDS, FormStatus, ItemDecision, ItemState, RegistrationForm, RegistrationItem
from registration.permissions import can_review_registration

EVIDENCE_FIELDS = ("passport_scan", "tuition_receipt", "insurance_proof", "housing_proof", "permit_scan")
# The file fields' own names are not worded for people; these are.
FILE_LABELS = {
    "passport_scan": gettext_lazy("Passport photo page"),
    "tuition_receipt": gettext_lazy("Tuition e-receipt"),
    "insurance_proof": gettext_lazy("Insurance proof"),
    "housing_proof": gettext_lazy("Accommodation receipt or lease"),
    "permit_scan": gettext_lazy("Visa / residence permit page"),
}


def _visible_forms(*, user) -> QuerySet[RegistrationForm]:
    # A draft is the student's own work in progress: staff see a form only once it has been submitted.
    return RegistrationForm.objects.filter(student_scope(user, prefix="student__")).exclude(status=FormStatus.DRAFT)


def registration_queue(*, user, filters: dict | None = None) -> QuerySet[RegistrationForm]:
    """Submitted forms this user reviews, filtered, oldest submission first, with the item counts annotated."""
    if not can_review_registration(user):
        return RegistrationForm.objects.none()
    filters = filters or {}
    forms = _visible_forms(user=user)
    if filters.get("semester"):
        forms = forms.filter(semester=filters["semester"])
    if filters.get("status"):
        forms = forms.filter(status=filters["status"])
    if filters.get("school"):
        forms = forms.filter(student__school=filters["school"])
    if filters.get("nationality"):
        forms = forms.filter(student__nationality__iexact=filters["nationality"].strip())
    if filters.get("location"):
        forms = forms.filter(location=filters["location"])
    if filters.get("rejected"):
        # A subquery, not a join on items: a join would multiply the rows the item counts below are taken over.
        rejected = RegistrationItem.objects.filter(
            form=OuterRef("pk"), kind=filters["rejected"], state=ItemState.REJECTED
        )
        forms = forms.filter(Exists(rejected))
    if filters.get("submitted_from"):
        forms = forms.filter(submitted_at__date__gte=filters["submitted_from"])
    if filters.get("submitted_to"):
        forms = forms.filter(submitted_at__date__lte=filters["submitted_to"])
    search = (filters.get("q") or "").strip()
    if search:
        forms = forms.filter(
            Q(student__student_id__icontains=search)
            | Q(student__name_latin__icontains=search)
            | Q(student__name_zh__icontains=search)
        )
    return (
        forms.select_related("student__school", "semester")
        .annotate(
            pending_count=Count("items", filter=Q(items__state=ItemState.PENDING)),
            rejected_count=Count("items", filter=Q(items__state=ItemState.REJECTED)),
        )
        .order_by("submitted_at", "pk")
    )


def registration_changes_since_last_submission(*, form: RegistrationForm) -> dict[str, list[dict]]:
    """Per item kind, the fields whose submitted value differs between the last two submissions (GUIDE: a
    resubmitted form is reviewed for what the student corrected). Empty after a first submission."""
    latest_two = list(form.submissions.order_by("-number")[:2])
    if len(latest_two) < 2:
        return {}
    current, previous = latest_two[0].snapshot, latest_two[1].snapshot
    changes: dict[str, list[dict]] = {}
    for kind, fields in ITEM_FIELDS.items():
        for field in fields:
            before, after = previous.get(field), current.get(field)
            if before == after:
                continue
            changes.setdefault(kind, []).append(
                {
                    "field": field,
                    "label": FILE_LABELS.get(field) or RegistrationForm._meta.get_field(field).verbose_name,
                    "before": _shown(before),
                    "after": _shown(after),
                    "is_file": field in EVIDENCE_FIELDS,
                }
            )
    return changes


def _shown(value) -> str:
    if isinstance(value, dict):
        return value.get("name", "")
    if value is True:
        return gettext("Yes")
    if value is False:
        return gettext("No")
    return "" if value is None else str(value)


def registration_counts_semester(*, today: date | None = None) -> Semester | None:
    """The semester the office's counts are about: the current one, or else the next to start."""
    today = today or timezone.localdate()
    return Semester.objects.current(today) or Semester.objects.filter(starts_on__gt=today).order_by("starts_on").first()


def registration_status_counts(*, user, semester: Semester | None) -> dict[str, int]:
    """How many forms of the semester are in each status (drafts included), among the students the user sees."""
    if semester is None or not can_review_registration(user):
        return {}
    rows = (
        RegistrationForm.objects.filter(student_scope(user, prefix="student__"), semester=semester)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["status"]: row["n"] for row in rows}


def registration_form_get(*, user, pk: int) -> RegistrationForm | None:
    """A submitted form the user may see, with its items, their decisions and its evidence, or None."""
    items = RegistrationItem.objects.select_related("decided_by__student").prefetch_related(
        Prefetch("decisions", queryset=ItemDecision.objects.select_related("decided_by__student"))
    )
    return (
        _visible_forms(user=user)
        .select_related("student__school", "student__user", "semester", *EVIDENCE_FIELDS)
        .prefetch_related(Prefetch("items", queryset=items))
        .filter(pk=pk)
        .first()
    )
