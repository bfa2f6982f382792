"""The office's review of registration forms: the queue, one form item by item, and approving a whole form."""

import csv

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fees.selectors import remittance_status_for
from portal import permissions
from portal.decorators import staff_required
from portal.models import School, Semester
from portal.services import ConflictError
from registration import rules, selectors, services
from registration.models import (
    ITEM_EVIDENCE,
    FormStatus,
    ItemKind,
    ItemState,
    Location,
    RegistrationForm,
    TuitionPaymentType,
)
from registration.permissions import can_review_registration, can_view_registration_counts
from registration.reasons import COMMON_REASONS

REMITTANCE_STATES = {
    None: gettext_lazy("None filed"),
    "pending": gettext_lazy("Waiting for the finance office"),
    "confirmed": gettext_lazy("Confirmed by the finance office"),
    "rejected": gettext_lazy("Rejected by the finance office"),
}


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Student ID or name"), required=False, max_length=100)
    semester = forms.ModelChoiceField(label=gettext_lazy("Semester"), queryset=Semester.objects.all(), required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All submitted"))] + [c for c in FormStatus.choices if c[0] != FormStatus.DRAFT],
    )
    school = forms.ModelChoiceField(label=gettext_lazy("School"), queryset=School.objects.all(), required=False)
    nationality = forms.CharField(label=gettext_lazy("Nationality"), required=False, max_length=100)
    location = forms.ChoiceField(
        label=gettext_lazy("Location"), required=False, choices=[("", gettext_lazy("Anywhere")), *Location.choices]
    )
    rejected = forms.ChoiceField(
        label=gettext_lazy("Item rejected"), required=False, choices=[("", gettext_lazy("Any")), *ItemKind.choices]
    )
    submitted_from = forms.DateField(
        label=gettext_lazy("Submitted from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    submitted_to = forms.DateField(
        label=gettext_lazy("Submitted until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    letter = forms.ChoiceField(
        label=gettext_lazy("Visa-extension letter"),
        required=False,
        choices=[
            ("", gettext_lazy("Any")),
            ("collected", gettext_lazy("Collected")),
            ("not_collected", gettext_lazy("Approved in China, not collected")),
        ],
    )


class ItemDecisionForm(forms.Form):
    kind = forms.ChoiceField(choices=ItemKind.choices, widget=forms.HiddenInput)
    expected_state = forms.ChoiceField(choices=ItemState.choices, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))],
        widget=forms.RadioSelect,
    )
    common_reason = forms.ChoiceField(
        label=gettext_lazy("Common reason"),
        required=False,
        choices=[("", gettext_lazy("— choose one, or write the reason below —")), *COMMON_REASONS.items()],
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (required to reject; the student sees it)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def reason_text(self) -> str:
        """The reason to store: the common reason in the source language, then anything written."""
        parts = []
        if self.cleaned_data.get("common_reason"):
            with translation.override(settings.LANGUAGE_CODE):
                parts.append(str(COMMON_REASONS[self.cleaned_data["common_reason"]]))
        if self.cleaned_data.get("reason", "").strip():
            parts.append(self.cleaned_data["reason"].strip())
        return " ".join(parts)


def _item_rows(form: RegistrationForm, user) -> dict[str, list[tuple[str, object, object]]]:
    """Per item: (what, typed by the student, on record) rows for the review page."""
    student = form.student

    def number(value):
        return permissions.identity_number_for(user, value)

    passport_rows = [(_("Passport changed"), _("Yes") if form.passport_changed else _("No"), "")]
    if form.passport_changed:
        passport_rows += [
            (_("Passport number"), number(form.new_passport_number), number(student.passport_number)),
            (_("Issuing country"), form.new_passport_country, ""),
            (_("Passport issue date"), form.new_passport_issued_on, ""),
            (_("Passport expiry date"), form.new_passport_expires_on, student.passport_expires_on),
        ]
    else:
        passport_rows += [
            (_("Passport number"), "", number(student.passport_number)),
            (_("Passport expiry date"), "", student.passport_expires_on),
        ]
    tuition_rows = [(_("Tuition payment"), form.get_tuition_payment_display(), "")]
    if form.tuition_payment == TuitionPaymentType.REMITTANCE:
        status = remittance_status_for(student=student, semester=form.semester)
        tuition_rows.append((_("Remittance confirmation"), str(REMITTANCE_STATES.get(status)), ""))
    insurance_rows = [(_("Current location"), form.get_location_display(), "")]
    if form.in_china:
        insurance_rows += [
            (_("Insurance certificate number"), form.insurance_number, ""),
            (_("Insurance period"), f"{form.insurance_starts_on or ''} – {form.insurance_ends_on or ''}", ""),
        ]
    housing_rows = [(_("Housing"), form.get_housing_display(), "")]
    if form.address:
        housing_rows.append((_("Off-campus address"), form.address, ""))
    return {
        ItemKind.CONTACTS: [
            (_("Email"), form.email, student.user.email),
            (_("Phone"), form.phone, student.phone),
        ],
        ItemKind.PASSPORT: passport_rows,
        ItemKind.TUITION: tuition_rows,
        ItemKind.INSURANCE: insurance_rows,
        ItemKind.HOUSING: housing_rows,
        ItemKind.PERMIT: [
            (_("Residence permit number"), number(form.permit_number), ""),
            (_("Residence permit expiry date"), form.permit_expires_on, ""),
        ],
    }


def _reviewable_form(request, pk) -> RegistrationForm:
    """The one access-checked lookup: 403 for staff who do not review (whichever form), 404 outside their scope."""
    if not can_review_registration(request.user):
        raise PermissionDenied
    form = selectors.registration_form_get(user=request.user, pk=pk)
    if form is None:
        raise Http404
    return form


@require_safe
@staff_required
def registration_queue(request):
    if not can_review_registration(request.user):
        raise PermissionDenied
    filters = QueueFilterForm(request.GET or None)
    cleaned = {}
    if filters.is_bound:
        # Invalid fields are left out of the filter rather than failing the page; the form shows why.
        filters.is_valid()
        cleaned = filters.cleaned_data
    forms_page = Paginator(selectors.registration_queue(user=request.user, filters=cleaned), 50).get_page(
        request.GET.get("page")
    )
    forms_page.object_list = list(forms_page.object_list)
    collected = selectors.registration_letters_collected(forms=forms_page.object_list)
    for form in forms_page.object_list:
        form.letter_collected_at = collected.get(form.pk)
    semester = selectors.registration_counts_semester()
    counts = selectors.registration_status_counts(user=request.user, semester=semester)
    return render(
        request,
        "registration/staff/queue.html",
        {
            "page": forms_page,
            "filters": filters,
            "semester": semester,
            "status_counts": [(value, label, counts.get(value, 0)) for value, label in FormStatus.choices],
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def registration_review(request, pk):
    form = _reviewable_form(request, pk)
    posted = ItemDecisionForm(request.POST) if request.method == "POST" else None
    if posted is not None and form.status != FormStatus.SUBMITTED:
        messages.error(request, _("This form is not waiting for review; nothing was changed."))
        return redirect("registration_review", pk=form.pk)
    if posted is not None:
        if posted.is_valid():
            item = next((i for i in form.items.all() if i.kind == posted.cleaned_data["kind"]), None)
            if item is None:
                raise Http404
            try:
                services.registration_item_decide(
                    item=item,
                    reviewer=request.user,
                    approve=posted.cleaned_data["decision"] == "approve",
                    reason=posted.reason_text(),
                    expected_state=posted.cleaned_data["expected_state"],
                )
            except ConflictError as exc:
                messages.error(request, str(exc))
                return redirect("registration_review", pk=form.pk)
            except ValidationError as exc:
                posted.add_error("reason", exc.messages)
            else:
                messages.success(request, _("%(item)s: decision recorded.") % {"item": item.get_kind_display()})
                return redirect("registration_review", pk=form.pk)
    rows = _item_rows(form, request.user)
    changes = selectors.registration_changes_since_last_submission(form=form)
    items = []
    applicable = set(services.registration_item_kinds(form))
    for item in form.items.all():
        if item.kind not in applicable:
            continue
        is_posted = posted is not None and posted.data.get("kind") == item.kind
        decision_form = (
            posted if is_posted else ItemDecisionForm(initial={"kind": item.kind, "expected_state": item.state})
        )
        decision_form.auto_id = f"id_{item.kind}_%s"
        items.append(
            {
                "item": item,
                "rows": rows.get(item.kind, []),
                "evidence": getattr(form, ITEM_EVIDENCE[item.kind]) if item.kind in ITEM_EVIDENCE else None,
                "decision_form": decision_form,
                "decisions": item.decisions.all(),
                "changes": changes.get(item.kind, []),
            }
        )
    return render(
        request,
        "registration/staff/review.html",
        {
            "form": form,
            "student": form.student,
            "passport_number": permissions.identity_number_for(request.user, form.student.passport_number),
            "items": items,
            "pending_count": sum(1 for entry in items if entry["item"].state == ItemState.PENDING),
            "resubmitted": form.submissions.count() > 1,
            "visa_letters": selectors.registration_visa_letters(form=form),
        },
        status=400 if posted is not None else 200,
    )


@require_POST
@staff_required
def registration_approve_all(request, pk):
    form = _reviewable_form(request, pk)
    # The reviewer approves what they saw: if the student resubmitted since, the page must be looked at again.
    if request.POST.get("version") != str(form.version):
        messages.error(request, _("The form changed since you opened it. Check it again before approving."))
        return redirect("registration_review", pk=form.pk)
    approved = 0
    for item in form.items.all():
        if item.state != ItemState.PENDING:
            continue
        try:
            services.registration_item_decide(
                item=item, reviewer=request.user, approve=True, expected_state=ItemState.PENDING
            )
        except ConflictError as exc:
            messages.error(request, str(exc))
            break
        approved += 1
    if approved:
        messages.success(request, ngettext("%(n)d item approved.", "%(n)d items approved.", approved) % {"n": approved})
    elif not any(item.state == ItemState.PENDING for item in form.items.all()):
        messages.info(request, _("No item was waiting for a decision."))
    return redirect("registration_review", pk=form.pk)


class CountsForm(forms.Form):
    semester = forms.ModelChoiceField(label=gettext_lazy("Semester"), queryset=Semester.objects.all(), required=False)


COUNT_LABELS = {
    "students": gettext_lazy("Students"),
    "draft": gettext_lazy("Draft"),
    "submitted": gettext_lazy("Waiting for review"),
    "returned": gettext_lazy("Returned (rejected items)"),
    "approved": gettext_lazy("Approved"),
    "registered": gettext_lazy("Registered at the desk"),
    "deferred": gettext_lazy("Deferred (approved leave)"),
    "missing": gettext_lazy("Missing (not submitted)"),
}


@require_safe
@staff_required
def registration_counts(request):
    if not can_view_registration_counts(request.user):
        raise PermissionDenied
    choice = CountsForm(request.GET or None)
    semester = choice.cleaned_data.get("semester") if choice.is_valid() else None
    semester = semester or selectors.registration_counts_semester()
    if semester is None:
        return render(request, "registration/staff/counts.html", {"choice": choice, "semester": None})
    lines = selectors.registration_school_counts(user=request.user, semester=semester)
    totals = {column: sum(getattr(line, column) for line in lines) for column in selectors.COUNT_COLUMNS}
    if request.GET.get("format") == "csv":
        return _counts_csv(semester, lines, totals)
    now = timezone.now()
    window_open = (
        rules.preregistration_window_state(
            opens_at=semester.preregistration_opens_at, closes_at=semester.preregistration_closes_at, now=now
        )
        == rules.WindowState.OPEN
    )
    return render(
        request,
        "registration/staff/counts.html",
        {
            "choice": choice,
            "semester": semester,
            "columns": [(column, COUNT_LABELS[column]) for column in selectors.COUNT_COLUMNS],
            "lines": [(line, [getattr(line, column) for column in selectors.COUNT_COLUMNS]) for line in lines],
            "totals": [totals[column] for column in selectors.COUNT_COLUMNS],
            "live": window_open,
            "as_of": now,
        },
    )


def _counts_csv(semester, lines, totals) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="registration-counts-{semester.code}.csv"'
    # A byte-order mark, so spreadsheet programs read the Chinese school names as UTF-8.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["school", "school_en", "school_zh", *selectors.COUNT_COLUMNS])
    for line in lines:
        writer.writerow(
            [line.school.code, line.school.name_en, line.school.name_zh]
            + [getattr(line, column) for column in selectors.COUNT_COLUMNS]
        )
    writer.writerow(["total", "", ""] + [totals[column] for column in selectors.COUNT_COLUMNS])
    return response
